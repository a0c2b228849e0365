"""Concurrent requests of a route share one computation; sequential ones compute afresh."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from aiohttp import web

from aetherlens_engine.api.shared import shared_answer


async def test_callers_during_a_computation_share_its_answer() -> None:
    """Five callers while one computation runs: one computation, one answer for all; a caller
    that gives up does not cancel it; the next caller after it gets a new computation."""
    app = web.Application()
    release = asyncio.Event()
    runs = 0

    async def compute() -> dict[str, Any]:
        nonlocal runs
        runs += 1
        await release.wait()
        return {"run": runs}

    callers = [asyncio.create_task(shared_answer(app, "summary", compute)) for _ in range(5)]
    await asyncio.sleep(0.01)
    callers[0].cancel()
    await asyncio.sleep(0.01)
    release.set()
    answers = await asyncio.gather(*callers[1:])
    assert runs == 1
    assert answers == [{"run": 1}] * 4
    assert callers[0].cancelled()
    assert await shared_answer(app, "summary", compute) == {"run": 2}
    other_app = web.Application()
    assert await shared_answer(other_app, "summary", compute) == {"run": 3}


async def test_each_route_has_its_own_computation() -> None:
    """Callers of two routes at once: one computation per route, each caller its route's."""
    app = web.Application()
    release = asyncio.Event()

    async def compute(route: str) -> str:
        await release.wait()
        return route

    callers = [
        asyncio.create_task(shared_answer(app, route, functools.partial(compute, route)))
        for route in ("price", "projection", "price")
    ]
    await asyncio.sleep(0.01)
    release.set()
    assert await asyncio.gather(*callers) == ["price", "projection", "price"]


async def test_a_failed_computation_fails_its_callers_and_is_not_kept() -> None:
    """An error reaches every caller of that computation; the next caller computes again."""
    app = web.Application()
    outcomes = [web.HTTPServiceUnavailable(), None]

    async def compute() -> dict[str, Any]:
        await asyncio.sleep(0.01)
        if error := outcomes.pop(0):
            raise error
        return {"ok": True}

    results = await asyncio.gather(
        shared_answer(app, "summary", compute),
        shared_answer(app, "summary", compute),
        return_exceptions=True,
    )
    assert all(isinstance(r, web.HTTPServiceUnavailable) for r in results)
    assert await shared_answer(app, "summary", compute) == {"ok": True}
