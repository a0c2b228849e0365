"""Text a client sends that PostgreSQL cannot store: U+0000 and lone UTF-16 surrogates.

A `text` or `jsonb` value refuses both (and asyncpg cannot even encode a surrogate), so such
text is refused at the door, as a 400 naming where it was, instead of failing deep in a query.
JSON bodies are checked by `check_json`; paths and query strings by `text_middleware`.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .errors import ApiError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _refuse(where: str) -> ApiError:
    return ApiError(
        400,
        "invalid_text",
        f"{where}: text may not hold U+0000 or a lone surrogate (\\ud800-\\udfff)",
    )


def check_json(value: Any) -> None:
    """Raise a 400 ApiError naming the first string (key or value) of VALUE PostgreSQL refuses."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                raise _refuse(path or "the body")
        elif isinstance(item, dict):
            for key, child in item.items():
                where = f"{path}.{key}" if path else str(key)
                if _UNSTORABLE.search(key):
                    raise _refuse(f"{path or 'the body'}: a key")
                pending.append((child, where))
        elif isinstance(item, list):
            pending.extend((child, f"{path}[{index}]") for index, child in enumerate(item))


def text_middleware() -> Middleware:
    """Return the middleware refusing paths and query strings PostgreSQL could not store."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if _UNSTORABLE.search(request.path):
            raise _refuse("the path")
        for name, value in request.query.items():
            if _UNSTORABLE.search(name) or _UNSTORABLE.search(value):
                raise _refuse(f"query parameter {name!r}")
        return await handler(request)

    return middleware
