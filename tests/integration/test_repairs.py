# ruff: noqa: F811 - the fixtures of tests/hass.py are imported until conftest lists that module
"""Repair issues from what the real engine reports: dead-lettered readings, a refused HA token,
a plugin it cannot run.

The engine is the real API with a real ingest pipeline on a real, migrated database; the refused
token is refused by a real Home Assistant process (tests/hass.py) to the engine's real collector.
Each issue is raised from the engine's health, with its text's placeholders, and removed once
the engine no longer reports it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState, create_app
from aetherlens_engine.collector.collector import HomeAssistantCollector
from aetherlens_engine.collector.settings import HomeAssistantInstance
from aetherlens_engine.collector.status import ConnectionState
from aetherlens_engine.ingest import IngestPipeline
from aetherlens_engine.plugins import PluginInstance, PluginManager, PollResult
from custom_components.aetherlens.const import DOMAIN
from devtools.homeassistant import HomeAssistant as HassProcess
from tests.engine.test_api_support import add_device, migrate
from tests.engine.test_ingest_support import running
from tests.hass import hass_setup, home_assistant  # noqa: F401 - fixtures
from tests.http import serve_app

from .conftest import TOKEN, setup_entry

pytestmark = pytest.mark.parametrize("database", ["timescaledb"], indirect=True)

INSTANCE_ID = "repairs-engine-0123456789abcdef"
NOW = datetime(2026, 3, 29, 10, 30, tzinfo=UTC)
# A CHECK constraint refusing this value stands for any data error of the database.
POISON = 666.0
WAIT_SECONDS = 60.0


@pytest.fixture
async def pipeline(db_pool: asyncpg.Pool, tmp_path: Path) -> AsyncIterator[IngestPipeline]:
    """Run the engine's ingest pipeline on a migrated database that refuses POISON."""
    await migrate(db_pool)
    await db_pool.execute(
        f"ALTER TABLE readings ADD CONSTRAINT no_poison CHECK (value <> {POISON})"
    )
    async with running(
        db_pool, tmp_path / "spool", dead_letter_check_interval=0.01, clock=lambda: NOW
    ) as pipeline:
        yield pipeline


@asynccontextmanager
async def serve_engine(
    pool: asyncpg.Pool,
    pipeline: IngestPipeline,
    collectors: dict[str, dict[str, Any]] | None = None,
) -> AsyncIterator[str]:
    """Serve the engine's API with PIPELINE and COLLECTORS' statuses; yield its URL."""
    state = EngineState(
        __version__,
        INSTANCE_ID,
        pool,
        token=TOKEN,
        sink=pipeline,
        collectors=collectors if collectors is not None else {},
        clock=lambda: NOW,
    )
    async with serve_app(create_app(state)) as url:
        yield url


async def add_entry(hass: HomeAssistant, url: str) -> MockConfigEntry:
    """Set up an entry of the engine at URL."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=INSTANCE_ID,
        data={CONF_URL: url, CONF_API_TOKEN: TOKEN},
    )
    await setup_entry(hass, entry)
    return entry


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Update ENTRY now, as its next poll would."""
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def wait_for(check: Callable[[], bool], what: str) -> None:
    """Poll CHECK until it holds; fail naming WHAT when it never does."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_dead_lettered_readings_raise_an_issue_until_the_file_is_gone(
    hass: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline, tmp_path: Path
) -> None:
    """A reading the database refuses is set aside: HA says how many, where, what to do; once
    the user has removed the file the issue goes at the next update."""
    plug = await add_device(db_pool, "plug")
    await pipeline.refresh_devices()
    issues = ir.async_get(hass)
    async with serve_engine(db_pool, pipeline) as url:
        entry = await add_entry(hass, url)
        issue_id = f"dead_letters_{entry.entry_id}"
        assert issues.async_get_issue(DOMAIN, issue_id) is None
        readings = [
            {"device_id": plug, "time": (NOW - timedelta(minutes=m)).isoformat(), "value": value}
            for m, value in ((3, 5.0), (2, POISON), (1, 7.0))
        ]
        async with (
            aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session,
            session.post(f"{url}/api/v1/readings", json=readings) as resp,
        ):
            assert resp.status == 200, await resp.text()
        await refresh(hass, entry)
        issue = issues.async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        assert (issue.translation_key, issue.severity, issue.is_fixable) == (
            "dead_letters",
            ir.IssueSeverity.WARNING,
            False,
        )
        dead_letters = tmp_path / "spool" / "dead-letter.jsonl"
        assert issue.translation_placeholders == {
            "title": "AetherLens",
            "count": "1",
            "path": str(dead_letters),
        }
        dead_letters.unlink()  # the user dealt with it
        await wait_for(lambda: pipeline.stats.dead_lettered == 0, "the engine to see it")
        await refresh(hass, entry)
        assert issues.async_get_issue(DOMAIN, issue_id) is None


def collector_of(
    hass_process: HassProcess, token: str, pool: asyncpg.Pool, pipeline: IngestPipeline
) -> Callable[[dict[str, dict[str, Any]]], HomeAssistantCollector]:
    """Return a maker of the engine's collector `home` of HASS_PROCESS with TOKEN."""
    instance = HomeAssistantInstance(
        name="home",
        url=hass_process.websocket_url,
        token=token,
        energy_prefs=False,
        backfill_limit=timedelta(seconds=1),
        first_backoff=timedelta(seconds=0.2),
        max_backoff=timedelta(seconds=1),
    )
    return lambda published: HomeAssistantCollector(instance, pool, pipeline, published)


async def test_refused_home_assistant_token_raises_an_issue_until_it_connects(
    hass: HomeAssistant,
    home_assistant: HassProcess,
    db_pool: asyncpg.Pool,
    pipeline: IngestPipeline,
) -> None:
    """Home Assistant refuses the collector's token: HA's Repairs say which one and what to do,
    until the entry is unloaded or the collector, given a good token, connects."""
    published: dict[str, dict[str, Any]] = {}
    issues = ir.async_get(hass)
    refused = collector_of(home_assistant, "not-a-token", db_pool, pipeline)(published)
    refused.start()
    try:
        await wait_for(
            lambda: refused.status.state is ConnectionState.AUTH_FAILED, "the token refused"
        )
    finally:
        await refused.stop()
    async with serve_engine(db_pool, pipeline, published) as url:
        entry = await add_entry(hass, url)
        issue_id = f"collector_token_refused_{entry.entry_id}_home"
        issue = issues.async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        assert (issue.translation_key, issue.severity) == (
            "collector_token_refused",
            ir.IssueSeverity.ERROR,
        )
        placeholders = dict(issue.translation_placeholders or {})
        assert "access token" in placeholders.pop("error")
        assert placeholders == {
            "title": "AetherLens",
            "collector": "home",
            "url": home_assistant.websocket_url,
        }
        assert await hass.config_entries.async_unload(entry.entry_id)
        assert issues.async_get_issue(DOMAIN, issue_id) is None
        assert await hass.config_entries.async_setup(entry.entry_id)
        assert issues.async_get_issue(DOMAIN, issue_id) is not None
        accepted = collector_of(home_assistant, home_assistant.token, db_pool, pipeline)(published)
        accepted.start()  # the user put a good token in and restarted the engine
        try:
            await wait_for(
                lambda: accepted.status.state is ConnectionState.CONNECTED, "a connection"
            )
            await refresh(hass, entry)
            assert issues.async_get_issue(DOMAIN, issue_id) is None
        finally:
            await accepted.stop()


async def test_a_plugin_the_engine_cannot_run_raises_an_issue_until_it_runs(
    hass: HomeAssistant, db_pool: asyncpg.Pool, pipeline: IngestPipeline
) -> None:
    """A package not installed and an instance whose plugin does not load: an issue each, with
    the engine's reason, gone once the engine reports them well."""
    state = EngineState(
        __version__, INSTANCE_ID, db_pool, token=TOKEN, sink=pipeline, clock=lambda: NOW
    )
    # The manager publishes the instance whose plugin is not installed as the engine's does.
    PluginManager([PluginInstance("ai", "ai_api_costs")], _no_results, state.plugins)
    state.plugin_packages = {
        "ai-api-costs": {
            "requirement": "ai-api-costs==0.1.0",
            "status": "failed",
            "error": "the file does not match its sha256 (refused): Expected sha256 00 Got 11",
        }
    }
    issues = ir.async_get(hass)
    async with serve_app(create_app(state)) as url:
        entry = await add_entry(hass, url)
        package = issues.async_get_issue(DOMAIN, f"plugin_failed_{entry.entry_id}_ai-api-costs")
        instance = issues.async_get_issue(DOMAIN, f"plugin_failed_{entry.entry_id}_ai")
        assert package is not None
        assert instance is not None
        assert (package.translation_key, package.severity) == (
            "plugin_failed",
            ir.IssueSeverity.ERROR,
        )
        assert package.translation_placeholders == {
            "title": "AetherLens",
            "plugin": "ai-api-costs",
            "error": "the file does not match its sha256 (refused): Expected sha256 00 Got 11",
        }
        assert "unknown plugin 'ai_api_costs'" in (instance.translation_placeholders or {})["error"]
        state.plugin_packages["ai-api-costs"] = {
            "requirement": "ai-api-costs==0.1.0",
            "status": "installed",
            "error": None,
        }
        state.plugins["ai"] = {**state.plugins["ai"], "status": "healthy", "last_error": None}
        await refresh(hass, entry)
        assert not {i for d, i in issues.issues if d == DOMAIN and i.startswith("plugin_failed")}


async def _no_results(source: str, result: PollResult) -> None:
    raise AssertionError(f"no plugin polls here, yet {source} did")
