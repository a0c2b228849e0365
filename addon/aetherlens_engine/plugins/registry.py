"""Find plugin classes by name.

Built-in ones are listed here, third-party ones come through the entry-point group
`aetherlens.plugins`, and (for tests and local development) any `module:Class` reference works.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from .base import Plugin, PluginConfigError

ENTRY_POINT_GROUP = "aetherlens.plugins"

BUILTIN: dict[str, str] = {
    "aws_cost_explorer": "aetherlens_engine.plugins.aws:AwsCostExplorerPlugin",
    "azure_cost_management": "aetherlens_engine.plugins.azure:AzureCostManagementPlugin",
}


def available_plugins() -> dict[str, str]:
    """Return every known plugin name with its `module:Class` reference (built-ins win)."""
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    found.update(BUILTIN)
    return found


def resolve(name: str) -> str:
    """Return the `module:Class` reference for NAME, a plugin name or already a reference."""
    known = available_plugins()
    if name in known:
        return known[name]
    if ":" in name:
        return name
    raise PluginConfigError(
        f"unknown plugin {name!r}; available: {', '.join(sorted(known)) or 'none'}"
    )


def load_plugin_class(name: str) -> type[Plugin]:
    """Import and return the plugin class NAME refers to."""
    reference = resolve(name)
    module_name, _, attribute = reference.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except PluginConfigError:
        raise
    except Exception as err:  # a third party's module may raise anything on import
        raise PluginConfigError(
            f"cannot load plugin {name!r} ({reference}): {type(err).__name__}: {err}"
        ) from err
    if not (isinstance(target, type) and issubclass(target, Plugin)):
        raise PluginConfigError(f"{reference} is not a Plugin subclass")
    return target
