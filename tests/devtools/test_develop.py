"""`scripts/develop --check`: the local stack comes up, the integration shows priced data, it stops.

Runs the real thing as a subprocess: the engine with its managed PostgreSQL + TimescaleDB, a real
Home Assistant with the simulated home and the integration configured through HA's config flow API.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.homeassistant import free_port

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def state() -> Iterator[Path]:
    """A state directory the PostgreSQL server user can reach (pytest's tmp_path is 0700)."""
    root = Path(tempfile.mkdtemp(prefix="aetherlens-develop-"))
    root.chmod(0o711)
    yield root / "state"
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.usefixtures("socket_enabled")
def test_develop_check_starts_the_stack_and_stops_cleanly(state: Path) -> None:
    """The check passes with demo history priced, and no process of the stack is left."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "devtools.develop",
            "--check",
            "--state-dir",
            str(state),
            "--ha-port",
            str(free_port()),
            "--engine-port",
            str(free_port()),
            "--history-days",
            "3",
            "--check-timeout",
            "240",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    states = json.loads(result.stdout)
    assert float(states["sensor.aetherlens_energy_this_month"]) > 0
    assert float(states["sensor.aetherlens_cost_this_month"]) > 0
    # One device per simulated meter, each with its cost (entity ids follow the device's name):
    # the heat pump's own grid connection's meter too.
    for meter in (
        "fridge",
        "heat_pump",
        "ev_charger",
        "washing_machine",
        "grid",
        "heat_pump_meter",
    ):
        assert any(
            e.startswith(f"sensor.demo_{meter}_") and e.endswith("cost_this_month") for e in states
        ), sorted(states)
    assert "unavailable" not in states.values()
    # The ledger: the demo's gas and water meters priced by their own tariffs.
    for commodity in ("gas", "water"):
        assert f"sensor.aetherlens_{commodity}_cost_today" in states, sorted(states)
        assert f"sensor.aetherlens_{commodity}_today" in states, sorted(states)
    # Stopped: PostgreSQL shut down (no postmaster.pid) and no process of the stack is left.
    assert list(state.rglob("postmaster.pid")) == []
    leftovers = subprocess.run(
        [shutil.which("pgrep") or "pgrep", "-f", str(state)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert leftovers == []
