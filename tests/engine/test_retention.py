"""Retention: TimescaleDB policies where licensed, else the engine's own enforcement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.storage import (
    DatabaseFeatures,
    RetentionMode,
    RetentionSettings,
    Statement,
    apply_policies,
    detect_features,
    enforce_retention,
    policy_statements,
)
from tests.dates import SweepDate, sweep_params
from tests.postgres import ScratchDatabase

NOW = datetime(2026, 5, 4, 12, 30, tzinfo=UTC)
COMMUNITY = DatabaseFeatures("2.31.0", "timescale")
# Table, time column, cutoff under the default settings.
TABLES: list[tuple[str, str, datetime | date]] = [
    ("readings", "time", NOW - timedelta(days=90)),
    # An hour of packed readings goes once its last reading is older than the readings' cutoff.
    ("readings_compact", "hour", NOW - timedelta(days=90, hours=1)),
    ("energy_hourly", "hour", NOW - timedelta(days=365)),
    ("energy_daily", "day", (NOW - timedelta(days=1826)).date()),
]


@pytest.fixture
async def conn(db_pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """Return a connection to a migrated database holding 6 years of data in every table."""
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
        device = await conn.fetchval(
            "INSERT INTO devices (source, source_id, name, kind, unit) "
            "VALUES ('test', 'meter', 'Meter', 'meter', 'kWh') RETURNING id"
        )
        tariff = await conn.fetchval(
            "INSERT INTO tariffs (name, version, definition, valid_from) "
            "VALUES ('flat', 1, '{}', '2000-01-01') RETURNING id"
        )
        start = NOW.replace(minute=0) - timedelta(days=6 * 365)
        hours = [start + timedelta(hours=6 * i) for i in range(6 * 365 * 4 + 1)]
        await conn.copy_records_to_table(
            "readings",
            records=[
                (t, device, float(i)) for i, t in enumerate(hours) if t > NOW - timedelta(400)
            ],
            columns=["time", "device_id", "value"],
        )
        # Packed hours on the same days (as compaction would leave them, had it kept a copy).
        await conn.copy_records_to_table(
            "readings_compact",
            records=[
                (device, t, [0], [float(i)], [0])
                for i, t in enumerate(hours)
                if t > NOW - timedelta(400)
            ],
            columns=["device_id", "hour", "steps", "vals", "quals"],
        )
        await conn.copy_records_to_table(
            "energy_hourly",
            records=[(device, t, 1.0, 4) for t in hours],
            columns=["device_id", "hour", "energy_kwh", "samples"],
        )
        # cost_hourly is a view of energy_hourly at these rates: its rows go with the energy.
        await conn.copy_records_to_table(
            "cost_rates",
            records=[(t, tariff, "EUR", Decimal("0.3")) for t in hours],
            columns=["hour", "tariff_id", "currency", "price"],
        )
        await conn.copy_records_to_table(
            "energy_daily",
            records=[(device, t.date(), 24.0, 96) for t in hours[::4]],
            columns=["device_id", "day", "energy_kwh", "samples"],
        )
        yield conn


async def counts(conn: asyncpg.Connection) -> dict[str, tuple[int, int]]:
    """Return, per table, the rows older than its cutoff and the rows from it on."""
    result = {}
    for table, column, cutoff in TABLES:
        row = await conn.fetchrow(
            f"SELECT count(*) FILTER (WHERE {column} < $1) AS old, "
            f"count(*) FILTER (WHERE {column} >= $1) AS kept FROM {table}",
            cutoff,
        )
        result[table] = (row["old"], row["kept"])
    return result


def test_settings_defaults_and_validation() -> None:
    """Readings 90 days, hourly rollups a year, daily rollups five years; only whole days > 0."""
    settings = RetentionSettings()
    assert (settings.readings_days, settings.hourly_days, settings.daily_days) == (90, 365, 1826)
    assert settings.compress_after_days == 1
    assert RetentionSettings(readings_days=30).readings_days == 30
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="hourly_days must be a whole number of days > 0"):
            RetentionSettings(hourly_days=bad)  # type: ignore[arg-type]


def test_community_statements() -> None:
    """The policies the community licence gets (that edition cannot be installed here)."""
    settings = RetentionSettings(readings_days=30, hourly_days=200, daily_days=1000)
    statements = policy_statements(settings, compression_enabled=False)
    assert statements == [
        Statement(
            "ALTER TABLE readings SET (timescaledb.compress, "
            "timescaledb.compress_segmentby = 'device_id', "
            "timescaledb.compress_orderby = 'time DESC')"
        ),
        Statement("SELECT remove_compression_policy('readings', if_exists => true)"),
        Statement(
            "SELECT add_compression_policy('readings', compress_after => $1::interval)",
            (timedelta(days=1),),
        ),
        *[
            statement
            for table, days in [
                ("readings", timedelta(days=30)),
                ("readings_compact", timedelta(days=30, hours=1)),
                ("energy_hourly", timedelta(days=200)),
                ("energy_daily", timedelta(days=1000)),
            ]
            for statement in (
                Statement(f"SELECT remove_retention_policy('{table}', if_exists => true)"),
                Statement(
                    f"SELECT add_retention_policy('{table}', drop_after => $1::interval)",
                    (days,),
                ),
            )
        ],
    ]
    # Compression already on: its settings are left alone (they cannot change once in use).
    assert policy_statements(settings, compression_enabled=True) == statements[1:]


@pytest.mark.parametrize("database", ["timescaledb"], indirect=True)
async def test_community_statements_stop_only_at_the_licence(conn: asyncpg.Connection) -> None:
    """Every community statement names real functions and arguments of the installed TimescaleDB.

    The Apache edition resolves them and refuses only for the licence: a wrong name or argument
    would fail earlier, with another error.
    """
    for statement in policy_statements(RetentionSettings(), compression_enabled=False):
        with pytest.raises(asyncpg.FeatureNotSupportedError, match="apache"):
            async with conn.transaction():
                await conn.execute(statement.sql, *statement.args)


@pytest.mark.parametrize("database", ["timescaledb"], indirect=True)
async def test_community_policies_are_applied_whole_or_not_at_all(
    conn: asyncpg.Connection,
) -> None:
    """Told it is community-licensed, the Apache edition refuses; nothing is left half done."""
    with pytest.raises(asyncpg.FeatureNotSupportedError, match="apache"):
        await apply_policies(conn, COMMUNITY, RetentionSettings())
    assert not conn.is_in_transaction()
    assert not await conn.fetchval(
        "SELECT compression_enabled FROM timescaledb_information.hypertables "
        "WHERE hypertable_name = 'readings'"
    )


async def test_no_policies_without_the_community_licence(
    database: ScratchDatabase, conn: asyncpg.Connection
) -> None:
    """Apache edition and plain PostgreSQL get no policies; the mode says who enforces."""
    features = await detect_features(conn)
    mode = await apply_policies(conn, features, RetentionSettings())
    if database.timescaledb:
        assert mode is RetentionMode.DROP_CHUNKS
        jobs = await conn.fetchval(
            "SELECT count(*) FROM timescaledb_information.jobs "
            "WHERE proc_name IN ('policy_retention', 'policy_compression')"
        )
        assert jobs == 0
        assert not await conn.fetchval(
            "SELECT compression_enabled FROM timescaledb_information.hypertables "
            "WHERE hypertable_name = 'readings'"
        )
    else:
        assert mode is RetentionMode.DELETE


@pytest.mark.parametrize("database", ["timescaledb"], indirect=True)
async def test_apache_edition_drops_old_chunks(conn: asyncpg.Connection) -> None:
    """Whole chunks older than the cutoff go; everything from the cutoff on stays."""
    before = await counts(conn)
    chunks_before = {
        table: await conn.fetchval(f"SELECT count(*) FROM show_chunks('{table}')")
        for table, _, _ in TABLES
    }
    report = await enforce_retention(
        conn, await detect_features(conn), RetentionSettings(), NOW, day_zone=UTC
    )
    assert report.mode is RetentionMode.DROP_CHUNKS
    assert report.rows_deleted == {}
    after = await counts(conn)
    for table, column, cutoff in TABLES:
        assert report.chunks_dropped[table] > 0, table
        remaining = await conn.fetchval(f"SELECT count(*) FROM show_chunks('{table}')")
        assert remaining == chunks_before[table] - report.chunks_dropped[table]
        kind = "date" if column == "day" else "timestamptz"
        old_chunks = f"SELECT count(*) FROM show_chunks('{table}', older_than => $1::{kind})"
        assert await conn.fetchval(old_chunks, cutoff) == 0
        assert after[table][1] == before[table][1], f"{table} lost recent rows"
        assert after[table][0] < before[table][0], table
        # What is left of the old rows lies in the chunk that reaches past the cutoff.
        width = await conn.fetchval(
            "SELECT time_interval FROM timescaledb_information.dimensions "
            "WHERE hypertable_name = $1",
            table,
        )
        oldest = await conn.fetchval(f"SELECT min({column}) FROM {table}")
        assert oldest >= cutoff - width, table
    again = await enforce_retention(
        conn, await detect_features(conn), RetentionSettings(), NOW, day_zone=UTC
    )
    assert all(n == 0 for n in again.chunks_dropped.values())


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_plain_postgresql_deletes_old_rows(conn: asyncpg.Connection) -> None:
    """Exactly the rows older than each cutoff are deleted and counted; costs go with them."""
    before = await counts(conn)
    old_costs = "SELECT count(*) FROM cost_hourly WHERE hour < $1"
    assert await conn.fetchval(old_costs, NOW - timedelta(days=365)) > 0
    report = await enforce_retention(
        conn, await detect_features(conn), RetentionSettings(), NOW, day_zone=UTC
    )
    assert report.mode is RetentionMode.DELETE
    assert report.chunks_dropped == {}
    assert report.rows_deleted == {table: old for table, (old, _) in before.items()}
    assert all(n > 0 for n in report.rows_deleted.values())
    assert await counts(conn) == {table: (0, kept) for table, (_, kept) in before.items()}
    assert await conn.fetchval(old_costs, NOW - timedelta(days=365)) == 0


@pytest.mark.parametrize("database", ["timescaledb", "postgresql"], indirect=True)
async def test_readings_queued_for_their_rollup_stay_until_it_has_run(
    conn: asyncpg.Connection,
) -> None:
    """A backfill older than the raw retention is rolled up before its readings go."""
    backfilled = (NOW - timedelta(days=200)).replace(minute=0)
    device = await conn.fetchval("SELECT id FROM devices")
    await conn.execute(
        "INSERT INTO rollup_queue (device_id, hour, first_time) VALUES ($1, $2, $2)",
        device,
        backfilled,
    )
    since = "SELECT count(*) FROM {} WHERE {} >= $1"
    raw = {table: column for table, column, _ in TABLES[:2]}
    before = {t: await conn.fetchval(since.format(t, c), backfilled) for t, c in raw.items()}
    assert all(before.values())
    old_hours = (await counts(conn))["energy_hourly"][0]
    features = await detect_features(conn)
    await enforce_retention(conn, features, RetentionSettings(), NOW, day_zone=UTC)
    for table, column in raw.items():
        assert await conn.fetchval(since.format(table, column), backfilled) == before[table]
    assert (await counts(conn))["energy_hourly"][0] < old_hours  # the rollups' own data goes
    await conn.execute("DELETE FROM rollup_queue")  # as the rollup does once it has run
    await enforce_retention(conn, features, RetentionSettings(), NOW, day_zone=UTC)
    for table, column in raw.items():
        assert await conn.fetchval(since.format(table, column), backfilled) < before[table]


async def test_community_licence_leaves_it_to_the_policies(conn: asyncpg.Connection) -> None:
    """Under the community licence the engine removes nothing itself."""
    before = await counts(conn)
    report = await enforce_retention(conn, COMMUNITY, RetentionSettings(), NOW, day_zone=UTC)
    assert report.mode is RetentionMode.POLICIES
    assert report.chunks_dropped == report.rows_deleted == {}
    assert await counts(conn) == before


async def test_enforcement_needs_an_aware_time(conn: asyncpg.Connection) -> None:
    """A naive `now` would shift every cutoff by the host's offset; it is refused."""
    features = await detect_features(conn)
    with pytest.raises(ValueError, match="aware"):
        await enforce_retention(
            conn, features, RetentionSettings(), NOW.replace(tzinfo=None), day_zone=UTC
        )


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("moment", sweep_params())
async def test_cutoffs_on_every_date(conn: asyncpg.Connection, moment: SweepDate) -> None:
    """Daily rows keep the household's last N local days, whatever the UTC date; hourly rows
    and readings keep exactly the last N x 24 hours."""
    settings = RetentionSettings(readings_days=3, hourly_days=10, daily_days=30)
    await conn.execute("TRUNCATE readings, energy_hourly, cost_rates, energy_daily")
    device = await conn.fetchval("SELECT id FROM devices")
    today = moment.local.date()
    days = [today - timedelta(days=n) for n in range(27, 34)]
    await conn.executemany(
        "INSERT INTO energy_daily (device_id, day, energy_kwh, samples) VALUES ($1, $2, 1, 1)",
        [(device, day) for day in days],
    )
    now = moment.utc
    hours = [now.replace(minute=0) - timedelta(hours=n) for n in range(236, 245)]
    await conn.executemany(
        "INSERT INTO energy_hourly (device_id, hour, energy_kwh, samples) VALUES ($1, $2, 1, 1)",
        [(device, hour) for hour in hours],
    )
    await enforce_retention(conn, await detect_features(conn), settings, now, day_zone=moment.zone)
    kept_days = [
        row["day"] for row in await conn.fetch("SELECT day FROM energy_daily ORDER BY day")
    ]
    assert kept_days == [day for day in sorted(days) if day >= today - timedelta(days=30)]
    kept_hours = [
        row["hour"] for row in await conn.fetch("SELECT hour FROM energy_hourly ORDER BY hour")
    ]
    assert kept_hours == [hour for hour in sorted(hours) if hour >= now - timedelta(days=10)]
