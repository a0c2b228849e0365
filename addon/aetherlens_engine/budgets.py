"""Budgets of the configuration file, seeded once each into the engine's `budgets` table.

The table is the engine's own: the API creates, changes and deletes its budgets. The
configuration only seeds it: a configured budget is inserted the first time the engine sees
its name (`budget_seeds` remembers it), and never again, so what the page or the API changed
or deleted stays so across restarts. A name the table already has (a budget made through the
API) is not overwritten. A budget of a device or cloud account names it by its name or source
id; one that names no known device yet (a cloud account whose plugin has not polled, a typo) is
not seeded and reported, and the engine tries again later.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Final

import asyncpg

from .models import DeviceKind

LOGGER = logging.getLogger(__name__)

SCOPES: Final = ("household", "gas", "water", "device", "cloud_account", "cloud_total")
# The scopes of the gas and the water household (`household` is electricity's).
COMMODITY_SCOPES: Final = frozenset({"gas", "water"})
PERIODS: Final = ("day", "month", "billing_cycle")
# The scopes whose budget belongs to one device (an energy device or a cloud account).
DEVICE_SCOPES: Final = frozenset({"device", "cloud_account"})
# Percents of the amount at which the household is told; 100 is the amount itself.
DEFAULT_THRESHOLDS: Final = (100,)
MAX_THRESHOLDS: Final = 10
MAX_THRESHOLD: Final = 1000


def thresholds_problem(thresholds: Sequence[int]) -> str | None:
    """Say what is wrong with THRESHOLDS (percents of an amount), or None when they are fine."""
    if not 1 <= len(thresholds) <= MAX_THRESHOLDS:
        return f"give 1 to {MAX_THRESHOLDS} percents, like 50, 80, 100"
    for value in thresholds:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{value!r} is not a whole percent"
        if not 1 <= value <= MAX_THRESHOLD:
            return f"{value} is not a percent from 1 to {MAX_THRESHOLD}"
    if any(later <= earlier for earlier, later in pairwise(thresholds)):
        return "each percent must be higher than the one before, like 50, 80, 100"
    return None


@dataclass(frozen=True, slots=True)
class Budget:
    """One configured budget; DEVICE (a name or source id) only for the device scopes."""

    name: str
    scope: str
    period: str
    amount: Decimal
    currency: str
    device: str | None = None
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS


@dataclass(frozen=True, slots=True)
class BudgetSeedReport:
    """What a seeding inserted, what it left as it was, and why the others wait (by name)."""

    seeded: tuple[str, ...]
    kept: tuple[str, ...]
    unresolved: dict[str, str]


async def seed_budgets(conn: asyncpg.Connection, budgets: Sequence[Budget]) -> BudgetSeedReport:
    """Insert each of BUDGETS not seeded before, in one transaction; report those that wait.

    A budget whose name was seeded before is left as the table has it (changed or deleted
    through the API); one whose name the table holds already is kept, and counts as seeded.
    """
    seeded: list[str] = []
    kept: list[str] = []
    unresolved: dict[str, str] = {}
    async with conn.transaction():
        # Engines sharing a database seed one after the other.
        await conn.execute("LOCK TABLE budget_seeds IN SHARE ROW EXCLUSIVE MODE")
        done = {row["name"] for row in await conn.fetch("SELECT name FROM budget_seeds")}
        for budget in budgets:
            if budget.name in done:
                continue
            device_id, problem = None, None
            if budget.device is not None:
                device_id, problem = await _device_id(conn, budget)
            if problem is not None:
                unresolved[budget.name] = problem
                continue
            inserted = await conn.fetchval(
                """
                INSERT INTO budgets (name, scope, device_id, period, amount, currency, thresholds)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (name) DO NOTHING
                RETURNING id
                """,
                budget.name,
                budget.scope,
                device_id,
                budget.period,
                budget.amount,
                budget.currency,
                list(budget.thresholds),
            )
            await conn.execute("INSERT INTO budget_seeds (name) VALUES ($1)", budget.name)
            (seeded if inserted is not None else kept).append(budget.name)
    return BudgetSeedReport(tuple(seeded), tuple(kept), unresolved)


async def _device_id(conn: asyncpg.Connection, budget: Budget) -> tuple[int | None, str | None]:
    """Return the id of the device BUDGET names, or None and why it cannot be used."""
    cloud = budget.scope == "cloud_account"
    matches = await conn.fetch(
        """
        SELECT id, source, source_id, name FROM devices
        WHERE (name = $1 OR source_id = $1) AND (kind = $2) = $3
        ORDER BY id
        """,
        budget.device,
        DeviceKind.CLOUD_ACCOUNT.value,
        cloud,
    )
    what = "cloud account" if cloud else "device"
    if not matches:
        later = " (a cloud account appears once its plugin has polled)" if cloud else ""
        return None, (
            f"budget {budget.name!r}: no {what} is named or has the source id "
            f"{budget.device!r}{later}; the budget is left out until one does"
        )
    if len(matches) > 1:
        found = ", ".join(f"{m['name']} ({m['source']}/{m['source_id']})" for m in matches)
        return None, (
            f"budget {budget.name!r}: {budget.device!r} names several {what}s: {found}; "
            "name one by its source id"
        )
    device_id: int = matches[0]["id"]
    return device_id, None


class BudgetKeeper:
    """Seeds the configured budgets and reports those left out once each."""

    def __init__(self, pool: asyncpg.Pool, budgets: Sequence[Budget]) -> None:
        """Seed BUDGETS through POOL."""
        self._pool = pool
        self._budgets = tuple(budgets)
        self.unresolved: dict[str, str] = {}

    async def sync(self) -> None:
        """Seed; log each budget left out (once per reason), kept or now seeded after waiting."""
        async with self._pool.acquire() as conn:
            report = await seed_budgets(conn, self._budgets)
        for name, problem in report.unresolved.items():
            if self.unresolved.get(name) != problem:
                LOGGER.error("Budget not applied: %s", problem)
        for name in report.kept:
            LOGGER.warning(
                "Budget %r of the configuration not applied: the engine has a budget of that "
                "name already (made through its API or page), which stays as it is",
                name,
            )
        for name in set(self.unresolved) & set(report.seeded):
            LOGGER.info("Budget %r now applies: its device is known", name)
        self.unresolved = report.unresolved

    async def retry(self) -> None:
        """Seed again if some budget was left out (its device may exist by now)."""
        if self.unresolved:
            await self.sync()
