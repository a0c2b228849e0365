"""`plugin new` and `plugin validate`: a template that validates, and every failure named."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aetherlens_engine.__main__ import main


@pytest.fixture(autouse=True)
def _own_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`plugin validate PATH` imports the project's sources: each test's own, forgotten after."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("acme"):
            del sys.modules[name]


def _new(tmp_path: Path, name: str = "acme_costs") -> Path:
    assert main(["plugin", "new", name, "--directory", str(tmp_path)]) == 0
    return tmp_path / name


def _validate(target: str | Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["plugin", "validate", str(target)])
    return status, capsys.readouterr().out


def test_the_template_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _new(tmp_path)
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == [
        "pyproject.toml",
        "src/acme_costs/__init__.py",
        "src/acme_costs/plugin.py",
        "src/acme_costs/recorded.json",
        "tests/conftest.py",
        "tests/test_acme_costs.py",
    ]
    capsys.readouterr()
    status, out = _validate(project, capsys)
    assert out.splitlines() == [
        "acme_costs: entry point: ok: acme_costs = acme_costs.plugin:AcmeCostsPlugin",
        "acme_costs: manifest: ok: acme_costs 0.1.0, provides cloud_costs, polls every 6:00:00",
        f"acme_costs: config schema: ok: the options of {project}/src/acme_costs/recorded.json",
        "acme_costs: dry run: ok: took 1 accounts, 2 costs",
    ]
    assert status == 0


@pytest.mark.parametrize(
    ("name", "message"),
    [("Acme-Costs", "plugin name 'Acme-Costs': use lower-case letters"), ("x", "exists already")],
)
def test_new_refuses_a_bad_name_or_an_existing_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    (tmp_path / "x").mkdir()
    assert main(["plugin", "new", name, "--directory", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_validate_names_a_target_it_cannot_find(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plugin", "validate", "no_such_plugin"]) == 2
    assert "unknown plugin 'no_such_plugin'" in capsys.readouterr().err
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert main(["plugin", "validate", str(tmp_path)]) == 2
    assert 'no [project.entry-points."aetherlens.plugins"] entries' in capsys.readouterr().err


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_validate_fails_an_entry_point_not_named_as_the_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(tmp_path)
    _edit(project / "pyproject.toml", "acme_costs = ", "acme = ")
    capsys.readouterr()
    status, out = _validate(project, capsys)
    assert status == 1
    assert "acme: manifest: FAIL: the entry point is named 'acme' but the manifest" in out


def test_validate_fails_a_recorded_option_the_schema_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(tmp_path)
    recorded = project / "src" / "acme_costs" / "recorded.json"
    _edit(recorded, '"url": "http://127.0.0.1:8080/costs"', '"url": 8080')
    capsys.readouterr()
    status, out = _validate(project, capsys)
    assert status == 1
    assert "config schema: FAIL: acme_costs: invalid option 'url'" in out


def test_validate_fails_a_dry_run_whose_records_the_engine_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(tmp_path)
    recorded = project / "src" / "acme_costs" / "recorded.json"
    _edit(recorded, '"currency": "EUR"', '"currency": "euro"')
    capsys.readouterr()
    status, out = _validate(project, capsys)
    assert status == 1
    assert (
        "dry run: FAIL: took 1 accounts; refused: plugin acme_costs: accounts[0].costs[0]: "
        "currency: expected `str` matching regex '^[A-Z]{3}$'; plugin acme_costs: "
        "accounts[0].costs[1]: currency:" in out
    )


def test_validate_reports_a_plugin_failing_on_its_recorded_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(tmp_path)
    fixture = tmp_path / "other.json"
    recorded = json.loads((project / "src" / "acme_costs" / "recorded.json").read_text())
    fixture.write_text(json.dumps({**recorded, "answer": {"days": []}}))
    capsys.readouterr()
    status = main(["plugin", "validate", str(project), "--fixture", str(fixture)])
    assert status == 1
    assert "dry run: FAIL: the cost endpoint's answer is not understood: KeyError('currency')" in (
        capsys.readouterr().out
    )


def test_validate_checks_a_builtin_without_a_recording(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out = _validate("aws_cost_explorer", capsys)
    assert status == 0
    assert out.splitlines()[-1] == "aws_cost_explorer: dry run: skip: no recorded.json to replay"
