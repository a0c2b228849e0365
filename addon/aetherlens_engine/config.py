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
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import voluptuous as vol
import yaml

from .budgets import DEFAULT_THRESHOLDS, DEVICE_SCOPES, PERIODS, SCOPES, Budget, thresholds_problem
from .collector.settings import HomeAssistantInstance, heartbeat_for
from .errors import ConfigError, OptionError
from .plugins.manager import PluginInstance
from .plugins.packages import REQUIREMENT, SHA256, PluginPackage
from .storage.retention import RetentionSettings

ENV_PREFIX = "AETHERLENS_"
DEFAULT_PORT = 8787
ISO_4217_LENGTH = 3
MAX_RETENTION_DAYS = 36_525  # a century: longer is no retention, and overflows an interval


def default_data_dir() -> Path:
    """Return where a standalone engine keeps its database, token and spool."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "aetherlens"


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError, OSError) as err:  # OSError: a name too long
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


def _optional_text(value: Any) -> str | None:
    # The add-on's options form writes an unset text option as "".
    return None if value in (None, "") else str(value)


def _unique_plugin_names(instances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = [instance["name"] for instance in instances]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise vol.Invalid(f"plugin instance names must be unique: {', '.join(duplicates)}")
    return instances


def _amount(value: Any) -> Decimal:
    # Through str: a YAML float like 12.3 becomes exactly 12.3, not its binary neighbour.
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise vol.Invalid(f"expected an amount like 25 or 12.50, not {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as err:
        raise vol.Invalid(f"expected an amount like 25 or 12.50, not {value!r}") from err
    if not amount.is_finite() or amount < 0:
        raise vol.Invalid(f"a budget's amount must be zero or more, not {value!r}")
    return amount


def _thresholds(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise vol.Invalid(f"expected a list of percents like [50, 80, 100], not {value!r}")
    if problem := thresholds_problem(value):
        raise vol.Invalid(problem)
    return tuple(value)


def _budget_device(budget: dict[str, Any]) -> dict[str, Any]:
    if budget["scope"] in DEVICE_SCOPES and "device" not in budget:
        raise vol.Invalid(
            f"a '{budget['scope']}' budget needs 'device' (the device's name or source id)"
        )
    if budget["scope"] not in DEVICE_SCOPES and "device" in budget:
        raise vol.Invalid(f"a '{budget['scope']}' budget takes no 'device'")
    return budget


def _unique_budget_names(budgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = [budget["name"] for budget in budgets]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise vol.Invalid(f"budget names must be unique: {', '.join(duplicates)}")
    return budgets


def _unique_collector_names(instances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = [instance["name"] for instance in instances]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise vol.Invalid(f"Home Assistant instance names must be unique: {', '.join(duplicates)}")
    return instances


def _websocket_url(value: Any) -> str:
    text = str(value)
    if not text.startswith(("ws://", "wss://")):
        raise vol.Invalid(
            f"{value!r} is not a WebSocket URL: use ws://HOST:8123/api/websocket (wss:// with TLS)"
        )
    return text


def _positive(kind: Callable[[Any], Any]) -> vol.All:
    return vol.All(vol.Coerce(kind), vol.Range(min=kind(1)))


def _tariff_paths(value: Any) -> list[str]:
    """Return the paths of the tariff_file option: one, a list, or a comma-separated list."""
    if value is None:
        return []
    if isinstance(value, str):
        return _names(value)
    if isinstance(value, list) and all(isinstance(path, str) and path for path in value):
        return list(value)
    raise vol.Invalid("expected a path, a list of paths or a comma-separated list of paths")


_days = vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_RETENTION_DAYS))


def _names(value: str) -> list[str]:
    """Return the names of a comma-separated list (what an environment variable holds)."""
    return [name.strip() for name in value.split(",") if name.strip()]


SCHEMA = vol.Schema(
    {
        vol.Optional("data_dir"): vol.All(str, vol.Length(min=1)),
        vol.Optional("database_url"): _database_url,
        vol.Optional("timezone", default="UTC"): _timezone,
        vol.Optional("currency", default="EUR"): _currency,
        # Tariffs (native YAML/JSON or URDB JSON, priced in tariff_timezone or else timezone),
        # one per file: a path, a list or a comma-separated list of paths. Each is saved at start
        # when it differs from its latest version, and activated if its commodity has none.
        vol.Optional("tariff_file"): _tariff_paths,
        vol.Optional("tariff_timezone"): vol.Any(None, "", _timezone),
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
            # Host names besides IP addresses, localhost and the machine's own name under
            # which the API answers (DNS rebinding); a list, or names separated by commas.
            vol.Optional("allowed_hosts", default=[]): vol.Any(
                [vol.All(str, vol.Length(min=1))], vol.All(str, _names)
            ),
        },
        vol.Optional("ingest", default={}): {
            vol.Optional("buffer_size", default=10_000): _positive(int),
            vol.Optional("batch_size", default=1_000): _positive(int),
            vol.Optional("flush_interval_seconds", default=1.0): _positive(float),
        },
        vol.Optional("retention", default={}): {
            vol.Optional("raw_days", default=90): _days,
            vol.Optional("hourly_days", default=365): _days,
            vol.Optional("daily_days", default=1826): _days,
            vol.Optional("compress_after_days", default=1): _days,
        },
        vol.Optional("rollup", default={}): {
            vol.Optional("interval_seconds", default=60.0): _positive(float),
            vol.Optional("max_gap_minutes", default=15): _positive(int),
        },
        # Home Assistant instances to collect readings from (the add-on fills in its own HA's url
        # and token: supervisor/options.py).
        vol.Optional("homeassistant"): vol.All(
            [
                {
                    vol.Required("name"): vol.All(str, vol.Length(min=1)),
                    vol.Required("url"): _websocket_url,
                    vol.Optional("token"): vol.All(str, vol.Length(min=1)),
                    vol.Optional("include", default=[]): [vol.All(str, vol.Length(min=1))],
                    vol.Optional("exclude", default=[]): [vol.All(str, vol.Length(min=1))],
                    vol.Optional("energy_prefs", default=True): bool,
                    vol.Optional("backfill_days", default=10.0): _positive(float),
                    vol.Optional("reconnect_max_seconds", default=300.0): _positive(float),
                    vol.Optional("auth_retry_minutes", default=30.0): _positive(float),
                }
            ],
            _unique_collector_names,
        ),
        # Plugins: each instance's `config` is checked by its plugin's own schema.
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
        # Third-party plugin packages, each installed with its hash on start (plugins/packages.py).
        vol.Optional("plugin_packages", default=[]): [
            {
                vol.Required("requirement"): vol.All(
                    str, vol.Match(REQUIREMENT, msg="expected name==version, e.g. my-plugin==1.0.0")
                ),
                vol.Required("sha256"): vol.All(
                    str,
                    vol.Lower,
                    vol.Match(SHA256, msg="expected the 64 hexadecimal digits of a SHA-256"),
                ),
            }
        ],
        vol.Optional("plugin_index_url"): vol.All(str, vol.Url()),
        # Budgets seeded once each into the database's `budgets` table (see budgets.py); the
        # currency defaults to `currency`.
        vol.Optional("budgets", default=[]): vol.All(
            [
                vol.All(
                    {
                        vol.Required("name"): vol.All(str, vol.Length(min=1)),
                        vol.Required("scope"): vol.In(SCOPES),
                        vol.Optional("device"): vol.All(vol.Coerce(str), vol.Length(min=1)),
                        vol.Optional("period", default="month"): vol.In(PERIODS),
                        vol.Required("amount"): _amount,
                        vol.Optional("currency"): _currency,
                        vol.Optional("thresholds", default=list(DEFAULT_THRESHOLDS)): _thresholds,
                    },
                    _budget_device,
                )
            ],
            _unique_budget_names,
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
    allowed_hosts: list[str]


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
    plugin_packages: tuple[PluginPackage, ...] = ()
    plugin_index_url: str | None = None
    homeassistant: tuple[HomeAssistantInstance, ...] = ()
    budgets: tuple[Budget, ...] = ()
    tariff_files: tuple[Path, ...] = ()
    tariff_timezone: str | None = None
    # The options as given, before validation: what saved settings are layered over.
    options: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


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
    environ = os.environ if environ is None else environ
    raw = _merge(raw, from_environment(environ))
    return validate_options(_merge(raw, overrides or {}))


def validate_options(raw: Mapping[str, Any]) -> EngineConfig:
    """Validate RAW options (every source merged); an `OptionError` names the first bad one."""
    try:
        options = SCHEMA(dict(raw))
    except vol.MultipleInvalid as err:
        first = err.errors[0]
        raise OptionError(
            tuple(str(p) if not isinstance(p, int) else p for p in first.path), first.msg
        ) from err
    api, ingest, retention, rollup = (
        options["api"],
        options["ingest"],
        options["retention"],
        options["rollup"],
    )
    _check_ingest(ingest)
    max_gap = timedelta(minutes=rollup["max_gap_minutes"])
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
            max_gap=max_gap,
        ),
        plugins=tuple(_plugin_instance(p) for p in options["plugins"] if p["enabled"]),
        plugin_packages=tuple(
            PluginPackage(p["requirement"], p["sha256"]) for p in options["plugin_packages"]
        ),
        plugin_index_url=options.get("plugin_index_url"),
        homeassistant=tuple(
            _homeassistant_instance(index, h, heartbeat_for(max_gap))
            for index, h in enumerate(options.get("homeassistant", []))
        ),
        tariff_files=tuple(Path(path) for path in options.get("tariff_file", [])),
        tariff_timezone=options.get("tariff_timezone") or None,
        budgets=tuple(
            Budget(
                name=b["name"],
                scope=b["scope"],
                period=b["period"],
                amount=b["amount"],
                currency=b.get("currency", options["currency"]),
                device=b.get("device"),
                thresholds=b["thresholds"],
            )
            for b in options["budgets"]
        ),
        options=raw,
    )


def _check_ingest(ingest: Mapping[str, Any]) -> None:
    """Refuse a batch larger than the buffer it is taken from (the pipeline could not start)."""
    if ingest["batch_size"] > ingest["buffer_size"]:
        raise ConfigError(
            f"invalid option 'ingest.batch_size': {ingest['batch_size']} is more than "
            f"'ingest.buffer_size' ({ingest['buffer_size']}); lower the batch size or raise "
            "the buffer size"
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


def _homeassistant_instance(
    index: int, options: Mapping[str, Any], heartbeat: timedelta
) -> HomeAssistantInstance:
    token = options.get("token")
    if not token:
        raise OptionError(
            ("homeassistant", index, "token"),
            f"'token' is required for {options['name']}: create a long-lived access token in "
            "your Home Assistant profile",
        )
    return HomeAssistantInstance(
        name=options["name"],
        url=options["url"],
        token=token,
        include=tuple(options["include"]),
        exclude=tuple(options["exclude"]),
        energy_prefs=options["energy_prefs"],
        backfill_limit=timedelta(days=options["backfill_days"]),
        max_backoff=timedelta(seconds=options["reconnect_max_seconds"]),
        auth_retry=timedelta(minutes=options["auth_retry_minutes"]),
        heartbeat=heartbeat,
    )
