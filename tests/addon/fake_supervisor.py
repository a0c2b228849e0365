"""A stand-in for the Supervisor's discovery API, on 127.0.0.1.

No Supervisor can run on this machine (it needs Docker and a Home Assistant OS host), so the tests
serve the two routes the add-on uses, with the Supervisor's answers: `POST /discovery` and
`DELETE /discovery/{uuid}`, both behind the add-on's bearer token.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.addon.ports import free_port

SUPERVISOR_TOKEN = "supervisor-token-of-the-addon"  # noqa: S105 - a test value
WAIT_LIMIT = 30.0


@dataclass
class FakeSupervisor:
    """What the add-on sent, and how many announcements to refuse first."""

    url: str = ""
    refuse: int = 0
    announcements: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_for(self, ready: Callable[[], bool]) -> None:
        """Wait until READY() holds after a request (a deadline against hanging)."""
        async with asyncio.timeout(WAIT_LIMIT), self.changed:
            await self.changed.wait_for(ready)

    async def _record(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def post_discovery(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {SUPERVISOR_TOKEN}":
            return web.json_response({"result": "error", "message": "Unauthorized"}, status=401)
        if self.refuse > 0:
            self.refuse -= 1
            await self._record()
            return web.json_response(
                {"result": "error", "message": "Supervisor is starting"}, status=503
            )
        self.announcements.append(await request.json())
        self.message_ids.append(uuid.uuid4().hex)
        await self._record()
        return web.json_response({"result": "ok", "data": {"uuid": self.message_ids[-1]}})

    async def delete_discovery(self, request: web.Request) -> web.Response:
        message_id = request.match_info["uuid"]
        if message_id not in self.message_ids:
            return web.json_response({"result": "error", "message": "Not found"}, status=400)
        self.withdrawn.append(message_id)
        await self._record()
        return web.json_response({"result": "ok", "data": {}})


@asynccontextmanager
async def fake_supervisor(refuse: int = 0) -> AsyncIterator[FakeSupervisor]:
    """Serve a fake Supervisor on 127.0.0.1 until the context ends."""
    fake = FakeSupervisor(refuse=refuse)
    app = web.Application()
    app.router.add_post("/discovery", fake.post_discovery)
    app.router.add_delete("/discovery/{uuid}", fake.delete_discovery)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()
