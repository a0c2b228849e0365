"""A real `hass` of devtools: HA's UI served, HTTP confirmed (no trial), restarted when it exits.

`scripts/develop` supervises Home Assistant with `devtools.develop.supervise`; this kills the
process from outside (as a crash would) and waits for the supervisor to bring it back.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from contextlib import suppress
from http import HTTPStatus

import aiohttp
import pytest
import pytest_socket

from devtools.develop import supervise
from devtools.homeassistant import HassSetup, HomeAssistant
from tests.hass import run


@pytest.fixture(scope="module")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    """One onboarded `hass` for the module."""
    pytest_socket.enable_socket()
    instance = run(HomeAssistant.create(tmp_path_factory.mktemp("hass"), HassSetup()))
    try:
        yield instance
    finally:
        pytest_socket.enable_socket()
        run(instance.stop())


async def _front_page(hass: HomeAssistant) -> str:
    async with aiohttp.ClientSession() as session, session.get(f"{hass.url}/") as resp:
        assert resp.status == HTTPStatus.OK
        return await resp.text()


@pytest.mark.usefixtures("socket_enabled")
def test_frontend_is_served_and_http_is_confirmed(home_assistant: HomeAssistant) -> None:
    """The built frontend answers `/`; the HTTP config is the stable one with no revert due."""
    assert "<home-assistant>" in run(_front_page(home_assistant))
    config = run(home_assistant.command({"type": "http/config"}))
    assert config["active_config_type"] == "stable"
    assert config["pending"] is None
    assert config["revert_at"] is None
    assert config["stable"]["server_host"] == ["127.0.0.1"]
    assert config["stable"]["server_port"] == home_assistant.port


@pytest.mark.usefixtures("socket_enabled")
def test_onboarding_leaves_no_failed_entry(home_assistant: HomeAssistant) -> None:
    """Google Translate's onboarding entry (its library is not installed) is removed."""
    entries = run(home_assistant.command({"type": "config_entries/get"}))
    assert entries
    assert [e["domain"] for e in entries if e["state"] == "setup_error"] == []
    assert "google_translate" not in {e["domain"] for e in entries}


async def _kill_and_wait_for_restart(hass: HomeAssistant) -> int:
    stop = asyncio.Event()
    supervisor = asyncio.create_task(supervise(hass, stop))
    try:
        pid = hass.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        async with asyncio.timeout(hass.setup.start_timeout):
            # The supervisor polls; so does the test, until HA answers with the same token and
            # port from a new process and reports the core running.
            while True:
                if hass.pid not in (None, pid) and hass.running:
                    with suppress(aiohttp.ClientError):
                        config = await hass.command({"type": "get_config"})
                        if config["state"] == "RUNNING":
                            break
                await asyncio.sleep(0.5)
        new = hass.pid
        assert new is not None
        return new
    finally:
        stop.set()
        await supervisor


@pytest.mark.usefixtures("socket_enabled")
def test_supervisor_starts_home_assistant_again(home_assistant: HomeAssistant) -> None:
    """Killed from outside, HA is started again on the same port by the supervisor."""
    old = home_assistant.pid
    new = run(_kill_and_wait_for_restart(home_assistant))
    assert new != old
    assert "<home-assistant>" in run(_front_page(home_assistant))
