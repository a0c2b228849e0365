"""The `budgets` table: list, create, replace and delete (the API's routes and the summary)."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

_COLUMNS = "id, name, scope, device_id, period, amount, currency, thresholds"
_BUDGETS_SQL = f"SELECT {_COLUMNS} FROM budgets ORDER BY id"
_INSERT_SQL = f"""
INSERT INTO budgets (name, scope, device_id, period, amount, currency, thresholds)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING {_COLUMNS}
"""
_UPDATE_SQL = f"""
UPDATE budgets SET name = $2, scope = $3, device_id = $4, period = $5, amount = $6,
                   currency = $7, thresholds = $8
WHERE id = $1
RETURNING {_COLUMNS}
"""

# A budget's fields in the order of the table's columns after `id`.
type BudgetValues = tuple[str, str, int | None, str, Decimal, str, list[int]]


async def budget_rows(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Return every budget, oldest first."""
    rows: list[asyncpg.Record] = await conn.fetch(_BUDGETS_SQL)
    return rows


async def device_kind(conn: asyncpg.Connection, device_id: int) -> str | None:
    """Return the kind of device DEVICE_ID, None when there is no such device."""
    kind: str | None = await conn.fetchval("SELECT kind FROM devices WHERE id = $1", device_id)
    return kind


async def insert_budget(conn: asyncpg.Connection, values: BudgetValues) -> asyncpg.Record:
    """Store a new budget and return its row (UniqueViolationError for a name in use)."""
    row: asyncpg.Record = await conn.fetchrow(_INSERT_SQL, *values)
    return row


async def update_budget(
    conn: asyncpg.Connection, budget_id: int, values: BudgetValues
) -> asyncpg.Record | None:
    """Replace budget BUDGET_ID and return its row, None when there is no such budget."""
    row: asyncpg.Record | None = await conn.fetchrow(_UPDATE_SQL, budget_id, *values)
    return row


async def delete_budget(conn: asyncpg.Connection, budget_id: int) -> bool:
    """Delete budget BUDGET_ID; False when there was none."""
    deleted = await conn.fetchval("DELETE FROM budgets WHERE id = $1 RETURNING id", budget_id)
    return deleted is not None
