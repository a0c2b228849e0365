"""docs/tariffs.md: its format example is a valid tariff, and every test it cites exists."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import yaml

from aetherlens_engine.tariffs import build_tariff
from aetherlens_engine.tariffs.model import (
    Component,
    DemandSeasons,
    ExcessCredit,
    MinimumCompare,
    SurchargeBasis,
)

ROOT = Path(__file__).parents[2]
REFERENCE = ROOT / "docs" / "tariffs.md"


def test_the_format_example_builds() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert block is not None
    tariff = build_tariff(yaml.safe_load(block.group(1)))
    assert (tariff.name, tariff.cycle_day) == ("Home TOU", 17)
    assert tariff.surcharges[0].basis is SurchargeBasis.IMPORT
    assert tariff.taxes[0].components == {Component.ENERGY, Component.FIXED}
    assert tariff.minimum is not None
    assert (tariff.minimum.compare, tariff.minimum.excess_credit) == (
        MinimumCompare.AFTER_CREDIT,
        ExcessCredit.FORFEIT,
    )
    assert tariff.demand is not None
    assert tariff.demand.seasons is DemandSeasons.PRORATED
    assert tariff.taxes[0].percent == Decimal("7.5")


def test_every_cited_test_exists() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    cited = re.findall(r"`(test_\w+\.py)(?:::(test_\w+))?`", text)
    assert len(cited) > 20
    bare = re.findall(r"`(test_\w+)`", text)  # in the tables: tests of test_bill_charges.py
    defined: dict[str, set[str]] = {}
    for module, name in cited:
        path = ROOT / "tests" / "engine" / module
        assert path.is_file(), module
        if module not in defined:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = (ast.FunctionDef, ast.AsyncFunctionDef)
            defined[module] = {n.name for n in tree.body if isinstance(n, functions)}
        assert not name or name in defined[module], f"{module}::{name}"
    charges = defined["test_bill_charges.py"]
    assert [name for name in bare if name not in charges] == []
