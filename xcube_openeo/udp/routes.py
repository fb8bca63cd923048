"""Routes: ``/process_graphs`` and ``/process_graphs/{process_graph_id}``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.udp.store import check_process_id
from xcube_openeo.web.handler import OpenEOHandler
from xcube_openeo.web.pagination import paginate
from xcube_openeo.web.routes import RouteTable

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext  # noqa: F401 (a string in base classes)

P = OPENEO_PREFIX
ROUTES = RouteTable()


@ROUTES.route(P + "/process_graphs")
class UserProcessesHandler(OpenEOHandler["OpenEOContext"]):
    def get(self):
        user = self.require_user()
        limit = self.query_int("limit", minimum=1)
        processes = list(self.ctx.user_processes.all(user.user_id).values())
        base = f"{self.base_url}/process_graphs"
        page, links = paginate(
            processes,
            limit,
            self.query_str("next"),
            lambda lim, tok: f"{base}?limit={lim}&next={tok}",
        )
        # The listing leaves out the graphs (the API makes them optional here).
        summaries = [{k: v for k, v in p.items() if k != "process_graph"} for p in page]
        self.write_json(
            {
                "processes": summaries,
                "links": [{"rel": "self", "href": base, "type": "application/json"}, *links],
            }
        )


@ROUTES.route(P + "/process_graphs/{process_graph_id}")
class UserProcessHandler(OpenEOHandler["OpenEOContext"]):
    def get(self, process_graph_id: str):
        user = self.require_user()
        self.write_json(self.ctx.user_processes.get(user.user_id, process_graph_id))

    def put(self, process_graph_id: str):
        user = self.require_user()
        check_process_id(process_graph_id)
        self.ctx.user_processes.put(user.user_id, process_graph_id, self.read_json_object())
        self.response.set_status(200)
        self.response.finish()

    def delete(self, process_graph_id: str):
        user = self.require_user()
        self.ctx.user_processes.delete(user.user_id, process_graph_id)
        self.response.set_status(204)
        self.response.finish()
