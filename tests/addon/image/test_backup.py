"""A Home Assistant backup of the running add-on, and its restore, with the image's own hooks."""

from __future__ import annotations

import asyncio
import shlex
import shutil
from pathlib import Path

import aiohttp
import yaml

from tests.addon.ports import free_port

from .conftest import CONFIG, make_container
from .container import AddonContainer, start_addon
from .data import batch, count_readings, post_readings, recent, start_with_meter


def supervisor_backup(container: AddonContainer, archive: Path) -> None:
    """Back up as the Supervisor does a hot backup, into ARCHIVE.

    backup_pre, then the data less backup_exclude copied, then backup_post; both hooks run in
    the container.
    """
    config = yaml.safe_load(CONFIG.read_text())
    pre = container.run(*shlex.split(config["backup_pre"]))
    assert pre.returncode == 0, pre.stderr
    excluded = set(config["backup_exclude"])
    shutil.copytree(
        container.data,
        archive,
        ignore=lambda folder, names: [
            n for n in names if Path(folder) == container.data and n in excluded
        ],
    )
    post = container.run(*shlex.split(config["backup_post"]))
    assert post.returncode == 0, post.stderr


async def test_a_backup_taken_while_running_restores_into_a_new_install(
    image: str, tmp_path: Path, api_port: int, containers: list[AddonContainer]
) -> None:
    container = make_container(image, tmp_path / "installed", api_port, "http://127.0.0.1:9")
    containers.append(container)
    addon, meter = await asyncio.to_thread(start_with_meter, container, api_port)
    async with aiohttp.ClientSession() as session:
        before = await post_readings(session, addon.url, addon.token, batch(meter, recent(40), 300))
        archive = tmp_path / "backup-data"
        await asyncio.to_thread(supervisor_backup, container, archive)
        # Readings after the backup are not in it.
        after = await post_readings(session, addon.url, addon.token, batch(meter, recent(20), 100))
    dump_left = any((container.data / "backup").glob("*.dump"))
    await asyncio.to_thread(addon.stop)

    # Restore: the Supervisor puts the archived data into the add-on's (new, empty) /data.
    restored_root = tmp_path / "restored"
    restored_root.mkdir()
    shutil.copytree(archive, restored_root / "data")
    port = free_port()
    restored = make_container(image, restored_root, port, "http://127.0.0.1:9")
    containers.append(restored)
    running = await asyncio.to_thread(start_addon, restored, port)
    stored = await count_readings(restored, meter)
    await asyncio.to_thread(running.stop)

    assert (before, after) == (200, 200)
    assert not (archive / "postgresql").exists()  # the live cluster stays out of the archive
    assert any((archive / "backup").glob("*.dump"))
    assert not dump_left  # backup_post removed it from the running add-on
    assert "restored from a backup: True" in running.init_output
    assert not any((restored.data / "backup").glob("*.dump"))  # loaded, then removed
    assert running.token == addon.token
    assert stored == 1 + 300
