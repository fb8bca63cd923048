"""Collection routes."""

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.api.api import api
from xcube_openeo.api.conformance import declare_conformance
from xcube_openeo.api.context import OpenEOContext
from xcube_openeo.api.handler import OpenEOHandler
from xcube_openeo.collections import controllers

declare_conformance(
    "https://api.stacspec.org/v1.0.0/collections",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
)


@api.route(OPENEO_PREFIX + "/collections")
class CollectionsHandler(OpenEOHandler[OpenEOContext]):
    def get(self):
        limit = self.query_int("limit", minimum=1)
        doc = controllers.list_collections(self.ctx, self.base_url, limit, self.query_str("next"))
        self.write_json(doc)


@api.route(OPENEO_PREFIX + "/collections/{collection_id}")
class CollectionHandler(OpenEOHandler[OpenEOContext]):
    def get(self, collection_id: str):
        self.write_json(controllers.describe_collection(self.ctx, collection_id, self.base_url))


@api.route(OPENEO_PREFIX + "/collections/{collection_id}/queryables")
class QueryablesHandler(OpenEOHandler[OpenEOContext]):
    def get(self, collection_id: str):
        doc = controllers.get_queryables(self.ctx, collection_id, self.base_url)
        self.write_json(doc, content_type="application/schema+json")
