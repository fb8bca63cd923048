"""Process routes: the predefined processes and graph validation."""

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.api.api import api
from xcube_openeo.api.context import OpenEOContext
from xcube_openeo.api.handler import OpenEOHandler
from xcube_openeo.processes import controllers


@api.route(OPENEO_PREFIX + "/processes")
class ProcessesHandler(OpenEOHandler[OpenEOContext]):
    def get(self):
        limit = self.query_int("limit", minimum=1)
        self.write_json(
            controllers.list_processes(self.ctx, self.base_url, limit, self.query_str("next"))
        )


@api.route(OPENEO_PREFIX + "/validation")
class ValidationHandler(OpenEOHandler[OpenEOContext]):
    def post(self):
        self.write_json(controllers.validate(self.ctx, self.read_json()))
