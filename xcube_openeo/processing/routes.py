"""Processing routes."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.execution.deadline import Deadline
from xcube_openeo.processing import controllers
from xcube_openeo.processing.sync import acquire_slot
from xcube_openeo.web.handler import OpenEOHandler
from xcube_openeo.web.routes import RouteTable

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext  # noqa: F401 (a string in base classes)

ROUTES = RouteTable()

#: Threads running synchronous requests (evaluation, estimation, waiting for the
#: computation, encoding).  Their own threads: a request stuck in a step that cannot
#: be interrupted never takes a thread other endpoints need.  Admission
#: (``SyncMaxConcurrent``) bounds how many are busy.
_SYNC_POOL = ThreadPoolExecutor(max_workers=64, thread_name_prefix="openeo-sync")

#: Seconds past the deadline after which the handler answers ``RequestTimeout`` itself,
#: should the request's own checks not have ended it (a single step still running).
DEADLINE_GRACE = 1.0


@ROUTES.route(OPENEO_PREFIX + "/result")
class ResultHandler(OpenEOHandler["OpenEOContext"]):
    async def post(self):
        user = self.require_user()
        body = self.read_json()
        deadline = Deadline(self.ctx.settings.sync_timeout)
        release = acquire_slot(self.ctx.settings.sync_max_concurrent)
        try:
            future = _SYNC_POOL.submit(controllers.run_sync, self.ctx, body, user.user_id, deadline)
        except BaseException:
            release()
            raise
        # The slot is given back when the work has ended, also after a late answer.
        future.add_done_callback(lambda _: release())
        work = asyncio.wrap_future(future)
        work.add_done_callback(_consume)
        try:
            # The event loop stays free meanwhile; shield: a timeout must not cancel
            # the wrapper of a thread that cannot be cancelled.
            remaining = deadline.remaining()
            assert remaining is not None  # SyncTimeout always has a value
            result = await asyncio.wait_for(asyncio.shield(work), remaining + DEADLINE_GRACE)
        except asyncio.TimeoutError:
            raise deadline.error() from None
        self.response.set_header("Content-Type", result.media_type)
        if result.filename:
            self.response.set_header(
                "Content-Disposition", f'attachment; filename="{result.filename}"'
            )
        self.response.finish(result.data)


def _consume(work: "asyncio.Future") -> None:
    # A result or error nobody awaits any more (answered late) is dropped quietly.
    if not work.cancelled():
        work.exception()
