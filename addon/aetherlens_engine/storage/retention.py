"""How long data is kept: TimescaleDB policies where licensed, else the engine's own enforcement.

Community licence ('timescale'): readings are compressed after a day and every table gets a
retention policy; TimescaleDB's background jobs do the rest. Apache edition: the engine drops whole
chunks older than the cutoff (as the policies would). Plain PostgreSQL: the engine deletes the rows.
Readings packed into readings_compact (compaction.py) go by whole hours older than the cutoff.
The engine keeps the readings of hours still queued for their rollup (an old backfill) until the
rollup has taken them; TimescaleDB's policies cannot know the queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

import asyncpg

from .features import DatabaseFeatures


class RetentionMode(StrEnum):
    """Who removes old data."""

    POLICIES = "policies"  # TimescaleDB's background jobs (community licence)
    DROP_CHUNKS = "drop_chunks"  # the engine, whole chunks (Apache edition)
    DELETE = "delete"  # the engine, row by row (plain PostgreSQL)


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """Days each kind of data is kept, and the age at which readings are compressed."""

    readings_days: int = 90
    hourly_days: int = 365
    daily_days: int = 1826
    compress_after_days: int = 1

    def __post_init__(self) -> None:
        """Refuse periods that are not a positive number of days."""
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"retention setting {spec.name} must be a whole number of days > 0"
                )


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement with its arguments."""

    sql: str
    args: tuple[object, ...] = ()


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one enforcement run removed, per table."""

    mode: RetentionMode
    chunks_dropped: Mapping[str, int] = field(default_factory=dict)
    rows_deleted: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    column: str
    daily: bool  # partitioned by a date: the cutoff is a day
    span: timedelta = timedelta(0)  # what a row covers after its time: it goes once all is old
    raw: bool = False  # readings, which the rollups read


_TABLES = (
    _Table("readings", "time", daily=False, raw=True),
    _Table("readings_compact", "hour", daily=False, span=timedelta(hours=1), raw=True),
    _Table("energy_hourly", "hour", daily=False),
    _Table("energy_daily", "day", daily=True),
)
_OLDEST_QUEUED_SQL = "SELECT min(hour) FROM rollup_queue"


def retention_mode(features: DatabaseFeatures) -> RetentionMode:
    """Return who removes old data in a database with FEATURES."""
    if features.retention_policies:
        return RetentionMode.POLICIES
    if features.hypertables:
        return RetentionMode.DROP_CHUNKS
    return RetentionMode.DELETE


def _keep(table: _Table, settings: RetentionSettings) -> timedelta:
    if table.raw:
        return timedelta(days=settings.readings_days) + table.span
    if table.daily:
        return timedelta(days=settings.daily_days)
    return timedelta(days=settings.hourly_days)


def policy_statements(settings: RetentionSettings, *, compression_enabled: bool) -> list[Statement]:
    """Return the statements that set the community licence's policies to SETTINGS.

    Policies are removed and added again, so a rerun with changed settings replaces them.
    Compression is switched on only once: its settings cannot change while chunks are compressed.
    """
    statements = []
    if not compression_enabled:
        statements.append(
            Statement(
                "ALTER TABLE readings SET (timescaledb.compress, "
                "timescaledb.compress_segmentby = 'device_id', "
                "timescaledb.compress_orderby = 'time DESC')"
            )
        )
    statements += [
        Statement("SELECT remove_compression_policy('readings', if_exists => true)"),
        Statement(
            "SELECT add_compression_policy('readings', compress_after => $1::interval)",
            (timedelta(days=settings.compress_after_days),),
        ),
    ]
    for table in _TABLES:
        statements += [
            Statement(f"SELECT remove_retention_policy('{table.name}', if_exists => true)"),
            Statement(
                f"SELECT add_retention_policy('{table.name}', drop_after => $1::interval)",
                (_keep(table, settings),),
            ),
        ]
    return statements


async def apply_policies(
    conn: asyncpg.Connection, features: DatabaseFeatures, settings: RetentionSettings
) -> RetentionMode:
    """Install compression and retention policies where the licence has them; return the mode.

    Under the Apache edition and on plain PostgreSQL nothing is installed: the engine runs
    `enforce_retention` itself.
    """
    mode = retention_mode(features)
    if mode is not RetentionMode.POLICIES:
        return mode
    compression_enabled = bool(
        await conn.fetchval(
            """
            SELECT compression_enabled FROM timescaledb_information.hypertables
            WHERE hypertable_schema = current_schema() AND hypertable_name = 'readings'
            """
        )
    )
    async with conn.transaction():
        for statement in policy_statements(settings, compression_enabled=compression_enabled):
            await conn.execute(statement.sql, *statement.args)
    return mode


async def enforce_retention(
    conn: asyncpg.Connection,
    features: DatabaseFeatures,
    settings: RetentionSettings,
    now: datetime,
    *,
    day_zone: tzinfo,
) -> RetentionReport:
    """Remove data older than SETTINGS allow, as of NOW, unless TimescaleDB's policies do it.

    Hypertables lose whole chunks older than the cutoff (rows of a chunk that is partly younger
    stay until the whole chunk is old, as with the policies); other tables lose exactly the rows
    older than the cutoff. Daily rows are local days of DAY_ZONE (the rollups' zone): their
    cutoff is NOW's local date there minus the days kept, whichever the UTC date is.
    """
    if now.tzinfo is None:
        raise ValueError("enforce_retention needs an aware datetime for now")
    mode = retention_mode(features)
    if mode is RetentionMode.POLICIES:
        return RetentionReport(mode)
    hypertables: set[str] = set()
    if features.hypertables:
        hypertables = {
            row["hypertable_name"]
            for row in await conn.fetch(
                """
                SELECT hypertable_name FROM timescaledb_information.hypertables
                WHERE hypertable_schema = current_schema()
                """
            )
        }
    chunks: dict[str, int] = {}
    rows: dict[str, int] = {}
    # Readings of an hour still queued for its rollup stay until the rollup has taken them: a
    # backfill older than the raw retention is rolled up before it goes (on a later run).
    queued: datetime | None = await conn.fetchval(_OLDEST_QUEUED_SQL)
    for table in _TABLES:
        # Daily rows count calendar days (a DST change inside the span does not move the cutoff).
        cutoff: datetime | date = (
            now.astimezone(day_zone).date() - _keep(table, settings)
            if table.daily
            else now.astimezone(UTC) - _keep(table, settings)
        )
        if table.raw and queued is not None:
            cutoff = min(cutoff, queued)
        cast = "date" if table.daily else "timestamptz"
        if table.name in hypertables:
            chunks[table.name] = await conn.fetchval(
                f"SELECT count(*) FROM drop_chunks('{table.name}', older_than => $1::{cast})",
                cutoff,
            )
        else:
            status = await conn.execute(
                f"DELETE FROM {table.name} WHERE {table.column} < $1::{cast}", cutoff
            )
            rows[table.name] = int(status.split()[-1])
    return RetentionReport(mode, chunks, rows)
