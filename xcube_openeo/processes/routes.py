"""Process routes: the predefined processes and graph validation."""

from typing import TYPE_CHECKING

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.processes import controllers
from xcube_openeo.web.handler import OpenEOHandler
from xcube_openeo.web.routes import RouteTable

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext  # noqa: F401 (a string in base classes)

ROUTES = RouteTable()


@ROUTES.route(OPENEO_PREFIX + "/processes")
class ProcessesHandler(OpenEOHandler["OpenEOContext"]):
    def get(self):
        limit = self.query_int("limit", minimum=1)
        self.write_json(
            controllers.list_processes(self.ctx, self.base_url, limit, self.query_str("next"))
        )


@ROUTES.route(OPENEO_PREFIX + "/validation")
class ValidationHandler(OpenEOHandler["OpenEOContext"]):
    def post(self):
        self.write_json(controllers.validate(self.ctx, self.read_json()))
