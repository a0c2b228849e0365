# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""The proportional set size of processes and their children, from /proc (standard library only).

Apart from support.py so that scripts/addon-image can sample an add-on container's processes
from the host's Python, which has none of the engine's requirements.
"""

from __future__ import annotations

from pathlib import Path


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def pss_mib(pids: list[int]) -> float:
    """Return the proportional set size of PIDS and their children (PostgreSQL's backends)."""
    total, seen = 0, set()
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo += _children(pid)
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next(
            int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")
        )
    return round(total / 1024, 1)
