"""Budgets configured in the engine, kept in the `budgets` table.

At engine start the table is made to equal the configuration: budgets are inserted, updated and
deleted by name (a kept budget keeps its id). A budget of a device or cloud account names it by
its name or source id; one that names no known device (a cloud account whose plugin has not
polled yet, a typo) is left out of the table and reported, and the engine tries again later.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import asyncpg

from .models import DeviceKind

LOGGER = logging.getLogger(__name__)

SCOPES: Final = ("household", "device", "cloud_account", "cloud_total")
PERIODS: Final = ("day", "month", "billing_cycle")
# The scopes whose budget belongs to one device (an energy device or a cloud account).
DEVICE_SCOPES: Final = frozenset({"device", "cloud_account"})


@dataclass(frozen=True, slots=True)
class Budget:
    """One configured budget; DEVICE (a name or source id) only for the device scopes."""

    name: str
    scope: str
    period: str
    amount: Decimal
    currency: str
    device: str | None = None


@dataclass(frozen=True, slots=True)
class BudgetSyncReport:
    """What a sync stored, and why the budgets left out were left out (by budget name)."""

    stored: tuple[str, ...]
    unresolved: dict[str, str]


async def sync_budgets(conn: asyncpg.Connection, budgets: Sequence[Budget]) -> BudgetSyncReport:
    """Make the `budgets` table equal BUDGETS, in one transaction; report those left out."""
    async with conn.transaction():
        resolved: list[tuple[Budget, int | None]] = []
        unresolved: dict[str, str] = {}
        for budget in budgets:
            if budget.device is None:
                resolved.append((budget, None))
                continue
            device_id, problem = await _device_id(conn, budget)
            if problem is not None:
                unresolved[budget.name] = problem
            else:
                resolved.append((budget, device_id))
        await conn.execute(
            "DELETE FROM budgets WHERE name <> ALL($1::text[])",
            [budget.name for budget, _ in resolved],
        )
        await conn.executemany(
            """
            INSERT INTO budgets (name, scope, device_id, period, amount, currency)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (name) DO UPDATE
                SET scope = EXCLUDED.scope, device_id = EXCLUDED.device_id,
                    period = EXCLUDED.period, amount = EXCLUDED.amount,
                    currency = EXCLUDED.currency
            """,
            [
                (b.name, b.scope, device_id, b.period, b.amount, b.currency)
                for b, device_id in resolved
            ],
        )
    return BudgetSyncReport(tuple(budget.name for budget, _ in resolved), unresolved)


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
    """Keeps the table in line with the configuration and reports budgets left out once each."""

    def __init__(self, pool: asyncpg.Pool, budgets: Sequence[Budget]) -> None:
        """Sync BUDGETS through POOL."""
        self._pool = pool
        self._budgets = tuple(budgets)
        self.unresolved: dict[str, str] = {}

    async def sync(self) -> None:
        """Sync the table; log each budget left out (once per reason) and each one resolved."""
        async with self._pool.acquire() as conn:
            report = await sync_budgets(conn, self._budgets)
        for name, problem in report.unresolved.items():
            if self.unresolved.get(name) != problem:
                LOGGER.error("Budget not applied: %s", problem)
        for name in set(self.unresolved) & set(report.stored):
            LOGGER.info("Budget %r now applies: its device is known", name)
        self.unresolved = report.unresolved

    async def retry(self) -> None:
        """Sync again if some budget was left out (its device may exist by now)."""
        if self.unresolved:
            await self.sync()
