"""CONTRIBUTING.md's first steps, run as written in a fresh clone, end in a passing test run.

The lines are those of the page's `sh` block under "From a fresh clone to a passing test run".
The clone line is the one step that would reach GitHub: it clones the repository the test runs
in instead (its HEAD, to the same directory), so every later line runs where a new
contributor's would. Each line must succeed; the last is a targeted `scripts/test` run (the full
suite is `scripts/test` alone, which this test must not start), and it must report passes.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.devtools.documented_commands import BASH, REPO, clean_environment, sh_block_lines

MARKER = "## From a fresh clone to a passing test run"
UPSTREAM = "https://github.com/aetherlens/home.git"
WALK_TIMEOUT = 840


def walk_script(lines: list[str]) -> str:
    """Return a bash script running LINES in order, stopping at the first that fails, named."""
    steps = []
    for number, line in enumerate(lines, 1):
        command = line.replace(UPSTREAM, shlex.quote(str(REPO)))
        complaint = shlex.quote(f"CONTRIBUTING.md, step {number} failed: {line}")
        # Braces, not a subshell: a `cd` of one line holds for the next.
        steps.append(f"{{ {command}\n}} || {{ echo {complaint} >&2; exit 1; }}")
    return "\n".join(steps)


def walk(page: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run the steps of the CONTRIBUTING text PAGE from WORKDIR, as a reader types them."""
    return subprocess.run(
        [BASH, "-c", walk_script(sh_block_lines(page, MARKER))],
        cwd=workdir,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=WALK_TIMEOUT,
        check=False,
    )


def contributing() -> str:
    return (REPO / "CONTRIBUTING.md").read_text()


def test_the_steps_clone_build_and_run_a_targeted_test() -> None:
    lines = sh_block_lines(contributing(), MARKER)
    assert lines[0].startswith(f"git clone {UPSTREAM} "), lines[0]
    # A targeted run (arguments name what to test), never the whole suite.
    assert re.fullmatch(r"scripts/test \S.*", lines[-1]), lines[-1]


@pytest.mark.timeout(WALK_TIMEOUT + 60)
def test_contributing_from_a_fresh_clone_to_a_passing_test_run(tmp_path: Path) -> None:
    result = walk(contributing(), tmp_path)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"=+ \d+ passed", result.stdout), result.stdout[-3000:]
    assert (tmp_path / "aetherlens" / "CONTRIBUTING.md").is_file()


def test_a_step_that_does_not_work_fails_the_walk_and_is_named(tmp_path: Path) -> None:
    page = contributing()
    clone_line = sh_block_lines(page, MARKER)[0]
    broken = page.replace(clone_line, f"{clone_line}\nscripts/tset tests/test_versions.py", 1)

    result = walk(broken, tmp_path)

    assert result.returncode != 0
    assert "step 2 failed: scripts/tset tests/test_versions.py" in result.stderr, result.stderr
