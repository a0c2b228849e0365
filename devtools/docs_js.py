"""The documentation site's JavaScript, from pinned npm packages and served by the site itself.

Material for MkDocs would load two libraries from a CDN at read time, which an offline reader
(and this machine) cannot reach: Mermaid, which draws ```` ```mermaid ```` blocks (the schema
page's diagram; Material uses a global `mermaid` when a page defines one), and the offline
plugin's iframe-worker shim, which lets search run from `file://` (the plugin adds it unless
`extra.polyfills` names one). Both are committed under `docs/javascripts/`, each the package's own
build with its licence, and loaded by `mkdocs.yml`. This writes them from the npm registry (`npm
pack` checks each package against the registry's integrity hash) and refuses a file whose
SHA-256 is not the one pinned here; tests/docs/test_diagram.py checks the committed files against
the same pins.

    scripts/devenv run python -m devtools.docs_js
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parents[1] / "docs" / "javascripts"
NPM = shutil.which("npm") or "npm"


@dataclass(frozen=True, slots=True)
class Vendored:
    """One file of a pinned npm package, as the site serves it."""

    package: str
    version: str
    member: str  # the file in the package
    name: str  # its name under docs/javascripts/
    sha256: str  # the file's; a new version needs its new hash here

    @property
    def path(self) -> Path:
        """Return where the site's copy lives."""
        return DIRECTORY / self.name

    @property
    def license_path(self) -> Path:
        """Return where the package's licence is kept beside it."""
        return DIRECTORY / f"{self.package}.LICENSE"


VENDORED = (
    Vendored(
        package="mermaid",
        version="11.17.2",
        member="dist/mermaid.min.js",
        name="mermaid.min.js",
        sha256="581ed7d74bd9048d0e3a91363927d72ef22942d7722546b27f7cc29e35390eb8",
    ),
    Vendored(
        package="iframe-worker",
        version="1.0.4",
        member="shim/index.js",
        name="iframe-worker-shim.js",
        sha256="e8e412dbcfea9b7e31b5ffa288d7b6035915e714c542f4176a0cdbe262fc9609",
    ),
)


class PinMismatchError(RuntimeError):
    """A package's file is not the one pinned by its SHA-256."""


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of the file PATH."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor(file: Vendored) -> None:
    """Write FILE from its package, and the package's licence, into docs/javascripts/."""
    with tempfile.TemporaryDirectory(prefix="aetherlens-npm-") as work:
        subprocess.run(  # noqa: S603 - npm with this module's own pins
            [NPM, "pack", "--silent", f"{file.package}@{file.version}", "--pack-destination", work],
            check=True,
            env={**os.environ, "npm_config_cache": f"{work}/npm-cache"},
            stdout=subprocess.DEVNULL,
        )
        wanted = {f"package/{file.member}", "package/LICENSE"}
        with tarfile.open(Path(work) / f"{file.package}-{file.version}.tgz") as package:
            members = [member for member in package.getmembers() if member.name in wanted]
            package.extractall(work, members=members, filter="data")
        built = Path(work) / "package" / file.member
        if (found := sha256(built)) != file.sha256:
            raise PinMismatchError(
                f"{file.package} {file.version}'s {file.member} has SHA-256 {found}, not the "
                f"pinned {file.sha256!r}: pin it in devtools/docs_js.py if this version is wanted"
            )
        DIRECTORY.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, file.path)
        shutil.copyfile(Path(work) / "package" / "LICENSE", file.license_path)


if __name__ == "__main__":
    for vendored in VENDORED:
        vendor(vendored)
