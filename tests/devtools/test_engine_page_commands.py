"""The engine commands of docs/engine.md, copied as written, work in a fresh clone.

The lines come from the page's block under "runs these lines from a fresh clone", so the test
follows the page. A `serve` line gets a free `--port` (the default port may be taken
on a test machine) and runs until its API answers, then gets Ctrl-C (SIGINT) and must stop cleanly;
a `bill` line must print the bill.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.devtools.documented_commands import BASH, clean_environment, fresh_clone, sh_block_lines
from tests.postgres import free_port

MARKER = "runs these lines from a fresh clone"
START_TIMEOUT = 180.0


def engine_commands(clone: Path) -> list[str]:
    """Return the engine command lines of docs/engine.md in CLONE."""
    return sh_block_lines((clone / "docs" / "engine.md").read_text(), MARKER)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of the repository's HEAD."""
    return fresh_clone(tmp_path_factory.mktemp("clone") / "aetherlens")


def test_the_page_lists_serve_and_bill_both_ways(clone: Path) -> None:
    """Both spellings of the engine command appear, for serve and for bill."""
    commands = engine_commands(clone)
    for spelling in ("scripts/devenv run aetherlens-engine", "scripts/devenv run python -m"):
        for command in ("serve", "bill"):
            assert any(c.startswith(spelling) and f" {command} " in c for c in commands), (
                spelling,
                command,
            )


@pytest.mark.parametrize("index", [0, 1])
def test_bill_as_written(clone: Path, index: int) -> None:
    """The page's bill lines print the example week's bill: one cycle, its total in EUR."""
    command = [c for c in engine_commands(clone) if " bill " in c][index]
    result = subprocess.run(
        [BASH, "-c", command],
        cwd=clone,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    if "--format json" in command:
        bill = json.loads(result.stdout)
        assert bill["currency"] == "EUR"
        assert len(bill["cycles"]) == 1
    else:
        assert "total EUR" in result.stdout


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize("index", [0, 1])
def test_serve_as_written(clone: Path, index: int) -> None:
    """The page's serve lines start an engine whose API answers; Ctrl-C stops it cleanly."""
    command = [c for c in engine_commands(clone) if " serve " in c][index]
    port = free_port()
    process = subprocess.Popen(  # noqa: S602 - the page's line, as a user types it
        f"exec {command} --host 127.0.0.1 --port {port}",
        shell=True,
        cwd=clone,
        env=clean_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/health", timeout=5
                ) as answer:
                    assert answer.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the engine did not answer in time"
                time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=60)
        assert process.returncode == 0, errors
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
