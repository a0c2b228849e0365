"""Third-party plugin packages: installed with their hash into a persistent venv, then found.

Each package the options list (`name==version` and its sha256) is installed on start by pip in
hash-checking mode (`--require-hashes`), without dependencies: a plugin builds on what the
engine ships, and anything else it needs is listed too, each with its own hash. The venv lives in
the data directory (the add-on's /data), so a package already installed with the same hash is
not fetched again. Its site-packages joins `sys.path`, where the registry finds the plugins'
`aetherlens.plugins` entry points and the workers import them. A package that cannot be
installed is reported (its status in the health) and the engine goes on without it.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import re
import site
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from aetherlens_engine.logs import redact_credentials

LOGGER = logging.getLogger(__name__)
# `name==version`, as the options write it (PEP 508 names, PEP 440 versions).
REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)==(?P<version>\S+)")
SHA256 = re.compile(r"[0-9a-f]{64}")
INSTALL_TIMEOUT = 300.0
INSTALLED_FILE = "aetherlens-installed.json"
# The last lines of pip's output that say why it failed.
_ERROR_LINES = 3


@dataclass(frozen=True, slots=True)
class PluginPackage:
    """A package to install: `name==version` and the sha256 of its file."""

    requirement: str
    sha256: str

    @property
    def name(self) -> str:
        """Return the package's name as written."""
        return self.requirement.partition("==")[0]


@dataclass(frozen=True, slots=True)
class PackageStatus:
    """How installing one package went."""

    requirement: str
    status: Literal["installed", "failed"]
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the status as JSON-ready values."""
        return {"requirement": self.requirement, "status": self.status, "error": self.error}


class PackageInstaller:
    """Installs packages into the venv at VENV, from INDEX_URL (pip's default index if None)."""

    def __init__(self, venv: Path, index_url: str | None = None) -> None:
        """Install into VENV (made if missing) from INDEX_URL."""
        self.venv = venv
        self._index_url = index_url

    async def install(self, packages: tuple[PluginPackage, ...]) -> dict[str, PackageStatus]:
        """Install every package not yet installed with its hash; make them importable.

        Return each package's status by its name; nothing raises for a package that fails.
        """
        if not packages:
            return {}
        try:
            python = await self._venv_python()
            site_dir = await self._site_packages(python)
        except OSError as err:
            message = f"cannot make the plugins' venv in {self.venv}: {err}"
            return {p.name: PackageStatus(p.requirement, "failed", message) for p in packages}
        installed = self._installed()
        statuses: dict[str, PackageStatus] = {}
        for package in packages:
            if installed.get(package.requirement) == package.sha256:
                statuses[package.name] = PackageStatus(package.requirement, "installed")
                continue
            error = await self._pip_install(python, package)
            if error is None:
                installed[package.requirement] = package.sha256
                statuses[package.name] = PackageStatus(package.requirement, "installed")
                LOGGER.info("Plugin package %s installed", package.requirement)
            else:
                installed.pop(package.requirement, None)
                statuses[package.name] = PackageStatus(package.requirement, "failed", error)
                LOGGER.warning("Plugin package %s not installed: %s", package.requirement, error)
        (self.venv / INSTALLED_FILE).write_text(json.dumps(installed, indent=2, sort_keys=True))
        if str(site_dir) not in sys.path:
            site.addsitedir(str(site_dir))
        importlib.invalidate_caches()
        return statuses

    async def _venv_python(self) -> Path:
        python = self.venv / "bin" / "python"
        if not python.exists():
            # Without pip of its own: the engine's pip installs into it (`pip --python`).
            code, output = await _run(
                sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                str(self.venv),
            )  # fmt: skip
            if code != 0:
                raise OSError(output.strip() or f"venv exited with code {code}")
        return python

    @staticmethod
    async def _site_packages(python: Path) -> Path:
        code, output = await _run(
            str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"
        )
        if code != 0:
            raise OSError(output.strip() or f"the venv's Python exited with code {code}")
        return Path(output.strip().splitlines()[-1])

    def _installed(self) -> dict[str, str]:
        try:
            saved = json.loads((self.venv / INSTALLED_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in saved.items()} if isinstance(saved, dict) else {}

    async def _pip_install(self, python: Path, package: PluginPackage) -> str | None:
        """Install PACKAGE; return None, or why it failed (pip's last lines)."""
        requirements = self.venv / "requirements.txt"
        requirements.write_text(f"{package.requirement} --hash=sha256:{package.sha256}\n")
        index = ["--index-url", self._index_url] if self._index_url else []
        command = [
            sys.executable, "-m", "pip", "--python", str(python), "install",
            "--require-hashes", "--no-deps", "--no-input", "--disable-pip-version-check",
            "--no-cache-dir", *index, "--requirement", str(requirements),
        ]  # fmt: skip
        try:
            async with asyncio.timeout(INSTALL_TIMEOUT):
                code, output = await _run(*command)
        except TimeoutError:
            return f"pip did not finish within {INSTALL_TIMEOUT:g} s"
        if code == 0:
            return None
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        why = " ".join(" ".join(lines[-_ERROR_LINES:]).split()) or f"pip exited with {code}"
        if "DO NOT MATCH THE HASHES" in output:
            why = f"the file does not match its sha256 (refused): {why}"
        return redact_credentials(why)


async def _run(*command: str) -> tuple[int, str]:
    """Run COMMAND; return its exit code and its output (stdout and stderr together)."""
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await process.communicate()
    except asyncio.CancelledError:
        process.kill()
        await process.wait()
        raise
    return process.returncode or 0, output.decode(errors="replace")
