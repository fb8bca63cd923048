"""Discovery routes: well-known document, capabilities, conformance, formats, runtimes."""

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.api import controllers
from xcube_openeo.api.api import api
from xcube_openeo.api.context import OpenEOContext
from xcube_openeo.errors import NotFound
from xcube_openeo.services.types import service_types
from xcube_openeo.web.handler import OpenEOHandler

P = OPENEO_PREFIX


@api.route("/.well-known/openeo")
class WellKnownHandler(OpenEOHandler[OpenEOContext]):
    listed = False

    def get(self):
        self.write_json(controllers.get_well_known(self.base_url))


@api.route(P, slash=True)
class CapabilitiesHandler(OpenEOHandler[OpenEOContext]):
    def get(self):
        self.write_json(controllers.get_capabilities(self.ctx, self.base_url, api.routes))


@api.route(P + "/conformance")
class ConformanceHandler(OpenEOHandler[OpenEOContext]):
    def get(self):
        self.write_json(controllers.get_conformance())


@api.route(P + "/file_formats")
class FileFormatsHandler(OpenEOHandler[OpenEOContext]):
    def get(self):
        self.write_json(controllers.get_file_formats(self.ctx))


@api.route(P + "/udf_runtimes")
class UdfRuntimesHandler(OpenEOHandler[OpenEOContext]):
    def get(self):
        # No UDF runtime yet: an empty object is the documented answer.
        self.write_json({})


@api.route(P + "/service_types")
class ServiceTypesHandler(OpenEOHandler[OpenEOContext]):
    def get(self):
        self.write_json(service_types())


class NotFoundHandler(OpenEOHandler[OpenEOContext]):
    """Every path under the openEO prefix that no other route matched."""

    listed = False

    def _not_found(self, *args, **kwargs):
        raise NotFound(f"No openEO endpoint at {self.request.url.split('?')[0]}.")

    get = post = put = patch = delete = head = _not_found


def add_catch_all_route() -> None:
    """Must run after every other openEO route is registered: tornado matches in order."""
    api.route(P + "/{*path}")(NotFoundHandler)
