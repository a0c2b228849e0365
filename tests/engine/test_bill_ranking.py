"""Plan ranking: one load priced under many tariffs, cheapest first (`tariffs.ranking`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest
import yaml

from aetherlens_engine.api.contract.costs import RankedBill
from aetherlens_engine.tariffs import BillInputError, Interval, Tariff, bill, build_tariff
from aetherlens_engine.tariffs.load import read_definition
from aetherlens_engine.tariffs.ranking import Candidate, rank
from aetherlens_engine.tariffs.urdb import import_urdb
from tests.engine.test_bill_cli import TARIFF as TOU
from tests.engine.test_bill_cli import run, write
from tests.engine.test_bill_compare_cli import FLAT, LOAD, URDB

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples" / "tariffs"
US_EXAMPLES = ("us-net-billing.yaml", "us-net-metering.yaml", "us-tou-baseline.yaml")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def _candidates() -> list[Candidate]:
    """The CLI's TOU tariff first (cycle day 1), then a flat one, a URDB one and the US examples."""
    urdb = import_urdb(URDB, LOS_ANGELES.key).definition
    found = [
        Candidate("tou", build_tariff(yaml.safe_load(TOU))),
        Candidate("flat", build_tariff(yaml.safe_load(FLAT))),
        Candidate("urdb", build_tariff(urdb)),
    ]
    found += [
        Candidate(name, build_tariff(read_definition(EXAMPLES / name))) for name in US_EXAMPLES
    ]
    return found


def _usage(days: int) -> tuple[list[Interval], list[Interval]]:
    """Hourly import and export from 20 May 2024 (Los Angeles): two billing cycles on day 1."""
    start = datetime(2024, 5, 20, tzinfo=LOS_ANGELES).astimezone(UTC)
    load, export = [], []
    for hour in range(days * 24):
        at = start + timedelta(hours=hour)
        clock = at.astimezone(LOS_ANGELES).hour
        load.append(
            Interval(at, at + timedelta(hours=1), Decimal(f"{0.4 + (hour * 37 % 23) / 10}"))
        )
        if 10 <= clock < 15:
            export.append(Interval(at, at + timedelta(hours=1), Decimal("1.7")))
    return load, export


def _alone(tariff: Tariff, load: list[Interval], export: list[Interval], day: int) -> Decimal:
    exported = export if tariff.export is not None else []
    return bill(tariff, load, export=exported, cycle_day=day).total


def test_each_ranked_bill_is_the_single_bill() -> None:
    """Import, export and two cycles under six tariffs of every kind: each bill as billed alone."""
    candidates = _candidates()
    load, export = _usage(days=30)
    ranking = rank(candidates, load, export=export, cycle_day=15)
    assert ranking.cycle_day == 15
    assert sorted(r.source for r in ranking.bills) == sorted(c.source for c in candidates)
    by_source = {c.source: c.tariff for c in candidates}
    for ranked in ranking.bills:
        tariff = by_source[ranked.source]
        exported = export if tariff.export is not None else []
        assert ranked.bill == bill(tariff, load, export=exported, cycle_day=15), ranked.source
        assert len(ranked.bill.cycles) == 2
    totals = [r.bill.total.quantize(Decimal("0.01")) for r in ranking.bills]
    assert totals == sorted(totals)
    assert [r.rank for r in ranking.bills] == list(range(1, 7))
    reference = next(r for r in ranking.bills if r.reference)
    assert reference.source == "tou"
    assert reference.difference == 0
    for ranked in ranking.bills:
        assert ranked.difference == totals[ranked.rank - 1] - totals[reference.rank - 1]


def test_cycle_day_defaults_to_the_reference() -> None:
    """The baseline example first: its cycle day (1) is everyone's; the bills are those alone."""
    candidates = _candidates()
    candidates.insert(0, candidates.pop())
    load, export = _usage(days=14)
    ranking = rank(candidates, load, export=export)
    assert ranking.cycle_day == candidates[0].tariff.cycle_day
    for ranked in ranking.bills:
        tariff = next(c.tariff for c in candidates if c.source == ranked.source)
        assert ranked.bill.total == _alone(tariff, load, export, ranking.cycle_day)


def test_a_tie_keeps_the_given_order() -> None:
    flat = build_tariff(yaml.safe_load(FLAT))
    load, _ = _usage(days=2)
    ranking = rank([Candidate("b", flat), Candidate("a", flat)], load)
    assert [(r.rank, r.source, r.reference) for r in ranking.bills] == [
        (1, "b", True),
        (2, "a", False),
    ]


def test_refusals_name_the_tariff() -> None:
    flat = build_tariff(yaml.safe_load(FLAT))
    euro = build_tariff(yaml.safe_load(FLAT.replace("USD", "EUR").replace("Flat", "Euro")))
    dynamic = build_tariff(read_definition(EXAMPLES / "uk-agile-dynamic.yaml"))
    load, _ = _usage(days=1)
    with pytest.raises(BillInputError, match=r"^no tariff to rank$"):
        rank([], load)
    with pytest.raises(BillInputError) as caught:
        rank([Candidate("flat.yaml", flat), Candidate("euro.yaml", euro)], load)
    assert str(caught.value) == (
        "euro.yaml: tariff 'Euro' is in EUR, tariff 'Flat' in USD: a comparison needs one currency"
    )
    with pytest.raises(BillInputError, match=r"^agile.yaml: the tariff has dynamic prices"):
        rank([Candidate("agile.yaml", dynamic)], load)


def _cli_args(tmp_path: Path, *paths: Path) -> list[str]:
    return [
        "--tariff", str(write(tmp_path, "tou.yaml", TOU)),
        "--load", str(write(tmp_path, "load.csv", LOAD)),
        "--tz", "America/Los_Angeles", "--interval-minutes", "60",
        "--rank", *map(str, paths),
    ]  # fmt: skip


def test_cli_ranks_a_folder_and_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """TOU 26.60 (the reference), flat 24.00, URDB 23.44 (see test_bill_compare_cli)."""
    folder = tmp_path / "plans"
    folder.mkdir()
    write(folder, "flat.yaml", FLAT)
    write(folder, "notes.txt", "not a tariff")
    urdb = write(tmp_path, "rate.json", json.dumps(URDB))
    status, out, err = run(capsys, *_cli_args(tmp_path, folder, urdb), "--format", "json")
    assert (status, err) == (0, "")
    body = json.loads(out)
    assert (body["currency"], body["cycle_day"]) == ("USD", 1)
    # Every ranked bill is the API's, field for field and in its order.
    bills = msgspec.convert(body["bills"], list[RankedBill])
    assert msgspec.to_builtins(bills) == body["bills"]
    assert [list(b) for b in body["bills"]] == [list(RankedBill.__struct_fields__)] * 3
    summary = [
        (b["rank"], b["tariff"], b["total"], b["difference"], b["reference"]) for b in body["bills"]
    ]
    assert summary == [
        (1, "Example Electric - Flat URDB", "23.44", "-3.16", False),
        (2, "Flat", "24.00", "-2.60", False),
        (3, "TOU", "26.60", "0.00", True),
    ]
    assert [b["source"] for b in body["bills"]] == [
        str(urdb),
        str(folder / "flat.yaml"),
        str(tmp_path / "tou.yaml"),
    ]
    assert body["bills"][1]["cycles"][0]["fixed"] == [{"name": "meter", "amount": "12.00"}]

    status, out, _ = run(capsys, *_cli_args(tmp_path, folder, urdb))
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "rank  total (USD)  difference  tariff (source)"
    assert lines[1].split() == ["1", "23.44", "-3.16", "Example", "Electric", "-", "Flat", "URDB",
                                f"({urdb})"]  # fmt: skip
    assert lines[3].endswith(f"TOU ({tmp_path / 'tou.yaml'}, reference)")
    assert "== 2. Flat" in lines
    totals = [line.split() for line in lines if line.startswith("total USD")]
    assert totals == [
        ["total", "USD", "23.44"],
        ["total", "USD", "24.00"],
        ["total", "USD", "26.60"],
    ]


def test_cli_errors_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    status, _, err = run(capsys, *_cli_args(tmp_path, empty))
    assert status == 2
    assert err.strip() == f"aetherlens: --rank: no tariff file (*.json, *.yaml, *.yml) in {empty}"
    broken = write(tmp_path, "broken.yaml", FLAT.replace("price: 0.25", "price: cheap"))
    status, _, err = run(capsys, *_cli_args(tmp_path, broken))
    assert status == 2
    assert err.strip() == f"aetherlens: {broken}: energy.price: expected a number, got 'cheap'"
    with pytest.raises(SystemExit) as exited:
        run(capsys, *_cli_args(tmp_path, broken), "--compare", str(broken))
    assert exited.value.code == 2
    assert "not allowed with argument --rank" in capsys.readouterr().err
