"""The engine announces itself through the Supervisor's discovery API (a fake one: see there)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

import aiohttp
import pytest

from aetherlens_engine.supervisor.discovery import (
    DEFAULT_SUPERVISOR_URL,
    Announcement,
    DiscoveryAnnouncer,
    DiscoveryError,
    SupervisorDiscovery,
)

from .fake_supervisor import SUPERVISOR_TOKEN, fake_supervisor

TOKEN = "engine-api-token-0123456789abcdef0123456789"  # noqa: S105 - a test value
NEW_TOKEN = "engine-api-token-fedcba9876543210fedcba98765"  # noqa: S105 - a test value


async def _until(ready: Callable[[], bool]) -> None:
    """Wait until READY() holds (a deadline against hanging, not a measurement)."""
    async with asyncio.timeout(30):
        while not ready():  # noqa: ASYNC110 - the announcer's state has no event to wait on
            await asyncio.sleep(0.01)


def _announcer(url: str, token: list[str]) -> DiscoveryAnnouncer:
    return DiscoveryAnnouncer(
        url,
        SUPERVISOR_TOKEN,
        host="a0d7b954-aetherlens-engine",
        port=8787,
        token=lambda: token[0],
        check_interval=0.05,
        retry_min=0.01,
    )


async def test_announces_host_port_and_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with fake_supervisor() as supervisor:
        announcer = _announcer(supervisor.url, [TOKEN])
        announcer.start()
        try:
            await _until(lambda: announcer.announced_message is not None)
        finally:
            await announcer.stop()
    assert supervisor.announcements == [
        {
            "service": "aetherlens",
            "config": {"host": "a0d7b954-aetherlens-engine", "port": 8787, "token": TOKEN},
        }
    ]
    assert announcer.announced_message == supervisor.message_ids[0]
    assert TOKEN not in caplog.text
    assert SUPERVISOR_TOKEN not in caplog.text


async def test_retries_until_the_supervisor_takes_it(caplog: pytest.LogCaptureFixture) -> None:
    async with fake_supervisor(refuse=2) as supervisor:
        announcer = _announcer(supervisor.url, [TOKEN])
        announcer.start()
        try:
            await supervisor.wait_for(lambda: len(supervisor.announcements) == 1)
        finally:
            await announcer.stop()
    assert supervisor.refuse == 0
    assert "HTTP 503: Supervisor is starting" in caplog.text
    assert supervisor.announcements[0]["config"]["token"] == TOKEN


async def test_announces_again_when_the_token_changes() -> None:
    token = [TOKEN]
    async with fake_supervisor() as supervisor:
        announcer = _announcer(supervisor.url, token)
        announcer.start()
        try:
            await supervisor.wait_for(lambda: len(supervisor.announcements) == 1)
            token[0] = NEW_TOKEN
            await supervisor.wait_for(lambda: len(supervisor.withdrawn) == 1)
        finally:
            await announcer.stop()
    assert [a["config"]["token"] for a in supervisor.announcements] == [TOKEN, NEW_TOKEN]
    assert supervisor.withdrawn == [supervisor.message_ids[0]]  # the old token's message
    assert announcer.announced_message == supervisor.message_ids[1]


async def test_a_refusal_is_an_error_with_the_supervisors_reason() -> None:
    async with fake_supervisor() as supervisor, aiohttp.ClientSession() as session:
        client = SupervisorDiscovery(session, supervisor.url, "not-the-token")
        with pytest.raises(DiscoveryError, match=r"HTTP 401: Unauthorized"):
            await client.announce(Announcement("host", 8787, TOKEN))
        client = SupervisorDiscovery(session, supervisor.url, SUPERVISOR_TOKEN)
        with pytest.raises(DiscoveryError, match="HTTP 400: Not found"):
            await client.withdraw("unknown")


def test_only_an_addon_announces() -> None:
    assert DiscoveryAnnouncer.from_environment({}, port=8787, token=lambda: TOKEN) is None
    announcer = DiscoveryAnnouncer.from_environment(
        {"SUPERVISOR_TOKEN": SUPERVISOR_TOKEN}, port=8787, token=lambda: TOKEN
    )
    assert announcer is not None
    assert announcer._url == DEFAULT_SUPERVISOR_URL
    assert announcer._host == socket.gethostname()
    moved = DiscoveryAnnouncer.from_environment(
        {"SUPERVISOR_TOKEN": SUPERVISOR_TOKEN, "AETHERLENS_SUPERVISOR_URL": "http://127.0.0.1:1"},
        port=8787,
        token=lambda: TOKEN,
    )
    assert moved is not None
    assert moved._url == "http://127.0.0.1:1"
