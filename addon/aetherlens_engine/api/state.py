"""What the API's handlers share."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from aiohttp import web


@dataclass(slots=True)
class EngineState:
    """The running engine as the API sees it."""

    version: str
    instance_id: str
    pool: asyncpg.Pool | None = None


STATE_KEY = web.AppKey("state", EngineState)
