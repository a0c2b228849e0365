"""The s6-overlay services of the image, run for real outside the container.

The scripts run under /bin/sh with the container's environment (PATH to Python and the PostgreSQL
programs, the add-on's data in a temporary directory); s6 itself and its `with-contenv` are not
here, so each script is started the way s6 would after `with-contenv` set the environment.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import stat
import subprocess
from pathlib import Path

import aiohttp
import pytest

from aetherlens_engine.cluster import find_bindir, server_settings
from aetherlens_engine.supervisor.paths import AddonPaths
from tests.postgres import free_port

from .addon_process import S6, addon_environment, postgres_service
from .fake_supervisor import SUPERVISOR_TOKEN, fake_supervisor

SERVICES = S6 / "s6-rc.d"
SCRIPTS = S6 / "scripts"
WAIT_LIMIT = 120


def test_the_service_tree_is_what_s6_rc_expects() -> None:
    assert {p.name for p in (SERVICES / "user" / "contents.d").iterdir()} == {
        "init-aetherlens",
        "postgres",
        "engine",
    }
    assert (SERVICES / "init-aetherlens" / "type").read_text().strip() == "oneshot"
    assert (SERVICES / "init-aetherlens" / "up").read_text().strip() == (
        "/etc/s6-overlay/scripts/init-aetherlens"
    )
    dependencies = {
        "init-aetherlens": {"base"},
        "postgres": {"init-aetherlens"},
        "engine": {"postgres"},
    }
    for service, needs in dependencies.items():
        assert {p.name for p in (SERVICES / service / "dependencies.d").iterdir()} == needs
    for service in ("postgres", "engine"):
        assert (SERVICES / service / "type").read_text().strip() == "longrun"
        for name in ("run", "finish"):
            assert (SERVICES / service / name).stat().st_mode & stat.S_IXUSR, name
    assert (SERVICES / "postgres" / "down-signal").read_text().strip() == "SIGINT"
    for script in SCRIPTS.iterdir():
        assert script.stat().st_mode & stat.S_IXUSR, script
    # The container's environment (SUPERVISOR_TOKEN, TZ) reaches what needs it.
    for path in (SCRIPTS / "init-aetherlens", SERVICES / "engine" / "run"):
        assert path.read_text().startswith("#!/command/with-contenv sh\n")


def _sh(
    script: Path, paths: AddonPaths, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", str(script), *args],
        env=addon_environment(paths, **env),
        capture_output=True,
        text=True,
        check=False,
        timeout=WAIT_LIMIT,
    )


@pytest.fixture
def halt(tmp_path: Path) -> dict[str, str]:
    """A container-results directory and a `halt` that records it was called."""
    (tmp_path / "results").mkdir()
    program = tmp_path / "halt"
    program.write_text(f"#!/bin/sh\necho halted > {tmp_path / 'halted'}\n")
    program.chmod(0o755)
    return {"S6_CONTAINER_RESULTS": str(tmp_path / "results"), "S6_HALT": str(program)}


@pytest.mark.parametrize(
    ("service", "ended", "container_exit"),
    [
        ("engine", ("0", "0"), None),  # stopped cleanly
        ("engine", ("2", "0"), "2"),  # invalid options: the log's last line says which
        ("engine", ("256", "15"), None),  # SIGTERM: s6 stopping the service
        ("postgres", ("256", "2"), None),  # SIGINT, the down-signal
        ("postgres", ("1", "0"), "1"),
        ("postgres", ("256", "9"), None),  # killed (out of memory): s6 restarts it
        ("engine", ("256", "11"), None),  # crashed: s6 restarts it
    ],
)
def test_finish_scripts_stop_the_container_only_on_failure(
    tmp_path: Path,
    halt: dict[str, str],
    service: str,
    ended: tuple[str, str],
    container_exit: str | None,
) -> None:
    # s6 calls finish with the exit code (256: a signal ended it) and the signal's number.
    paths = AddonPaths(tmp_path / "data")
    result = _sh(SERVICES / service / "finish", paths, *ended, **halt)
    assert result.returncode == 0, result.stderr
    exitcode = Path(halt["S6_CONTAINER_RESULTS"], "exitcode")
    if container_exit is None:
        assert not exitcode.exists()
        assert not (tmp_path / "halted").exists()
        if ended[0] == "256" and ended[1] not in ("2", "15"):
            assert f"the {service} service was killed by signal {ended[1]}; restarting" in (
                result.stderr
            )
    else:
        assert exitcode.read_text().strip() == container_exit
        assert (tmp_path / "halted").exists()
        assert f"the {service} service failed (exit code {container_exit})" in result.stderr


def test_init_oneshot_creates_the_cluster(addon_paths: AddonPaths) -> None:
    result = _sh(SCRIPTS / "init-aetherlens", addon_paths)
    assert result.returncode == 0, result.stderr
    assert (addon_paths.cluster_dir / "PG_VERSION").exists()
    assert not (addon_paths.cluster_dir / "postmaster.pid").exists()


def test_postgres_runs_with_the_small_host_settings(addon_paths: AddonPaths) -> None:
    """The `postgres` service starts the server with the Pi settings of the engine's cluster."""
    init = _sh(SCRIPTS / "init-aetherlens", addon_paths)
    assert init.returncode == 0, init.stderr
    expected = server_settings(timescaledb=addon_paths.cluster().timescaledb_available)
    assert expected["shared_buffers"] == "64MB"
    names = ",".join(expected)
    query = f"SELECT k || '=' || current_setting(k) FROM unnest('{{{names}}}'::text[]) AS k"
    psql = [str(find_bindir() / "psql"), "-X", "-At", "-U", "postgres"]
    with postgres_service(addon_paths):
        # psql: the add-on's server listens on its Unix socket only (the tests block those).
        shown = subprocess.run(
            [*psql, "-d", addon_paths.database_url, "-c", query],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    assert dict(line.split("=", 1) for line in shown.splitlines()) == expected


async def test_the_services_run_the_engine_and_announce_it(addon_paths: AddonPaths) -> None:
    port = free_port()
    options = {"currency": "EUR", "log_level": "info", "aws_enabled": False}
    addon_paths.options.write_text(json.dumps(options | {"azure_enabled": False}))
    init = await asyncio.to_thread(_sh, SCRIPTS / "init-aetherlens", addon_paths)
    assert init.returncode == 0, init.stderr

    async with fake_supervisor() as supervisor:
        with postgres_service(addon_paths):
            engine = await asyncio.create_subprocess_exec(
                "/bin/sh",
                str(SERVICES / "engine" / "run"),
                env=addon_environment(
                    addon_paths,
                    SUPERVISOR_TOKEN=SUPERVISOR_TOKEN,
                    AETHERLENS_SUPERVISOR_URL=supervisor.url,
                    AETHERLENS_API_PORT=str(port),
                    TZ="Europe/Berlin",
                ),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                await supervisor.wait_for(lambda: len(supervisor.announcements) == 1)
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(f"http://127.0.0.1:{port}/api/v1/health") as response,
                ):
                    health = await response.json()
            finally:
                engine.send_signal(signal.SIGTERM)
                async with asyncio.timeout(WAIT_LIMIT):
                    _, stderr = await engine.communicate()
    assert engine.returncode == 0, stderr.decode()
    token = (addon_paths.data / "api_token").read_text().strip()
    assert supervisor.announcements == [
        {
            "service": "aetherlens",
            "config": {"host": socket.gethostname(), "port": port, "token": token},
        }
    ]
    assert response.status == 200
    assert health["status"] in {"ok", "degraded"}
    assert token not in stderr.decode()


def test_the_engine_stops_with_status_2_on_invalid_options(
    addon_paths: AddonPaths, halt: dict[str, str]
) -> None:
    addon_paths.options.write_text(json.dumps({"currency": "euro"}))
    engine = _sh(SERVICES / "engine" / "run", addon_paths)
    assert engine.returncode == 2
    assert (
        engine.stderr.strip().splitlines()[-1].startswith("aetherlens: invalid option 'currency'")
    )
    finish = _sh(SERVICES / "engine" / "finish", addon_paths, str(engine.returncode), "0", **halt)
    assert finish.returncode == 0
    assert Path(halt["S6_CONTAINER_RESULTS"], "exitcode").read_text().strip() == "2"
