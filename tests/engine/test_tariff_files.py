"""Tariff files of every commodity, installed at start by the tariff service on a real database.

An electricity, a gas (per m³) and a water tariff file, March and April 2024 recorded (UTC, the
clock on 1 May): each file is saved once and activated for its own commodity, each commodity's
meter priced at its file's price; a second electricity file is saved but leaves the active one;
a changed gas file is a new version that reprices gas only.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import yaml

from aetherlens_engine.pricing.store.tariffs import active_tariff_names, tariff_versions
from aetherlens_engine.tariffs.source import EPOCH
from tests.engine.test_tariff_service import NOW, Service, add_device, add_energy, flat
from tests.engine.test_tariff_service import pool as pool  # noqa: PLC0414 - the fixture

D = Decimal


def _write(tmp_path: Path, name: str, definition: dict[str, Any]) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(definition))
    return path


async def _rates(pool: asyncpg.Pool) -> dict[str, set[Any]]:
    rows = await pool.fetch(
        "SELECT commodity, array_agg(DISTINCT cost / energy_kwh::numeric) AS prices "
        "FROM cost_hourly WHERE energy_kwh > 0 GROUP BY commodity"
    )
    return {row["commodity"]: set(row["prices"]) for row in rows}


async def test_each_file_is_activated_for_its_commodity(pool: asyncpg.Pool, tmp_path: Path) -> None:
    for name, commodity, unit in (
        ("mains", "electricity", "kWh"),
        ("gas", "gas", "m³"),
        ("water", "water", "m³"),
    ):
        device = await add_device(pool, name, "grid" if name == "mains" else "meter", unit)
        await pool.execute("UPDATE devices SET commodity = $2 WHERE id = $1", device, commodity)
        await add_energy(pool, device, 2.0)
    gas = flat("file gas", "0.9", commodity="gas")
    files = [
        _write(tmp_path, "electricity", flat("file power", "0.25")),
        _write(tmp_path, "gas", gas),
        _write(tmp_path, "water", flat("file water", "3.5", commodity="water")),
        _write(tmp_path, "other", flat("other power", "0.4")),
    ]
    for _ in range(2):
        async with Service(pool, tariff_files=files) as service:
            status = await service.wait_settled()
    # Electricity, gas and water priced once each; the second start changed nothing.
    assert status.generation == 3
    async with pool.acquire() as conn:
        assert {str(c): n for c, n in (await active_tariff_names(conn)).items()} == {
            "electricity": "file power",
            "gas": "file gas",
            "water": "file water",
        }
        versions = {n: await tariff_versions(conn, n) for n in ("file gas", "other power")}
    assert [(v.version, v.valid_from) for v in versions["file gas"]] == [(1, EPOCH)]
    assert len(versions["other power"]) == 1
    assert await _rates(pool) == {
        "electricity": {D("0.25")},
        "gas": {D("0.9")},
        "water": {D("3.5")},
    }

    files[1].write_text(yaml.safe_dump(gas | {"energy": {"price": "1.1"}}))
    async with Service(pool, tariff_files=files) as service:
        status = await service.wait_settled()
    assert (status.tariff, status.start, status.generation) == ("file gas", NOW, 4)
    async with pool.acquire() as conn:
        assert [v.version for v in await tariff_versions(conn, "file gas")] == [1, 2]
