"""The engine's configuration: defaults < file < environment < command-line flags.

In the add-on the Supervisor writes the user's options to `/data/options.json`; standalone, a YAML
or TOML file and `AETHERLENS_*` environment variables (an option's path in capitals joined by `_`,
e.g. `AETHERLENS_API_PORT` for `api.port`). Every source goes through one voluptuous schema, and an
invalid option is reported by its path.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import voluptuous as vol
import yaml

from .errors import ConfigError
from .plugins.manager import PluginInstance
from .storage.retention import RetentionSettings

ADDON_OPTIONS = Path("/data/options.json")
ENV_PREFIX = "AETHERLENS_"
DEFAULT_PORT = 8787
ISO_4217_LENGTH = 3


def default_data_dir() -> Path:
    """Return where a standalone engine keeps its database, token and spool."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "aetherlens"


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise vol.Invalid(
            f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)"
        ) from err
    return str(value)


def _currency(value: Any) -> str:
    text = str(value)
    if not (text.isascii() and text.isalpha() and text.isupper() and len(text) == ISO_4217_LENGTH):
        raise vol.Invalid(f"{value!r} is not an ISO 4217 currency code like EUR or USD")
    return text


def _database_url(value: Any) -> str | None:
    if value in (None, ""):
        return None  # a managed cluster in the data dir
    text = str(value)
    if not text.startswith(("postgresql://", "postgres://")):
        raise vol.Invalid("expected a postgresql:// URL")
    return text


def _unique_plugin_names(instances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = [instance["name"] for instance in instances]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise vol.Invalid(f"plugin instance names must be unique: {', '.join(duplicates)}")
    return instances


def _positive(kind: Callable[[Any], Any]) -> vol.All:
    return vol.All(vol.Coerce(kind), vol.Range(min=kind(1)))


SCHEMA = vol.Schema(
    {
        vol.Optional("data_dir"): vol.All(str, vol.Length(min=1)),
        vol.Optional("database_url"): _database_url,
        vol.Optional("timezone", default="UTC"): _timezone,
        vol.Optional("currency", default="EUR"): _currency,
        vol.Optional("log_level", default="info"): vol.All(
            vol.Lower, vol.In(["debug", "info", "warning", "error"])
        ),
        vol.Optional("api", default={}): {
            vol.Optional("host", default="127.0.0.1"): vol.All(str, vol.Length(min=1)),
            vol.Optional("port", default=DEFAULT_PORT): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=65535)
            ),
            vol.Optional("rate_limit_per_second", default=20.0): _positive(float),
            vol.Optional("rate_limit_burst", default=200): _positive(int),
            vol.Optional("max_body_bytes", default=4 * 1024 * 1024): _positive(int),
        },
        vol.Optional("ingest", default={}): {
            vol.Optional("buffer_size", default=10_000): _positive(int),
            vol.Optional("batch_size", default=1_000): _positive(int),
            vol.Optional("flush_interval_seconds", default=1.0): _positive(float),
        },
        vol.Optional("retention", default={}): {
            vol.Optional("raw_days", default=90): _positive(int),
            vol.Optional("hourly_days", default=365): _positive(int),
            vol.Optional("daily_days", default=1826): _positive(int),
            vol.Optional("compress_after_days", default=7): _positive(int),
        },
        vol.Optional("rollup", default={}): {
            vol.Optional("interval_seconds", default=60.0): _positive(float),
            vol.Optional("max_gap_minutes", default=15): _positive(int),
        },
        # Cloud cost plugins: each instance's `config` is checked by its plugin's own schema.
        vol.Optional("plugins", default=[]): vol.All(
            [
                {
                    vol.Required("name"): vol.All(str, vol.Length(min=1)),
                    vol.Required("plugin"): vol.All(str, vol.Length(min=1)),
                    vol.Optional("enabled", default=True): bool,
                    vol.Optional("poll_interval_minutes"): _positive(float),
                    vol.Optional("timeout_seconds", default=300.0): _positive(float),
                    vol.Optional("memory_limit_mb", default=512): _positive(int),
                    vol.Optional("config", default={}): dict,
                }
            ],
            _unique_plugin_names,
        ),
    }
)


@dataclass(frozen=True, slots=True)
class ApiConfig:
    """Where and how the HTTP API listens."""

    host: str
    port: int
    rate_limit_per_second: float
    rate_limit_burst: int
    max_body_bytes: int


@dataclass(frozen=True, slots=True)
class IngestConfig:
    """Buffering of the ingestion pipeline."""

    buffer_size: int
    batch_size: int
    flush_interval: timedelta


@dataclass(frozen=True, slots=True)
class RollupConfig:
    """How often rollups catch up, and the longest power gap integrated."""

    interval: timedelta
    max_gap: timedelta


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """The validated configuration."""

    data_dir: Path
    database_url: str | None
    timezone: ZoneInfo
    currency: str
    log_level: str
    api: ApiConfig
    ingest: IngestConfig
    retention: RetentionSettings
    rollup: RollupConfig
    plugins: tuple[PluginInstance, ...] = ()


def read_file(path: Path) -> dict[str, Any]:
    """Read options from a JSON, YAML or TOML file."""
    try:
        text = path.read_text()
    except OSError as err:
        raise ConfigError(f"cannot read the configuration file {path}: {err.strerror}") from err
    try:
        match path.suffix.lower():
            case ".json":
                data = json.loads(text)
            case ".toml":
                data = tomllib.loads(text)
            case ".yaml" | ".yml":
                data = yaml.safe_load(text) or {}
            case _:
                raise ConfigError(f"{path}: use a .json, .yaml or .toml configuration file")
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as err:
        raise ConfigError(f"{path} is not valid {path.suffix[1:].upper()}: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of options")
    return data


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return the options set by `AETHERLENS_*` variables, nested like the schema."""
    options: dict[str, Any] = {}
    for key, value in SCHEMA.schema.items():
        name = str(key.schema)
        if isinstance(value, dict):
            nested = {
                str(sub.schema): environ[var]
                for sub in value
                if (var := f"{ENV_PREFIX}{name}_{sub.schema}".upper()) in environ
            }
            if nested:
                options[name] = nested
        elif (var := f"{ENV_PREFIX}{name}".upper()) in environ:
            options[name] = environ[var]
    return options


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(
    *,
    file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> EngineConfig:
    """Validate the options from FILE, the environment and OVERRIDES (command-line flags)."""
    raw = read_file(file) if file is not None else {}
    raw = _merge(raw, from_environment(os.environ if environ is None else environ))
    raw = _merge(raw, overrides or {})
    try:
        options = SCHEMA(raw)
    except vol.MultipleInvalid as err:
        first = err.errors[0]
        path = ".".join(str(p) for p in first.path) or "(top level)"
        raise ConfigError(f"invalid option '{path}': {first.msg}") from err
    api, ingest, retention, rollup = (
        options["api"],
        options["ingest"],
        options["retention"],
        options["rollup"],
    )
    return EngineConfig(
        data_dir=Path(options.get("data_dir") or default_data_dir()),
        database_url=options.get("database_url") or None,
        timezone=ZoneInfo(options["timezone"]),
        currency=options["currency"],
        log_level=options["log_level"],
        api=ApiConfig(**api),
        ingest=IngestConfig(
            buffer_size=ingest["buffer_size"],
            batch_size=ingest["batch_size"],
            flush_interval=timedelta(seconds=ingest["flush_interval_seconds"]),
        ),
        retention=RetentionSettings(
            readings_days=retention["raw_days"],
            hourly_days=retention["hourly_days"],
            daily_days=retention["daily_days"],
            compress_after_days=retention["compress_after_days"],
        ),
        rollup=RollupConfig(
            interval=timedelta(seconds=rollup["interval_seconds"]),
            max_gap=timedelta(minutes=rollup["max_gap_minutes"]),
        ),
        plugins=tuple(_plugin_instance(p) for p in options["plugins"] if p["enabled"]),
    )


def _plugin_instance(options: Mapping[str, Any]) -> PluginInstance:
    minutes = options.get("poll_interval_minutes")
    return PluginInstance(
        name=options["name"],
        plugin=options["plugin"],
        config=options["config"],
        poll_interval=timedelta(minutes=minutes) if minutes is not None else None,
        poll_timeout=timedelta(seconds=options["timeout_seconds"]),
        memory_limit_bytes=options["memory_limit_mb"] * 2**20,
    )
