"""The integration, the add-on, the engine and their changelogs are released under one version.

docs/develop/release.md lists these places; the API version the integration reads moves with them.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

import aetherlens_engine
from aetherlens_engine.api.summary import API_VERSION
from custom_components.aetherlens.const import SUPPORTED_API_VERSION

ROOT = Path(__file__).resolve().parents[1]
# A release heading of a changelog: "## 0.1.0" (optionally "## 0.1.0 - 2026-12-01").
RELEASE = re.compile(r"^## (\d+\.\d+\.\d+\S*)", re.MULTILINE)


def latest_release(changelog: Path) -> str:
    """Return the version of the first (newest) release heading of CHANGELOG."""
    match = RELEASE.search(changelog.read_text())
    if match is None:
        raise ValueError(f"{changelog.name} has no '## X.Y.Z' release heading")
    return match.group(1)


def dockerfile_version(dockerfile: Path) -> str:
    """Return the default of the Dockerfile's BUILD_VERSION (the Supervisor passes the add-on's)."""
    match = re.search(r"^ARG BUILD_VERSION=(\S+)$", dockerfile.read_text(), re.MULTILINE)
    if match is None:
        raise ValueError(f"{dockerfile.name} has no 'ARG BUILD_VERSION=' default")
    return match.group(1)


def versions() -> dict[str, str]:
    """Return every place a version is stated, by what states it."""
    manifest = json.loads((ROOT / "custom_components/aetherlens/manifest.json").read_text())
    addon = yaml.safe_load((ROOT / "addon/config.yaml").read_text())
    return {
        "custom_components/aetherlens/manifest.json": manifest["version"],
        "addon/config.yaml": str(addon["version"]),
        "addon/Dockerfile (BUILD_VERSION)": dockerfile_version(ROOT / "addon/Dockerfile"),
        "aetherlens_engine.__version__": aetherlens_engine.__version__,
        "CHANGELOG.md (the integration's)": latest_release(ROOT / "CHANGELOG.md"),
        "addon/CHANGELOG.md": latest_release(ROOT / "addon/CHANGELOG.md"),
    }


def test_versions_agree() -> None:
    stated = versions()
    assert len(set(stated.values())) == 1, stated


def test_the_integration_reads_the_api_version_of_its_engine() -> None:
    # Released together: the integration understands exactly the API its engine speaks (an older
    # integration raises a repair; a newer one would claim what no engine of it speaks).
    assert SUPPORTED_API_VERSION == API_VERSION


def test_the_engine_package_takes_its_version_from_the_engine() -> None:
    # pyproject.toml states no version of its own: the package's is aetherlens_engine.__version__.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "aetherlens_engine.__version__"
    }


def test_a_changelog_without_a_release_heading_is_named(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\nNothing released yet.\n")
    with pytest.raises(ValueError, match=r"CHANGELOG.md has no '## X.Y.Z' release heading"):
        latest_release(changelog)
