"""Models of the plugin routes: list, read, enable/disable and configure an instance."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from .base import Instant, JsonObject, Model, Money
from .engine import FieldError

FieldKind = Literal["text", "integer", "number", "boolean", "list", "choice"]
Scalar = str | int | float | bool


class PluginField(Model):
    """One option of the plugin's configuration schema."""

    key: str
    kind: FieldKind
    required: bool
    secret: Annotated[bool, Meta(description="Never shown; left out of a change, it is kept")]
    default: Scalar | list[Scalar] | None
    choices: Annotated[
        list[str], Meta(description="The values a choice (or a list's items) may take")
    ]


class PluginInfo(Model):
    """A configured plugin instance: what it is, how it does, and its configuration."""

    name: Annotated[str, Meta(description="The instance's name in the configuration")]
    plugin: Annotated[
        str,
        Meta(description="The plugin's manifest name (as configured, when it is unavailable)"),
    ]
    version: Annotated[str | None, Meta(description="Null when the plugin is unavailable")]
    enabled: bool
    status: Annotated[
        str,
        Meta(
            description="starting, healthy, degraded, failing, stopped, disabled, or "
            "unavailable (its plugin failed to install or load: last_error says why)"
        ),
    ]
    provides: list[str]
    poll_interval_seconds: Annotated[
        float | None, Meta(description="Null when the plugin is unavailable and none is set")
    ]
    polls: int
    last_success: Instant | None
    last_failure: Instant | None
    last_error: str | None
    consecutive_failures: int
    restarts: int
    refused: Annotated[int, Meta(description="Records refused since the engine started")]
    last_refusal: str | None
    requests: Annotated[int, Meta(description="Billable requests since the engine started")]
    request_cost: Annotated[Money, Meta(description="What those requests cost, where known")]
    request_currency: str
    config: Annotated[JsonObject, Meta(description="The configuration, secret options left out")]
    fields: list[PluginField]


class PluginList(Model):
    """Every configured plugin instance."""

    plugins: list[PluginInfo]


class PluginChange(Model):
    """What to change of an instance: enabled, its configuration, or both."""

    enabled: bool | UnsetType = UNSET
    config: Annotated[
        JsonObject | UnsetType,
        Meta(description="The whole configuration, validated by the plugin's schema"),
    ] = UNSET


class PluginErrorDetail(Model):
    """The configuration is refused; details name each option (config.<option>)."""

    code: Literal["invalid_plugin_config"]
    message: str
    details: list[FieldError]


class PluginError(Model):
    """The configuration is refused; details name each option."""

    error: PluginErrorDetail


__all__ = ["PluginChange", "PluginError", "PluginInfo", "PluginList"]
