"""Statements from plugins (a supplier's bills), stored as statements of the active tariff.

Each becomes the cycle of its days (the last one included) with its total, matched with the
engine's bill of those days like a statement the household records; one never replaces a
statement already recorded for its cycle, nor is one in another currency than the tariff's
taken. The plugin's account and reference name it in the log only.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import asyncpg

from aetherlens_engine.pricing.statements import record_totals

from .results import PollResult

LOGGER = logging.getLogger(__name__)
SOURCE = "plugin"


class StatementWriter:
    """Writes a `PollResult`'s statements into `statements`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        """Write through POOL."""
        self._pool = pool

    async def write(self, source: str, result: PollResult) -> list[int]:
        """Record RESULT's statements from plugin SOURCE; return the ids of those recorded."""
        if not result.statements:
            return []
        cycles = [
            (s.first_day, s.last_day + timedelta(days=1), s.amount, s.currency)
            for s in result.statements
        ]
        async with self._pool.acquire() as conn, conn.transaction():
            ids = await record_totals(conn, cycles, SOURCE)
        LOGGER.info(
            "Plugin %s: %d of %d statements recorded (%s)",
            source,
            len(ids),
            len(cycles),
            ", ".join(f"{s.account_id} {s.reference}" for s in result.statements),
        )
        return ids
