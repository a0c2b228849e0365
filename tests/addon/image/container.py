"""The built add-on image, run as the Supervisor and s6-overlay run it, with buildah.

No Docker engine and no s6-overlay exist here (the stand-in base lacks s6: see
scripts/addon-image), so this plays both parts with the image's own files: the Supervisor's
(`/data` and `/config` volumes, `SUPERVISOR_TOKEN`, the add-on's host name, the options file,
the backup hooks run inside the container) and s6-rc's (the `init-aetherlens` oneshot, then the
`postgres` and `engine` longruns from their `run` scripts, stopped with their down-signals, a
`finish` script run with s6's arguments when a service ends). Everything a service does runs in
the image: its Python, PostgreSQL, TimescaleDB and the engine. `buildah run` kills its command
instead of passing signals on; chroot isolation keeps the host's PID namespace, so a signal goes
to the service's own process, the one s6-supervise would signal.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from aetherlens_engine.database import MANAGED_PORT

from . import netclient

IMAGE_VARIABLE = "AETHERLENS_ADDON_IMAGE"
SCRIPT_VARIABLE = "AETHERLENS_ADDON_IMAGE_SCRIPT"
S6 = "/etc/s6-overlay"
# The Supervisor's name for the add-on's container on its network (and its host name).
HOSTNAME = "a0d7b954-aetherlens-engine"
# iproute2, for the network namespaces of the ingress test.
IP = shutil.which("ip") or "/usr/sbin/ip"
READY_TIMEOUT = 180.0
STOP_TIMEOUT = 120.0  # the add-on's `timeout` in config.yaml


def image_name() -> str:
    """Return the image scripts/addon-image built (it runs these tests)."""
    name = os.environ.get(IMAGE_VARIABLE)
    if not name:
        raise RuntimeError(f"run the image tests with scripts/addon-image test ({IMAGE_VARIABLE})")
    return name


def buildah(*args: str, timeout: float = 300.0) -> str:
    """Run buildah on scripts/addon-image's store; return its output."""
    result = subprocess.run(
        [os.environ[SCRIPT_VARIABLE], "buildah", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"buildah {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def image_config(image: str) -> dict[str, Any]:
    """Return the image's Docker configuration (Env, Healthcheck, Entrypoint, Labels)."""
    config: dict[str, Any] = json.loads(buildah("inspect", "--type", "image", image))["Docker"][
        "config"
    ]
    return config


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def _argv0(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()


def command_process(runner: int) -> int | None:
    """Return the pid of the command a `buildah run` process (RUNNER) started, once it runs."""
    pending = [runner]
    try:
        while pending:
            pid = pending.pop()
            if _argv0(pid).endswith("buildah-chroot-exec"):
                children = _children(pid)
                return children[0] if children else None
            pending += _children(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


@dataclass
class Service:
    """A longrun of the image, started from its s6 `run` script."""

    container: AddonContainer
    name: str
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    pid: int | None = None

    def start(self) -> None:
        """Start the run script as s6-supervise does (its process becomes the service)."""
        self.log = (self.container.root / f"{self.name}.log").open("ab")
        self.container.services.append(self)
        self.process = subprocess.Popen(
            self.container.run_argv("/bin/sh", f"{S6}/s6-rc.d/{self.name}/run"),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while (pid := command_process(self.process.pid)) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} service did not start: {self.output()}")
            time.sleep(0.05)
        self.pid = pid

    def running(self) -> bool:
        """Tell whether the service's process is still up."""
        return self.process is not None and self.process.poll() is None

    def send(self, sig: signal.Signals) -> None:
        """Send SIG to the service's own process, as s6-supervise does."""
        if self.pid is not None and self.running():
            os.kill(self.pid, sig)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        """Wait until the service ended; return the exit code `buildah run` passes on."""
        assert self.process is not None
        code = self.process.wait(timeout=timeout)
        if self.log is not None:
            self.log.close()
        return code

    def down_signal(self) -> signal.Signals:
        """Return the service's s6 down-signal (SIGTERM unless `down-signal` names another)."""
        path = self.container.image_file(f"{S6}/s6-rc.d/{self.name}/down-signal")
        return signal.Signals[path.read_text().strip()] if path.exists() else signal.SIGTERM

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """Stop the service as s6 does: its down-signal, then wait for it."""
        self.send(self.down_signal())
        return self.wait(timeout)

    def output(self) -> str:
        """Return everything the service printed so far."""
        path = self.container.root / f"{self.name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class AddonContainer:
    """A container of the image with the add-on's `/data` and `/config` from the host (ROOT)."""

    image: str
    root: Path
    environment: dict[str, str] = field(default_factory=dict)
    name: str = ""
    mount: Path | None = None
    services: list[Service] = field(default_factory=list)
    # A network namespace of its own (where the Supervisor's address can exist), or the host's.
    netns: str | None = None

    @property
    def data(self) -> Path:
        """Return the host directory mounted at `/data` (the add-on's private data)."""
        return self.root / "data"

    @property
    def config(self) -> Path:
        """Return the host directory mounted at `/config` (the add-on's configuration folder)."""
        return self.root / "config"

    def create(self) -> None:
        """Make the container (its file system is the image's)."""
        for path in (self.data, self.config):
            path.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o711)  # PostgreSQL runs as the image's `postgres` account
        self.data.chmod(0o711)
        self.name = buildah(
            "from", "--pull=false", "--name", f"aetherlens-test-{uuid.uuid4().hex[:8]}", self.image
        ).strip()
        self.mount = Path(buildah("mount", self.name).strip())

    def remove(self) -> None:
        """Remove the container (the volumes on the host stay)."""
        if self.name:
            buildah("umount", self.name)
            buildah("rm", self.name)
            self.name = ""

    def image_file(self, path: str) -> Path:
        """Return where the container's file PATH is on the host."""
        assert self.mount is not None
        return self.mount / path.lstrip("/")

    def run_argv(self, *argv: str) -> list[str]:
        """Return the command line running ARGV in the container, on the host's network."""
        env = [f"--env={key}={value}" for key, value in self.environment.items()]
        return [
            *self._in_netns(),
            os.environ[SCRIPT_VARIABLE],
            "buildah",
            "run",
            "--isolation=chroot",
            f"--hostname={HOSTNAME}",
            f"--volume={self.data}:/data",
            f"--volume={self.config}:/config",
            *env,
            self.name,
            "--",
            *argv,
        ]

    def _in_netns(self) -> list[str]:
        return [IP, "netns", "exec", self.netns] if self.netns else []

    def get(
        self, url: str, *, source: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """GET URL from the container's network (from the address SOURCE); status and body."""
        if not self.netns:
            return netclient.get(url, source, headers or {})
        result = subprocess.run(
            [
                *self._in_netns(),
                sys.executable,
                "-m",
                "tests.addon.image.netclient",
                url,
                source or "",
                json.dumps(headers or {}),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        if result.returncode != 0:
            raise OSError(result.stderr.strip().splitlines()[-1] if result.stderr else "no answer")
        answer = json.loads(result.stdout)
        return answer["status"], answer["body"]

    def run(self, *argv: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
        """Run ARGV in the container to its end."""
        return subprocess.run(
            self.run_argv(*argv), capture_output=True, text=True, check=False, timeout=timeout
        )

    def write_options(self, options: dict[str, Any]) -> None:
        """Write `/data/options.json` as the Supervisor does from the configuration page."""
        (self.data / "options.json").write_text(json.dumps(options))


def database_socket(container: AddonContainer) -> Path:
    """Return the directory of the add-on's PostgreSQL socket, seen from the host."""
    return container.data / "postgresql" / "run"


def wait_for_socket(container: AddonContainer, server: Service) -> None:
    """Wait until PostgreSQL accepts connections on its Unix socket."""
    path = database_socket(container) / f".s.PGSQL.{MANAGED_PORT}"
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited: {server.output()}")
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(str(path))
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start: {server.output()}") from None
            time.sleep(0.1)
        else:
            return


def get_json(url: str, token: str | None = None, timeout: float = 10.0) -> Any:
    """GET URL (with the API token) and return its JSON body."""
    request = urllib.request.Request(url)  # noqa: S310 - http on 127.0.0.1
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.load(response)


def wait_for_health(url: str, engine: Service) -> dict[str, Any]:
    """Wait until the engine's health route reports `ok`; return its answer."""
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if not engine.running():
            raise RuntimeError(f"the engine exited: {engine.output()}")
        try:
            status, body = engine.container.get(f"{url}/api/v1/health")
            health: dict[str, Any] = json.loads(body) if status == 200 else {}
        except (OSError, ValueError):
            health = {}
        if health.get("status") == "ok":
            return health
        if time.monotonic() > deadline:
            raise RuntimeError(f"the engine did not become healthy: {engine.output()}")
        time.sleep(0.2)


@dataclass
class RunningAddon:
    """The add-on's services, up: the database and the engine at `url`."""

    container: AddonContainer
    postgres: Service
    engine: Service
    url: str
    init_output: str

    @property
    def token(self) -> str:
        """Return the engine's API token (the file it made in `/data`)."""
        return (self.container.data / "api_token").read_text().strip()

    def stop(self) -> tuple[int, int]:
        """Stop as s6 does at a container stop: the engine first, then PostgreSQL."""
        return self.engine.stop(), self.postgres.stop()


def start_addon(container: AddonContainer, port: int) -> RunningAddon:
    """Start the add-on's services in s6-rc's order: init, postgres, engine (each on the last)."""
    init = container.run("/bin/sh", f"{S6}/scripts/init-aetherlens")
    if init.returncode != 0:
        raise RuntimeError(f"init-aetherlens failed ({init.returncode}): {init.stderr}")
    postgres = Service(container, "postgres")
    postgres.start()
    engine = Service(container, "engine")
    try:
        wait_for_socket(container, postgres)
        engine.start()
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, engine)
    except BaseException:
        for service in (engine, postgres):
            if service.running():
                service.send(signal.SIGKILL)
                service.wait()
        raise
    return RunningAddon(container, postgres, engine, url, init.stderr)
