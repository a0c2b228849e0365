"""Fixtures of the image tests: the built image, a container of it, the Supervisor's parts."""

from __future__ import annotations

import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.addon.fake_supervisor import SUPERVISOR_TOKEN
from tests.addon.ports import free_port

from .container import AddonContainer, image_name

CONFIG = Path(__file__).resolve().parents[3] / "addon" / "config.yaml"


def default_options() -> dict[str, Any]:
    """Return the options the Supervisor writes before the user changes any: config.yaml's."""
    options: dict[str, Any] = yaml.safe_load(CONFIG.read_text())["options"]
    return options


@pytest.fixture(scope="session")
def image() -> str:
    """Return the image under test (built by scripts/addon-image)."""
    return image_name()


@pytest.fixture
def api_port() -> int:
    """Return a free port for the engine's API (the container shares the host's network)."""
    return free_port()


@pytest.fixture
def addon_root() -> Iterator[Path]:
    """Return a host directory for the add-on's volumes (/data, /config)."""
    root = Path(tempfile.mkdtemp(prefix="aetherlens-image-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def make_container(image: str, root: Path, port: int, supervisor_url: str) -> AddonContainer:
    """Return a created container with the environment the Supervisor gives the add-on."""
    container = AddonContainer(
        image,
        root,
        {
            "SUPERVISOR_TOKEN": SUPERVISOR_TOKEN,
            "AETHERLENS_SUPERVISOR_URL": supervisor_url,
            "AETHERLENS_API_PORT": str(port),
            "TZ": "Europe/Berlin",
        },
    )
    container.create()
    container.write_options(default_options())
    return container


@pytest.fixture
def containers() -> Iterator[list[AddonContainer]]:
    """Collect the test's containers; kill what still runs and remove them at the end."""
    made: list[AddonContainer] = []
    try:
        yield made
    finally:
        for container in made:
            for service in container.services:
                if service.running():
                    service.send(signal.SIGKILL)
                    service.wait()
            container.remove()
