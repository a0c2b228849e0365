"""Calibration: the residual a tariff leaves on its statements, offered as its next version.

An unknown rider or fee shows as a residual that grows with the cycle's kWh, or with its days.
Over every statement of the tariff whose cycle is fully recorded (a cycle with missing data says
nothing of the tariff), the amount per kWh and the amount per day that best explain the total
residuals (least squares, to 0.00001 per kWh and 0.0001 per day) are each added to the tariff
(a surcharge, a daily fixed charge) and every statement is billed again: the proposal is the one
that leaves the smaller residuals, with the residual it leaves on each statement. It is named
after the rider lines the tariff lacks where the statements show one. Nothing is saved: the user
saves the proposed definition as a new version (`POST /api/v1/tariffs`) or not.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import asyncpg

from aetherlens_engine.tariffs.load import build_tariff
from aetherlens_engine.tariffs.model import BillInputError
from aetherlens_engine.tariffs.present import cents
from aetherlens_engine.tariffs.statement import LineKind, name_key
from aetherlens_engine.tariffs.versions import StoredTariff

from .recorded import recorded_hours, whole_hours
from .statements import StatementCycle, StoredStatement, statement_cycle, stored_statements
from .store.tariffs import tariff_versions

ZERO = Decimal(0)


class Basis(StrEnum):
    """What the proposed amount is charged on."""

    PER_KWH = "per_kwh"
    PER_DAY = "per_day"


STEP = {Basis.PER_KWH: Decimal("0.00001"), Basis.PER_DAY: Decimal("0.0001")}
DEFAULT_NAME = {Basis.PER_KWH: "calibrated rider", Basis.PER_DAY: "calibrated daily charge"}


@dataclass(frozen=True, slots=True)
class Leftover:
    """A statement's total residual now and under the proposal; `fitted`: used for the fit."""

    stored: StoredStatement
    residual: Decimal
    after: Decimal
    fitted: bool


@dataclass(frozen=True, slots=True)
class Proposal:
    """A tariff change that explains the statements' residuals: the next version's definition."""

    based_on: StoredTariff
    basis: Basis
    name: str
    amount: Decimal
    definition: dict[str, Any]
    leftovers: tuple[Leftover, ...]

    def explains(self, threshold: Decimal) -> bool:
        """Whether it leaves every fitted statement within THRESHOLD."""
        return all(abs(left.after) <= threshold for left in self.leftovers if left.fitted)


def with_charge(
    definition: dict[str, Any], basis: Basis, name: str, amount: Decimal
) -> dict[str, Any]:
    """Return DEFINITION with the amount added as a surcharge or a daily fixed charge."""
    changed = copy.deepcopy(definition)
    if basis is Basis.PER_KWH:
        changed.setdefault("surcharges", []).append({"name": name, "per_kwh": str(amount)})
    else:
        changed.setdefault("fixed", []).append({"name": name, "amount": str(amount), "per": "day"})
    return changed


def _name(cycles: list[StatementCycle], basis: Basis) -> str:
    """Return the most common rider line the tariffs lack, or a name saying what it is."""
    lacking: Counter[str] = Counter()
    for cycle in cycles:
        known = {
            name_key(s.get("name", "")) for s in cycle.version.definition.get("surcharges", [])
        }
        lacking.update(
            line.name
            for line in cycle.stored.statement.lines
            if line.kind is LineKind.RIDER and name_key(line.name) not in known
        )
    return lacking.most_common(1)[0][0] if lacking else DEFAULT_NAME[basis]


async def calibrate(conn: asyncpg.Connection, tariff: str) -> Proposal:
    """Propose the next version of TARIFF that explains its statements' residuals.

    Raises `BillInputError` where no statement of it has a fully recorded, billable cycle.
    """
    cycles, fitted = [], []
    for stored in await stored_statements(conn):
        if stored.tariff != tariff:
            continue
        try:
            cycle = await statement_cycle(conn, stored)
        except BillInputError:
            continue
        cycles.append(cycle)
        hours = await recorded_hours(conn, cycle.start, cycle.end)
        fitted.append(hours == whole_hours(cycle.start, cycle.end))
    if not any(fitted):
        raise BillInputError(
            f"tariff {tariff!r}: no statement of it has a fully recorded cycle to calibrate on"
        )
    bills = [cycle.bill(cycle.version.tariff()) for cycle in cycles]
    residuals = [
        c.stored.statement.total - cents(b.total) for c, b in zip(cycles, bills, strict=True)
    ]
    measures = {
        Basis.PER_KWH: [b.import_kwh for b in bills],
        Basis.PER_DAY: [Decimal(b.cycle.days) for b in bills],
    }
    latest = (await tariff_versions(conn, tariff))[-1]
    proposals = []
    for basis, measure in measures.items():
        used = [(r, m) for r, m, f in zip(residuals, measure, fitted, strict=True) if f]
        square = sum((m * m for _, m in used), ZERO)
        if not square:
            continue
        amount = (sum((r * m for r, m in used), ZERO) / square).quantize(STEP[basis])
        name = _name(cycles, basis)
        leftovers = tuple(
            Leftover(
                cycle.stored,
                residual,
                cycle.stored.statement.total
                - cents(
                    cycle.bill(
                        build_tariff(with_charge(cycle.version.definition, basis, name, amount))
                    ).total
                ),
                used_for_fit,
            )
            for cycle, residual, used_for_fit in zip(cycles, residuals, fitted, strict=True)
        )
        definition = with_charge(latest.definition, basis, name, amount)
        proposals.append(Proposal(latest, basis, name, amount, definition, leftovers))
    return min(proposals, key=lambda p: sum((abs(x.after) for x in p.leftovers if x.fitted), ZERO))
