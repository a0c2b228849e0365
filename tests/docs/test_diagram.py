"""The schema page's diagram is drawn in a browser from the site alone, with no CDN.

The built site is served on 127.0.0.1 and the schema page opened in Debian's Chromium, every
request to another host refused and recorded: Material must find the site's own Mermaid and the
offline plugin's shim must be the site's (devtools/docs_js.py), so that no script comes from
elsewhere;
the diagram must be drawn (Material replaces the block by the drawing only when Mermaid drew it)
with every table of the page's `erDiagram`. Material draws into a closed shadow root; the page
is opened with shadow roots made open, so that the drawing can be read.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Route, async_playwright

from devtools.docs_js import VENDORED, sha256
from devtools.docs_schema import PAGE

REPOSITORY_FACTS = "https://api.github.com/repos/aetherlens/home"
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright downloads no browser here
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attach.call(this, {...init, mode: "open"});
};
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Keep the test's output to its failures."""


@pytest.fixture
def served(site: Path, socket_enabled: None) -> Iterator[str]:
    """Serve the built site on 127.0.0.1; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def diagram_tables(page: str) -> set[str]:
    """Return the tables of PAGE's erDiagram: those of its references and its entity blocks."""
    block = page[
        page.index("```mermaid\nerDiagram\n") : page.index("```\n", page.index("erDiagram"))
    ]
    tables = set(re.findall(r"^    (\w+)(?: \{)?$", block, re.MULTILINE))
    for source, target in re.findall(r"^    (\w+) \S+ (\w+) :", block, re.MULTILINE):
        tables |= {source, target}
    return tables


def test_the_javascript_is_the_pinned_packages() -> None:
    for file in VENDORED:
        assert sha256(file.path) == file.sha256, (
            f"{file.path.name} is not {file.package} {file.version}: "
            "run `scripts/devenv run python -m devtools.docs_js`"
        )
        assert file.license_path.is_file(), file.license_path


async def test_the_schema_diagram_is_drawn_offline(served: str) -> None:
    tables = diagram_tables(PAGE.read_text())
    assert {"devices", "readings", "tariffs", "cost_rates"} <= tables
    elsewhere: list[str] = []

    async def local_only(route: Route) -> None:
        if route.request.url.startswith(served):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.add_init_script(OPEN_SHADOW_ROOTS)
            await page.route("**/*", local_only)
            await page.goto(f"{served}develop/schema.html")
            drawing = page.locator("div.mermaid")
            await drawing.wait_for(timeout=60_000)
            svg = await drawing.evaluate("host => host.shadowRoot.innerHTML")
            text = await drawing.evaluate("host => host.shadowRoot.textContent")
            still_source = await page.locator("pre.mermaid").count()
        finally:
            await browser.close()

    # Only Material's header asks elsewhere: GitHub, for the repository's facts (stars, latest
    # release); refused, it shows the repository's link without them.
    assert [url for url in elsewhere if not url.startswith(REPOSITORY_FACTS)] == []
    assert errors == []
    assert still_source == 0
    assert svg.startswith("<svg"), svg[:200]
    for table in tables:
        assert table in text, table
