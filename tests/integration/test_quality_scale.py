"""quality_scale.yaml tells the truth: each rule marked done is met, where code can show it.

A rule is checked on the code (its AST), the translations, the manifest, the tests that cover it
or a loaded entry, not on the yaml's word. An exemption that states a fact (no library) is checked
too. Rules about documentation and the HA release process are left to review.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Callable, Iterator
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest
import yaml
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from pytest_homeassistant_custom_component.common import MockConfigEntry

from aetherlens_engine.api.contract.engine import CollectorIssue
from custom_components.aetherlens import PLATFORMS
from custom_components.aetherlens.config_flow import AetherLensConfigFlow
from custom_components.aetherlens.const import SCAN_INTERVAL
from custom_components.aetherlens.entity import AetherLensEntity
from custom_components.aetherlens.repairs import REFUSED_AUTH

ROOT = Path(__file__).parents[2]
COMPONENT = ROOT / "custom_components" / "aetherlens"
TESTS = Path(__file__).parent
ROLLUP_SECONDS = 60
# Home Assistant's exceptions that a user reads: each one raised must carry a translation key.
TRANSLATED_EXCEPTIONS = {
    "HomeAssistantError",
    "ServiceValidationError",
    "UpdateFailed",
    "ConfigEntryNotReady",
    "ConfigEntryAuthFailed",
    "ConfigEntryError",
}


def _rules() -> dict[str, str]:
    """Return each rule's status."""
    rules = yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text(encoding="utf-8"))["rules"]
    return {name: rule if isinstance(rule, str) else rule["status"] for name, rule in rules.items()}


@cache
def _strings() -> dict[str, Any]:
    strings: dict[str, Any] = json.loads(
        (COMPONENT / "translations" / "en.json").read_text(encoding="utf-8")
    )
    return strings


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(COMPONENT.glob("*.py")):
        yield path.name, ast.parse(path.read_text(encoding="utf-8"))


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    return (node for node in ast.walk(tree) if isinstance(node, ast.Call))


def _name(node: ast.expr) -> str:
    """Return the last name of a called thing: `ir.async_create_issue` -> `async_create_issue`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _text(call: ast.Call, name: str, where: str) -> str:
    """Return the text given as keyword NAME of CALL, which must be a literal one."""
    value = _keyword(call, name)
    assert isinstance(value, ast.Constant), f"{where}: no literal {name}"
    assert isinstance(value.value, str), where
    return value.value


def _source(name: str) -> str:
    return (COMPONENT / name).read_text(encoding="utf-8")


def _tests_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(TESTS.glob("test_*.py")))


def _exception_translations() -> None:
    """Every HA exception the integration raises names a translation of `exceptions`."""
    keys = set(_strings()["exceptions"])
    for module, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
                continue
            if _name(node.exc.func) not in TRANSLATED_EXCEPTIONS:
                continue
            key = _text(node.exc, "translation_key", f"{module}:{node.lineno}")
            assert key in keys, f"{module}:{node.lineno}: {key} not in en.json"
            domain = _keyword(node.exc, "translation_domain")
            assert domain is not None, f"{module}:{node.lineno} has no translation_domain"


def _repair_issues() -> None:
    """Issues are filed with translated text; each one is raised and cleared in a test."""
    issues = _strings()["issues"]
    filed: set[str] = set()
    for module, tree in _modules():
        for call in _calls(tree):
            if _name(call.func) == "async_create_issue":
                key = _text(call, "translation_key", f"{module}:{call.lineno}")
                assert key in issues, f"{module}:{call.lineno}: {key}"
                filed.add(key)
    assert filed == set(issues)
    tests = _tests_text()
    for key in filed:
        assert f'"{key}"' in tests, f"no test looks for the issue {key}"
    assert "async_delete_issue" in "".join(_source(name) for name, _ in _modules())
    # Every issue the engine reports for a collector reaches HA's Repairs.
    engine_keys = set(get_args(get_type_hints(CollectorIssue)["key"]))
    assert engine_keys == {REFUSED_AUTH}, f"issues of the engine not raised: {engine_keys}"


def _runtime_data() -> None:
    """The loaded entry's objects live in `entry.runtime_data`, never in `hass.data`."""
    for module, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "data":
                value = node.value
                assert not (isinstance(value, ast.Name) and value.id == "hass"), (
                    f"{module}:{node.lineno} uses hass.data"
                )
    setup = _function(ast.parse(_source("__init__.py")), "async_setup_entry")
    assigned = [
        target
        for node in ast.walk(setup)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and target.attr == "runtime_data"
    ]
    assert assigned, "async_setup_entry sets no runtime_data"


def _function(tree: ast.Module, name: str) -> ast.AsyncFunctionDef | ast.FunctionDef:
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name == name:
            return node
    raise AssertionError(f"no function {name}")


def _parallel_updates() -> None:
    """Each platform says how many updates may run at once (0: read-only, the coordinator's)."""
    for platform in PLATFORMS:
        module = import_module(f"custom_components.aetherlens.{platform.value}")
        assert module.PARALLEL_UPDATES == 0, platform


def _icon_translations() -> None:
    """Icons come from icons.json by translation key, never from code."""
    for module, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                assert _keyword(node, "icon") is None, f"{module}:{node.lineno} sets an icon"
            if isinstance(node, ast.Name | ast.Attribute):
                assert _name(node) != "_attr_icon", f"{module}:{node.lineno} sets _attr_icon"
    icons = json.loads(_source("icons.json"))
    for platform, keys in icons["entity"].items():
        assert set(keys) <= set(_strings()["entity"][platform]), platform


def _config_flow_test_coverage() -> None:
    """Every error and abort of the config flow is reached by a config flow test."""
    tests = (TESTS / "test_config_flow.py").read_text(encoding="utf-8")
    config = _strings()["config"]
    for key in [*config["error"], *config["abort"]]:
        assert f'"{key}"' in tests, f"no config flow test ends in {key}"
    for step in ("user", "hassio", "reauth", "reconfigure"):
        assert re.search(rf"\b(SOURCE_{step.upper()}|start_{step}_flow)\b", tests), step
    assert "options.async_init" in tests


def _reconfiguration_flow() -> None:
    assert callable(getattr(AetherLensConfigFlow, "async_step_reconfigure", None))
    assert "start_reconfigure_flow" in (TESTS / "test_config_flow.py").read_text(encoding="utf-8")


def _reauthentication_flow() -> None:
    assert callable(getattr(AetherLensConfigFlow, "async_step_reauth", None))
    assert "async_update_reload_and_abort" in _source("config_flow.py")


def _diagnostics() -> None:
    """Diagnostics exist and redact the token."""
    diagnostics = import_module("custom_components.aetherlens.diagnostics")
    assert callable(diagnostics.async_get_config_entry_diagnostics)
    assert CONF_API_TOKEN in diagnostics.TO_REDACT


def _inject_websession() -> None:
    """The client gets Home Assistant's shared session wherever it is made."""
    for module, tree in _modules():
        for call in _calls(tree):
            if _name(call.func) == "AetherLensClient":
                session = call.args[0]
                assert isinstance(session, ast.Call), f"{module}:{call.lineno}"
                assert _name(session.func) == "async_get_clientsession", f"{module}:{call.lineno}"


def _no_dependency() -> None:
    """The exemptions of the dependency rules hold: nothing is installed for the integration."""
    manifest = json.loads(_source("manifest.json"))
    assert manifest.get("requirements", []) == []


def _strict_typing() -> None:
    """mypy checks the integration in strict mode."""
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert mypy["strict"] is True
    assert "custom_components" in mypy["files"]


def _appropriate_polling() -> None:
    """No faster than the engine's rollups, which run each minute."""
    assert SCAN_INTERVAL.total_seconds() >= ROLLUP_SECONDS


def _test_before_setup() -> None:
    setup = _function(ast.parse(_source("__init__.py")), "async_setup_entry")
    names = {_name(call.func) for call in _calls(setup)}
    assert "async_config_entry_first_refresh" in names


def _unique_config_entry() -> None:
    assert "_abort_if_unique_id_configured" in _source("config_flow.py")


def _has_entity_name() -> None:
    """The base sets `_attr_has_entity_name = True`; every entity class derives from it."""
    base = next(
        node
        for node in ast.walk(ast.parse(_source("entity.py")))
        if isinstance(node, ast.ClassDef) and node.name == AetherLensEntity.__name__
    )
    assert any(
        isinstance(node, ast.Assign)
        and [_name(target) for target in node.targets] == ["_attr_has_entity_name"]
        and isinstance(node.value, ast.Constant)
        and node.value.value is True
        for node in base.body
    )
    for platform in PLATFORMS:
        module = import_module(f"custom_components.aetherlens.{platform.value}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Entity):
                assert value.__module__ != module.__name__ or issubclass(value, AetherLensEntity), (
                    value
                )


def _imported_modules(node: ast.ImportFrom) -> set[str]:
    """Return the integration's modules an import statement names (relative or absolute)."""
    package = "custom_components.aetherlens"
    if node.level == 1:
        return {node.module} if node.module else {alias.name for alias in node.names}
    if node.level == 0 and (node.module or "").startswith(f"{package}."):
        return {(node.module or "").removeprefix(f"{package}.").split(".")[0]}
    return set()


def _base_name(node: ast.expr) -> str:
    """Return a class base's name: `DataUpdateCoordinator[Summary]` -> `DataUpdateCoordinator`."""
    return _name(node.value if isinstance(node, ast.Subscript) else node)


def _common_modules() -> None:
    """The coordinator and the entity base live in their modules; platforms share only those.

    A platform importing another (binary_sensor from sensor) makes one platform's code the
    other's common module.
    """
    platforms = {platform.value for platform in PLATFORMS}
    homes = {"DataUpdateCoordinator": "coordinator.py", "CoordinatorEntity": "entity.py"}
    for module, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and module.removesuffix(".py") in platforms:
                imported = _imported_modules(node) & platforms
                assert not imported, f"{module}:{node.lineno} imports the platform {imported}"
            if isinstance(node, ast.ClassDef):
                for base in map(_base_name, node.bases):
                    assert homes.get(base, module) == module, f"{module}: {node.name}({base})"


def _action_setup() -> None:
    """Actions are registered in `async_setup` (through services.py), never per entry."""
    init = ast.parse(_source("__init__.py"))
    assert "async_setup_services" in {_name(c.func) for c in _calls(_function(init, "async_setup"))}
    for module, tree in _modules():
        for call in _calls(tree):
            if _name(call.func) == "async_register":
                assert module == "services.py", f"{module}:{call.lineno} registers an action"
    registering = _function(ast.parse(_source("services.py")), "async_setup_services")
    assert "async_register" in {_name(call.func) for call in _calls(registering)}


def _config_entry_unloading() -> None:
    unload = _function(ast.parse(_source("__init__.py")), "async_unload_entry")
    assert "async_unload_platforms" in {_name(call.func) for call in _calls(unload)}


def _brands() -> None:
    """A custom integration ships its own icon (brand/)."""
    assert (COMPONENT / "brand" / "icon.png").is_file()


def _stale_devices() -> None:
    """A device the engine no longer has can be removed by the user."""
    init = import_module("custom_components.aetherlens")
    assert callable(init.async_remove_config_entry_device)


def _discovery() -> None:
    """The add-on's discovery (the Supervisor's) is offered and confirmed by the config flow."""
    for step in ("async_step_hassio", "async_step_hassio_confirm"):
        assert callable(getattr(AetherLensConfigFlow, step, None)), step


def _integration_owner() -> None:
    assert json.loads(_source("manifest.json"))["codeowners"]


# Static checks of rules marked done.
DONE_CHECKS: dict[str, Callable[[], None]] = {
    "exception-translations": _exception_translations,
    "repair-issues": _repair_issues,
    "runtime-data": _runtime_data,
    "parallel-updates": _parallel_updates,
    "icon-translations": _icon_translations,
    "config-flow-test-coverage": _config_flow_test_coverage,
    "reconfiguration-flow": _reconfiguration_flow,
    "reauthentication-flow": _reauthentication_flow,
    "diagnostics": _diagnostics,
    "inject-websession": _inject_websession,
    "strict-typing": _strict_typing,
    "appropriate-polling": _appropriate_polling,
    "test-before-setup": _test_before_setup,
    "unique-config-entry": _unique_config_entry,
    "has-entity-name": _has_entity_name,
    "common-modules": _common_modules,
    "action-setup": _action_setup,
    "config-entry-unloading": _config_entry_unloading,
    "brands": _brands,
    "stale-devices": _stale_devices,
    "discovery": _discovery,
    "integration-owner": _integration_owner,
}
# Exemptions whose reason is a fact of the code.
EXEMPT_CHECKS: dict[str, Callable[[], None]] = {
    "dependency-transparency": _no_dependency,
    "async-dependency": _no_dependency,
}


@pytest.mark.parametrize("rule", sorted(DONE_CHECKS))
def test_rule_marked_done_is_met(rule: str) -> None:
    """Each checkable rule is done, and the code shows it."""
    assert _rules()[rule] == "done"
    DONE_CHECKS[rule]()


@pytest.mark.parametrize("rule", sorted(EXEMPT_CHECKS))
def test_exemption_holds(rule: str) -> None:
    """An exemption for want of a library: the manifest installs none."""
    assert _rules()[rule] == "exempt"
    EXEMPT_CHECKS[rule]()


async def test_entities_meet_the_entity_rules(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Every entity of a loaded entry: a unique id, a translated name on a device, no own name.

    (entity-unique-id, has-entity-name, entity-translations, devices.)
    """
    rules = _rules()
    assert {rules[name] for name in ("entity-unique-id", "has-entity-name")} == {"done"}
    assert {rules[name] for name in ("entity-translations", "devices")} == {"done"}
    entities = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    shown = {
        state.entity_id
        for state in hass.states.async_all()
        if state.entity_id.split(".")[0] in {platform.value for platform in PLATFORMS}
    }
    assert shown == {entity.entity_id for entity in entities}  # each one has a unique id
    translated = _strings()["entity"]
    for entity in entities:
        assert entity.has_entity_name, entity.entity_id
        assert entity.original_name is not None, entity.entity_id
        assert entity.translation_key in translated[entity.domain], entity.entity_id
        assert entity.device_id is not None, entity.entity_id
