"""Announce the engine to Home Assistant through the Supervisor's discovery API.

As an add-on the engine posts `{"service": "aetherlens", "config": {host, port, token}}` to
`http://supervisor/discovery` with the container's `SUPERVISOR_TOKEN`; Home Assistant then offers
the integration with nothing to type. It announces at start, retries until the Supervisor takes
it, and announces again whenever the token the engine serves differs from the one announced (the
Supervisor updates its message and Home Assistant updates the entry's token).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from aetherlens_engine.errors import EngineError
from aetherlens_engine.tasks import cancel_and_wait

LOGGER = logging.getLogger(__name__)
SERVICE = "aetherlens"
# Set by the Supervisor in every add-on container (and only there).
SUPERVISOR_TOKEN_VARIABLE = "SUPERVISOR_TOKEN"  # noqa: S105 - a variable name
DEFAULT_SUPERVISOR_URL = "http://supervisor"
# Lets a test (or an unusual set-up) point the engine at another Supervisor.
SUPERVISOR_URL_VARIABLE = "AETHERLENS_SUPERVISOR_URL"
CHECK_INTERVAL = 60.0
RETRY_MIN = 1.0
RETRY_MAX = 300.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)


class DiscoveryError(EngineError):
    """The Supervisor did not accept the announcement."""


@dataclass(frozen=True, slots=True)
class Announcement:
    """Where Home Assistant finds the engine, and the token it needs."""

    host: str
    port: int
    token: str = field(repr=False)

    def payload(self) -> dict[str, Any]:
        """Return the body of the Supervisor's `POST /discovery`."""
        return {
            "service": SERVICE,
            "config": {"host": self.host, "port": self.port, "token": self.token},
        }


class SupervisorDiscovery:
    """The Supervisor's discovery API, as the add-on may use it."""

    def __init__(self, session: aiohttp.ClientSession, url: str, supervisor_token: str) -> None:
        """Talk to the Supervisor at URL with the add-on's SUPERVISOR_TOKEN."""
        self._session = session
        self._url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {supervisor_token}"}

    async def announce(self, announcement: Announcement) -> str:
        """Post ANNOUNCEMENT; return the message's id the Supervisor gives back."""
        async with self._session.post(
            f"{self._url}/discovery",
            json=announcement.payload(),
            headers=self._headers,
            timeout=REQUEST_TIMEOUT,
        ) as response:
            body = await self._json(response)
        message_id = (body.get("data") or {}).get("uuid")
        if not isinstance(message_id, str):
            raise DiscoveryError("the Supervisor's answer to the discovery has no message id")
        return message_id

    async def withdraw(self, message_id: str) -> None:
        """Remove an earlier announcement (one that holds an old token)."""
        async with self._session.delete(
            f"{self._url}/discovery/{message_id}", headers=self._headers, timeout=REQUEST_TIMEOUT
        ) as response:
            await self._json(response)

    @staticmethod
    async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
        try:
            body = await response.json(content_type=None)
        except ValueError:
            body = None
        if response.status != 200 or not isinstance(body, dict) or body.get("result") != "ok":  # noqa: PLR2004
            message = body.get("message") if isinstance(body, dict) else None
            raise DiscoveryError(
                f"the Supervisor refused the discovery request (HTTP {response.status}"
                f"{': ' + str(message) if message else ''})"
            )
        return body


class DiscoveryAnnouncer:
    """Keeps the Supervisor's discovery message in step with the engine's token."""

    def __init__(
        self,
        supervisor_url: str,
        supervisor_token: str,
        *,
        host: str,
        port: int,
        token: Callable[[], str | None],
        check_interval: float = CHECK_INTERVAL,
        retry_min: float = RETRY_MIN,
        retry_max: float = RETRY_MAX,
    ) -> None:
        """Announce HOST:PORT with the token TOKEN() returns, checked every CHECK_INTERVAL s.

        A failed announcement is retried after RETRY_MIN s, doubling up to RETRY_MAX s.
        """
        self._url = supervisor_url
        self._supervisor_token = supervisor_token
        self._host = host
        self._port = port
        self._token = token
        self._check_interval = check_interval
        self._retry_min = retry_min
        self._retry_max = retry_max
        self._announced: tuple[str, str] | None = None  # (token, message id)
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str], *, port: int, token: Callable[[], str | None]
    ) -> DiscoveryAnnouncer | None:
        """Return an announcer when the engine runs as an add-on (SUPERVISOR_TOKEN is set)."""
        supervisor_token = environ.get(SUPERVISOR_TOKEN_VARIABLE)
        if not supervisor_token:
            return None
        return cls(
            environ.get(SUPERVISOR_URL_VARIABLE) or DEFAULT_SUPERVISOR_URL,
            supervisor_token,
            # The add-on's host name is its name on the network Home Assistant shares with it.
            host=socket.gethostname(),
            port=port,
            token=token,
        )

    @property
    def announced_message(self) -> str | None:
        """Return the id of the Supervisor's message for the current token, once announced."""
        return self._announced[1] if self._announced else None

    def start(self) -> None:
        """Start announcing in the background."""
        self._task = asyncio.create_task(self._run(), name="aetherlens-discovery")

    async def stop(self) -> None:
        """Stop announcing (the Supervisor keeps the last message for the next start)."""
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        async with aiohttp.ClientSession() as session:
            client = SupervisorDiscovery(session, self._url, self._supervisor_token)
            retry = self._retry_min
            while True:
                try:
                    await self._sync(client)
                except (aiohttp.ClientError, TimeoutError, DiscoveryError) as err:
                    LOGGER.warning(
                        "Could not announce the engine to Home Assistant (%s); retrying in %.0f s",
                        err,
                        retry,
                    )
                    await asyncio.sleep(retry)
                    retry = min(retry * 2, self._retry_max)
                    continue
                retry = self._retry_min
                await asyncio.sleep(self._check_interval)

    async def _sync(self, client: SupervisorDiscovery) -> None:
        token = self._token()
        if token is None or (self._announced is not None and self._announced[0] == token):
            return
        message_id = await client.announce(Announcement(self._host, self._port, token))
        previous = self._announced
        self._announced = (token, message_id)
        LOGGER.info("Announced the engine to Home Assistant as %s:%s", self._host, self._port)
        if previous is not None and previous[1] != message_id:
            await client.withdraw(previous[1])
