"""Collection routes."""

from typing import TYPE_CHECKING

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.collections import controllers
from xcube_openeo.web.conformance import declare_conformance
from xcube_openeo.web.handler import OpenEOHandler
from xcube_openeo.web.routes import RouteTable

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext  # noqa: F401 (a string in base classes)

ROUTES = RouteTable()

declare_conformance(
    "https://api.stacspec.org/v1.0.0/collections",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
)


@ROUTES.route(OPENEO_PREFIX + "/collections")
class CollectionsHandler(OpenEOHandler["OpenEOContext"]):
    def get(self):
        limit = self.query_int("limit", minimum=1)
        doc = controllers.list_collections(self.ctx, self.base_url, limit, self.query_str("next"))
        self.write_json(doc)


@ROUTES.route(OPENEO_PREFIX + "/collections/{collection_id}")
class CollectionHandler(OpenEOHandler["OpenEOContext"]):
    def get(self, collection_id: str):
        self.write_json(controllers.describe_collection(self.ctx, collection_id, self.base_url))


@ROUTES.route(OPENEO_PREFIX + "/collections/{collection_id}/queryables")
class QueryablesHandler(OpenEOHandler["OpenEOContext"]):
    def get(self, collection_id: str):
        doc = controllers.get_queryables(self.ctx, collection_id, self.base_url)
        self.write_json(doc, content_type="application/schema+json")
