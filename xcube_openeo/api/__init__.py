"""The openEO HTTP API: importing this package registers every openEO route."""

from xcube_openeo.api import routes as discovery_routes
from xcube_openeo.api.api import api
from xcube_openeo.auth import routes as auth_routes  # credentials, /me
from xcube_openeo.collections import routes as collection_routes
from xcube_openeo.files import routes as file_routes
from xcube_openeo.jobs import routes as job_routes
from xcube_openeo.layers import routes as layer_routes  # result layers
from xcube_openeo.processes import routes as process_routes
from xcube_openeo.processing import routes as processing_routes
from xcube_openeo.services import routes as service_routes
from xcube_openeo.udp import routes as udp_routes  # /process_graphs

# The discovery routes registered on import; tornado matches in this order, and the
# catch-all for unknown paths goes last.
for _table in (
    auth_routes.ROUTES,
    collection_routes.ROUTES,
    file_routes.ROUTES,
    job_routes.ROUTES,
    service_routes.ROUTES,
    layer_routes.ROUTES,
    process_routes.ROUTES,
    processing_routes.ROUTES,
    udp_routes.ROUTES,
):
    _table.add_to(api)
discovery_routes.add_catch_all_route()

__all__ = ["api"]
