"""The engine's layers, read from its import statements: nothing imports up.

`tariffs` (the calculator) and `pricing` (what it makes of the recorded data) know nothing of the
API that serves them, and the calculator nothing of `pricing`; the engine core knows nothing of
the add-on it may run in (the add-on's entry point installs its discovery as a hook); the page
(`web`) sits below the API that serves it.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = "aetherlens_engine"
ROOT = Path(__file__).resolve().parents[2] / "addon" / PACKAGE


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> set[str]:
    """Return the engine's modules a file imports, anywhere in it (also under TYPE_CHECKING)."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == PACKAGE or name.startswith(f"{PACKAGE}.")}


@cache
def import_graph() -> dict[str, set[str]]:
    """Return each module of the engine with the engine's modules it imports."""
    raw = {_module(path): _imported(path) for path in sorted(ROOT.rglob("*.py"))}
    # `from package.module import name`: the name is the module's, unless it is a module.
    return {
        module: {name if name in raw else name.rpartition(".")[0] for name in names}
        for module, names in raw.items()
    }


def _imports_asyncpg(module: str) -> bool:
    path = ROOT.parent.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name == "asyncpg" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and not node.level and node.module == "asyncpg":
            return True
    return False


def reached(module: str) -> set[str]:
    """Return MODULE and every engine module it imports, directly or not."""
    found, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(import_graph()[name])
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def violations(importers: str, imported: str) -> list[str]:
    """Return "a -> b" for every module under IMPORTERS that imports one under IMPORTED."""
    return [
        f"{module} -> {name}"
        for module, names in import_graph().items()
        if _within(module, importers)
        for name in sorted(names)
        if _within(name, imported) and not _within(module, imported)
    ]


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.tariffs.bill" in graph
    assert f"{PACKAGE}.tariffs.pricer" in graph[f"{PACKAGE}.tariffs.bill"]  # a relative import
    assert f"{PACKAGE}.engine" in graph[f"{PACKAGE}.supervisor.__main__"]  # an absolute one


@pytest.mark.parametrize(
    ("importers", "imported"),
    [
        ("tariffs", "api"),  # the calculator and pricing are served, never serve
        ("tariffs", "web"),
        ("pricing", "api"),  # the pricing layer is served by the API, never serves
        ("pricing", "web"),
        ("tariffs", "pricing"),  # the calculator is below the pricing layer that loads for it
        ("web", "api"),  # the page is below the API that serves it
        (PACKAGE, "supervisor"),  # the engine core (engine, config, __main__, ...) runs anywhere
    ],
)
def test_no_import_runs_up_the_layers(importers: str, imported: str) -> None:
    importers = importers if importers == PACKAGE else f"{PACKAGE}.{importers}"
    assert violations(importers, f"{PACKAGE}.{imported}") == []


def test_the_bill_command_needs_no_database() -> None:
    """The `bill` command and plan comparison are the pure calculator: values in, bills out."""
    calculator = reached(f"{PACKAGE}.tariffs.cli")
    assert f"{PACKAGE}.tariffs.compare" in calculator
    assert sorted(filter(_imports_asyncpg, calculator)) == []
    assert _imports_asyncpg(f"{PACKAGE}.pricing.recorded")  # the rule sees a database import


def test_the_calculator_reads_no_database() -> None:
    """The calculator computes from values; the SQL that feeds it is in `pricing.store`."""
    calculator = [module for module in import_graph() if _within(module, f"{PACKAGE}.tariffs")]
    assert f"{PACKAGE}.tariffs.bill" in calculator
    assert [module for module in calculator if _imports_asyncpg(module)] == []
    for layer in ("database", "storage", "api.database"):
        assert violations(f"{PACKAGE}.tariffs", f"{PACKAGE}.{layer}") == []


# What the API may take from the calculator: its models and their presentation. Anything that
# reads or computes goes through the pricing layer.
API_USES_OF_TARIFFS = {
    "bill",
    "calendar",
    "compare",
    "csvload",
    "demand",
    "heatmap",
    "load",
    "model",
    "present",
    "projection",
    "ranking",
    "source",
    "statement",
    "statement_csv",
    "versions",
}


def test_the_api_takes_few_modules_of_the_calculator() -> None:
    used = {
        name.removeprefix(f"{PACKAGE}.tariffs.")
        for module, names in import_graph().items()
        if _within(module, f"{PACKAGE}.api")
        for name in names
        if _within(name, f"{PACKAGE}.tariffs") and name != f"{PACKAGE}.tariffs"
    }
    assert used <= API_USES_OF_TARIFFS


_QUERIES = frozenset(
    {"fetch", "fetchrow", "fetchval", "execute", "executemany", "copy_records_to_table"}
)


def _queries(module: str) -> list[str]:
    """Return the database calls (`conn.fetch(...)`, ...) in MODULE's source, by line."""
    path = ROOT.parent.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return [
        f"{module}:{node.lineno} {node.func.attr}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _QUERIES
    ]


def test_the_api_handlers_run_no_sql() -> None:
    """Handlers parse, call the pricing layer (its SQL in `pricing.store`) and serialise."""
    handlers = [m for m in import_graph() if _within(m, f"{PACKAGE}.api")]
    assert {f"{PACKAGE}.api.summary", f"{PACKAGE}.api.budgets"} <= set(handlers)
    assert [call for module in handlers for call in _queries(module)] == []
    assert _queries(f"{PACKAGE}.pricing.store.summary")  # the rule sees a query


def test_the_rule_catches_an_import_up() -> None:
    # The add-on imports the engine: seen from the other side, that is an import up.
    assert f"{PACKAGE}.supervisor.__main__ -> {PACKAGE}.engine" in violations(
        f"{PACKAGE}.supervisor", f"{PACKAGE}.engine"
    )
