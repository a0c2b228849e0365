"""The tariff files given at start, one tariff of any commodity each.

Each is saved as a new version when it changed, and activated if its commodity (electricity,
gas or water) has no active tariff yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg

from aetherlens_engine.models import Commodity
from aetherlens_engine.tariffs.source import read_tariff_file
from aetherlens_engine.tariffs.versions import StoredTariff

from .store.tariffs import (
    active_tariff_names,
    default_valid_from,
    latest_definition,
    save_tariff,
    set_active_tariff,
)


@dataclass(frozen=True, slots=True)
class InstalledFile:
    """What loading a tariff file changed: the version saved (if new), and if it was activated."""

    name: str
    commodity: Commodity
    saved: StoredTariff | None
    activated: bool


async def install_tariff_file(
    conn: asyncpg.Connection, path: Path, timezone: str, now: datetime
) -> InstalledFile:
    """Save PATH's tariff as a new version unless its latest one is the same.

    It is activated if no tariff of its commodity is active yet.
    """
    loaded = read_tariff_file(path, timezone)
    name, commodity = loaded.tariff.name, loaded.tariff.commodity
    saved = None
    if await latest_definition(conn, name) != loaded.definition:
        valid_from = await default_valid_from(conn, name, now)
        saved = await save_tariff(conn, loaded.definition, valid_from)
    activated = commodity not in await active_tariff_names(conn)
    if activated:
        await set_active_tariff(conn, name)
    return InstalledFile(name, commodity, saved, activated)
