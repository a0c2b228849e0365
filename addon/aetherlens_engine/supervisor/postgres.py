"""Run the add-on's PostgreSQL in the foreground, as the `postgres` s6 service.

s6 supervises the server process itself: this replaces the Python process by `postgres`, after
dropping to the `postgres` account when started as root, with the settings the standalone engine
gives `pg_ctl` (socket only, TimescaleDB preloaded when installed).
"""

from __future__ import annotations

import os

from aetherlens_engine.cluster import ManagedCluster, ServerUser


def server_settings(cluster: ManagedCluster) -> dict[str, str]:
    """Return the server's settings for CLUSTER (as `ManagedCluster.start` passes them)."""
    settings = {
        "listen_addresses": cluster.listen_addresses,
        "port": str(cluster.port),
        "unix_socket_directories": str(cluster.socket_dir),
    }
    if cluster.timescaledb_available:
        settings |= {
            "shared_preload_libraries": "timescaledb",
            "timescaledb.telemetry_level": "off",
        }
    return settings | cluster.settings


def server_argv(cluster: ManagedCluster) -> list[str]:
    """Return the command line of the server in the foreground."""
    argv = [str(cluster.bindir / "postgres"), "-D", str(cluster.data_dir)]
    for key, value in server_settings(cluster).items():
        argv += ["-c", f"{key}={value}"]
    return argv


def exec_server(cluster: ManagedCluster) -> None:
    """Become the PostgreSQL server of CLUSTER (never returns)."""
    user = ServerUser.for_current_process()
    cluster.socket_dir.mkdir(mode=0o700, exist_ok=True)
    argv = server_argv(cluster)
    if user.switch:
        os.chown(cluster.socket_dir, user.uid, user.gid)
        os.setgroups([])
        os.setgid(user.gid)
        os.setuid(user.uid)
    os.execv(argv[0], argv)  # noqa: S606 - the server program, arguments of our own
