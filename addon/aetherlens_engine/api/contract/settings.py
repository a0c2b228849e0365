"""Models of the settings routes: read and replace the settings the page changes.

The types are checked here; every other rule is the configuration's own (`config.SCHEMA`), so
a value the configuration file refuses is refused here too, with the same message.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from .base import Model
from .engine import FieldError

SettingKey = Literal["currency", "timezone", "retention", "homeassistant"]
Patterns = Annotated[list[str], Meta(description="Entity ids or glob patterns (`sensor.*_energy`)")]


class Retention(Model):
    """Days each kind of data is kept, and the age at which readings are compressed."""

    raw_days: Annotated[int, Meta(description="Readings")]
    hourly_days: Annotated[int, Meta(description="Hourly rollups")]
    daily_days: Annotated[int, Meta(description="Daily rollups")]
    compress_after_days: Annotated[int, Meta(description="Readings older are compressed")]


class CollectorInstance(Model):
    """A Home Assistant instance the collector reads (its token is never shown)."""

    name: str
    url: Annotated[str, Meta(description="ws://HOST:8123/api/websocket (wss:// with TLS)")]
    include: Patterns
    exclude: Patterns


class CollectorInstanceInput(Model):
    """A Home Assistant instance to collect from."""

    name: str
    url: Annotated[str, Meta(description="ws://HOST:8123/api/websocket (wss:// with TLS)")]
    include: Patterns
    exclude: Patterns
    token: Annotated[
        str | UnsetType,
        Meta(
            description="A long-lived access token; absent: the instance keeps its own, "
            "as long as its url stays"
        ),
    ] = UNSET


class SettingsInput(Model):
    """Every setting the page changes (a setting equal to the file's follows the file again)."""

    currency: Annotated[str, Meta(description="ISO 4217, e.g. EUR")]
    timezone: Annotated[str, Meta(description="IANA, e.g. Europe/Berlin")]
    retention: Retention
    homeassistant: list[CollectorInstanceInput]


class Settings(Model):
    """The settings as saved: the engine's from its next start, and now where they apply live."""

    currency: str
    timezone: str
    retention: Retention
    homeassistant: list[CollectorInstance]
    saved: Annotated[
        list[SettingKey],
        Meta(description="The settings saved through the API, winning over the configuration's"),
    ]
    restart_required: Annotated[
        list[str],
        Meta(
            description="Saved settings the engine applies only after a restart, by path "
            "(`timezone`, `homeassistant[1]`; `homeassistant`: an instance removed)"
        ),
    ]


class SettingsErrorDetail(Model):
    """A setting is refused; details name it."""

    code: Literal["invalid_settings"]
    message: str
    details: list[FieldError]


class SettingsError(Model):
    """A setting is refused; details name it."""

    error: SettingsErrorDetail


__all__ = ["Settings", "SettingsError", "SettingsInput"]
