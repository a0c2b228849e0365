"""Storage of what plugins fetched.

A `cloud_account` device per account, its daily costs and its forecasts, idempotently: a
re-fetched day (or month's forecast) replaces all that was stored for it, in every currency.
"""

from __future__ import annotations

import asyncpg

from aetherlens_engine.models import DeviceKind

from .results import AccountCosts, PollResult


class CloudCostWriter:
    """Writes `PollResult`s into `devices`, `cloud_costs` and `cloud_forecasts`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        """Write through POOL."""
        self._pool = pool

    async def write(self, source: str, result: PollResult) -> None:
        """Store RESULT from plugin SOURCE, each account in one transaction."""
        async with self._pool.acquire() as conn:
            for account in result.accounts:
                async with conn.transaction():
                    device_id = await self._device(conn, source, account)
                    await self._costs(conn, device_id, account)

    @staticmethod
    async def _device(conn: asyncpg.Connection, source: str, account: AccountCosts) -> int:
        device_id: int = await conn.fetchval(
            """
            INSERT INTO devices (source, source_id, name, source_name, kind)
            VALUES ($1, $2, $3, $3, $4)
            ON CONFLICT (source, source_id) DO UPDATE
                SET name = coalesce(devices.display_name, EXCLUDED.name),
                    source_name = EXCLUDED.name,
                    updated_at = CASE WHEN devices.source_name IS DISTINCT FROM EXCLUDED.name
                                      THEN now() ELSE devices.updated_at END
            RETURNING id
            """,
            source,
            account.account_id,
            account.name,
            DeviceKind.CLOUD_ACCOUNT.value,
        )
        return device_id

    @staticmethod
    async def _costs(conn: asyncpg.Connection, device_id: int, account: AccountCosts) -> None:
        if account.costs:
            # A poll brings each of its days whole: what it no longer reports for a day (a
            # resource group gone, a currency no longer billed) must not linger.
            await conn.execute(
                "DELETE FROM cloud_costs WHERE device_id = $1 AND day = ANY($2::date[])",
                device_id,
                sorted({row.day for row in account.costs}),
            )
            await conn.executemany(
                """
                INSERT INTO cloud_costs
                    (device_id, day, dimension, dimension_value, amount, currency, estimated)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [
                    (
                        device_id,
                        row.day,
                        row.dimension,
                        row.dimension_value,
                        row.amount,
                        row.currency,
                        row.estimated,
                    )
                    for row in account.costs
                ],
            )
        if account.forecasts:
            await conn.execute(
                "DELETE FROM cloud_forecasts WHERE device_id = $1 AND month = ANY($2::date[])",
                device_id,
                sorted({forecast.month for forecast in account.forecasts}),
            )
            await conn.executemany(
                """
                INSERT INTO cloud_forecasts (device_id, month, amount, currency)
                SELECT $1, $2, $3 + coalesce(sum(c.amount), 0), $4
                FROM cloud_costs AS c
                WHERE c.device_id = $1 AND c.dimension = 'total' AND c.currency = $4
                    AND c.day >= $2 AND c.day < $5
                """,
                # Without from_day the amount is the whole month's: nothing is added.
                [
                    (device_id, f.month, f.amount, f.currency, f.from_day or f.month)
                    for f in account.forecasts
                ],
            )
