"""`GET /api/v1/events`: the engine's server-sent events (see `aetherlens_engine.live`).

The stream starts with `retry:` (how long a client waits before reconnecting) and a `ready`
event, then carries each event published, and a comment every HEARTBEAT seconds so that proxies
(Home Assistant's ingress) keep it open. It ends when the client leaves or the engine stops;
at most `LiveUpdates.max_streams` are open at once (503 beyond).
"""

from __future__ import annotations

import asyncio
from typing import Final

from aiohttp import web

from aetherlens_engine.live import CLOSE

from .errors import unavailable
from .state import STATE_KEY

HEARTBEAT: Final = 15.0
RECONNECT_MS: Final = 3000


async def get_events(request: web.Request) -> web.StreamResponse:
    """Stream the engine's events until the client leaves or the engine stops."""
    state = request.app[STATE_KEY]
    live = state.live
    if live.streams >= live.max_streams:
        raise unavailable(
            "too_many_streams",
            f"{live.max_streams} event streams are open already; retry later",
            state.limits.unavailable_retry_after,
        )
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            # Proxies must pass each event on as it comes, not buffer the stream.
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue = live.open()
    try:
        await response.write(f"retry: {RECONNECT_MS}\nevent: ready\ndata: {{}}\n\n".encode())
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), HEARTBEAT)
            except TimeoutError:
                message = ": keep-alive\n\n"
            if message == CLOSE:
                break
            await response.write(message.encode())
    except ConnectionResetError:
        pass  # the client left
    finally:
        live.leave(queue)
    return response


async def end_streams(app: web.Application) -> None:
    """End every open stream, so that the app's shutdown does not wait for them."""
    app[STATE_KEY].live.close()
