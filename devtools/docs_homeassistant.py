"""The documentation site's Home Assistant page, written from the integration's own files.

A MkDocs hook (`mkdocs.yml` → `hooks`): `homeassistant.md` is generated on every build from
`services.yaml` (each action's fields, whether required, default, selector) and
`translations/en.json` (the names and descriptions Home Assistant shows, the entities' names),
so the page says what Home Assistant itself shows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

INTEGRATION = Path(__file__).resolve().parents[1] / "custom_components" / "aetherlens"
PAGE = "homeassistant.md"
DOMAIN = "aetherlens"


def _cell(text: object) -> str:
    # A placeholder such as "Budget {name}" would be read as attributes (attr_list): escape it.
    return str(text).replace("|", "\\|").replace("\n", " ").replace("{", "&#123;")


def _selector(field: dict[str, Any]) -> str:
    """Return what a field takes, from its selector: its kind, and a select's options."""
    selector = field.get("selector") or {}
    kind, settings = next(iter(selector.items()), ("any", None))
    if kind == "select" and settings:
        return "one of " + ", ".join(f"`{option}`" for option in settings.get("options", []))
    return kind.replace("_", " ")


def _action(name: str, spec: dict[str, Any], texts: dict[str, Any]) -> str:
    lines = [
        f"### `{DOMAIN}.{name}` {{#action-{name}}}",
        "",
        f"**{texts.get('name', name)}.** {texts.get('description', '')}",
        "",
    ]
    fields = spec.get("fields") or {}
    if fields:
        lines += [
            "| field | required | default | takes | meaning |",
            "| --- | --- | --- | --- | --- |",
        ]
        for key, field in fields.items():
            text = texts.get("fields", {}).get(key, {})
            default = f"`{field['default']}`" if "default" in field else ""
            lines.append(
                f"| `{key}` | {'yes' if field.get('required') else 'no'} | {default} | "
                f"{_cell(_selector(field))} | {_cell(text.get('description', ''))} |"
            )
    return "\n".join([*lines, ""])


def homeassistant_page(services: dict[str, Any], translations: dict[str, Any]) -> str:
    """Return the Markdown of the Home Assistant page from services.yaml and en.json."""
    parts = [
        "# Home Assistant",
        "",
        "What the integration adds to Home Assistant, as Home Assistant names it: written from the",
        "integration's `services.yaml` and `translations/en.json` when the site is built. How the",
        "sensors, statistics and the Energy dashboard behave:",
        "[Using the integration](using.md).",
        "",
        "## Entities",
        "",
        "| platform | key | name |",
        "| --- | --- | --- |",
    ]
    for platform, entities in translations.get("entity", {}).items():
        parts += [
            f"| {platform.replace('_', ' ')} | `{key}` | {_cell(entity.get('name', ''))} |"
            for key, entity in entities.items()
        ]
    parts += ["", "## Actions", ""]
    texts = translations.get("services", {})
    parts += [_action(name, spec or {}, texts.get(name, {})) for name, spec in services.items()]
    return "\n".join(parts)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated Home Assistant page to the site's files (MkDocs hook)."""
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    translations = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    files.append(File.generated(config, PAGE, content=homeassistant_page(services, translations)))
    return files
