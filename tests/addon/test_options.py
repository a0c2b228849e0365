"""The add-on's options (options.json) become the engine's configuration."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.config import DEFAULT_PORT, EngineConfig
from aetherlens_engine.database import DATABASE_NAME, MANAGED_PORT
from aetherlens_engine.errors import ConfigError
from aetherlens_engine.plugins import aws, azure
from aetherlens_engine.plugins.packages import PluginPackage
from aetherlens_engine.supervisor import __main__ as addon_main
from aetherlens_engine.supervisor.options import (
    SUPERVISOR_HOME_ASSISTANT_URL,
    engine_options,
    load_addon_config,
)
from aetherlens_engine.supervisor.paths import AddonPaths

CONFIG_YAML = Path(__file__).resolve().parents[2] / "addon" / "config.yaml"
ADDON = yaml.safe_load(CONFIG_YAML.read_text())
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
# A value other than the default for every option of the add-on's schema.
CHANGED: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "currency": "USD",
    "log_level": "debug",
    "retention_raw_days": 30,
    "retention_hourly_days": 100,
    "retention_daily_days": 1000,
    "aws_enabled": True,
    "aws_account_name": "Personal AWS",
    "aws_access_key_id": "AKIAEXAMPLE",
    "aws_secret_access_key": "aws-secret",
    "aws_metric": "AmortizedCost",
    "aws_poll_interval_hours": 2,
    "azure_enabled": True,
    "azure_subscription_ids": [SUBSCRIPTION],
    "azure_tenant_id": "tenant",
    "azure_client_id": "client",
    "azure_client_secret": "azure-secret",
    "azure_cost_type": "AmortizedCost",
    "azure_poll_interval_hours": 6,
    "tariff_file": "tariff.yaml, gas.yaml",
    "tariff_timezone": "America/Los_Angeles",
    "homeassistant_include": ["sensor.*_power"],
    "homeassistant_exclude": ["sensor.garage_power"],
    "plugin_packages": [{"requirement": "ai-api-costs==0.1.0", "sha256": "ab" * 32}],
    "plugin_index_url": "http://127.0.0.1:8080/simple",
    "budgets": [
        {"name": "Power", "scope": "household", "period": "month", "amount": 120.5},
        {
            "name": "Cloud",
            "scope": "cloud_account",
            "device": "Personal AWS",
            "period": "day",
            "amount": 2,
            "currency": "EUR",
        },
    ],
}


def _load(
    tmp_path: Path, options: dict[str, Any], environ: dict[str, str] | None = None
) -> EngineConfig:
    paths = AddonPaths(tmp_path / "data", tmp_path / "config")
    paths.data.mkdir(exist_ok=True)
    paths.options.write_text(json.dumps(options))
    # The Supervisor gives every add-on its token (the collector reads Home Assistant with it).
    return load_addon_config(paths, {"SUPERVISOR_TOKEN": "supervisor"} | (environ or {}))


def test_defaults_give_a_working_engine_config(tmp_path: Path) -> None:
    config = _load(tmp_path, ADDON["options"], {"TZ": "Europe/Vienna"})
    assert config.data_dir == tmp_path / "data"
    assert config.database_url == (
        f"postgresql://postgres@/{DATABASE_NAME}"
        f"?host={tmp_path / 'data' / 'postgresql' / 'run'}&port={MANAGED_PORT}"
    )
    assert config.timezone == ZoneInfo("Europe/Vienna")  # the host's zone by default
    assert (config.api.host, config.api.port) == ("0.0.0.0", DEFAULT_PORT)  # noqa: S104
    assert config.currency == "EUR"
    assert config.log_level == "info"
    assert (config.retention.readings_days, config.retention.hourly_days) == (90, 365)
    assert config.retention.daily_days == 1826
    assert config.plugins == ()
    assert config.budgets == ()
    [home] = config.homeassistant  # its own Home Assistant, the Energy dashboard's entities
    assert (home.include, home.exclude) == ((), ())


def test_without_options_json_the_engine_takes_its_defaults(tmp_path: Path) -> None:
    # The image run by docker compose: no Supervisor, no options.json, the environment instead.
    paths = AddonPaths(tmp_path / "data", tmp_path / "config")
    config = load_addon_config(paths, {"TZ": "Europe/Vienna", "AETHERLENS_CURRENCY": "CHF"})
    assert config.currency == "CHF"
    assert config.timezone == ZoneInfo("Europe/Vienna")
    assert (config.api.host, config.api.port) == ("0.0.0.0", DEFAULT_PORT)  # noqa: S104
    assert not config.homeassistant  # no Supervisor: the user names a Home Assistant
    assert not config.plugins


def test_database_url_is_the_clusters_socket(tmp_path: Path) -> None:
    paths = AddonPaths(tmp_path)
    cluster = ManagedCluster(paths.cluster_dir, port=MANAGED_PORT, listen_addresses="")
    assert paths.database_url == cluster.dsn(DATABASE_NAME)


def test_without_tz_the_zone_is_utc(tmp_path: Path) -> None:
    assert _load(tmp_path, ADDON["options"]).timezone == ZoneInfo("UTC")


def test_every_option_reaches_the_engine(tmp_path: Path) -> None:
    assert set(CHANGED) == set(ADDON["schema"])
    base = _load(tmp_path, ADDON["options"])
    for key, value in CHANGED.items():
        options = ADDON["options"] | {key: value}
        if key.startswith(("aws_", "azure_")) and not key.endswith("_enabled"):
            options[f"{key.split('_')[0]}_enabled"] = True
            base_options = ADDON["options"] | {f"{key.split('_')[0]}_enabled": True}
            if key.startswith("azure_"):
                options.setdefault("azure_subscription_ids", [SUBSCRIPTION])
                base_options["azure_subscription_ids"] = [SUBSCRIPTION]
                if key == "azure_subscription_ids":
                    options[key] = [SUBSCRIPTION, "00000000-0000-0000-0000-000000000002"]
            reference = _load(tmp_path, base_options)
        else:
            reference = base
        assert _load(tmp_path, options) != reference, key


def test_all_options_map_onto_the_engine_and_its_plugins(tmp_path: Path) -> None:
    config = _load(tmp_path, ADDON["options"] | CHANGED)
    assert config.timezone == ZoneInfo("Europe/Berlin")
    assert (config.currency, config.log_level) == ("USD", "debug")
    assert (config.retention.readings_days, config.retention.hourly_days) == (30, 100)
    aws_instance, azure_instance = config.plugins
    assert (aws_instance.name, aws_instance.plugin) == ("aws", "aws_cost_explorer")
    assert aws_instance.poll_interval == timedelta(hours=2)
    assert aws_instance.config == {
        "account_name": "Personal AWS",
        "access_key_id": "AKIAEXAMPLE",
        "secret_access_key": "aws-secret",
        "metric": "AmortizedCost",
    }
    assert (azure_instance.name, azure_instance.plugin) == ("azure", "azure_cost_management")
    assert azure_instance.poll_interval == timedelta(hours=6)
    assert azure_instance.config == {
        "tenant_id": "tenant",
        "client_id": "client",
        "client_secret": "azure-secret",
        "cost_type": "AmortizedCost",
        "subscriptions": [{"id": SUBSCRIPTION}],
    }
    # Each plugin accepts what the add-on gives it.
    aws.SCHEMA(dict(aws_instance.config))
    azure.SCHEMA(dict(azure_instance.config))
    # The tariff files are read from the add-on's configuration folder.
    folder = tmp_path / "config"
    assert config.tariff_files == (folder / "tariff.yaml", folder / "gas.yaml")
    assert config.tariff_timezone == "America/Los_Angeles"
    [home] = config.homeassistant
    assert (home.include, home.exclude) == (("sensor.*_power",), ("sensor.garage_power",))
    power, cloud = config.budgets
    assert (power.amount, power.currency, power.device) == (Decimal("120.5"), "USD", None)
    assert (cloud.scope, cloud.device, cloud.currency) == ("cloud_account", "Personal AWS", "EUR")
    assert config.plugin_packages == (PluginPackage("ai-api-costs==0.1.0", "ab" * 32),)
    assert config.plugin_index_url == "http://127.0.0.1:8080/simple"


def test_empty_optional_fields_are_left_out(tmp_path: Path) -> None:
    options = ADDON["options"] | {"aws_enabled": True, "aws_access_key_id": "", "timezone": ""}
    config = _load(tmp_path, options)
    assert config.plugins[0].config == {}
    assert config.timezone == ZoneInfo("UTC")


def test_an_invalid_option_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="timezone"):
        _load(tmp_path, ADDON["options"] | {"timezone": "Mars/Olympus"})


def test_engine_yaml_adds_the_options_the_page_lacks(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "engine.yaml").write_text(
        yaml.safe_dump(
            {
                "currency": "GBP",
                "api": {"rate_limit_per_second": 5, "port": 9999},
                "plugins": [
                    {"name": "work-aws", "plugin": "aws_cost_explorer", "config": {"profile": "w"}}
                ],
            }
        )
    )
    config = _load(tmp_path, ADDON["options"] | {"aws_enabled": True})
    assert config.api.rate_limit_per_second == 5.0
    assert config.api.port == DEFAULT_PORT  # the ingress port stays
    assert config.currency == "EUR"  # the page wins
    assert [p.name for p in config.plugins] == ["work-aws", "aws"]


def test_its_own_home_assistant_is_reached_through_the_supervisor(tmp_path: Path) -> None:
    """An instance naming no url is the add-on's own HA; the add-on's token goes nowhere else."""
    [home] = _load(tmp_path, ADDON["options"]).homeassistant
    assert (home.url, home.token) == (SUPERVISOR_HOME_ASSISTANT_URL, "supervisor")
    other = {"name": "cabin", "url": "ws://cabin.local:8123/api/websocket"}
    (tmp_path / "config").mkdir()
    engine_yaml = tmp_path / "config" / "engine.yaml"
    instances = [{"name": "own", "include": ["sensor.a"]}, other | {"token": "cabin-token"}]
    engine_yaml.write_text(yaml.safe_dump({"homeassistant": instances}))
    own, cabin = _load(tmp_path, ADDON["options"]).homeassistant
    assert (own.url, own.token, own.include) == (
        SUPERVISOR_HOME_ASSISTANT_URL,
        "supervisor",
        ("sensor.a",),
    )
    assert (cabin.url, cabin.token) == (other["url"], "cabin-token")
    engine_yaml.write_text(yaml.safe_dump({"homeassistant": [other]}))
    with pytest.raises(ConfigError, match="'token' is required"):
        _load(tmp_path, ADDON["options"])


def test_mapping_keeps_the_users_secrets_out_of_other_keys(tmp_path: Path) -> None:
    mapped = engine_options(ADDON["options"] | CHANGED, {}, AddonPaths(tmp_path))
    text = json.dumps({k: v for k, v in mapped.items() if k != "plugins"})
    assert "aws-secret" not in text
    assert "azure-secret" not in text


def test_the_addons_entry_point_reads_its_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One way into add-on mode: `python -m aetherlens_engine.supervisor engine`.
    options = tmp_path / "options.json"
    options.write_text(json.dumps(ADDON["options"] | {"retention_raw_days": 0}))
    assert addon_main.main(["--data", str(tmp_path), "engine"]) == addon_main.EXIT_CONFIG_ERROR
    assert "invalid option 'retention.raw_days'" in capsys.readouterr().err
