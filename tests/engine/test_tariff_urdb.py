"""URDB rate JSON import: structures, schedules, charges, and fields reported as unsupported."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aetherlens_engine.__main__ import main
from aetherlens_engine.tariffs import Interval, TariffError, bill, build_tariff
from aetherlens_engine.tariffs.model import ExportRule, TierUnit
from aetherlens_engine.tariffs.urdb import import_urdb, is_urdb

D = Decimal
# Period 1 (index 1) is 16:00-21:00 on summer (June-September) weekdays; period 0 otherwise.
SUMMER_WEEKDAY = [0] * 16 + [1] * 5 + [0] * 3
WEEKDAYS = [[0] * 24] * 5 + [SUMMER_WEEKDAY] * 4 + [[0] * 24] * 3
RATE: dict[str, Any] = {
    "label": "5f0000000000000000000001",
    "utility": "Example Electric",
    "name": "E-TOU with tiers",
    "sector": "Residential",
    "energyratestructure": [
        [{"max": 300, "rate": 0.2, "adj": 0.01, "unit": "kWh", "sell": 0.04},
         {"rate": 0.3, "adj": 0.01, "unit": "kWh", "sell": 0.04}],
        [{"rate": 0.45, "unit": "kWh", "sell": 0.06}],
    ],
    "energyweekdayschedule": WEEKDAYS,
    "energyweekendschedule": [[0] * 24] * 12,
    "demandratestructure": [[{"rate": 0}], [{"max": 10, "rate": 5}, {"rate": 8}]],
    "demandweekdayschedule": WEEKDAYS,
    "demandweekendschedule": [[0] * 24] * 12,
    "flatdemandstructure": [[{"rate": 0}], [{"rate": 3, "adj": 0.5}]],
    "flatdemandmonths": [0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0],
    "fixedchargefirstmeter": 10,
    "fixedchargeunits": "$/month",
    "mincharge": 0.5,
    "minchargeunits": "$/day",
    "fueladjustmentsmonthly": [0.01] * 12,
    "demandratchetpercentage": [0.8] * 12,
    "energycomments": "descriptive only",
}  # fmt: skip


def test_import_builds_a_native_tariff() -> None:
    imported = import_urdb(RATE, "Etc/GMT+8")
    assert imported.unsupported == ("demandratchetpercentage", "fueladjustmentsmonthly")
    tariff = build_tariff(imported.definition)
    assert tariff.name == "Example Electric - E-TOU with tiers"
    assert str(tariff.zone) == "Etc/GMT+8"
    summer_peak = tariff.energy.at(7, 17 * 60, weekend=False)
    assert summer_peak is not None
    assert summer_peak.name == "period 2"
    assert tariff.energy.at(7, 17 * 60, weekend=True).name == "period 1"  # type: ignore[union-attr]
    winter = tariff.energy.at(1, 17 * 60, weekend=False)
    assert winter is not None
    assert [(t.up_to, t.price) for t in winter.value] == [(D(300), D("0.21")), (None, D("0.31"))]
    assert tariff.tier_unit is TierUnit.CYCLE
    assert tariff.export is not None
    assert tariff.export.rule is ExportRule.NET_BILLING
    assert tariff.demand is not None
    assert [sorted(f.months) for f in tariff.demand.flat] == [[1, 2, 3, 4, 5, 10, 11, 12],
                                                               [6, 7, 8, 9]]  # fmt: skip
    assert tariff.minimum is not None
    assert tariff.minimum.amount == D("0.5")


def test_imported_tariff_bills_by_hand() -> None:
    tariff = build_tariff(import_urdb(RATE, "Etc/GMT+8").definition)
    zone_midnight = datetime(2018, 7, 2, 8, tzinfo=UTC)  # Monday 00:00 at UTC-8
    load = [
        Interval(zone_midnight + timedelta(hours=h), zone_midnight + timedelta(hours=h + 1), D(v))
        for h, v in ((0, "400"), (16, "12"))
    ]
    export = [Interval(zone_midnight + timedelta(hours=17), zone_midnight + timedelta(hours=18),
                       D(10))]  # fmt: skip
    cycle = bill(tariff, load, export=export).cycles[0]
    # Energy: 300 at 0.21 + 100 at 0.31 (period 1) + 12 at 0.45 (period 2) = 99.40.
    assert cycle.energy_total == D("99.40")
    # Demand: flat 400 kW x 3.5 = 1400; period 2 at 12 kW: 10 x 5 + 2 x 8 = 66; period 1 400 x 0.
    assert {d.name: d.cost for d in cycle.demand} == {
        "flat": D(1400), "demand period 1": D(0), "demand period 2": D(66)
    }  # fmt: skip
    assert cycle.export_credit == D("0.60")
    assert cycle.total == D("99.40") + 1466 + 10 - D("0.60")


def test_daily_tiers_net_metering_and_items_wrapper() -> None:
    rate = copy.deepcopy(RATE)
    for period in rate["energyratestructure"]:
        for tier in period:
            tier["unit"] = "kWh daily"
            tier["sell"] = 0.04
    rate["dgrules"] = "Net Metering"
    assert is_urdb({"items": [rate]})
    imported = import_urdb({"items": [rate]}, "America/Los_Angeles")
    tariff = build_tariff(imported.definition)
    assert tariff.tier_unit is TierUnit.DAY
    assert tariff.export is not None
    assert tariff.export.rule is ExportRule.NET_METERING


def test_sell_rates_that_net_metering_cannot_carry_are_reported() -> None:
    rate = {**RATE, "usenetmetering": True}
    imported = import_urdb(rate, "UTC")
    assert "energyratestructure sell (net metering takes one export price)" in imported.unsupported


def test_unsupported_units_are_reported() -> None:
    rate = {**RATE, "fixedchargeunits": "$/year", "dgrules": "Net Billing Hourly"}
    unsupported = import_urdb(rate, "UTC").unsupported
    assert "fixedchargefirstmeter ($/year is not supported: $/month or $/day)" in unsupported
    assert "dgrules ('Net Billing Hourly' is billed as net billing per interval)" in unsupported


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"energyweekdayschedule": [[0] * 24] * 11}, "energyweekdayschedule: expected 12 months"),
        (
            {"energyweekendschedule": [[0] * 23 + [5]] * 12},
            "energyweekendschedule[0][23]: period 5 is not in the rate structure (0 to 1)",
        ),
        (
            {"energyratestructure": [[{"rate": "x"}], [{"rate": 1}]]},
            "energyratestructure[0][0].rate: expected a number",
        ),
        (
            {"energyratestructure": [[{"rate": 1, "unit": "kWh/kW"}], [{"rate": 1}]]},
            "energyratestructure: tier unit kWh/kW is not supported",
        ),
    ],
)
def test_bad_urdb_rates_rejected(change: dict[str, Any], message: str) -> None:
    with pytest.raises(TariffError) as caught:
        import_urdb({**RATE, **change}, "UTC")
    assert str(caught.value).startswith(message)


def test_cli_reads_urdb_and_reports_unsupported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tariff = tmp_path / "rate.json"
    tariff.write_text(json.dumps({"items": [RATE]}), encoding="utf-8")
    load = tmp_path / "load.csv"
    load.write_text("timestamp,kwh\n2018-01-01T00:00,10\n2018-01-01T01:00,10\n", encoding="utf-8")
    status = main(["bill", "--tariff", str(tariff), "--load", str(load), "--tz", "Etc/GMT+8",
                   "--format", "json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 0
    assert err.splitlines() == [
        f"aetherlens: {tariff}: URDB field not supported, left out: demandratchetpercentage",
        f"aetherlens: {tariff}: URDB field not supported, left out: fueladjustmentsmonthly",
    ]
    cycle = json.loads(out)["cycles"][0]
    assert cycle["energy"] == [{"period": "period 1", "tier": 1, "kwh": "20.000", "cost": "4.20"}]
