"""`aetherlens-engine plugin validate PATH|NAME`: checks that the engine can run a plugin.

In order: the entry point (PATH: a project directory, its `pyproject.toml`'s `aetherlens.plugins`
entries; NAME: an installed plugin, or a `module:Class` reference), the class and its manifest,
the recorded fixture's options against the manifest's schema, and a dry run of one poll in a
worker process against the recorded answer, read as the engine reads it. Every step is reported;
the first failure of a plugin ends its checks.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .base import Plugin, PluginConfigError, PluginError, SourcePlugin, validate_config
from .dryrun import FIXTURE_NAME, Fixture, dry_run, load_fixture
from .registry import ENTRY_POINT_GROUP, load_plugin_class, resolve


@dataclass(frozen=True, slots=True)
class Step:
    """One check's outcome: PASSED False is a failure; SKIPPED a check that does not apply."""

    name: str
    passed: bool
    message: str
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """A plugin to validate: its entry-point name and its `module:Class` reference."""

    name: str
    reference: str


def project_targets(root: Path) -> list[Target]:
    """Return the plugins PROJECT declares; put its sources on the import path (and a worker's).

    Raise `PluginConfigError` naming the file and what is wrong.
    """
    pyproject = root / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise PluginConfigError(f"{pyproject}: {err}") from err
    entries = project.get("project", {}).get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    if not isinstance(entries, dict) or not entries:
        raise PluginConfigError(
            f'{pyproject}: no [project.entry-points."{ENTRY_POINT_GROUP}"] entries'
        )
    sources = root / "src" if (root / "src").is_dir() else root
    if str(sources) not in sys.path:
        # Workers inherit the engine's import path: the dry run imports these sources too.
        sys.path.insert(0, str(sources))
    return [Target(name, str(reference)) for name, reference in sorted(entries.items())]


def targets_of(target: str) -> list[Target]:
    """Return the plugins TARGET names: a project directory, a plugin name or a reference."""
    path = Path(target)
    if path.is_dir():
        return project_targets(path)
    return [Target(target, resolve(target))]


def _fixture_path(reference: str) -> Path | None:
    module = reference.partition(":")[0]
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / FIXTURE_NAME
    return path if path.is_file() else None


def _loaded(target: Target, steps: list[Step]) -> type[Plugin] | None:
    """Load TARGET's class and check its manifest, recording the steps."""
    try:
        plugin_class = load_plugin_class(target.reference)
    except PluginConfigError as err:
        steps.append(Step("entry point", passed=False, message=str(err)))
        return None
    manifest = plugin_class.manifest
    steps.append(Step("entry point", passed=True, message=f"{target.name} = {target.reference}"))
    if manifest.name != target.name and ":" not in target.name:
        message = (
            f"the entry point is named {target.name!r} but the manifest {manifest.name!r}: "
            "the engine finds a plugin by its entry point's name"
        )
        steps.append(Step("manifest", passed=False, message=message))
        return None
    message = (
        f"{manifest.name} {manifest.version}, provides {', '.join(sorted(manifest.provides))}, "
        f"polls every {manifest.poll_interval}"
    )
    steps.append(Step("manifest", passed=True, message=message))
    return plugin_class


def _fixture(
    target: Target, plugin_class: type[Plugin], path: Path | None, steps: list[Step]
) -> Fixture | None:
    """Read the recorded fixture and check its options, recording the steps."""
    path = path or _fixture_path(target.reference)
    if path is None:
        steps.append(
            Step("dry run", passed=True, skipped=True, message=f"no {FIXTURE_NAME} to replay")
        )
        return None
    try:
        fixture = load_fixture(path)
        validate_config(plugin_class.manifest, fixture.config)
    except PluginConfigError as err:
        steps.append(Step("config schema", passed=False, message=str(err)))
        return None
    steps.append(Step("config schema", passed=True, message=f"the options of {path}"))
    if not issubclass(plugin_class, SourcePlugin):
        message = "not a SourcePlugin: it cannot replay a recorded answer"
        steps.append(Step("dry run", passed=True, skipped=True, message=message))
        return None
    return fixture


async def _dry_run_step(target: Target, plugin_class: type[Plugin], fixture: Fixture) -> Step:
    try:
        decoded = await dry_run(target.reference, plugin_class.manifest, fixture)
    except PluginError as err:
        return Step("dry run", passed=False, message=str(err))
    result = decoded.result
    counts = {
        "accounts": len(result.accounts),
        "costs": sum(len(a.costs) for a in result.accounts),
        "forecasts": sum(len(a.forecasts) for a in result.accounts),
        "devices": len(result.devices),
        "readings": len(result.readings),
        "prices": len(result.prices),
        "carbon": len(result.carbon),
        "statements": len(result.statements),
    }
    taken = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count) or "nothing"
    if decoded.refused:
        refusals = "; ".join(decoded.refused)
        return Step("dry run", passed=False, message=f"took {taken}; refused: {refusals}")
    return Step("dry run", passed=True, message=f"took {taken}")


async def check(target: Target, fixture_path: Path | None = None) -> list[Step]:
    """Return the steps of validating TARGET (FIXTURE_PATH: instead of the one beside it)."""
    steps: list[Step] = []
    plugin_class = _loaded(target, steps)
    if plugin_class is not None:
        fixture = _fixture(target, plugin_class, fixture_path, steps)
        if fixture is not None:
            steps.append(await _dry_run_step(target, plugin_class, fixture))
    return steps
