"""addon/compose.yaml, the image for Home Assistant Container users: its structure fits the image.

No Docker runs here, so the file is read, not run; the image tests run the same image without
the Supervisor's options file (tests/addon/image).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from aetherlens_engine.config import DEFAULT_PORT
from aetherlens_engine.supervisor.options import load_addon_config
from aetherlens_engine.supervisor.paths import ADDON_CONFIG, ADDON_DATA, AddonPaths

ADDON = Path(__file__).resolve().parents[2] / "addon"


@pytest.fixture
def engine() -> dict[str, Any]:
    compose = yaml.safe_load((ADDON / "compose.yaml").read_text())
    assert list(compose["services"]) == ["engine"]
    service: dict[str, Any] = compose["services"]["engine"]
    assert set(compose["volumes"]) == {
        v.split(":")[0] for v in service["volumes"] if not v.startswith(".")
    }
    return service


def test_it_builds_the_addons_dockerfile(engine: dict[str, Any]) -> None:
    context = ADDON / engine["build"]["context"]
    assert (context / "Dockerfile").samefile(ADDON / "Dockerfile")
    assert "args" not in engine["build"]  # the Dockerfile's defaults: the real base, Timescale


def test_volumes_and_port_are_the_images(engine: dict[str, Any]) -> None:
    targets = {volume.split(":")[1] for volume in engine["volumes"]}
    assert targets == {str(ADDON_DATA), str(ADDON_CONFIG)}
    assert [p.split(":")[1] for p in engine["ports"]] == [str(DEFAULT_PORT)]


def test_it_stops_within_the_addons_timeout_and_restarts(engine: dict[str, Any]) -> None:
    timeout = yaml.safe_load((ADDON / "config.yaml").read_text())["timeout"]
    grace = re.fullmatch(r"(\d+)m", engine["stop_grace_period"])
    assert grace is not None
    assert int(grace[1]) * 60 >= timeout
    assert engine["restart"] == "unless-stopped"


def test_its_environment_configures_the_engine(engine: dict[str, Any], tmp_path: Path) -> None:
    environment = {key: str(value) for key, value in engine["environment"].items()}
    config = load_addon_config(AddonPaths(tmp_path / "data", tmp_path / "config"), environment)
    assert config.currency == environment["AETHERLENS_CURRENCY"]
    assert config.timezone.key == environment["TZ"]
