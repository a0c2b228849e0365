"""An add-on update: the data of the previous add-on version, started by this image.

The previous version is the add-on as it was before the newest migration was added (its engine,
s6 scripts and migrations), built with today's Dockerfile by scripts/addon-image. Both images
get the same TimescaleDB here (Debian trixie ships one version), so the extension update is
the one the init service makes when versions differ (tests/addon/test_initialize.py); what
changes here is the schema and the engine.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import aiohttp

from .conftest import make_container
from .container import SCRIPT_VARIABLE, AddonContainer, start_addon
from .data import batch, connect, count_readings, post_readings, recent, start_with_meter

ROOT = Path(__file__).resolve().parents[3]
GIT = shutil.which("git") or "/usr/bin/git"
ADDON_MIGRATIONS = "addon/rootfs/opt/aetherlens/timescale"


def _git(*args: str) -> str:
    return subprocess.run(
        [GIT, "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def previous_version() -> tuple[str, int]:
    """Return the newest commit before the newest migration was added, and its migration count.

    A commit whose add-on could not start (two migrations landed with one number, renumbered in
    the next commit) was never a version anyone ran: it is passed over.
    """
    newest = max((ROOT / "timescale").glob("*.sql"))
    added = _git("log", "--diff-filter=A", "--format=%H", "--", str(newest.relative_to(ROOT)))
    for commit in _git("rev-list", f"{added.splitlines()[-1]}^").splitlines():
        numbers = _migration_numbers(commit)
        if numbers == list(range(1, len(numbers) + 1)):
            return commit, len(numbers)
    raise AssertionError(f"no commit before {added} has a whole set of migrations")


def _migration_numbers(commit: str) -> list[int]:
    """Return the sorted numbers of the add-on's migrations at COMMIT (what its image applies)."""
    names = _git("ls-tree", "--name-only", f"{commit}:{ADDON_MIGRATIONS}").split()
    return sorted(int(name.split("_", 1)[0]) for name in names if name.endswith(".sql"))


def build_previous(commit: str) -> str:
    """Build (or find) the image of the add-on at COMMIT; return its name."""
    result = subprocess.run(
        [os.environ[SCRIPT_VARIABLE], "build", "--from-commit", commit],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


async def _migrations(container: AddonContainer) -> list[int]:
    conn = await connect(container)
    try:
        versions: list[int] = await conn.fetchval(
            "SELECT array_agg(version ORDER BY version) FROM schema_migrations"
        )
    finally:
        await conn.close()
    return versions


async def test_an_update_migrates_the_previous_versions_data(
    image: str, addon_root: Path, api_port: int, containers: list[AddonContainer]
) -> None:
    commit, previous_migrations = previous_version()
    previous_image = await asyncio.to_thread(build_previous, commit)
    old = make_container(previous_image, addon_root, api_port, "http://127.0.0.1:9")
    containers.append(old)
    addon, meter = await asyncio.to_thread(start_with_meter, old, api_port)
    async with aiohttp.ClientSession() as session:
        status = await post_readings(session, addon.url, addon.token, batch(meter, recent(30), 400))
    before = await _migrations(old)
    await asyncio.to_thread(addon.stop)
    old.remove()

    # The update: a container of the new image on the same /data.
    new = make_container(image, addon_root, api_port, "http://127.0.0.1:9")
    containers.append(new)
    updated = await asyncio.to_thread(start_addon, new, api_port)
    after = await _migrations(new)
    stored = await count_readings(new, meter)
    await asyncio.to_thread(updated.stop)

    current = sorted(int(p.name.split("_")[0]) for p in (ROOT / "timescale").glob("*.sql"))
    assert status == 200
    assert len(before) == previous_migrations < len(current)
    assert after == current
    assert "created: False" in updated.init_output
    assert updated.token == addon.token
    assert stored == 1 + 400
