"""Fixtures of the integration's tests.

Most tests talk over real HTTP on 127.0.0.1 to `FixtureEngine`: the engine's public health route,
its bearer-token check, a summary loaded from `fixtures/summary.json` (checked against the
engine's OpenAPI schema in test_api.py), costs summed from the rows of `fixtures/costs.json` (or
rows a test sets), a comparison from `fixtures/compare.json`, a ledger from
`fixtures/ledger.json` (when a test sets it) and a bill from `fixtures/bill.json` (the real
route's answer to tests/engine/test_api_bill.py's range, saved). `test_real_engine.py`
runs the real engine API on a real database.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import AsyncIterator, Generator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from aiohttp import hdrs, web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant, State, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.aetherlens.const import DOMAIN, SCAN_INTERVAL
from tests.http import serve_app

ENGINE_INSTANCE_ID = "0123456789abcdef0123456789abcdef"
TOKEN = "integration-test-token-0123456789abcdefghijkl"  # noqa: S105 (made up for the tests)
FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> dict[str, Any]:
    """Return the JSON fixture NAME (without `.json`)."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def load_summary() -> dict[str, Any]:
    """Return the summary fixture as the engine's JSON."""
    return load_fixture("summary")


def state_of(hass: HomeAssistant, entity_id: str) -> State:
    """Return ENTITY_ID's state, which must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state


class FixtureEngine:
    """An engine answering what the test sets: health, and the summary behind the token."""

    def __init__(self) -> None:
        """Answer the summary fixture to the test token."""
        self.summary = load_summary()
        self.token = TOKEN
        self.instance_id = ENGINE_INSTANCE_ID
        # When set, the summary answers this status with an engine error body.
        self.failure: int | None = None
        self.summary_requests = 0
        # Hourly energy by device id: (hour start, kWh).
        self.hourly: dict[int, list[tuple[datetime, float]]] = {}
        self.energy_requests: list[tuple[int, datetime, datetime]] = []
        # When set, the hourly energy answers this status (the summary keeps answering).
        self.hourly_failure: int | None = None
        # Cost rows by device and period, summed per the request's group.
        self.cost_rows: list[dict[str, Any]] = load_fixture("costs")["rows"]
        self.cost_requests: list[dict[str, str]] = []
        # Gas and water: their cost rows (each device a household meter) and the meters' unit.
        self.commodity_rows: dict[str, list[dict[str, Any]]] = {}
        self.units = {"electricity": "kWh", "gas": "m³", "water": "m³"}
        self.costs_failure: int | None = None
        self.comparison = load_fixture("compare")
        self.tariffs = {"dual", "night-saver"}
        self.compare_requests: list[dict[str, Any]] = []
        # None: no tariff is active (the engine answers 409).
        self.bill: dict[str, Any] | None = load_fixture("bill")
        self.bill_requests: list[dict[str, str]] = []
        self.bill_failure: int | None = None
        # None: the engine has no ledger route (an engine before it: 404).
        self.ledger: dict[str, Any] | None = None

    @property
    def meter_cost_requests(self) -> list[dict[str, str]]:
        """Return the cost requests of every device's own rows (the devices' statistics)."""
        return [query for query in self.cost_requests if query.get("group") == "meter"]

    def price_hourly(self, price: str = "0.25") -> None:
        """Price every hour of `hourly` at PRICE per kWh, as the engine's pricing would."""
        self.cost_rows = [
            {
                "start": hour.isoformat(),
                "device_id": device_id,
                "period": "peak",
                "energy_kwh": kwh,
                "cost": str(Decimal(price) * Decimal(str(kwh))),
                "carbon_kg": None,
            }
            for device_id, points in self.hourly.items()
            for hour, kwh in points
        ]

    def app(self) -> web.Application:
        """Return the application serving this engine."""
        app = web.Application()
        app.router.add_get("/api/v1/health", self._health)
        app.router.add_get("/api/v1/summary", self._summary)
        app.router.add_get("/api/v1/devices/{device_id}/energy", self._energy)
        app.router.add_get("/api/v1/costs", self._costs)
        app.router.add_post("/api/v1/compare", self._compare)
        app.router.add_get("/api/v1/bill", self._bill)
        app.router.add_get("/api/v1/ledger", self._ledger)
        app.router.add_get("/api/v1/demand", self._demand)
        app.router.add_get("/api/v1/statements", self._statements)
        return app

    async def _statements(self, request: web.Request) -> web.Response:
        """Answer that no statement is recorded (test_real_engine.py matches real ones)."""
        if not self._authorized(request):
            return _error(401, "invalid_token")
        return web.json_response({"threshold": request.query["threshold"], "statements": []})

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get(hdrs.AUTHORIZATION) == f"Bearer {self.token}"

    def _rows_of(self, commodity: str) -> tuple[list[dict[str, Any]], set[int]]:
        """Return COMMODITY's cost rows and its mains (of gas and water: every meter)."""
        if commodity == "electricity":
            devices = self.summary["devices"]
            return self.cost_rows, {device["id"] for device in devices if device["kind"] == "grid"}
        rows = self.commodity_rows.get(commodity, [])
        return rows, {row["device_id"] for row in rows}

    async def _costs(self, request: web.Request) -> web.Response:
        """Sum the cost rows in [start, end) by the group asked, as the engine's route does."""
        if not self._authorized(request):
            return _error(401, "invalid_token")
        if self.costs_failure is not None:
            return _error(self.costs_failure, "failure")
        query = dict(request.query)
        self.cost_requests.append(query)
        start = datetime.fromisoformat(query["start"])
        end = datetime.fromisoformat(query["end"])
        if start >= end:
            return _error(400, "invalid_parameter", "end: must be later than 'start'")
        group = query.get("group", "total")
        commodity = query.get("commodity", "electricity")
        source, mains = self._rows_of(commodity)
        sums: dict[tuple[Any, ...], dict[str, Any]] = {}

        def add(item: dict[str, Any], row: dict[str, Any], sign: int) -> None:
            total = sums.setdefault(
                tuple(item.values()),
                {**item, "energy_kwh": 0.0, "cost": Decimal(0), "carbon_kg": None},
            )
            total["energy_kwh"] += sign * row["energy_kwh"]
            total["cost"] += sign * Decimal(row["cost"])
            if row["carbon_kg"] is not None:
                total["carbon_kg"] = (total["carbon_kg"] or 0.0) + sign * row["carbon_kg"]

        for row in source:
            device_id = row["device_id"]
            if not start <= datetime.fromisoformat(row["start"]) < end:
                continue
            if "device_id" in query:
                if device_id != int(query["device_id"]):
                    continue
            elif group == "meter":
                pass
            elif group == "device":
                # The parts, and the mains minus them as the rest of the house (None).
                rest = {"start": row["start"], "device_id": None}
                if device_id in mains:
                    add(rest, row, 1)
                    continue
                add(rest, row, -1)
            elif device_id not in mains:
                continue
            keys = {
                "device": {"device_id": device_id},
                "meter": {"device_id": device_id},
                "period": {"period": row["period"]},
            }
            add({"start": row["start"], **keys.get(group, {})}, row, 1)
        rows = [
            {**item, "cost": str(item["cost"])}
            for _, item in sorted(sums.items(), key=lambda pair: str(pair[0]))
        ]
        summed = rows
        if group == "meter" and "device_id" not in query:  # the household's, not the rows'
            summed = [row for row in rows if row["device_id"] in mains]
        carbon = [row["carbon_kg"] for row in summed if row["carbon_kg"] is not None]
        total = {
            "energy_kwh": sum(row["energy_kwh"] for row in summed),
            "cost": str(sum((Decimal(row["cost"]) for row in summed), Decimal(0))),
            "carbon_kg": sum(carbon) if carbon else None,
        }
        return web.json_response(
            {
                "currency": self.summary["currency"],
                "commodity": commodity,
                "unit": self.units[commodity],
                "resolution": query.get("resolution", "day"),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "total": total,
                "rows": rows,
            }
        )

    async def _compare(self, request: web.Request) -> web.Response:
        """Answer the comparison fixture for a known tariff, over the range asked."""
        if not self._authorized(request):
            return _error(401, "invalid_token")
        body = await request.json()
        self.compare_requests.append(body)
        if body["tariff"] not in self.tariffs:
            return _error(404, "unknown_tariff", f"there is no tariff named {body['tariff']!r}")
        comparison = copy.deepcopy(self.comparison)
        comparison["alternative"]["tariff"] = body["tariff"]
        if "start" in body:
            comparison |= {"start": body["start"], "end": body["end"]}
        return web.json_response(comparison)

    async def _bill(self, request: web.Request) -> web.Response:
        """Answer the bill fixture over the range asked; 409 without an active tariff."""
        if not self._authorized(request):
            return _error(401, "invalid_token")
        if self.bill_failure is not None:
            return _error(self.bill_failure, "failure")
        query = dict(request.query)
        self.bill_requests.append(query)
        if self.bill is None:
            return _error(409, "no_active_tariff", "no tariff is active")
        return web.json_response({**copy.deepcopy(self.bill), **query})

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "ok",
                "version": "0.1.0",
                "instance_id": self.instance_id,
                "database": {"status": "ok", "timescaledb": "2.31.0", "schema_version": 2},
                "collectors": {},
                "plugins": {},
                "ingest": None,
            }
        )

    async def _summary(self, request: web.Request) -> web.Response:
        self.summary_requests += 1
        if request.headers.get(hdrs.AUTHORIZATION) != f"Bearer {self.token}":
            return _error(401, "invalid_token")
        if self.failure is not None:
            return _error(self.failure, "failure")
        return web.json_response(copy.deepcopy(self.summary))

    async def _ledger(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, "invalid_token")
        if self.ledger is None:
            return _error(404, "not_found", "no route /api/v1/ledger")
        return web.json_response(copy.deepcopy(self.ledger))

    async def _demand(self, request: web.Request) -> web.Response:
        """Answer that no tariff is active (test_demand_real_engine.py reads real demand)."""
        if not self._authorized(request):
            return _error(401, "invalid_token")
        return _error(409, "no_active_tariff", "no tariff is active")

    async def _energy(self, request: web.Request) -> web.Response:
        if request.headers.get(hdrs.AUTHORIZATION) != f"Bearer {self.token}":
            return _error(401, "invalid_token")
        if self.hourly_failure is not None:
            return _error(self.hourly_failure, "failure")
        device_id = int(request.match_info["device_id"])
        start = datetime.fromisoformat(request.query["from"])
        end = datetime.fromisoformat(request.query["to"])
        self.energy_requests.append((device_id, start, end))
        points = [
            {
                "start": hour.isoformat(),
                "end": (hour + timedelta(hours=1)).isoformat(),
                "energy_kwh": kwh,
                "avg_power_w": kwh * 1000,
                "max_power_w": kwh * 1000,
                "samples": 60,
                "quality": 0,
            }
            for hour, kwh in self.hourly.get(device_id, [])
            if start <= hour < end
        ]
        return web.json_response(
            {
                "device_id": device_id,
                "resolution": "hour",
                "from": start.isoformat(),
                "to": end.isoformat(),
                "timezone": "Europe/Berlin",
                "total_kwh": sum(point["energy_kwh"] for point in points),
                "points": points,
            }
        )


def _error(status: int, code: str, message: str | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message or code}}, status=status)


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Let HA load custom integrations; allow the loopback connections to the test engine."""


@pytest.fixture(autouse=True)
def _no_deprecated_calls(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail a test in which the integration called an API HA reports as deprecated."""
    yield
    reports = [
        record.getMessage()
        for record in caplog.get_records("call")
        if record.name == "homeassistant.helpers.frame"
        and "custom integration 'aetherlens'" in record.getMessage()
    ]
    assert reports == [], reports


@pytest.fixture
def engine() -> FixtureEngine:
    """Return the fixture engine (serve it with `engine_url`)."""
    return FixtureEngine()


@pytest.fixture
async def engine_url(engine: FixtureEngine) -> AsyncIterator[str]:
    """Serve the fixture engine and return its URL."""
    async with serve_app(engine.app()) as url:
        yield url


@pytest.fixture
async def foreign_url() -> AsyncIterator[str]:
    """Serve something that is not an AetherLens engine."""
    app = web.Application()

    async def hello(_: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    app.router.add_get("/api/v1/health", hello)
    app.router.add_get("/api/v1/summary", hello)
    async with serve_app(app) as url:
        yield url


@pytest.fixture
def closed_url() -> str:
    """Return a loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def mock_config_entry(engine_url: str) -> MockConfigEntry:
    """Return a config entry for the fixture engine."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="AetherLens",
        unique_id=ENGINE_INSTANCE_ID,
        data={CONF_URL: engine_url, CONF_API_TOKEN: TOKEN},
    )


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep the config flow tests from setting the entry up."""
    with patch("custom_components.aetherlens.async_setup_entry", return_value=True) as mock:
        yield mock


# Just past one update interval of the coordinator.
NEXT_UPDATE = SCAN_INTERVAL + timedelta(seconds=1)


async def next_update(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Move time past one update interval and let the coordinator update."""
    freezer.tick(NEXT_UPDATE)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add ENTRY and set it up; it must load."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the entry up against the fixture engine."""
    await setup_entry(hass, mock_config_entry)
    return mock_config_entry


class Notifications:
    """HA's persistent notifications as its callback reports them: current, and each change."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Watch HASS's persistent notifications."""
        self.current: dict[str, dict[str, Any]] = {}
        self.changes: list[tuple[str, str]] = []  # (update type, notification id)
        persistent_notification.async_register_callback(hass, self._changed)

    @callback
    def _changed(
        self,
        update_type: persistent_notification.UpdateType,
        notifications: dict[str, persistent_notification.Notification],
    ) -> None:
        for key, notification in notifications.items():
            self.changes.append((update_type.value, key))
            if update_type is persistent_notification.UpdateType.REMOVED:
                self.current.pop(key, None)
            else:
                self.current[key] = {
                    "title": notification["title"],
                    "message": notification["message"],
                }


class _SnapshotExtension(HomeAssistantSnapshotExtension):
    snapshot_dirname = "snapshots"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Keep this package's snapshots in tests/integration/snapshots."""
    return snapshot.use_extension(_SnapshotExtension)
