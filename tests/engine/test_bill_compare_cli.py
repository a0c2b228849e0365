"""`python -m aetherlens_engine bill --compare FILE`: both bills of one load and the difference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.test_bill_cli import TARIFF as TOU
from tests.engine.test_bill_cli import run as _run
from tests.engine.test_bill_cli import write as _write

FLAT = """
name: Flat
currency: USD
timezone: America/Los_Angeles
energy: {price: 0.25}
fixed:
  - {name: meter, amount: 12}
"""
# A URDB rate: one period at 0.27 + 0.01 adjustment all year, a 10 $/month fixed charge.
URDB = {
    "utility": "Example Electric",
    "name": "Flat URDB",
    "energyratestructure": [[{"rate": 0.27, "adj": 0.01, "unit": "kWh"}]],
    "energyweekdayschedule": [[0] * 24] * 12,
    "energyweekendschedule": [[0] * 24] * 12,
    "fixedchargefirstmeter": 10,
    "fixedchargeunits": "$/month",
}
# 2 kWh in each hour of 3 June 2024 (Los Angeles): 10 kWh in the peak, 38 off-peak.
LOAD = "timestamp,kwh\n" + "".join(f"2024-06-03T{h:02d}:00,2\n" for h in range(24))


def _args(tmp_path: Path, alternative: Path, *extra: str) -> list[str]:
    return [
        "--tariff", str(_write(tmp_path, "tou.yaml", TOU)),
        "--load", str(_write(tmp_path, "load.csv", LOAD)),
        "--tz", "America/Los_Angeles", "--interval-minutes", "60",
        "--compare", str(alternative), *extra,
    ]  # fmt: skip


def test_json_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """TOU: 10 x 0.40 + 38 x 0.20 + 30 days x 0.50 = 26.60; flat: 48 x 0.25 + 12 = 24.00."""
    flat = _write(tmp_path, "flat.yaml", FLAT)
    status, out, err = _run(capsys, *_args(tmp_path, flat, "--format", "json"))
    assert (status, err) == (0, "")
    body = json.loads(out)
    assert body["currency"] == "USD"
    assert (body["current"]["tariff"], body["current"]["total"]) == ("TOU", "26.60")
    assert (body["alternative"]["tariff"], body["alternative"]["total"]) == ("Flat", "24.00")
    assert body["difference"] == "-2.60"
    assert body["alternative"]["cycles"][0]["fixed"] == [{"name": "meter", "amount": "12.00"}]


def test_table_comparison_with_a_urdb_alternative(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """URDB: 48 x 0.28 + 10 = 23.44, 3.16 less than the TOU tariff's 26.60."""
    urdb = _write(tmp_path, "rate.json", json.dumps(URDB))
    status, out, _ = _run(capsys, *_args(tmp_path, urdb))
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "== current: TOU"
    assert "== alternative: Example Electric - Flat URDB" in lines
    totals = [line.split() for line in lines if line.startswith("total USD")]
    assert totals == [["total", "USD", "26.60"], ["total", "USD", "23.44"]]
    assert lines[-1] == "difference (alternative - current) USD -3.16"


def test_export_is_ignored_by_a_tariff_without_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """4 kWh exported: the TOU tariff credits 0.20, the flat tariff has no export section."""
    export = _write(tmp_path, "export.csv", "timestamp,kwh\n2024-06-03T12:00,4\n")
    flat = _write(tmp_path, "flat.yaml", FLAT)
    status, out, err = _run(
        capsys, *_args(tmp_path, flat, "--export", str(export), "--format", "json")
    )
    assert (status, err) == (0, "")
    body = json.loads(out)
    assert (body["current"]["total"], body["alternative"]["total"]) == ("26.40", "24.00")
    assert body["difference"] == "-2.40"


def test_bad_alternative_and_other_currency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _write(tmp_path, "broken.yaml", FLAT.replace("price: 0.25", "price: cheap"))
    status, _, err = _run(capsys, *_args(tmp_path, broken))
    assert status == 2
    assert "energy.price: expected a number, got 'cheap'" in err
    euro = _write(tmp_path, "euro.yaml", FLAT.replace("USD", "EUR"))
    status, _, err = _run(capsys, *_args(tmp_path, euro))
    assert status == 2
    assert err.strip() == (
        "aetherlens: tariff 'Flat' is in EUR, tariff 'TOU' in USD: a comparison needs one currency"
    )


def test_a_series_the_alternative_needs_must_be_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """From files nothing is left out: as `bill` alone, the comparison asks for the series."""
    series = _write(tmp_path, "series.yaml", FLAT + "carbon: {series: true}\n")
    status, _, err = _run(capsys, *_args(tmp_path, series))
    assert status == 2
    assert err.strip() == "aetherlens: the tariff takes carbon intensity from a series: give one"
