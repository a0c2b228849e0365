"""The engine commands of docs/engine.md, copied as written, work in a fresh clone.

The lines come from the page's block under "runs these lines from a fresh clone", so the test
follows the page. A `serve` line gets a free `--port` (the default port may be taken
on a test machine) and runs until its API answers, then gets Ctrl-C (SIGINT) and must stop cleanly;
a `bill` line must print the bill.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.postgres import free_port

REPO = Path(__file__).parents[2]
MARKER = "runs these lines from a fresh clone"
START_TIMEOUT = 180.0
GIT = shutil.which("git") or "git"
BASH = shutil.which("bash") or "bash"


def readme_commands(readme: str) -> list[str]:
    """Return the lines of the first `sh` block after MARKER, comments left out."""
    after = readme[readme.index(MARKER) :]
    block = after[after.index("```sh\n") + len("```sh\n") :]
    block = block[: block.index("```")]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def page_text(clone: Path) -> str:
    """Return the text of docs/engine.md in CLONE."""
    return (clone / "docs" / "engine.md").read_text()


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of the repository's HEAD: no build output, no local state."""
    target = tmp_path_factory.mktemp("clone") / "aetherlens"
    subprocess.run([GIT, "clone", "--quiet", str(REPO), str(target)], check=True)
    return target


def _environment() -> dict[str, str]:
    """The caller's environment without anything that would point Python at the sources."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def test_the_readme_lists_serve_and_bill_both_ways(clone: Path) -> None:
    """Both spellings of the engine command appear, for serve and for bill."""
    commands = readme_commands(page_text(clone))
    for spelling in ("scripts/devenv run aetherlens-engine", "scripts/devenv run python -m"):
        for command in ("serve", "bill"):
            assert any(c.startswith(spelling) and f" {command} " in c for c in commands), (
                spelling,
                command,
            )


@pytest.mark.parametrize("index", [0, 1])
def test_bill_as_written(clone: Path, index: int) -> None:
    """The page's bill lines print the example week's bill: one cycle, its total in EUR."""
    command = [c for c in readme_commands(page_text(clone)) if " bill " in c][index]
    result = subprocess.run(
        [BASH, "-c", command],
        cwd=clone,
        env=_environment(),
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
    command = [c for c in readme_commands(page_text(clone)) if " serve " in c][index]
    port = free_port()
    process = subprocess.Popen(  # noqa: S602 - the page's line, as a user types it
        f"exec {command} --host 127.0.0.1 --port {port}",
        shell=True,
        cwd=clone,
        env=_environment(),
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
