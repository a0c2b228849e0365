"""Statements the household records, each matched with the engine's bill of its cycle.

A statement is kept as the paper bill shows it (timescale/0014_statements.sql; one per cycle,
recording a cycle again replaces it). Its match bills the recorded usage of the cycle's local
days under the statement's tariff, the version in force on its first day, those days as the
cycle (a meter-read cycle of any length), by the rules of every recorded bill
(`pricing.recorded`), and sets the statement beside it (`tariffs.statement`): the coverage
tells how many of the cycle's hours have household energy and which versions of the tariff
start inside the cycle.

A usage summary of a utility's data download (Green Button) that gives the period's bill becomes
a statement of the active tariff when it is imported (`record_billed`): its period's local days,
its total, its energy and additional costs (`_summary_lines`); it never replaces a statement of
the same cycle. So does a bill a plugin fetched (`record_totals`: its days and total alone).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from aetherlens_engine.meterdata.intervals import UsageSummary
from aetherlens_engine.tariffs.bill import bill
from aetherlens_engine.tariffs.calendar import local_midnight
from aetherlens_engine.tariffs.compare import credited_export
from aetherlens_engine.tariffs.model import BillInputError, Tariff
from aetherlens_engine.tariffs.records import CycleBill
from aetherlens_engine.tariffs.statement import (
    Coverage,
    LineKind,
    Match,
    Statement,
    StatementLine,
    match,
)
from aetherlens_engine.tariffs.versions import StoredTariff

from .recorded import RecordedInputs, load_recorded, recorded_hours, whole_hours
from .store.tariffs import active_tariff_name, tariff_versions


@dataclass(frozen=True, slots=True)
class StoredStatement:
    """A recorded statement: the tariff it was billed under, how it came, when."""

    id: int
    tariff: str
    currency: str
    source: str
    recorded_at: datetime
    statement: Statement


def _line_json(line: StatementLine) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": line.kind.value, "name": line.name, "amount": str(line.amount)}
    if line.kind is LineKind.ENERGY:
        kwh = None if line.kwh is None else str(line.kwh)
        out |= {"period": line.period, "tier": line.tier, "kwh": kwh}
    return out


def _line(data: dict[str, Any]) -> StatementLine:
    kwh = data.get("kwh")
    return StatementLine(
        kind=LineKind(data["kind"]),
        name=data["name"],
        amount=Decimal(data["amount"]),
        period=data.get("period"),
        tier=data.get("tier"),
        kwh=None if kwh is None else Decimal(kwh),
    )


async def _versions(conn: asyncpg.Connection, name: str) -> list[StoredTariff]:
    versions = await tariff_versions(conn, name)
    if not versions:
        raise BillInputError(f"tariff: there is no tariff named {name!r}")
    return versions


async def save_statement(
    conn: asyncpg.Connection, tariff: str, statement: Statement, source: str
) -> StoredStatement:
    """Store STATEMENT of TARIFF (a stored name), replacing one of the same cycle.

    Its currency is the tariff's; raises `BillInputError` for an unknown tariff.
    """
    currency = (await _versions(conn, tariff))[-1].tariff().currency
    row = await conn.fetchrow(
        "INSERT INTO statements (tariff, first_day, end_day, currency, total, lines, source) "
        "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) "
        "ON CONFLICT (first_day, end_day) DO UPDATE SET tariff = EXCLUDED.tariff, "
        "currency = EXCLUDED.currency, total = EXCLUDED.total, lines = EXCLUDED.lines, "
        "source = EXCLUDED.source, recorded_at = now() "
        "RETURNING id, recorded_at",
        tariff,
        statement.first,
        statement.end,
        currency,
        statement.total,
        json.dumps([_line_json(line) for line in statement.lines]),
        source,
    )
    return StoredStatement(row["id"], tariff, currency, source, row["recorded_at"], statement)


_BILLED_SQL = """
INSERT INTO statements (tariff, first_day, end_day, currency, total, lines, source)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
ON CONFLICT (first_day, end_day) DO NOTHING
RETURNING id
"""


def _summary_lines(summary: UsageSummary, bill: Decimal) -> list[StatementLine]:
    """Return the lines a summary shows: its energy, and each additional cost as standing.

    Energy is the bill less the additional cost (with the kWh billed); without the additional
    cost the summary is its total alone.
    """
    if summary.additional is None:
        return []
    extra = [
        StatementLine(kind=LineKind.STANDING, name=line.note, amount=line.amount)
        for line in summary.lines
    ]
    if not extra and summary.additional:
        extra = [
            StatementLine(kind=LineKind.STANDING, name="additional cost", amount=summary.additional)
        ]
    energy = StatementLine(
        kind=LineKind.ENERGY,
        name="energy",
        amount=bill - summary.additional,
        kwh=summary.consumption_kwh,
    )
    return [energy, *extra]


async def record_totals(
    conn: asyncpg.Connection, cycles: Sequence[tuple[date, date, Decimal, str]], source: str
) -> list[int]:
    """Record each (first day, end day, total, currency) as a statement of the active tariff.

    Return their ids. Left out, as in `record_billed`: a cycle in another currency than the
    tariff's, one already recorded, or all without an active tariff.
    """
    name = await active_tariff_name(conn)
    if name is None:
        return []
    currency = (await _versions(conn, name))[-1].tariff().currency
    ids = []
    for first, end, total, in_currency in cycles:
        if in_currency != currency or end <= first:
            continue
        found = await conn.fetchval(_BILLED_SQL, name, first, end, currency, total, "[]", source)
        if found is not None:
            ids.append(found)
    return ids


async def record_billed(
    conn: asyncpg.Connection, summaries: Sequence[UsageSummary], source: str
) -> list[int]:
    """Record each billed summary as a statement of the active tariff; return their ids.

    The cycle is the summary's period in the tariff zone's local days. Left out: summaries
    without a bill, in another currency than the tariff's, of a cycle already recorded, or
    all without an active tariff.
    """
    name = await active_tariff_name(conn)
    if name is None:
        return []
    tariff = (await _versions(conn, name))[-1].tariff()
    ids = []
    for summary in summaries:
        if summary.bill is None or summary.currency != tariff.currency:
            continue
        first = summary.start.astimezone(tariff.zone).date()
        end = summary.end.astimezone(tariff.zone).date()
        if end <= first:
            continue
        lines = json.dumps([_line_json(line) for line in _summary_lines(summary, summary.bill)])
        found = await conn.fetchval(
            _BILLED_SQL, name, first, end, tariff.currency, summary.bill, lines, source
        )
        if found is not None:
            ids.append(found)
    return ids


async def delete_statement(conn: asyncpg.Connection, statement_id: int) -> bool:
    """Delete the statement STATEMENT_ID; False when there is none."""
    deleted = await conn.fetchval("DELETE FROM statements WHERE id = $1 RETURNING id", statement_id)
    return deleted is not None


async def stored_statements(conn: asyncpg.Connection) -> list[StoredStatement]:
    """Return every recorded statement, oldest cycle first."""
    rows = await conn.fetch("SELECT * FROM statements ORDER BY first_day")
    return [
        StoredStatement(
            row["id"],
            row["tariff"],
            row["currency"].strip(),
            row["source"],
            row["recorded_at"],
            Statement(
                first=row["first_day"],
                end=row["end_day"],
                total=row["total"],
                lines=tuple(_line(line) for line in json.loads(row["lines"])),
            ),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class StatementCycle:
    """What billing a statement's cycle needs: its tariff version, the recorded inputs."""

    stored: StoredStatement
    version: StoredTariff
    versions: tuple[StoredTariff, ...]
    start: datetime
    end: datetime
    inputs: RecordedInputs

    def bill(self, tariff: Tariff) -> CycleBill:
        """Bill the cycle's recorded usage under TARIFF, the statement's days as its cycle."""
        billed = self.inputs.billable(tariff)
        result = bill(
            billed,
            self.inputs.usage.load,
            export=credited_export(billed, self.inputs.usage.export),
            prices=self.inputs.prices,
            carbon=self.inputs.carbon,
            days=(self.stored.statement.first, self.stored.statement.end),
        )
        return result.cycles[0]


async def statement_cycle(conn: asyncpg.Connection, stored: StoredStatement) -> StatementCycle:
    """Read what billing STORED's cycle needs.

    Raises `BillInputError` where the cycle cannot be billed (no version in force, nothing
    recorded, dynamic prices unrecorded).
    """
    statement = stored.statement
    versions = await _versions(conn, stored.tariff)
    zone = versions[-1].tariff().zone
    start = local_midnight(statement.first, zone)
    end = local_midnight(statement.end, zone)
    in_force = [
        v for v in versions if v.valid_from <= start and (v.valid_to is None or v.valid_to > start)
    ]
    if not in_force:
        raise BillInputError(
            f"tariff {stored.tariff!r} has no version in force on {statement.first.isoformat()}"
        )
    inputs = await load_recorded(conn, (in_force[0].tariff(),), start, end)
    return StatementCycle(stored, in_force[0], tuple(versions), start, end, inputs)


async def match_stored(conn: asyncpg.Connection, stored: StoredStatement) -> Match:
    """Bill the statement's cycle from the recorded usage and set the statement beside it.

    Raises `BillInputError` where the cycle cannot be billed (see `statement_cycle`).
    """
    found = await statement_cycle(conn, stored)
    cycle = found.bill(found.version.tariff())
    start, end = found.start, found.end
    coverage = Coverage(
        hours=whole_hours(start, end),
        recorded_hours=await recorded_hours(conn, start, end),
        version_starts=tuple(v.valid_from for v in found.versions if start < v.valid_from < end),
    )
    return match(stored.statement, cycle, coverage)
