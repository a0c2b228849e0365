"""The example plugins outside the engine package, built only with the SDK: they validate, and
their own tests (a real engine polling a faithful fake of the source on 127.0.0.1) pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plugins"


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The example's sources on the import path stand in for installing it.
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    return subprocess.run(
        args, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("name", ["dayahead_prices", "ai_api_costs"])
def test_the_example_validates_and_its_tests_pass(name: str) -> None:
    project = EXAMPLES / name
    engine = str(Path(sys.executable).with_name("aetherlens-engine"))
    validated = _run(project, engine, "plugin", "validate", ".")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert f"{name}: dry run: ok:" in validated.stdout
    tested = _run(project, sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q")
    assert tested.returncode == 0, tested.stdout[-3000:]
    assert "3 passed" in tested.stdout
