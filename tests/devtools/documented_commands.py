"""Commands a page of the documentation tells a reader to type, and a fresh clone to type them in.

The tests that run a page's commands read them from the page itself (the first `sh` block after
a marker sentence), so a command changed on the page is the command tested.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).parents[2]
GIT = shutil.which("git") or "git"
BASH = shutil.which("bash") or "bash"


def sh_block_lines(page: str, marker: str) -> list[str]:
    """Return the lines of PAGE's first `sh` block after MARKER, comments left out."""
    after = page[page.index(marker) :]
    block = after[after.index("```sh\n") + len("```sh\n") :]
    block = block[: block.index("```")]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def fresh_clone(target: Path) -> Path:
    """Clone the repository's HEAD into TARGET: no build output, no local state."""
    subprocess.run([GIT, "clone", "--quiet", str(REPO), str(target)], check=True)
    return target


def clean_environment() -> dict[str, str]:
    """The caller's environment without anything that would point Python at the sources."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
