"""Processing routes."""

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.api.api import api
from xcube_openeo.api.context import OpenEOContext
from xcube_openeo.api.handler import OpenEOHandler
from xcube_openeo.processing import controllers
from xcube_openeo.processing.sync import sync_slot


@api.route(OPENEO_PREFIX + "/result")
class ResultHandler(OpenEOHandler[OpenEOContext]):
    async def post(self):
        user = self.require_user()
        body = self.read_json()
        with sync_slot(self.ctx.sync_max_concurrent):
            # Evaluation runs in a worker thread and computation on the dask cluster:
            # the event loop stays free.
            result = await self.ctx.run_in_executor(None, controllers.run_sync, self.ctx, body,
                                                     user.user_id)
        self.response.set_header("Content-Type", result.media_type)
        if result.filename:
            self.response.set_header("Content-Disposition",
                                     f'attachment; filename="{result.filename}"')
        self.response.finish(result.data)
