"""Configuration from files, the environment and flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aetherlens_engine.config import load_config
from aetherlens_engine.errors import ConfigError


def test_defaults(tmp_path: Path) -> None:
    """With nothing set, the engine runs a managed cluster in the default data dir."""
    config = load_config(environ={"XDG_DATA_HOME": str(tmp_path)})
    assert config.database_url is None
    assert config.api.port == 8787
    assert config.api.host == "127.0.0.1"
    assert config.ingest.buffer_size == 10_000
    assert config.ingest.batch_size == 1_000
    assert config.retention.readings_days == 90
    assert config.retention.hourly_days == 365
    assert config.retention.daily_days == 1826
    assert str(config.timezone) == "UTC"


def test_addon_options_json(tmp_path: Path) -> None:
    """The add-on's options.json is read with nested options."""
    options = tmp_path / "options.json"
    options.write_text(
        json.dumps(
            {
                "timezone": "Europe/Berlin",
                "currency": "EUR",
                "api": {"port": 9000},
                "retention": {"raw_days": 30},
            }
        )
    )
    config = load_config(file=options, environ={})
    assert str(config.timezone) == "Europe/Berlin"
    assert config.api.port == 9000
    assert config.retention.readings_days == 30
    assert config.retention.daily_days == 1826


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("engine.yaml", "currency: USD\napi:\n  port: 9100\n"),
        ("engine.toml", 'currency = "USD"\n[api]\nport = 9100\n'),
    ],
)
def test_yaml_and_toml(tmp_path: Path, name: str, text: str) -> None:
    """Standalone engines read YAML or TOML."""
    path = tmp_path / name
    path.write_text(text)
    config = load_config(file=path, environ={})
    assert config.currency == "USD"
    assert config.api.port == 9100


def test_precedence(tmp_path: Path) -> None:
    """Flags beat the environment, which beats the file."""
    path = tmp_path / "engine.yaml"
    path.write_text("api:\n  port: 9100\ncurrency: USD\ntimezone: Europe/Paris\n")
    environ = {"AETHERLENS_API_PORT": "9200", "AETHERLENS_CURRENCY": "GBP"}
    config = load_config(file=path, environ=environ, overrides={"currency": "CHF"})
    assert config.api.port == 9200
    assert config.currency == "CHF"
    assert str(config.timezone) == "Europe/Paris"


def test_allowed_hosts_from_a_file_or_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "engine.yaml"
    path.write_text("api:\n  allowed_hosts: [engine.lan, Engine.Example]\n")
    assert load_config(file=path, environ={}).api.allowed_hosts == ["engine.lan", "Engine.Example"]
    environ = {"AETHERLENS_API_ALLOWED_HOSTS": "a.lan, b.lan,"}
    assert load_config(environ=environ).api.allowed_hosts == ["a.lan", "b.lan"]
    assert load_config(environ={}).api.allowed_hosts == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api": {"port": 70000}}, "'api.port'"),
        ({"api": {"port": "eighty"}}, "'api.port'"),
        ({"timezone": "Mars/Olympus"}, "'timezone': unknown time zone"),
        ({"timezone": "Mars" * 100}, "'timezone': unknown time zone"),  # too long for a file
        ({"currency": "euro"}, "'currency'"),
        ({"retention": {"raw_days": 0}}, "'retention.raw_days'"),
        ({"retention": {"daily_days": 36_526}}, "'retention.daily_days': value must be at most"),
        ({"database_url": "mysql://x"}, "'database_url': expected a postgresql:// URL"),
        ({"colour": "blue"}, "'colour': not a valid option"),
        (
            {"ingest": {"batch_size": 5000, "buffer_size": 1000}},
            r"'ingest.batch_size': 5000 is more than 'ingest.buffer_size' \(1000\)",
        ),
        ({"ingest": {"batch_size": 20_000}}, r"'ingest.buffer_size' \(10000\)"),
    ],
)
def test_bad_options_name_the_option(
    tmp_path: Path, options: dict[str, object], message: str
) -> None:
    """An invalid option is reported by its path."""
    path = tmp_path / "options.json"
    path.write_text(json.dumps(options))
    with pytest.raises(ConfigError, match=message):
        load_config(file=path, environ={})


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("options.json", "{not json", "not valid JSON"),
        ("engine.yaml", "a: [", "not valid YAML"),
        ("engine.toml", "a = ", "not valid TOML"),
        ("engine.ini", "[a]", "use a .json, .yaml or .toml"),
        ("engine.yaml", "- a\n- b\n", "must be a mapping"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    """Broken files are reported, not half-read."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(file=path, environ={})


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is an error, not silently the defaults."""
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(file=tmp_path / "nope.yaml", environ={})
