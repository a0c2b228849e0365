"""A typed client of the AetherLens engine's HTTP API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

REQUEST_TIMEOUT = 10


class AetherLensError(Exception):
    """The engine could not answer as expected."""


class AetherLensConnectionError(AetherLensError):
    """The engine cannot be reached."""


class AetherLensAuthenticationError(AetherLensError):
    """The engine rejected the token."""


@dataclass(frozen=True, slots=True)
class EngineHealth:
    """What `/api/v1/health` reports."""

    status: str
    version: str
    instance_id: str
    database_status: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EngineHealth:
        """Build from the engine's JSON, rejecting what is not an AetherLens engine."""
        try:
            return cls(
                status=str(data["status"]),
                version=str(data["version"]),
                instance_id=str(data["instance_id"]),
                database_status=str(data["database"]["status"]),
            )
        except (KeyError, TypeError) as err:
            raise AetherLensError("the answer is not an AetherLens engine's health") from err


class AetherLensClient:
    """Client of one engine, on a shared aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Talk to the engine at URL (e.g. `http://127.0.0.1:8787`)."""
        self._session = session
        self._url = URL(url)

    async def health(self) -> EngineHealth:
        """Return the engine's health."""
        return EngineHealth.from_json(await self._get("/api/v1/health"))

    async def _get(self, path: str) -> dict[str, Any]:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                response = await self._session.get(self._url.join(URL(path)))
                if response.status in (401, 403):
                    raise AetherLensAuthenticationError("the engine rejected the token")
                response.raise_for_status()
                data = await response.json()
        except (TimeoutError, aiohttp.ClientConnectionError) as err:
            raise AetherLensConnectionError(f"cannot reach the engine at {self._url}") from err
        except (aiohttp.ClientResponseError, aiohttp.ContentTypeError, ValueError) as err:
            raise AetherLensError(f"unexpected answer from the engine: {err}") from err
        if not isinstance(data, dict):
            raise AetherLensError("unexpected answer from the engine: not a JSON object")
        return data
