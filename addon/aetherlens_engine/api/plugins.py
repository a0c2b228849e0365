"""Plugin management routes: the configured instances, enabled, disabled and configured.

- `GET /api/v1/plugins`: every instance with its status, last poll, errors, requests and their
  cost, its configuration (secret options left out) and the options its schema takes.
- `PUT /api/v1/plugins/{name}`: enable or disable it, or replace its configuration (validated
  by the plugin's schema: 422 naming each option as `config.<option>`); the worker restarts.
  An instance whose plugin failed to install or load is listed as `unavailable` with the reason
  in `last_error`; it cannot be changed (409) until its plugin loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from aiohttp import web
from msgspec import UNSET

from aetherlens_engine.plugins.base import PluginManifest
from aetherlens_engine.plugins.control import (
    ManagedPlugin,
    PluginConfigRefusedError,
    PluginControl,
    PluginUnavailableError,
    UnknownPluginError,
)

from .contract import plugins as contract
from .contract.base import json_response
from .decode import body_of
from .errors import ApiError
from .state import STATE_KEY, EngineState

_KINDS: dict[Any, contract.FieldKind] = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "boolean",
}


def _control(state: EngineState) -> PluginControl:
    if state.plugin_control is None:
        raise ApiError(
            503,
            "plugins_unavailable",
            "the engine runs no plugins yet",
            headers={"Retry-After": "5"},
        )
    return state.plugin_control


def _options(schema: Any) -> Mapping[Any, Any]:
    """Return the mapping of SCHEMA's options (inside a vol.All, as a schema with checks has it)."""
    if isinstance(schema, vol.Schema):
        return _options(schema.schema)
    if isinstance(schema, vol.All):
        return next((found for v in schema.validators if (found := _options(v))), {})
    return schema if isinstance(schema, Mapping) else {}


def _kind(validator: Any) -> tuple[contract.FieldKind, list[str]]:
    """Return what an option takes, and its choices, as far as its validator says."""
    if isinstance(validator, type):
        return _KINDS.get(validator, "text"), []
    if isinstance(validator, vol.In):
        container: Any = validator.container
        return "choice", [str(choice) for choice in container]
    if isinstance(validator, vol.Coerce):
        return _KINDS.get(validator.type, "text"), []
    if isinstance(validator, list):
        _, choices = _kind(validator[0]) if validator else ("text", [])
        return "list", choices
    if isinstance(validator, vol.All) and validator.validators:
        kinds = [_kind(v) for v in validator.validators]
        return next((k for k in kinds if k[0] != "text"), kinds[0])
    return "text", []


def _default(marker: vol.Marker) -> Any:
    default: Any = getattr(marker, "default", vol.UNDEFINED)
    return None if default is vol.UNDEFINED else default()


def fields(manifest: PluginManifest) -> list[contract.PluginField]:
    """Return the options of MANIFEST's configuration schema, in its order."""
    found = []
    for marker, validator in _options(manifest.config_schema).items():
        if not isinstance(marker, vol.Marker):
            continue
        kind, choices = _kind(validator)
        key = str(marker.schema)
        secret = key in manifest.secret_keys
        found.append(
            contract.PluginField(
                key=key,
                kind=kind,
                required=isinstance(marker, vol.Required),
                secret=secret,
                default=None if secret else _default(marker),
                choices=choices,
            )
        )
    return found


def info(managed: ManagedPlugin) -> contract.PluginInfo:
    """Return MANAGED as the API shows it: its secrets never.

    An unavailable instance (its plugin did not install or load) has no manifest to say which
    options are secret: its configuration is not shown at all.
    """
    status = managed.status
    manifest = managed.manifest
    instance = managed.instance
    interval = instance.poll_interval or (manifest.poll_interval if manifest else None)
    return contract.PluginInfo(
        name=instance.name,
        plugin=manifest.name if manifest else instance.plugin,
        version=manifest.version if manifest else None,
        enabled=managed.enabled,
        status=status["status"],
        provides=sorted(str(kind) for kind in manifest.provides) if manifest else [],
        poll_interval_seconds=interval.total_seconds() if interval else None,
        polls=status["polls"],
        last_success=status["last_success"],
        last_failure=status["last_failure"],
        last_error=status["last_error"],
        consecutive_failures=status["consecutive_failures"],
        restarts=status["restarts"],
        refused=status["refused"],
        last_refusal=status["last_refusal"],
        requests=status["requests"],
        request_cost=status["request_cost"],
        request_currency=status["request_currency"],
        config={k: v for k, v in instance.config.items() if k not in manifest.secret_keys}
        if manifest
        else {},
        fields=fields(manifest) if manifest else [],
    )


async def get_plugins(request: web.Request) -> web.Response:
    """Answer every configured plugin instance."""
    control = _control(request.app[STATE_KEY])
    return json_response(contract.PluginList(plugins=[info(p) for p in control.plugins()]))


async def put_plugin(request: web.Request) -> web.Response:
    """Enable, disable or configure one instance; answer it as it is now."""
    control = _control(request.app[STATE_KEY])
    name = request.match_info["name"]
    body = await body_of(request, contract.PluginChange)
    try:
        managed = control.plugin(name)
        if body.config is not UNSET:
            managed = await control.configure(name, body.config)
        if body.enabled is not UNSET:
            managed = await control.set_enabled(name, body.enabled)
    except UnknownPluginError as err:
        raise ApiError(404, "unknown_plugin", str(err)) from err
    except PluginUnavailableError as err:
        raise ApiError(409, "plugin_unavailable", str(err)) from err
    except PluginConfigRefusedError as err:
        details = [
            {"path": f"config.{path}" if path else "config", "message": message}
            for path, message in err.errors
        ]
        raise ApiError(422, "invalid_plugin_config", str(err), details=details) from err
    return json_response(info(managed))
