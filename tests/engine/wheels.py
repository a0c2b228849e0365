"""A wheel of an example plugin, built from its pyproject.toml and sources, and an index serving it.

Built by hand (a wheel is a zip of the package and its .dist-info) so the tests need no build
backend from the network. Holds no tests itself.
"""

from __future__ import annotations

import base64
import hashlib
import tomllib
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from tests.http import serve_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plugins"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(example: str, into: Path) -> tuple[Path, str]:
    """Build the wheel of examples/plugins/EXAMPLE into INTO; return its path and sha256."""
    root = EXAMPLES / example
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    name, version = project["name"], project["version"]
    stem = f"{name.replace('-', '_')}-{version}"
    files: dict[str, bytes] = {}
    for path in sorted((root / "src").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(root / "src").as_posix()] = path.read_bytes()
    info = f"{stem}.dist-info"
    files[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        f"Summary: {project['description']}\n"
    ).encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
    files[f"{info}/WHEEL"] += b"Tag: py3-none-any\n"
    points = project["entry-points"]["aetherlens.plugins"]
    files[f"{info}/entry_points.txt"] = (
        "[aetherlens.plugins]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
    ).encode()
    record = [_record_line(n, data) for n, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = into / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return wheel, hashlib.sha256(wheel.read_bytes()).hexdigest()


@asynccontextmanager
async def package_index(*wheels: Path) -> AsyncIterator[str]:
    """Serve WHEELS as a simple package index (PEP 503) on 127.0.0.1; yield its URL."""
    by_project: dict[str, list[Path]] = {}
    for wheel in wheels:
        by_project.setdefault(wheel.name.split("-")[0].replace("_", "-"), []).append(wheel)

    async def project(request: web.Request) -> web.Response:
        found = by_project.get(request.match_info["project"])
        if found is None:
            raise web.HTTPNotFound
        links = "".join(f'<a href="/files/{w.name}">{w.name}</a>\n' for w in found)
        return web.Response(text=f"<html><body>{links}</body></html>", content_type="text/html")

    async def file(request: web.Request) -> web.FileResponse:
        for wheel in wheels:
            if wheel.name == request.match_info["file"]:
                return web.FileResponse(wheel)
        raise web.HTTPNotFound

    app = web.Application()
    app.router.add_get("/simple/{project}/", project)
    app.router.add_get("/files/{file}", file)
    async with serve_app(app) as url:
        yield f"{url}/simple"
