"""The openEO HTTP API: importing this package registers every openEO route."""

# Route modules register on import; the catch-all for unknown paths goes last.
from xcube_openeo.api import routes as _discovery_routes  # noqa: F401
from xcube_openeo.api.api import api
from xcube_openeo.auth import routes as _auth_routes  # noqa: F401  (credentials, /me)
from xcube_openeo.collections import routes as _collection_routes  # noqa: F401
from xcube_openeo.files import routes as _file_routes  # noqa: F401
from xcube_openeo.jobs import routes as _job_routes  # noqa: F401
from xcube_openeo.layers import routes as _layer_routes  # noqa: F401  (result layers)
from xcube_openeo.processes import routes as _process_routes  # noqa: F401
from xcube_openeo.processing import routes as _processing_routes  # noqa: F401
from xcube_openeo.services import routes as _service_routes  # noqa: F401
from xcube_openeo.udp import routes as _udp_routes  # noqa: F401  (/process_graphs)

_discovery_routes.add_catch_all_route()

__all__ = ["api"]
