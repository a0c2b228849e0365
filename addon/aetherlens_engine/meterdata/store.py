"""Storing a utility file: each meter a household meter device, its intervals its readings.

All of a file or nothing, in one transaction. A meter becomes the device (source: the file's
format, source_id: the meter's identity at the utility) of kind `meter` in kWh, with its flow and
connection. Its intervals, cut at UTC hours (`intervals.hour_pieces`), become counter readings the
rollups turn into exactly the piece's energy in its hour: a reading at the piece's start flagged
COUNTER_RESET with 0, one a microsecond before its end with its kWh (inside the hour however
long the piece is), both flagged BACKFILLED, and ESTIMATED where a piece is a share of a longer
interval. The rollups then fold them in (queued like any readings).

Deduplication is by UTC hour: an hour for which this meter has energy or readings keeps them (a
second import of a file stores nothing), and so does an hour another mains meter of the household
(the collector's, another import's) of the same commodity and flow has energy for: the household
is never counted twice. Such intervals are counted as duplicates and covered, not errors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import asyncpg

from aetherlens_engine.ingest.records import Record
from aetherlens_engine.ingest.store import merge_records
from aetherlens_engine.ingest.validate import EARLIEST
from aetherlens_engine.models import UNIT_ENERGY, Commodity, DeviceKind, Quality

from .intervals import (
    BillLine,
    Meter,
    MeterData,
    MeterDataError,
    Piece,
    UsageSummary,
    hour_pieces,
)

BEFORE_END = timedelta(microseconds=1)

_DEVICE_SQL = """
INSERT INTO devices (source, source_id, name, kind, unit, commodity, flow, connection)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (source, source_id) DO UPDATE SET updated_at = now()
RETURNING id
"""
# The hours this meter has, and those another mains meter of its commodity and flow has energy
# for, in [$2, $3).
_KNOWN_HOURS_SQL = """
SELECT e.hour, e.device_id = $1 AS own
FROM energy_hourly AS e
JOIN devices AS d ON d.id = e.device_id
WHERE e.hour >= $2 AND e.hour < $3 AND e.samples > 0
  AND (e.device_id = $1
       OR d.kind IN ('grid', 'meter') AND d.included_in IS NULL
          AND d.commodity = $4 AND coalesce(d.flow, 'import') = $5)
UNION
SELECT DISTINCT date_bin('1 hour', r.time, 'epoch'), true
FROM readings_between($1, $2, $3) AS r
"""
_SUMMARY_SQL = """
INSERT INTO usage_summaries (device_id, period_start, period_end, currency, bill, bill_to_date,
                             additional_cost, consumption_kwh, lines, source)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)
ON CONFLICT (device_id, period_start, period_end) DO NOTHING
RETURNING id
"""


_SUMMARIES_SQL = """
SELECT s.id, s.device_id, d.source_id, s.source, s.period_start, s.period_end, s.currency,
       s.bill, s.bill_to_date, s.additional_cost, s.consumption_kwh, s.lines::text AS lines,
       s.imported_at
FROM usage_summaries AS s
JOIN devices AS d ON d.id = s.device_id
ORDER BY s.period_start, s.device_id
"""


@dataclass(frozen=True, slots=True)
class StoredSummary:
    """A usage summary as stored: its row, its meter's device, how and when it came."""

    id: int
    device_id: int
    source: str
    imported_at: datetime
    summary: UsageSummary


@dataclass(frozen=True, slots=True)
class MeterImported:
    """What an import did with one meter: pieces are its intervals' parts within UTC hours."""

    device_id: int
    meter: Meter
    stored: int
    duplicates: int
    covered: int

    @property
    def pieces(self) -> int:
        """Every piece of the meter's intervals, stored or not."""
        return self.stored + self.duplicates + self.covered


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import stored: per meter, and the usage summaries new and already known."""

    source: str
    meters: tuple[MeterImported, ...]
    summaries: int
    summaries_known: int
    new_summaries: tuple[UsageSummary, ...] = ()  # those stored by this import


async def store_meter_data(conn: asyncpg.Connection, data: MeterData, now: datetime) -> Imported:
    """Store DATA (read at NOW) in one transaction; raise MeterDataError for a time out of range."""
    _check_times(data, now)
    async with conn.transaction():
        devices: dict[str, int] = {}
        results: list[MeterImported] = []
        for meter in data.meters:
            device_id = await conn.fetchval(
                _DEVICE_SQL,
                data.source,
                meter.source_id,
                meter.name,
                DeviceKind.METER.value,
                UNIT_ENERGY,
                Commodity.ELECTRICITY.value,
                meter.flow.value,
                meter.connection,
            )
            devices[meter.source_id] = device_id
            results.append(await _store_meter(conn, device_id, meter))
        new = [
            summary
            for summary in data.summaries
            if await _store_summary(conn, devices[summary.meter], summary, data.source)
        ]
    known = len(data.summaries) - len(new)
    return Imported(data.source, tuple(results), len(new), known, tuple(new))


def _check_times(data: MeterData, now: datetime) -> None:
    for meter in data.meters:
        for item in meter.intervals:
            if item.start < EARLIEST:
                raise MeterDataError(f"{item.where}: the interval starts before 1970")
            if item.end > now:
                raise MeterDataError(
                    f"{item.where}: the interval ends at {item.end.isoformat()}, in the future"
                )


async def _store_meter(conn: asyncpg.Connection, device_id: int, meter: Meter) -> MeterImported:
    if not meter.intervals:
        return MeterImported(device_id, meter, 0, 0, 0)
    first, last = meter.intervals[0].start, meter.intervals[-1].end
    rows = await conn.fetch(
        _KNOWN_HOURS_SQL, device_id, first, last, Commodity.ELECTRICITY.value, meter.flow.value
    )
    own = {row["hour"] for row in rows if row["own"]}
    others = {row["hour"] for row in rows} - own
    stored: list[Piece] = []
    duplicates = covered = 0
    for piece in hour_pieces(meter.intervals):
        if piece.hour in own:
            duplicates += 1
        elif piece.hour in others:
            covered += 1
        else:
            stored.append(piece)
    if stored:
        await merge_records(conn, _records(device_id, stored))
    return MeterImported(device_id, meter, len(stored), duplicates, covered)


def _records(device_id: int, pieces: Sequence[Piece]) -> list[Record]:
    records: list[Record] = []
    for piece in pieces:
        flags = Quality.BACKFILLED | (Quality.ESTIMATED if piece.split else 0)
        records.append((piece.start, device_id, 0.0, int(flags | Quality.COUNTER_RESET)))
        records.append((piece.end - BEFORE_END, device_id, float(piece.kwh), int(flags)))
    return records


async def _store_summary(
    conn: asyncpg.Connection, device_id: int, summary: UsageSummary, source: str
) -> bool:
    """Store SUMMARY unless its meter's period is known; whether it was new."""
    lines = [{"note": line.note, "amount": str(line.amount)} for line in summary.lines]
    stored = await conn.fetchval(
        _SUMMARY_SQL,
        device_id,
        summary.start,
        summary.end,
        summary.currency,
        summary.bill,
        summary.bill_to_date,
        summary.additional,
        summary.consumption_kwh,
        json.dumps(lines),
        source,
    )
    return stored is not None


async def stored_summaries(conn: asyncpg.Connection) -> list[StoredSummary]:
    """Return every stored usage summary, by the start of its period."""
    return [
        StoredSummary(
            row["id"],
            row["device_id"],
            row["source"],
            row["imported_at"],
            UsageSummary(
                row["source_id"],
                row["period_start"],
                row["period_end"],
                row["currency"],
                row["bill"],
                row["bill_to_date"],
                row["additional_cost"],
                row["consumption_kwh"],
                tuple(
                    BillLine(line["note"], Decimal(line["amount"]))
                    for line in json.loads(row["lines"])
                ),
                f"usage summary {row['id']}",
            ),
        )
        for row in await conn.fetch(_SUMMARIES_SQL)
    ]
