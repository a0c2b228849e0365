"""A PostgreSQL cluster owned by the engine: initdb, start, stop.

Used standalone and in tests. PostgreSQL refuses to run as root, so when the engine runs as root
(in the add-on container, in the development environment) the server runs as the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import ClusterError

SERVER_USER = "postgres"
DEBIAN_LAYOUT = Path("/usr/lib/postgresql")
# The server sized for a 2 GB Raspberry Pi that also runs Home Assistant (initdb's defaults
# assume a server of its own: 128 MB of shared buffers, a 4 GB cache, 100 connections, 1 GB of
# WAL). Engine + PostgreSQL stay under 256 MB of PSS (benchmarks/sustained.py, query.py):
# - shared_buffers 64 MB: every page a backend touches counts in its PSS; the hot data (this
#   week's readings, rollups, a cycle's costs) fits, the OS page cache holds the rest;
# - effective_cache_size 512 MB: what the OS can cache beside Home Assistant (planner only);
# - work_mem 4 MB, maintenance_work_mem 32 MB: per sort or hash, per maintenance job;
# - max_connections 25: the engine's pool (database.POOL_SIZE, 8), the add-on's backup and
#   start, an admin, headroom;
# - jit off: compiling a plan costs more time and memory than the engine's queries take;
# - no parallel workers: 2 to 4 shared cores gain little and each worker is a process;
# - max_wal_size 256 MB, min_wal_size 64 MB: bounded disk between checkpoints (SD cards);
# - wal_compression: less WAL written for the hourly upserts' full-page images;
# - timescaledb.max_background_workers 2: its scheduler and one job, not 16 processes;
# - idle_in_transaction_session_timeout 5 min: a client stuck inside a transaction (a killed
#   script, a hung admin session) would hold its locks and keep autovacuum from old rows.
# No statement_timeout: a recompute slice or the first compaction after an upgrade may run for
# minutes; the API bounds its own statements (api/limits.py database_timeout: asyncpg cancels
# the statement on the server when the request gives up).
# synchronous_commit stays on: an acknowledged reading is a committed one.
SMALL_HOST_SETTINGS = {
    "shared_buffers": "64MB",
    "effective_cache_size": "512MB",
    "work_mem": "4MB",
    "maintenance_work_mem": "32MB",
    "max_connections": "25",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "max_parallel_maintenance_workers": "0",
    "max_wal_size": "256MB",
    "min_wal_size": "64MB",
    "wal_compression": "pglz",  # built into every server (lz4 and zstd are build options)
    "autovacuum_max_workers": "2",
    "idle_in_transaction_session_timeout": "5min",
}
TIMESCALEDB_SETTINGS = {"timescaledb.max_background_workers": "2", "max_worker_processes": "6"}


def server_settings(*, timescaledb: bool) -> dict[str, str]:
    """Return the settings of the engine's cluster (the managed one and the add-on's)."""
    return SMALL_HOST_SETTINGS | (TIMESCALEDB_SETTINGS if timescaledb else {})


def postgresql_conf(settings: dict[str, str]) -> str:
    """Return SETTINGS as postgresql.conf lines (for a server started by other means)."""
    quoted = (value.replace("'", "''") for value in settings.values())
    return "".join(f"{key} = '{value}'\n" for key, value in zip(settings, quoted, strict=True))


def find_bindir() -> Path:
    """Return the directory of initdb and pg_ctl: PATH first, then Debian's versioned layout."""
    if found := shutil.which("initdb"):
        return Path(found).parent
    versions = sorted(
        (p for p in DEBIAN_LAYOUT.glob("*/bin/initdb") if p.parent.parent.name.isdigit()),
        key=lambda p: int(p.parent.parent.name),
    )
    if not versions:
        raise ClusterError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    return versions[-1].parent


@dataclass(frozen=True, slots=True)
class ServerUser:
    """The account the server runs as."""

    uid: int
    gid: int
    switch: bool

    @classmethod
    def for_current_process(cls) -> ServerUser:
        """Return the current user, or the `postgres` account when running as root."""
        if os.geteuid() != 0:
            return cls(os.geteuid(), os.getegid(), switch=False)
        try:
            entry = pwd.getpwnam(SERVER_USER)
        except KeyError as err:
            raise ClusterError(
                f"running as root needs a '{SERVER_USER}' system user to run PostgreSQL"
            ) from err
        return cls(entry.pw_uid, entry.pw_gid, switch=True)


class ManagedCluster:
    """A PostgreSQL cluster in a data directory, on a Unix socket and (by default) 127.0.0.1."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int,
        listen_addresses: str = "127.0.0.1",
        bindir: Path | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        """Describe the cluster; nothing is touched until `ensure_initialized` or `start`."""
        self.data_dir = data_dir
        self.socket_dir = data_dir / "run"
        self.port = port
        self.listen_addresses = listen_addresses
        self.bindir = bindir or find_bindir()
        self.settings = settings or {}
        self._user = ServerUser.for_current_process()

    @property
    def server_major(self) -> int:
        """Return the major version of the installed server programs."""
        out = self._run("pg_ctl", "--version")
        return int(out.split()[-1].split(".")[0])

    @property
    def timescaledb_available(self) -> bool:
        """Return whether the TimescaleDB extension is installed for this server."""
        # Debian keeps extensions per major version; other builds beside the programs.
        candidates = (
            Path("/usr/share/postgresql", str(self.server_major)),
            self.bindir.parent / "share" / "postgresql",
            self.bindir.parent / "share",
        )
        return any((d / "extension" / "timescaledb.control").exists() for d in candidates)

    def dsn(self, database: str = "postgres", *, tcp: bool = False) -> str:
        """Return a connection string over the Unix socket, or TCP on the listen address."""
        if tcp:
            host = self.listen_addresses.split(",")[0].strip()
            return f"postgresql://postgres@{host}:{self.port}/{database}"
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def ensure_initialized(self) -> bool:
        """Create the cluster unless one exists; return True when it was created.

        An existing cluster of another major version is reported, never re-initialised.
        """
        version_file = self.data_dir / "PG_VERSION"
        if version_file.exists():
            found = int(version_file.read_text().strip().split(".")[0])
            if found != self.server_major:
                raise ClusterError(
                    f"the database in {self.data_dir} was created by PostgreSQL {found}, but "
                    f"PostgreSQL {self.server_major} is installed: upgrade it with pg_upgrade or "
                    "restore a backup into a new data directory (the old one is left untouched)"
                )
            return False
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise ClusterError(f"{self.data_dir} is not empty but holds no PostgreSQL cluster")
        self._prepare_dir(self.data_dir)
        self._run(
            "initdb",
            f"--pgdata={self.data_dir}",
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        return True

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._prepare_dir(self.socket_dir)
        options = {
            "listen_addresses": self.listen_addresses,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
        }
        if self.timescaledb_available:
            options |= {
                "shared_preload_libraries": "timescaledb",
                "timescaledb.telemetry_level": "off",
            }
        options |= self.settings
        self._run(
            "pg_ctl",
            "start",
            "--wait",
            "--timeout=60",
            f"--pgdata={self.data_dir}",
            f"--log={self.data_dir / 'server.log'}",
            "-o",
            " ".join(f"-c {key}={shlex.quote(value)}" for key, value in options.items()),
        )

    def is_running(self) -> bool:
        """Return whether a server runs on the data directory (left by a crashed engine)."""
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        try:
            self._run("pg_ctl", "status", f"--pgdata={self.data_dir}")
        except ClusterError:
            return False
        return True

    def stop(self) -> None:
        """Stop the server (fast shutdown: open transactions roll back, data is flushed)."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "--wait", "--mode=fast", f"--pgdata={self.data_dir}")

    def _prepare_dir(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if self._user.switch:
            os.chown(path, self._user.uid, self._user.gid)
        path.chmod(0o700)

    def _run(self, program: str, *args: str) -> str:
        switch = self._user.switch
        try:
            result = subprocess.run(  # noqa: S603 - fixed programs, arguments of our own
                [str(self.bindir / program), *args],
                capture_output=True,
                text=True,
                check=True,
                user=self._user.uid if switch else None,
                group=self._user.gid if switch else None,
                extra_groups=[] if switch else None,
                cwd="/",
            )
        except subprocess.CalledProcessError as err:
            detail = (err.stderr or err.stdout or "").strip().splitlines()[-3:]
            raise ClusterError(f"{program} {args[0]} failed: {' '.join(detail)}") from err
        except OSError as err:
            raise ClusterError(f"cannot run {program}: {err}") from err
        return result.stdout
