"""The engine's command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aetherlens_engine
from aetherlens_engine import __version__


def test_version() -> None:
    """`python -m aetherlens_engine --version` prints the engine's version."""
    result = subprocess.run(
        [sys.executable, "-m", "aetherlens_engine", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(aetherlens_engine.__file__).parents[1])},
    )
    assert result.stdout.strip() == f"aetherlens-engine {__version__}"
