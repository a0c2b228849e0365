"""The documentation site: built strict and offline, and its configuration reference complete.

The build runs MkDocs itself (the pinned version, as a reader or CI would), so a broken link, an
unknown page or anchor, a page missing from the navigation or a missing snippet fails it; the
option-coverage tests read the built page as a reader sees it.
"""

from __future__ import annotations

import html
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, get_args

import pytest
import voluptuous as vol
import yaml

from aetherlens_engine import __version__
from aetherlens_engine.api.contract.engine import DegradedReason
from aetherlens_engine.api.limits import ApiLimits
from aetherlens_engine.api.openapi import build_spec
from aetherlens_engine.config import SCHEMA
from aetherlens_engine.plugins.registry import BUILTIN, load_plugin_class
from tests.docs.conftest import ROOT, build


def test_site_builds_strict_with_every_page(site: Path) -> None:
    pages = ("install", "quick-start", "configuration", "tariffs", "api", "homeassistant")
    for page in (*pages, "troubleshooting", "develop/architecture"):
        assert (site / f"{page}.html").is_file(), page
    # The README links the screenshots and the example load under docs/: their paths stay.
    assert (site / "screenshots" / "ha-engine-device.png").is_file()
    assert (site / "examples" / "load.csv").is_file()
    # The add-on's DOCS.md is included, not copied: its options table is on the page.
    assert "aws_poll_interval_hours" in (site / "configuration.html").read_text()


@pytest.mark.parametrize(
    ("page", "text", "complaint"),
    [
        ("quick-start.md", "[gone](no-such-page.md)", "no-such-page.md"),
        ("quick-start.md", "[gone](install.md#no-such-section)", "no-such-section"),
        ("orphan.md", "# Not in the navigation", "orphan.md"),
        ("quick-start.md", '--8<-- "addon/NO-SUCH.md"', "NO-SUCH.md"),
    ],
    ids=["unknown page", "unknown anchor", "page not in nav", "missing snippet"],
)
def test_build_fails_on_a_broken_reference(
    tmp_path: Path, page: str, text: str, complaint: str
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("screenshots"))
    target = docs / page
    target.write_text((target.read_text() if target.exists() else "") + f"\n\n{text}\n")
    config = tmp_path / "mkdocs.yml"
    hooks = ROOT / "devtools" / "docs_api.py"
    config.write_text(f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {docs}\nhooks: [{hooks}]\n")

    result = build(tmp_path / "site", config)

    assert result.returncode != 0
    assert complaint in result.stderr, result.stderr


class OptionTables(HTMLParser):
    """The option names (`<code>` in a row's first cell) of each section's tables, by its id."""

    def __init__(self) -> None:
        super().__init__()
        self.options: dict[str, set[str]] = {}
        self._section = ""
        self._cell = 0
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self._section = dict(attrs).get("id") or ""
        elif tag == "tr":
            self._cell = 0
        elif tag == "td":
            self._cell += 1
        elif tag == "code":
            self._in_code = self._cell == 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._in_code = False
        elif tag in ("tr", "table"):
            self._cell = 0

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.options.setdefault(self._section, set()).add(data)


def documented(site: Path) -> dict[str, set[str]]:
    """Return the options the configuration page documents, by section."""
    parser = OptionTables()
    parser.feed((site / "configuration.html").read_text())
    return parser.options


def _mapping(validator: Any) -> dict[Any, Any] | None:
    if isinstance(validator, dict):
        return validator
    if isinstance(validator, vol.Schema):
        return _mapping(validator.schema)
    if isinstance(validator, vol.All):
        for inner in validator.validators:
            if (mapping := _mapping(inner)) is not None:
                return mapping
    return None


def _list_item(validator: Any) -> dict[Any, Any] | None:
    """Return the mapping each item of a list option is checked by, if it is a list of mappings."""
    if isinstance(validator, list) and len(validator) == 1:
        return _mapping(validator[0])
    if isinstance(validator, vol.All):
        for inner in validator.validators:
            if (mapping := _list_item(inner)) is not None:
                return mapping
    return None


def engine_options(schema: dict[Any, Any], prefix: str = "") -> set[str]:
    """Return every option of the engine's voluptuous schema: `api.port`, `budgets[].name`."""
    names: set[str] = set()
    for key, validator in schema.items():
        name = prefix + str(key.schema)
        if isinstance(validator, dict):
            names |= engine_options(validator, f"{name}.")
            continue
        names.add(name)
        if (item := _list_item(validator)) is not None:
            names |= engine_options(item, f"{name}[].")
    return names


def addon_options(schema: dict[str, Any], prefix: str = "") -> set[str]:
    """Return every option of the add-on's Supervisor schema (config.yaml), named the same way."""
    names: set[str] = set()
    for key, validator in schema.items():
        names.add(prefix + key)
        if isinstance(validator, list) and isinstance(validator[0], dict):
            names |= addon_options(validator[0], f"{prefix}{key}[].")
    return names


def test_every_engine_option_is_documented_and_none_other(site: Path) -> None:
    expected = engine_options(SCHEMA.schema)
    assert {"api.port", "homeassistant", "homeassistant[].url", "budgets[].amount"} <= expected

    on_page = documented(site).get("engine-options", set())

    assert sorted(expected - on_page) == [], "engine options missing from docs/configuration.md"
    assert sorted(on_page - expected) == [], "docs/configuration.md names unknown engine options"


def test_every_addon_option_is_documented_and_none_other(site: Path) -> None:
    schema = yaml.safe_load((ROOT / "addon" / "config.yaml").read_text())["schema"]
    expected = addon_options(schema)
    assert {"currency", "aws_secret_access_key", "budgets", "budgets[].scope"} <= expected

    on_page = documented(site).get("add-on-options", set())

    assert sorted(expected - on_page) == [], "add-on options missing from addon/DOCS.md"
    assert sorted(on_page - expected) == [], "addon/DOCS.md names unknown add-on options"


@pytest.mark.parametrize("plugin", sorted(BUILTIN))
def test_every_option_of_each_builtin_plugin_is_documented_and_none_other(
    site: Path, plugin: str
) -> None:
    schema = _mapping(load_plugin_class(plugin).manifest.config_schema)
    assert schema is not None, plugin
    expected = engine_options(schema)
    assert len(expected) > 5, expected

    on_page = documented(site).get(f"plugin-{plugin}", set())

    assert sorted(expected - on_page) == [], f"{plugin} options missing from docs/configuration.md"
    assert sorted(on_page - expected) == [], f"docs/configuration.md names unknown {plugin} options"


def test_the_api_page_has_every_operation_and_schema_of_the_document(site: Path) -> None:
    page = (site / "api.html").read_text()
    spec = build_spec(__version__, ApiLimits().max_batch_readings)
    operations = [op for methods in spec["paths"].values() for op in methods.values()]
    assert len(operations) > 10
    for operation in operations:
        assert f'id="{operation["operationId"].lower()}"' in page, operation["operationId"]
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name.lower()}"' in page, name
    # Parameters and bodies link their schemas; every link resolved, or the strict build failed.
    assert 'href="#schema-costs"' in page


def test_the_homeassistant_page_has_every_entity_action_and_field(site: Path) -> None:
    page = (site / "homeassistant.html").read_text()
    integration = ROOT / "custom_components" / "aetherlens"
    services = yaml.safe_load((integration / "services.yaml").read_text())
    translations = json.loads((integration / "translations" / "en.json").read_text())
    assert len(services) >= 3
    for name, spec in services.items():
        assert f'id="action-{name}"' in page, name
        for field in (spec or {}).get("fields", {}):
            assert f"<code>{field}</code>" in page, f"{name}.{field}"
    for entities in translations["entity"].values():
        for key, entity in entities.items():
            assert f"<code>{key}</code>" in page, key
            assert entity["name"] in html.unescape(page), entity["name"]


def test_the_troubleshooting_page_covers_every_health_reason_and_repair(site: Path) -> None:
    page = html.unescape((site / "troubleshooting.html").read_text())
    translations = json.loads(
        (ROOT / "custom_components" / "aetherlens" / "translations" / "en.json").read_text()
    )
    reasons = get_args(DegradedReason)
    assert "spool_unwritable" in reasons
    for reason in reasons:
        assert f"<code>{reason}</code>" in page, reason
    assert len(translations["issues"]) >= 4
    for issue in translations["issues"].values():
        assert issue["title"] in page, issue["title"]
