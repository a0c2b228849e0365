"""The active tariff of a commodity, as the routes that bill with it need it: a 409 without one."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from aetherlens_engine.models import Commodity
from aetherlens_engine.pricing.store.tariffs import active_tariff_names, tariff_at
from aetherlens_engine.tariffs.versions import StoredTariff

from .errors import no_active_tariff


async def active_tariff(
    conn: asyncpg.Connection, now: datetime, commodity: Commodity
) -> StoredTariff:
    """Return COMMODITY's active tariff's version in force at NOW; 409 without one."""
    name = (await active_tariff_names(conn)).get(commodity)
    active = await tariff_at(conn, name, now) if name is not None else None
    if active is None:
        raise no_active_tariff(commodity)
    return active
