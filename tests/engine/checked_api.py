"""Requests whose answers are checked against the OpenAPI document before a test reads them.

Holds no tests itself.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from aetherlens_engine.api.openapi import build_spec
from tests.engine.test_api_openapi import Answer, _operations, check_answer

SPEC = build_spec("test", 10)


async def checked(
    session: aiohttp.ClientSession,
    method: str,
    route: str,
    *,
    path: str | None = None,
    **kwargs: Any,
) -> tuple[int, Any]:
    """Send METHOD to ROUTE (PATH: the route's parameters filled in); return status and JSON body.

    Fails unless the answer is one the document describes for the route, in its schema.
    """
    async with session.request(method, path or route, **kwargs) as resp:
        text = await resp.text()
        answer = Answer(route, method, resp.status, resp.content_type, dict(resp.headers), text)
    check_answer(SPEC, answer)
    return answer.status, json.loads(text) if text else None


def unseen_answers(
    spec: dict[str, Any], answers: list[Answer], route: str
) -> set[tuple[str, str, str]]:
    """Check ANSWERS against SPEC; return ROUTE's documented answers none of them is (but 500)."""
    for answer in answers:
        check_answer(spec, answer)
    seen = {(a.route, a.method, str(a.status)) for a in answers}
    documented: set[tuple[str, str, str]] = {
        (route, method, status)
        for method, operation in spec["paths"][route].items()
        for status in operation["responses"]
    }
    return documented - seen - {(p, m, "500") for p, m in _operations(spec)}
