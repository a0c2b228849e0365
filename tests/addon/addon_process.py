"""Run the add-on's commands and service scripts as the container would: separate processes.

They talk to PostgreSQL over its Unix socket, which Home Assistant's test plugin refuses inside
the test process; the tests look at the results over TCP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg

from aetherlens_engine.cluster import ManagedCluster, find_bindir
from aetherlens_engine.database import DATABASE_NAME, MANAGED_PORT
from aetherlens_engine.supervisor.paths import AddonPaths
from tests.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
ROOTFS = ROOT / "addon" / "rootfs"
S6 = ROOTFS / "etc" / "s6-overlay"
STARTUP_TIMEOUT = 60.0


def addon_environment(paths: AddonPaths, **extra: str) -> dict[str, str]:
    """Return the environment of the container, with the add-on's data at PATHS."""
    path = (
        f"{Path(sys.executable).parent}:{find_bindir()}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    )
    return {
        "PATH": path,
        "PYTHONPATH": str(ROOT / "addon"),
        "AETHERLENS_ADDON_DATA": str(paths.data),
        "AETHERLENS_S6_SCRIPTS": str(S6 / "scripts"),
        **extra,
    }


def run_addon(paths: AddonPaths, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python3 -m aetherlens_engine.supervisor --data DATA ARGS` to its end."""
    return subprocess.run(
        [sys.executable, "-m", "aetherlens_engine.supervisor", "--data", str(paths.data), *args],
        env=addon_environment(paths),
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )


def log_messages(stderr: str) -> list[str]:
    """Return the messages of the engine's JSON log lines in STDERR."""
    messages = []
    for line in stderr.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, Mapping) and "message" in record:
            messages.append(str(record["message"]))
    return messages


def tcp_cluster(paths: AddonPaths) -> ManagedCluster:
    """Return the add-on's cluster also listening on 127.0.0.1 (for the test's own queries)."""
    return ManagedCluster(paths.cluster_dir, port=free_port(), listen_addresses="127.0.0.1")


@asynccontextmanager
async def running_database(paths: AddonPaths) -> AsyncIterator[asyncpg.Connection]:
    """Start the add-on's cluster and connect to the engine's database over TCP."""
    cluster = tcp_cluster(paths)
    await asyncio.to_thread(cluster.start)
    try:
        conn = await asyncpg.connect(cluster.dsn(DATABASE_NAME, tcp=True))
        try:
            yield conn
        finally:
            await conn.close()
    finally:
        await asyncio.to_thread(cluster.stop)


@contextmanager
def postgres_service(paths: AddonPaths) -> Iterator[subprocess.Popen[str]]:
    """Run the `postgres` s6 service's run script until the context ends, then stop it as s6 does.

    Ready when `pg_isready` answers on the add-on's socket; stopped with the service's
    down-signal, SIGINT (a fast shutdown).
    """
    run = S6 / "s6-rc.d" / "postgres" / "run"
    server = subprocess.Popen(
        ["/bin/sh", str(run)],
        env=addon_environment(paths),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_ready(paths, server)
        yield server
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
        if server.stderr is not None:
            server.stderr.close()


def _wait_until_ready(paths: AddonPaths, server: subprocess.Popen[str]) -> None:
    isready = [str(find_bindir() / "pg_isready"), "-q", "-h", str(paths.cluster_dir / "run")]
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while subprocess.run([*isready, "-p", str(MANAGED_PORT)], check=False).returncode != 0:
        if server.poll() is not None:
            raise RuntimeError(
                f"PostgreSQL exited: {server.stderr.read() if server.stderr else ''}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL did not become ready")
        time.sleep(0.1)
