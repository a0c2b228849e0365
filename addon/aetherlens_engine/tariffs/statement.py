"""A utility's statement beside the engine's bill of the same cycle: residual per line and in total.

A statement is what the paper bill shows: its cycle's local days [first, end), its total and as
many lines as it prints, each amount as it adds up to the total (a credit is negative). Each line
is matched to the engine's lines of the cycle by kind:

- energy by `period` and `tier` (a line without a tier: the period's tiers; without a period:
  all energy), standing charges, demand charges, riders (the tariff's surcharges, else a fixed
  charge of the rider's name: one billed by the day, as a calibration may add it) and taxes by
  name (case and surrounding spaces ignored), credits to the export credit;
- a line the engine has no counterpart for is left whole as its residual, an engine line the
  statement does not show is matched by nothing (its residual is minus its amount).

The residual is the statement's amount less the engine's, per line and of the totals (the
engine's rounded to the cent, as presented). `causes` names what most likely explains a residual
above the threshold: hours of the cycle without recorded energy, a rider the tariff lacks, energy
lines whose tier split differs from the engine's for the same kWh of a period (a wrong tier
limit), a version of the tariff starting inside the cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from .model import BillInputError
from .present import cents
from .records import CycleBill

ZERO = Decimal(0)
# kWh of a period that agree to this share are the same kWh (the bill rounds them).
SAME_KWH = Decimal("0.005")


class LineKind(StrEnum):
    """What a statement line charges."""

    ENERGY = "energy"
    STANDING = "standing"
    DEMAND = "demand"
    RIDER = "rider"
    TAX = "tax"
    CREDIT = "credit"


class Cause(StrEnum):
    """A likely cause of a residual."""

    MISSING_DATA = "missing_data"
    MISSING_RIDER = "missing_rider"
    TIER_LIMIT = "tier_limit"
    TARIFF_VERSION = "tariff_version"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementLine:
    """One line of a statement; `period`, `tier` and `kwh` for energy lines."""

    kind: LineKind
    name: str
    amount: Decimal
    period: str | None = None
    tier: int | None = None
    kwh: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """A recorded bill: the cycle's local days [first, end), its total and its lines."""

    first: date
    end: date
    total: Decimal
    lines: tuple[StatementLine, ...] = ()


@dataclass(frozen=True, slots=True)
class LineResidual:
    """A statement line (None: an engine line the statement does not show) beside the engine's."""

    kind: LineKind
    name: str
    statement: Decimal | None
    engine: Decimal | None

    @property
    def residual(self) -> Decimal:
        """The statement's amount less the engine's."""
        return (self.statement or ZERO) - (self.engine or ZERO)


@dataclass(frozen=True, slots=True)
class Finding:
    """A likely cause of the residual, with what shows it."""

    cause: Cause
    detail: str


@dataclass(frozen=True, slots=True)
class Coverage:
    """The cycle's hours, those with household energy recorded, and versions starting inside."""

    hours: int
    recorded_hours: int
    version_starts: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    """A statement beside the engine's bill of its cycle."""

    statement: Statement
    engine_total: Decimal
    lines: tuple[LineResidual, ...]
    findings: tuple[Finding, ...]

    @property
    def residual(self) -> Decimal:
        """The statement's total less the engine's (rounded to the cent)."""
        return self.statement.total - self.engine_total

    def over(self, threshold: Decimal) -> bool:
        """Whether the total residual, or a line's, is larger than THRESHOLD either way."""
        return abs(self.residual) > threshold or any(
            abs(line.residual) > threshold for line in self.lines
        )


def name_key(name: str) -> str:
    """Return NAME as lines are paired by it: case and spaces ignored."""
    return " ".join(name.split()).casefold()


def _engine_lines(cycle: CycleBill) -> dict[LineKind, dict[str, Decimal]]:
    """Return the engine's amounts by kind and name (energy by `period/tier`)."""
    named: dict[LineKind, dict[str, Decimal]] = {kind: {} for kind in LineKind}
    for line in cycle.energy:
        named[LineKind.ENERGY][f"{line.period}/{line.tier}"] = line.cost
    for kind, lines in (
        (LineKind.STANDING, cycle.fixed),
        (LineKind.RIDER, cycle.surcharges),
        (LineKind.TAX, cycle.taxes),
    ):
        for charge in lines:
            named[kind][name_key(charge.name)] = (
                named[kind].get(name_key(charge.name), ZERO) + charge.amount
            )
    for demand in cycle.demand:
        named[LineKind.DEMAND][name_key(demand.name)] = demand.cost
    if cycle.minimum:
        named[LineKind.STANDING]["minimum bill"] = cycle.minimum
    if cycle.credit_used:
        named[LineKind.CREDIT]["credit"] = -cycle.credit_used
    return named


def _energy_keys(line: StatementLine, engine: dict[str, Decimal]) -> list[str]:
    if line.period is None:
        return list(engine)
    if line.tier is None:
        return [key for key in engine if key.split("/")[0] == line.period]
    return [f"{line.period}/{line.tier}"]


def _take(line: StatementLine, engine: dict[LineKind, dict[str, Decimal]]) -> Decimal | None:
    """Remove and return the engine's amount LINE stands for; None where there is none."""
    lines = engine[line.kind]
    if line.kind is LineKind.ENERGY:
        keys = [key for key in _energy_keys(line, lines) if key in lines]
    elif line.kind is LineKind.CREDIT:
        keys = list(lines)
    else:
        keys = [name_key(line.name)] if name_key(line.name) in lines else []
        if not keys and line.kind is LineKind.RIDER:
            lines = engine[LineKind.STANDING]
            keys = [name_key(line.name)] if name_key(line.name) in lines else []
        if not keys and len(lines) == 1 and line.kind is LineKind.STANDING:
            keys = list(lines)  # one standing charge each, named differently
    if not keys:
        return None
    return sum((lines.pop(key) for key in keys), ZERO)


def _tier_findings(statement: Statement, cycle: CycleBill) -> list[Finding]:
    """Periods whose kWh agree in total but are split into tiers otherwise than the engine's."""
    found = []
    periods = {line.period for line in statement.lines if line.tier is not None and line.kwh}
    for period in sorted(p for p in periods if p is not None):
        ours = {e.tier: e.kwh for e in cycle.energy if e.period == period}
        theirs = {
            line.tier: line.kwh or ZERO
            for line in statement.lines
            if line.kind is LineKind.ENERGY and line.period == period and line.tier is not None
        }
        total = sum(ours.values(), ZERO)
        same_total = abs(sum(theirs.values(), ZERO) - total) <= total * SAME_KWH
        split_differs = any(
            abs(theirs.get(tier, ZERO) - ours.get(tier, ZERO)) > total * SAME_KWH
            for tier in {*ours, *theirs}
        )
        if same_total and split_differs:
            shown = ", ".join(f"tier {t}: {theirs[t].normalize():f} kWh" for t in sorted(theirs))
            found.append(
                Finding(
                    Cause.TIER_LIMIT,
                    f"{period}: the statement splits {total.normalize():f} kWh as {shown}; the "
                    "tariff's "
                    "tier limits split them otherwise",
                )
            )
    return found


def match(statement: Statement, cycle: CycleBill, coverage: Coverage) -> Match:
    """Set STATEMENT beside CYCLE, the engine's bill of its days.

    COVERAGE tells the recorded hours and the tariff versions starting in the cycle.
    """
    engine = _engine_lines(cycle)
    lines = []
    findings: list[Finding] = []
    for line in statement.lines:
        amount = _take(line, engine)
        lines.append(LineResidual(line.kind, line.name, line.amount, amount))
        if amount is None and line.kind is LineKind.RIDER:
            findings.append(
                Finding(Cause.MISSING_RIDER, f"{line.name}: the tariff has no such surcharge")
            )
    for kind, left in engine.items():
        lines.extend(LineResidual(kind, name, None, amount) for name, amount in left.items())
    if coverage.recorded_hours < coverage.hours:
        missing = coverage.hours - coverage.recorded_hours
        findings.append(
            Finding(
                Cause.MISSING_DATA,
                f"{missing} of the cycle's {coverage.hours} hours have no household energy "
                "recorded",
            )
        )
    findings += _tier_findings(statement, cycle)
    findings += [
        Finding(Cause.TARIFF_VERSION, f"a version of the tariff starts on {start.isoformat()}")
        for start in coverage.version_starts
    ]
    return Match(statement, cents(cycle.total), tuple(lines), tuple(findings))


def check_statement(statement: Statement) -> None:
    """Raise `BillInputError` naming the field where a statement cannot be a bill."""
    if statement.end <= statement.first:
        raise BillInputError("end: must be later than 'start'")
    for number, line in enumerate(statement.lines):
        if line.kind is not LineKind.ENERGY and (line.period or line.tier or line.kwh):
            raise BillInputError(f"lines[{number}]: period, tier and kwh are for energy lines")
