"""`aetherlens-engine plugin new NAME`: a plugin package to start from, its tests passing.

The template is a working `SourcePlugin`: it reads a service's daily costs from a JSON endpoint
(an access token as a secret option), with a recorded answer of that endpoint for `plugin
validate` and for its tests, and an entry point in the `aetherlens.plugins` group. A developer
replaces the request and the parsing with their source's; everything else stays.
"""

from __future__ import annotations

from pathlib import Path

from aetherlens_engine import __version__

from .base import NAME_PATTERN, PluginConfigError
from .dryrun import FIXTURE_NAME

_PYPROJECT = """\
[build-system]
requires = ["uv_build>=0.13,<0.14"]
build-backend = "uv_build"

[project]
name = "{project}"
version = "0.1.0"
description = "An AetherLens plugin: {name}"
requires-python = ">=3.13"
dependencies = ["aetherlens-engine>={engine_version}"]

[project.entry-points."aetherlens.plugins"]
{name} = "{name}.plugin:{cls}"

[dependency-groups]
test = ["pytest>=8", "pytest-asyncio>=1"]

[tool.pytest.ini_options]
testpaths = ["tests"]
asyncio_mode = "auto"
"""

_INIT = '''\
"""The AetherLens plugin {name}."""
'''

_PLUGIN = '''\
"""{cls}: a service's daily costs, read from its JSON cost endpoint.

`fetch` asks the source; `parse` turns its answer into records, without I/O, so that the recorded
answer in recorded.json (what `aetherlens-engine plugin validate` and the tests replay) goes
through exactly the code a live poll does.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import aiohttp
import voluptuous as vol

from aetherlens_engine.plugins import (
    AccountCosts,
    CostRow,
    PluginError,
    PluginManifest,
    PollResult,
    Provides,
    SourcePlugin,
)

SCHEMA = vol.Schema(
    {{
        vol.Required("url"): vol.Url(),
        vol.Optional("token", default=""): str,
        vol.Optional("account_name", default="{title}"): vol.All(str, vol.Length(min=1)),
    }}
)
TIMEOUT = aiohttp.ClientTimeout(total=30)


class {cls}(SourcePlugin):
    """Daily costs of one account of the service."""

    manifest = PluginManifest(
        name="{name}",
        version="0.1.0",
        config_schema=SCHEMA,
        poll_interval=timedelta(hours=6),
        secret_keys=frozenset({{"token"}}),
        provides=frozenset({{Provides.CLOUD_COSTS}}),
    )

    async def fetch(self) -> Any:
        """Return the endpoint's JSON answer."""
        token: str = self.config["token"]
        headers = {{"Authorization": f"Bearer {{token}}"}} if token else {{}}
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as session,
                session.get(self.config["url"], headers=headers) as response,
            ):
                if response.status != 200:  # noqa: PLR2004
                    raise PluginError(f"the cost endpoint answered HTTP {{response.status}}")
                return await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise PluginError(f"cannot read the cost endpoint: {{err}}") from err

    def parse(self, answer: Any) -> PollResult:
        """Return a cost row per day of ANSWER: {{"currency", "days": [{{"day", "amount"}}]}}."""
        try:
            currency = str(answer["currency"])
            rows = tuple(
                CostRow(
                    date.fromisoformat(item["day"]), "total", "", Decimal(item["amount"]), currency
                )
                for item in answer["days"]
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as err:
            raise PluginError(f"the cost endpoint's answer is not understood: {{err!r}}") from err
        name: str = self.config["account_name"]
        return PollResult(accounts=(AccountCosts(name, name, rows),), requests=1)
'''

_RECORDED = """\
{{
  "config": {{"url": "http://127.0.0.1:8080/costs", "token": "recorded-token"}},
  "now": "2026-11-03T12:00:00+00:00",
  "answer": {{
    "currency": "EUR",
    "days": [
      {{"day": "2026-11-01", "amount": "0.42"}},
      {{"day": "2026-11-02", "amount": "0.40"}}
    ]
  }}
}}
"""

_CONFTEST = '''\
"""The engine's pytest plugin: the `plugin_engine` fixture runs the plugin in a real engine."""

pytest_plugins = ["aetherlens_engine.testing"]
'''

_TESTS = '''\
"""{cls} replayed in its worker against its recorded answer, and run by a real engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web

from aetherlens_engine.plugins import PluginConfigError
from aetherlens_engine.plugins.base import validate_config
from aetherlens_engine.plugins.dryrun import dry_run, load_fixture
from aetherlens_engine.testing import PluginEngine, serve_app
from {name}.plugin import {cls}

RECORDED = Path(__file__).parents[1] / "src" / "{name}" / "recorded.json"
DAYS = [(date(2026, 11, 1), Decimal("0.42")), (date(2026, 11, 2), Decimal("0.40"))]


async def test_the_recorded_answer_is_stored_whole() -> None:
    fixture = load_fixture(RECORDED)
    decoded = await dry_run("{name}.plugin:{cls}", {cls}.manifest, fixture)
    assert decoded.refused == ()
    (account,) = decoded.result.accounts
    assert [(row.day, row.amount) for row in account.costs] == DAYS


async def test_the_engine_stores_what_the_service_answers(plugin_engine: PluginEngine) -> None:
    fixture = load_fixture(RECORDED)

    async def costs(request: web.Request) -> web.Response:
        return web.json_response(fixture.answer)

    service = web.Application()
    service.router.add_get("/costs", costs)
    async with serve_app(service) as url:
        status = await plugin_engine.run("{name}", {{**fixture.config, "url": f"{{url}}/costs"}})
    assert (status["requests"], status["refused"]) == (1, 0)
    assert await plugin_engine.fetch("SELECT day, amount FROM cloud_costs ORDER BY day") == DAYS


def test_a_wrong_option_is_named() -> None:
    with pytest.raises(PluginConfigError, match="invalid option 'url'"):
        validate_config({cls}.manifest, {{"url": "not a url"}})
'''


def class_name(name: str) -> str:
    """Return the plugin class's name for plugin NAME (`vps_costs` → `VpsCostsPlugin`)."""
    return "".join(part.capitalize() for part in name.split("_") if part) + "Plugin"


def write_template(name: str, parent: Path) -> Path:
    """Write the package of plugin NAME into PARENT/NAME; return that directory.

    Raise `PluginConfigError` for a name the engine could not load or a directory that exists.
    """
    if not NAME_PATTERN.fullmatch(name):
        raise PluginConfigError(
            f"plugin name {name!r}: use lower-case letters, digits and '_', starting with a letter"
        )
    root = parent / name
    if root.exists():
        raise PluginConfigError(f"{root} exists already; choose another name or directory")
    values = {
        "name": name,
        "cls": class_name(name),
        "title": name.replace("_", " ").capitalize(),
        "project": name.replace("_", "-"),
        "engine_version": __version__,
    }
    files = {
        Path("pyproject.toml"): _PYPROJECT,
        Path("src", name, "__init__.py"): _INIT,
        Path("src", name, "plugin.py"): _PLUGIN,
        Path("src", name, FIXTURE_NAME): _RECORDED,
        Path("tests", "conftest.py"): _CONFTEST,
        Path("tests", f"test_{name}.py"): _TESTS,
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(**values), encoding="utf-8")
    return root
