"""`python -m aetherlens_engine bill`: CSV in, every cycle's components out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

import aetherlens_engine
from aetherlens_engine.__main__ import main
from aetherlens_engine.api.contract.costs import Bill, BillCycle

TARIFF = """
name: TOU
currency: USD
timezone: America/Los_Angeles
energy:
  periods:
    - {name: "off", end: "16:00", price: 0.20}
    - {name: peak, start: "16:00", end: "21:00", price: 0.40}
    - {name: "off", start: "21:00", price: 0.20}
fixed:
  - {name: service, amount: 0.50, per: day}
export: {rule: net_billing, price: 0.05}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["bill", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_bill_with_naive_times_across_fall_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tariff = write(tmp_path, "tou.yaml", TARIFF)
    # Naive local times on 2024-11-03, but 01:00 occurs twice: those rows give their offsets.
    rows = ["timestamp,kwh,device:car"]
    rows += ["2024-11-03T00:00,1,0", "2024-11-03T01:00-07:00,1,0.5", "2024-11-03T01:00-08:00,1,0.5"]
    rows += [f"2024-11-03T{hour:02d}:00,1,0" for hour in range(2, 24)]
    load = write(tmp_path, "load.csv", "\n".join(rows) + "\n")
    export = write(tmp_path, "export.csv", "timestamp,kw\n2024-11-03T12:00:00-08:00,2\n")
    status, out, err = run(
        capsys, "--tariff", str(tariff), "--load", str(load), "--tz", "America/Los_Angeles",
        "--export", str(export), "--interval-minutes", "60", "--format", "json",
    )  # fmt: skip
    assert (status, err) == (0, "")
    result = json.loads(out)
    (cycle,) = result["cycles"]
    assert cycle["start"] == "2024-11-01"
    assert cycle["import_kwh"] == "25.000"
    energy = {line["period"]: line["cost"] for line in cycle["energy"]}
    assert energy == {"off": "4.00", "peak": "2.00"}  # 20 h at 0.20, 5 h at 0.40
    assert cycle["fixed"] == [{"name": "service", "amount": "15.00"}]
    assert cycle["export_credit"] == "0.10"
    assert cycle["devices"] == [
        {"device": "car", "kwh": "1.000", "cost": "0.20", "carbon_kg": None}
    ]
    assert result["total"] == cycle["total"] == "20.90"
    # The API's bill, field for field and in its order (the answers' shape is the command's).
    assert msgspec.to_builtins(msgspec.json.decode(out, type=Bill)) == result
    assert list(cycle) == list(BillCycle.__struct_fields__)


def test_table_and_cycle_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tariff = write(tmp_path, "tou.yaml", TARIFF)
    load = write(
        tmp_path, "load.csv", "timestamp,kwh\n2024-01-14T12:00:00Z,2\n2024-01-15T12:00:00Z,3\n"
    )
    status, out, _ = run(
        capsys, "--tariff", str(tariff), "--load", str(load), "--tz", "UTC", "--cycle-day", "15"
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("2023-12-15 - 2024-01-15 (31 days)")
    assert any(line.startswith("2024-01-15 - 2024-02-15 (31 days)") for line in lines)
    # Daily rows cover every Los Angeles hour alike: 5 kWh x (5 h x 0.40 + 19 h x 0.20) / 24
    # = 1.2083, plus 62 days at 0.50.
    assert lines[-1].split() == ["total", "USD", "32.21"]


def test_errors_name_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tariff = write(tmp_path, "bad.yaml", TARIFF.replace("America/Los_Angeles", "Nowhere/City"))
    load = write(tmp_path, "load.csv", "timestamp,kwh\n2024-01-14T12:00:00Z,2\n")
    status, _, err = run(capsys, "--tariff", str(tariff), "--load", str(load), "--tz", "UTC")
    assert status == 2
    assert "timezone: unknown time zone 'Nowhere/City'" in err
    good = write(tmp_path, "tou.yaml", TARIFF)
    status, _, err = run(capsys, "--tariff", str(good), "--load", str(load), "--tz", "UTC")
    assert (status, err.strip()) == (
        2, f"aetherlens: {load}: give at least two rows, or the interval length"
    )  # fmt: skip
    broken = write(tmp_path, "broken.csv", "timestamp,kwh\nyesterday,2\n")
    status, _, err = run(capsys, "--tariff", str(good), "--load", str(broken), "--tz", "UTC")
    assert "line 2: timestamp 'yesterday' is not an ISO 8601 time" in err
    status, _, err = run(capsys, "--tariff", str(good), "--load", str(load), "--tz", "Mars/X")
    assert (status, "--tz: unknown time zone 'Mars/X'" in err) == (2, True)


def test_ambiguous_times_are_refused_unless_a_rule_is_chosen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tariff = write(tmp_path, "tou.yaml", TARIFF)
    load = write(tmp_path, "load.csv", "timestamp,kw\n2024-11-03T01:30,1\n2024-11-03T02:30,1\n")
    args = ["--tariff", str(tariff), "--load", str(load), "--tz", "America/Los_Angeles"]
    status, _, err = run(capsys, *args)
    assert status == 2
    assert f"{load} line 2: timestamp '2024-11-03T01:30' occurs twice" in err
    # 1 kW: the first 01:30 (PDT) makes the rows two hours long, the second (PST) one hour.
    for rule, kwh in (("first", "4.000"), ("second", "2.000")):
        status, out, err = run(capsys, *args, "--ambiguous", rule, "--format", "json")
        assert (status, err) == (0, "")
        assert json.loads(out)["cycles"][0]["import_kwh"] == kwh


def test_module_entry_point(tmp_path: Path) -> None:
    """The real `python -m aetherlens_engine bill` process prints the bill."""
    tariff = write(tmp_path, "tou.yaml", TARIFF)
    load = write(tmp_path, "load.csv", "timestamp,kw\n2024-06-03T16:00,4\n2024-06-03T16:15,4\n")
    result = subprocess.run(
        [sys.executable, "-m", "aetherlens_engine", "bill", "--tariff", str(tariff),
         "--load", str(load), "--tz", "America/Los_Angeles", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(aetherlens_engine.__file__).parents[1])},
    )  # fmt: skip
    cycle = json.loads(result.stdout)["cycles"][0]
    assert cycle["energy"] == [{"period": "peak", "tier": 1, "kwh": "2.000", "cost": "0.80"}]
