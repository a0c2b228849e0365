"""Gas and water cycles kept per hour equal billing them from scratch, and the ledger's parts.

Random days of random billing cycles in Europe/Berlin (both DST days among them): a gas meter in
m³ under a tariff per kWh (calorific values, a standing charge, VAT) and a water meter in m³ with
a shower inside it under daily tiers, sewage and a minimum. At each call `MeteredCycles` must
give what `project` gives from the test's own record of the meters and what the ledger's gas and
water parts give, while keeping an hour's figures as long as nothing they depend on changed.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from aetherlens_engine.models import Commodity
from aetherlens_engine.pricing.ledger import LedgerPeriods, household_ledger
from aetherlens_engine.pricing.metered_cycle import MeteredCycles
from aetherlens_engine.pricing.store.tariffs import save_tariff, set_active_tariff
from aetherlens_engine.tariffs import Interval, build_tariff
from aetherlens_engine.tariffs.calendar import local_midnight
from aetherlens_engine.tariffs.metered import billed_load
from aetherlens_engine.tariffs.projection import Projection, current_cycle, history_window, project
from aetherlens_engine.tariffs.usage import Usage
from tests.engine.test_bill_ledger import WATER as LEDGER_WATER
from tests.engine.test_pricing_cycle import cycle_cases

HOUR = timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")
GAS: dict[str, Any] = {
    "name": "gas",
    "commodity": "gas",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "conversion": [
        {"from": "2024-09-01", "calorific_value": "39.2", "volume_correction": "0.9626"},
        {"from": "2025-04-01", "calorific_value": "40.1", "volume_correction": "0.9626"},
    ],
    "energy": {"periods": [{"name": "all", "tiers": [{"up_to": 900, "price": "0.11"},
                                                     {"price": "0.13"}]}]},
    "fixed": [{"name": "standing charge", "amount": "0.41", "per": "day"}],
    "taxes": [{"name": "VAT", "percent": "7"}],
}  # fmt: skip
# Daily tiers, sewage on 95 % of the volume, a minimum.
WATER = LEDGER_WATER | {"name": "water", "currency": "EUR", "timezone": "Europe/Berlin"}
DEFINITIONS = {Commodity.GAS: GAS, Commodity.WATER: WATER}
SEED = 20261204


class Meters:
    """A gas meter and a water meter with a shower inside it, their hourly m³ as written."""

    def __init__(self, conn: asyncpg.Connection, seed: str) -> None:
        self.conn = conn
        self.rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.m3: dict[Commodity, dict[datetime, float]] = {c: {} for c in DEFINITIONS}
        self.ids: dict[str, int] = {}

    async def create(self) -> None:
        for name, commodity, kind in (
            ("gas", "gas", "meter"),
            ("water", "water", "meter"),
            ("shower", "water", "appliance"),
        ):
            self.ids[name] = await self.conn.fetchval(
                "INSERT INTO devices (source, source_id, name, kind, unit, commodity)"
                " VALUES ('test', $1, $1, $2, 'm³', $3) RETURNING id",
                name,
                kind,
                commodity,
            )
        await self.conn.execute(
            "UPDATE devices SET included_in = $1 WHERE id = $2",
            self.ids["water"],
            self.ids["shower"],
        )

    async def record(self, start: datetime, end: datetime) -> None:
        """Write random m³ for every UTC hour in [start, end): gas, water and the shower."""
        values = []
        hour = start
        while hour < end:
            gas, water = round(self.rng.uniform(0.0, 0.4), 3), round(self.rng.uniform(0.0, 0.03), 4)
            self.m3[Commodity.GAS][hour] = gas
            self.m3[Commodity.WATER][hour] = water
            values += [(self.ids["gas"], hour, gas), (self.ids["water"], hour, water)]
            values.append((self.ids["shower"], hour, water / 2))  # inside: never counted
            hour += HOUR
        await self.conn.executemany(
            "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples)"
            " VALUES ($1, $2, $3, 1) ON CONFLICT (device_id, hour)"
            " DO UPDATE SET energy_kwh = EXCLUDED.energy_kwh",
            values,
        )

    async def change(self, commodity: Commodity, hour: datetime, by: float) -> None:
        """Add BY m³ to an hour of the commodity's meter, as a late reading would."""
        self.m3[commodity][hour] += by
        await self.conn.execute(
            "UPDATE energy_hourly SET energy_kwh = $3 WHERE device_id = $1 AND hour = $2",
            self.ids[str(commodity)],
            hour,
            self.m3[commodity][hour],
        )

    def expected(
        self, commodity: Commodity, definition: dict[str, Any], now: datetime
    ) -> Projection:
        """Project the cycle at NOW from scratch, from the test's own record of the meter."""
        tariff = build_tariff(definition)
        hour = now.replace(minute=0, second=0, microsecond=0)
        first = current_cycle(tariff, now).start_utc
        low, high = history_window(tariff, now)
        measured = [
            Interval(start, start + HOUR, Decimal(repr(m3)))
            for start, m3 in sorted(self.m3[commodity].items())
        ]
        load = billed_load(tariff, measured, "m³")
        recorded = Usage([i for i in load if first <= i.start < hour])
        history = Usage([i for i in load if low <= i.start < high])
        return project(tariff, now, recorded, history)


async def _check(
    conn: asyncpg.Connection,
    cycles: MeteredCycles,
    meters: Meters,
    definitions: dict[Commodity, dict[str, Any]],
    now: datetime,
) -> dict[Commodity, Projection]:
    """Assert the kept figures at NOW are the full bills and the ledger's; return them."""
    found = await cycles.projections(conn, now, "EUR")
    assert set(found) == set(definitions)
    today = now.astimezone(BERLIN).date()
    periods = LedgerPeriods(
        today,
        today.replace(day=1),
        local_midnight(today, BERLIN),
        local_midnight(today.replace(day=1), BERLIN),
    )
    ledger = {
        p.commodity: p for p in (await household_ledger(conn, now, periods, "EUR", None)).parts
    }
    for commodity, definition in definitions.items():
        expected = meters.expected(commodity, definition, now)
        assert found[commodity] == expected
        part = ledger[str(commodity)]  # type: ignore[index]
        assert part.cycle_so_far == found[commodity].so_far.total
        assert part.projected == found[commodity].projected.total
    return found


@pytest.mark.parametrize(("day", "cycle_day", "local_hour"), cycle_cases(SEED))
async def test_kept_cycles_are_the_full_bills(
    conn: asyncpg.Connection, day: date, cycle_day: int, local_hour: int
) -> None:
    """At NOW, a minute later, after an hour and after a late change: always the full bill."""
    meters = Meters(conn, f"{day}{cycle_day}{local_hour}")
    rng = meters.rng
    await meters.create()
    now = local_midnight(day, BERLIN) + timedelta(hours=local_hour, minutes=rng.randrange(60))
    definitions = {c: {**d, "cycle_day": cycle_day} for c, d in DEFINITIONS.items()}
    for definition in definitions.values():
        await save_tariff(conn, definition, now - timedelta(days=90))
        await set_active_tariff(conn, definition["name"])
    hour = now.replace(minute=0, second=0, microsecond=0)
    await meters.record(hour - timedelta(days=50), hour + HOUR)
    cycles = MeteredCycles()

    first = await _check(conn, cycles, meters, definitions, now)
    later = await _check(conn, cycles, meters, definitions, now.replace(minute=59))
    for commodity in definitions:  # the hour's bills were not computed again
        assert later[commodity] is first[commodity]

    # The next hour: the one just ended now counts.
    await meters.record(hour + HOUR, hour + 2 * HOUR)
    next_hour = now + HOUR
    kept = await _check(conn, cycles, meters, definitions, next_hour)

    # A late reading changes an hour of the cycle: the kept figures are dropped.
    cycle_start = current_cycle(build_tariff(definitions[Commodity.GAS]), next_hour).start_utc
    late = max(cycle_start, hour - timedelta(hours=rng.randint(2, 40)))
    await meters.change(Commodity.GAS, late.replace(minute=0), 1.5)
    changed = await _check(conn, cycles, meters, definitions, next_hour)
    assert changed[Commodity.GAS].so_far.total > kept[Commodity.GAS].so_far.total


async def test_the_hour_before_is_compared_and_other_currencies_are_left_out(
    conn: asyncpg.Connection,
) -> None:
    """A write the revision misses (triggers off) is seen; a tariff in USD has no EUR cycle."""
    meters = Meters(conn, "hour before")
    await meters.create()
    now = datetime(2025, 6, 18, 10, 30, tzinfo=BERLIN)
    definitions = {c: {**d, "cycle_day": 5} for c, d in DEFINITIONS.items()}
    for definition in definitions.values():
        await save_tariff(conn, definition, now - timedelta(days=90))
        await set_active_tariff(conn, definition["name"])
    hour = now.replace(minute=0)
    await meters.record(hour - timedelta(days=20), hour + HOUR)
    cycles = MeteredCycles()
    await _check(conn, cycles, meters, definitions, now)
    await conn.execute("SET session_replication_role = replica")
    await meters.change(Commodity.WATER, hour - HOUR, 0.2)
    await conn.execute("RESET session_replication_role")
    await _check(conn, cycles, meters, definitions, now)

    water = {**definitions[Commodity.WATER], "currency": "USD"}
    await save_tariff(conn, water, now - timedelta(days=10))
    assert set(await cycles.projections(conn, now, "EUR")) == {Commodity.GAS}


async def test_a_cycle_its_tariff_cannot_bill_has_no_figures_and_is_logged_once(
    conn: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    """Gas hours before the tariff's first conversion period: no gas cycle, water's as ever."""
    meters = Meters(conn, "unbillable")
    await meters.create()
    now = datetime(2024, 9, 10, 10, 30, tzinfo=BERLIN)  # 14 days back: before 2024-09-01
    definitions = {c: {**d, "cycle_day": 5} for c, d in DEFINITIONS.items()}
    for definition in definitions.values():
        await save_tariff(conn, definition, now - timedelta(days=90))
        await set_active_tariff(conn, definition["name"])
    hour = now.replace(minute=0)
    await meters.record(hour - timedelta(days=20), hour + HOUR)
    cycles = MeteredCycles()
    for minute in (31, 32):
        found = await cycles.projections(conn, now.replace(minute=minute), "EUR")
        assert set(found) == {Commodity.WATER}
        assert found[Commodity.WATER] == meters.expected(
            Commodity.WATER, definitions[Commodity.WATER], now.replace(minute=minute)
        )
    warnings = [r for r in caplog.records if "Cannot bill gas" in r.getMessage()]
    assert len(warnings) == 1
    assert "before the first conversion period" in warnings[0].getMessage()
