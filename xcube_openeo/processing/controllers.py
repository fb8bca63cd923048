"""Synchronous processing: evaluate a process graph and encode its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xcube_openeo.api.context import OpenEOContext
from xcube_openeo.errors import OpenEOError, ProcessGraphMissing
from xcube_openeo.formats import FileFormat, load_formats
from xcube_openeo.formats.writing import encode_response


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


def run_sync(ctx: OpenEOContext, body: Any, user_id: str | None = None) -> EncodedResult:
    """Evaluates ``body["process"]``, computes it on the cluster and encodes the result.

    Runs in a worker thread of the server: evaluation only builds the lazy computation;
    the computation runs on the dask cluster under the configured deadline, except for
    small requests (``SyncLocalMaxInputValues``), which are quicker computed right here
    than scheduled.
    """
    from xcube_openeo.engine import evaluate_process
    from xcube_openeo.execution import compute_result
    from xcube_openeo.execution.compute import compute_locally
    from xcube_openeo.execution.estimate import estimate

    process = process_of(body)
    result = evaluate_process(process, ctx.eval_env(user_id))
    size = estimate(result)
    if size.input_values > ctx.sync_max_input_values:
        raise OpenEOError(
            "ProcessGraphComplexity",
            f"This request {size.describe()}; synchronous requests may read at most"
            f" {ctx.sync_max_input_values:,} values. Narrow the extents or use a batch job.",
        )
    if size.input_values <= ctx.sync_local_max_input_values:
        result = compute_locally(result, ctx.sync_timeout)
    else:
        result = compute_result(result, ctx.cluster.client(), ctx.sync_timeout)
    return encode_result(ctx, result)


def encode_result(ctx: OpenEOContext, result: Any) -> EncodedResult:
    from xcube_openeo.engine.cube import DataCube
    from xcube_openeo.processes.cubes.io import SaveResult

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
        name = ctx.default_raster_format if isinstance(result, DataCube) else "JSON"
        fmt = _required(formats.find_output(name), name)
        value = result
    data, media_type, filename = encode_response(fmt, value, options)
    return EncodedResult(data, media_type, fmt.name, filename)


def _required(fmt: FileFormat | None, name: str) -> FileFormat:
    if fmt is None:  # a configuration naming a format that does not exist
        raise OpenEOError("FormatUnsupported", f"Default output format {name!r} is not available.")
    return fmt
