"""The add-on's options (`/data/options.json`, written by the Supervisor) as engine options.

The add-on's configuration page is flat and names the settings most users change; every other
engine option (API limits, ingestion, plugin details, budgets too) may go in `engine.yaml` of the
add-on's configuration folder, in the engine's own format, below the page's options. The engine's
schema (config.py) stays the single validation. Everything else is fixed by the container: the data
in `/data`, the database on the cluster's Unix socket, the API on every interface of the add-on
network at the engine's default port (ingress and Home Assistant reach it there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aetherlens_engine.config import (
    DEFAULT_PORT,
    ENV_PREFIX,
    EngineConfig,
    load_config,
    read_file,
)

from .discovery import SUPERVISOR_TOKEN_VARIABLE
from .paths import AddonPaths

# The add-on's container is its own network namespace: every interface is the add-on network.
ADDON_API_HOST = "0.0.0.0"  # noqa: S104
PORT_VARIABLE = f"{ENV_PREFIX}API_PORT"
# The add-on's own Home Assistant, through the Supervisor's proxy (with the add-on's token).
SUPERVISOR_HOME_ASSISTANT_URL = "ws://supervisor/core/websocket"
AWS_PLUGIN = "aws_cost_explorer"
AZURE_PLUGIN = "azure_cost_management"
# add-on option -> key of the plugin's own configuration
_AWS_KEYS = {
    "aws_account_name": "account_name",
    "aws_access_key_id": "access_key_id",
    "aws_secret_access_key": "secret_access_key",
    "aws_metric": "metric",
}
_AZURE_KEYS = {
    "azure_tenant_id": "tenant_id",
    "azure_client_id": "client_id",
    "azure_client_secret": "client_secret",
    "azure_cost_type": "cost_type",
}


def _given(options: Mapping[str, Any], key: str) -> Any:
    """Return an option's value, or None when it is absent or left empty in the UI."""
    value = options.get(key)
    return None if value in (None, "") else value


def _plugin(
    options: Mapping[str, Any], name: str, plugin: str, keys: Mapping[str, str]
) -> dict[str, Any]:
    config = {target: value for key, target in keys.items() if (value := _given(options, key))}
    instance: dict[str, Any] = {"name": name, "plugin": plugin, "config": config}
    if (hours := _given(options, f"{name}_poll_interval_hours")) is not None:
        instance["poll_interval_minutes"] = hours * 60
    return instance


def engine_options(
    options: Mapping[str, Any], environ: Mapping[str, str], paths: AddonPaths
) -> dict[str, Any]:
    """Map the add-on's options onto the engine's (the input of `load_config`).

    Without a time zone option the container's `TZ` (the Supervisor sets it to the host's zone)
    is the household's local time.
    """
    engine: dict[str, Any] = {
        "data_dir": str(paths.data),
        "database_url": paths.database_url,
        "timezone": _given(options, "timezone") or environ.get("TZ") or "UTC",
        # Ingress and discovery expect the port of config.yaml (engine.yaml cannot move it; a test
        # running the add-on's services outside the container may, through the environment).
        "api": {"host": ADDON_API_HOST, "port": environ.get(PORT_VARIABLE, DEFAULT_PORT)},
        "retention": {
            days: value
            for days in ("raw_days", "hourly_days", "daily_days")
            if (value := _given(options, f"retention_{days}")) is not None
        },
        "plugins": [],
    }
    for key in ("currency", "log_level", "tariff_timezone"):
        if (value := _given(options, key)) is not None:
            engine[key] = value
    if (tariff := _given(options, "tariff_file")) is not None:
        # Files of the add-on's configuration folder (or absolute paths in the container),
        # comma-separated: one tariff each, e.g. electricity, gas and water.
        engine["tariff_file"] = [
            str(paths.config_dir / name.strip()) for name in tariff.split(",") if name.strip()
        ]
    if options.get("aws_enabled"):
        engine["plugins"].append(_plugin(options, "aws", AWS_PLUGIN, _AWS_KEYS))
    if options.get("azure_enabled"):
        azure = _plugin(options, "azure", AZURE_PLUGIN, _AZURE_KEYS)
        azure["config"]["subscriptions"] = [
            {"id": subscription} for subscription in options.get("azure_subscription_ids") or []
        ]
        engine["plugins"].append(azure)
    include = options.get("homeassistant_include") or []
    exclude = options.get("homeassistant_exclude") or []
    if include or exclude:
        # The add-on's own Home Assistant (through the Supervisor), with the user's choice.
        engine["homeassistant"] = [
            {"name": "homeassistant", "include": list(include), "exclude": list(exclude)}
        ]
    if packages := options.get("plugin_packages"):
        engine["plugin_packages"] = [dict(package) for package in packages]
    if (index_url := _given(options, "plugin_index_url")) is not None:
        engine["plugin_index_url"] = index_url
    if budgets := options.get("budgets"):
        engine["budgets"] = [
            {key: value for key, value in budget.items() if value not in (None, "")}
            for budget in budgets
        ]
    return engine


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge OVERRIDE onto BASE: nested options merge, the lists of both are joined."""
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            merged[key] = _merge(old, value)
        elif isinstance(value, list) and isinstance(old, list):
            merged[key] = [*old, *value]
        else:
            merged[key] = value
    return merged


def load_addon_config(
    paths: AddonPaths,
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None = None,
) -> EngineConfig:
    """Validate the add-on's options as the engine's configuration.

    From lowest to highest: `engine.yaml` of the configuration folder (when it exists), the
    `AETHERLENS_*` environment, the configuration page, OVERRIDES (the command line).
    """
    # Outside the Supervisor (the compose file) there is no options.json: the image's defaults,
    # engine.yaml and the environment configure the engine.
    options = read_file(paths.options) if paths.options.exists() else {}
    mapped = engine_options(options, environ, paths)
    file = paths.advanced_options if paths.advanced_options.exists() else None
    advanced = read_file(file) if file is not None else {}
    # The page's plugins and budgets join the file's instead of replacing them.
    mapped = _merge({k: v for k, v in advanced.items() if k in mapped}, mapped)
    supervisor_token = environ.get(SUPERVISOR_TOKEN_VARIABLE)
    if supervisor_token and not {"homeassistant"} & (mapped.keys() | advanced):
        # Under the Supervisor: the add-on's own Home Assistant, unless engine.yaml names others.
        mapped["homeassistant"] = [{"name": "homeassistant"}]
    instances = mapped.get("homeassistant", advanced.get("homeassistant"))
    if isinstance(instances, list):  # anything else is left to the engine's schema to refuse
        mapped["homeassistant"] = [_own_url(i, supervisor_token) for i in instances]
    return load_config(file=file, environ=environ, overrides=_merge(mapped, overrides or {}))


def _own_url(instance: Any, supervisor_token: str | None) -> Any:
    """Return INSTANCE with the add-on's own Home Assistant where it names no other.

    Without a url it is the Supervisor's proxy, whose token (the add-on's) it takes unless it
    gives one; the token is never given to another url.
    """
    if not isinstance(instance, Mapping):
        return instance
    own = {"url": SUPERVISOR_HOME_ASSISTANT_URL, **instance}
    if own["url"] == SUPERVISOR_HOME_ASSISTANT_URL and "token" not in own and supervisor_token:
        own["token"] = supervisor_token
    return own
