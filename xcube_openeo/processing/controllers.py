"""Synchronous processing: evaluate a process graph and encode its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xcube_openeo.engine import evaluate_process
from xcube_openeo.engine.cube import DataCube
from xcube_openeo.errors import OpenEOError, ProcessGraphComplexity, ProcessGraphMissing
from xcube_openeo.execution import compute_result
from xcube_openeo.execution.compute import compute_locally, local_threads
from xcube_openeo.execution.deadline import Deadline, deadline_scope
from xcube_openeo.execution.estimate import estimate, format_bytes
from xcube_openeo.formats import FileFormat, load_formats
from xcube_openeo.formats.writing import encode_response
from xcube_openeo.processes.cubes.io import SaveResult

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext


@dataclass(frozen=True)
class EncodedResult:
    data: bytes
    media_type: str
    format: str
    #: File name of the result (for a Content-Disposition header).
    filename: str | None = None


def process_of(body: Any) -> dict[str, Any]:
    """The ``process`` object of a request body, checked for its basic shape."""
    process = body.get("process") if isinstance(body, dict) else None
    if not isinstance(process, dict) or not isinstance(process.get("process_graph"), dict):
        raise ProcessGraphMissing("The request has no process with a process graph.")
    return process


def run_sync(
    ctx: OpenEOContext, body: Any, user_id: str | None = None, deadline: Deadline | None = None
) -> EncodedResult:
    """Evaluates ``body["process"]``, computes it and encodes the result.

    Runs in a worker thread of the server.  The ``deadline`` (by default
    ``SyncTimeout`` from now) covers every step: evaluation checks it between process
    nodes, estimation between graph layers, the computation before every task (in this
    process) or while waiting (on the cluster).  Before anything is computed, the
    graph's estimated sizes are checked against the request limits; small requests
    (``SyncLocalMaxInputValues``, ``SyncLocalMaxMemory``) are computed right here,
    which is quicker than scheduling them on the cluster.
    """
    deadline = deadline if deadline is not None else Deadline(ctx.settings.sync_timeout)
    with deadline_scope(deadline):  # also for long loops inside single processes
        process = process_of(body)
        env = ctx.eval_env(user_id)
        env.deadline = deadline
        result = evaluate_process(process, env)
        size = estimate(result, deadline)
        threads = local_threads()
        settings = ctx.settings
        if size.input_values > settings.sync_max_input_values:
            raise ProcessGraphComplexity(
                f"This request {size.describe()}; synchronous requests may read at most"
                f" {settings.sync_max_input_values:,} values. Narrow the extents or use a"
                " batch job.",
            )
        memory = size.memory_bytes(threads)
        if memory > settings.sync_max_memory:
            raise ProcessGraphComplexity(
                f"This request {size.describe(threads)}; synchronous requests may need at most"
                f" {format_bytes(settings.sync_max_memory)}. Narrow the extents, reduce the data"
                " earlier in the graph, or use a batch job.",
            )
        if (
            size.input_values <= settings.sync_local_max_input_values
            and memory <= settings.sync_local_max_memory
        ):
            result = compute_locally(result, deadline)
        else:
            result = compute_result(result, _cluster_client(ctx, deadline), deadline)
        if size.tasks:
            deadline.check()  # no encoding of computed data past the deadline
        return encode_result(ctx, result)


def _cluster_client(ctx: OpenEOContext, deadline: Deadline) -> Any:
    """The cluster's client, waiting for a starting cluster no longer than the deadline."""
    remaining = deadline.remaining()
    try:
        return ctx.cluster.client(120 if remaining is None else min(120.0, remaining))
    except OpenEOError as e:
        left = deadline.remaining()
        if e.code == "InfrastructureBusy" and left is not None and left < 0.1:
            raise deadline.error() from None  # waited until the deadline
        raise


def encode_result(ctx: OpenEOContext, result: Any) -> EncodedResult:
    formats = load_formats()
    options: dict[str, Any] = {}
    if isinstance(result, SaveResult):
        fmt = formats.find_output(result.format)
        if fmt is None:
            raise OpenEOError(
                "FormatUnsupported",
                f"Output format {result.format!r} is not supported; see GET /file_formats.",
            )
        value, options = result.data, result.options
    else:
        name = ctx.settings.default_raster_format if isinstance(result, DataCube) else "JSON"
        fmt = _required(formats.find_output(name), name)
        value = result
    data, media_type, filename = encode_response(fmt, value, options)
    return EncodedResult(data, media_type, fmt.name, filename)


def _required(fmt: FileFormat | None, name: str) -> FileFormat:
    if fmt is None:  # a configuration naming a format that does not exist
        raise OpenEOError("FormatUnsupported", f"Default output format {name!r} is not available.")
    return fmt
