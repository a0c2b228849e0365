"""The tariff options: the tariff files loaded at start, and the zone of a URDB file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aetherlens_engine.config import load_config
from aetherlens_engine.errors import ConfigError


def test_no_tariff_file_by_default(tmp_path: Path) -> None:
    config = load_config(environ={"XDG_DATA_HOME": str(tmp_path)})
    assert config.tariff_files == ()
    assert config.tariff_timezone is None


def test_tariff_file_from_the_addon_options(tmp_path: Path) -> None:
    options = tmp_path / "options.json"
    options.write_text(
        json.dumps({"tariff_file": "/config/tariff.json", "tariff_timezone": "America/Denver"})
    )
    config = load_config(file=options, environ={})
    assert config.tariff_files == (Path("/config/tariff.json"),)
    assert config.tariff_timezone == "America/Denver"


def test_empty_options_mean_no_tariff_file(tmp_path: Path) -> None:
    """The add-on's options form writes unset text options as ""."""
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"tariff_file": "", "tariff_timezone": ""}))
    config = load_config(file=options, environ={})
    assert config.tariff_files == ()
    assert config.tariff_timezone is None


def test_tariff_file_from_the_environment() -> None:
    config = load_config(environ={"AETHERLENS_TARIFF_FILE": "/data/tariff.yaml, /data/gas.yaml"})
    assert config.tariff_files == (Path("/data/tariff.yaml"), Path("/data/gas.yaml"))


def test_tariff_files_as_a_list(tmp_path: Path) -> None:
    options = tmp_path / "engine.json"
    options.write_text(json.dumps({"tariff_file": ["tariff.yaml", "gas.yaml", "water.yaml"]}))
    config = load_config(file=options, environ={})
    assert config.tariff_files == (Path("tariff.yaml"), Path("gas.yaml"), Path("water.yaml"))


@pytest.mark.parametrize("value", [3, ["tariff.yaml", ""], {"path": "tariff.yaml"}])
def test_a_tariff_file_that_is_no_path_is_reported_by_its_option(value: object) -> None:
    with pytest.raises(ConfigError, match="'tariff_file'"):
        load_config(environ={}, overrides={"tariff_file": value})


def test_unknown_tariff_timezone_is_reported_by_its_option() -> None:
    with pytest.raises(ConfigError, match="'tariff_timezone'"):
        load_config(environ={}, overrides={"tariff_timezone": "Mars/Olympus"})
