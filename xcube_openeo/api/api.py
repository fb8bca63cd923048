"""The openEO API as an xcube server API."""

from xcube.server.api import Api

from xcube_openeo import __version__
from xcube_openeo.api.config import CONFIG_SCHEMA
from xcube_openeo.api.context import OpenEOContext

api = Api(
    "openeo",
    version=__version__,
    description="openEO API 1.2.0: collections, processes, processing and web services",
    config_schema=CONFIG_SCHEMA,
    required_apis=["datasets"],
    create_ctx=OpenEOContext,
    on_start=lambda server_ctx: _on_start(server_ctx.get_api_ctx("openeo")),
)


def _on_start(ctx: OpenEOContext | None) -> None:
    """Starts the dask cluster in the background, and the job runner, which marks jobs
    that a killed server process left queued or running."""
    assert ctx is not None, "xcube creates the API contexts before on_start"
    ctx.cluster.start()
    _ = ctx.job_runner
