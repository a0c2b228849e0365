"""Add-on tests run real PostgreSQL clusters and real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from aetherlens_engine.supervisor.paths import AddonPaths

# The tests of the built image run on the host, where buildah is: scripts/addon-image test.
collect_ignore = ["image"]


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """Home Assistant's test plugin blocks sockets in every test; these need them."""


@pytest.fixture
def addon_paths() -> Iterator[AddonPaths]:
    """Return an empty add-on data directory that the `postgres` account can enter."""
    root = Path(tempfile.mkdtemp(prefix="aetherlens-addon-"))
    root.chmod(0o711)  # PostgreSQL runs as `postgres` when the tests run as root
    paths = AddonPaths(root / "data", root / "config")
    paths.data.mkdir(mode=0o711)
    paths.config_dir.mkdir()
    try:
        yield paths
    finally:
        cluster = paths.cluster()
        if cluster.is_running():
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
