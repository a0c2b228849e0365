"""Answers shared by concurrent callers of a route: many clients asking at once cost one answer.

Several Home Assistant instances, dashboards and scripts poll the same routes, often in the same
second; each computation takes a pooled connection and the event loop's time. A caller arriving
while the route's answer is being computed joins that computation: it gets an answer begun less
than one computation's time before it asked (what a caller a few milliseconds earlier got).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

# The answers being computed, per application and route.
_IN_FLIGHT: weakref.WeakKeyDictionary[web.Application, dict[str, asyncio.Task[Any]]] = (
    weakref.WeakKeyDictionary()
)


async def shared_answer[T](
    app: web.Application, route: str, compute: Callable[[], Awaitable[T]]
) -> T:
    """Return the answer of ROUTE's computation running for APP, or of a new one of COMPUTE.

    The computation runs as a task of its own, so a caller that goes away cancels only its own
    wait; an error reaches every caller of that computation, and the next caller computes again.
    """
    running_by_route = _IN_FLIGHT.setdefault(app, {})
    running: asyncio.Task[T] | None = running_by_route.get(route)
    if running is None or running.done():
        running = asyncio.ensure_future(compute())
        running_by_route[route] = running
    return await asyncio.shield(running)
