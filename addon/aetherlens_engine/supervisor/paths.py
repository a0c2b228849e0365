"""Where the add-on keeps its state inside the container's `/data` volume."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aetherlens_engine.cluster import ManagedCluster, server_settings
from aetherlens_engine.database import DATABASE_NAME, MANAGED_PORT

ADDON_DATA = Path("/data")
# The add-on's `addon_config` folder (Home Assistant's /addon_configs/<slug>), for the user's files.
ADDON_CONFIG = Path("/config")
ADVANCED_FILE_NAME = "engine.yaml"


@dataclass(frozen=True, slots=True)
class AddonPaths:
    """The add-on's files: its private data, and the configuration folder the user can edit."""

    data: Path = ADDON_DATA
    config_dir: Path = ADDON_CONFIG

    @property
    def advanced_options(self) -> Path:
        """Return the optional file of engine options the configuration page does not show."""
        return self.config_dir / ADVANCED_FILE_NAME

    @property
    def options(self) -> Path:
        """Return the options the Supervisor writes from the add-on's configuration page."""
        return self.data / "options.json"

    @property
    def cluster_dir(self) -> Path:
        """Return the PostgreSQL data directory (the standalone engine's layout)."""
        return self.data / "postgresql"

    @property
    def backup_dir(self) -> Path:
        """Return the directory of the dump that a Home Assistant backup includes."""
        return self.data / "backup"

    @property
    def dump_file(self) -> Path:
        """Return the database dump made before a backup and loaded after a restore."""
        return self.backup_dir / f"{DATABASE_NAME}.dump"

    @property
    def database_url(self) -> str:
        """Return the engine's connection string: the cluster's Unix socket, no TCP."""
        # What ManagedCluster.dsn gives, without looking up the server programs.
        socket_dir = self.cluster_dir / "run"
        return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}&port={MANAGED_PORT}"

    def cluster(self) -> ManagedCluster:
        """Return the add-on's cluster: Unix socket only, in `cluster_dir`, Pi-sized.

        The settings are the engine's own cluster's (`cluster.server_settings`, for a 2 GB Pi).
        """
        cluster = ManagedCluster(self.cluster_dir, port=MANAGED_PORT, listen_addresses="")
        cluster.settings = server_settings(timescaledb=cluster.timescaledb_available)
        return cluster
