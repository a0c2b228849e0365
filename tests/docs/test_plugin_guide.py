"""The plugin guide, followed: its example through the worker's protocol, and its walk-through
from an empty directory to a plugin running in the engine."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shlex
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import yaml
from aiohttp import web

from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.plugins.records import decode_result
from aetherlens_engine.plugins.results import Provides
from aetherlens_engine.plugins.worker import serve
from tests.http import serve_app
from tests.postgres import ScratchDatabase, free_port

EXAMPLE = "devtools.example_plugin:FixedSubscriptionPlugin"
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def answers(*requests: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the worker's answers to REQUESTS, one JSON line each way."""
    out = io.BytesIO()
    serve(io.BytesIO(b"".join(json.dumps(r).encode() + b"\n" for r in requests)), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_example_plugin_reports_the_month_so_far() -> None:
    config = {"account_name": "VPS", "monthly_amount": 28.00, "currency": "EUR"}
    started, polled, stopped = answers(
        {"op": "start", "plugin": EXAMPLE, "config": config},
        {"op": "poll", "now": "2026-02-03T12:00:00+00:00"},
        {"op": "stop"},
    )

    assert started == {"ok": True, "name": "fixed_subscription", "version": "1.0.0"}
    assert stopped == {"ok": True}
    decoded = decode_result("vps", frozenset({Provides.CLOUD_COSTS}), polled["result"])
    assert decoded.refused == ()
    (account,) = decoded.result.accounts
    assert account.name == "VPS"
    assert [(row.day, row.amount) for row in account.costs] == [
        (date(2026, 2, day), Decimal(1)) for day in (1, 2, 3)
    ]
    assert [(f.month, f.amount) for f in account.forecasts] == [(date(2026, 2, 1), Decimal(28))]


def test_the_example_plugin_names_a_wrong_option() -> None:
    config = {"account_name": "VPS", "monthly_amount": 5, "currency": "eur"}
    (started,) = answers({"op": "start", "plugin": EXAMPLE, "config": config})
    assert started["ok"] is False
    assert started["error"].startswith("fixed_subscription: invalid option 'currency'")


def _guide_blocks(language: str) -> list[str]:
    """Return the code blocks in LANGUAGE of the guide's "Step by step" section, in order."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Step by step", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


class Stranger:
    """Runs the guide's shell lines in a fresh directory, in the engine's environment.

    The one liberty taken: `pip install -e .` installs into SITE instead of the environment every
    test run shares, with uv, offline; SITE and what its .pth files name (the editable install's
    sources) are then on the import path, as they would be in a site directory.
    """

    def __init__(self, home: Path) -> None:
        self.cwd = home
        self.site = home / "site"

    def import_path(self) -> list[str]:
        """Return SITE and the directories its .pth files add."""
        added = [line for pth in self.site.glob("*.pth") for line in pth.read_text().split()]
        return [str(self.site), *added]

    def run(self, line: str) -> str:
        """Run one line of the guide; return what it printed, failing the test if it fails."""
        words = shlex.split(line)
        if words[0] == "cd":
            self.cwd = self.cwd / words[1]
            return ""
        if words == ["pip", "install", "-e", "."]:
            words = [
                *("uv", "pip", "install", "--offline", "--no-deps", "--quiet"),
                *("--python", sys.executable, "--target", str(self.site), "-e", "."),
            ]
        elif words[0] == "aetherlens-engine":
            words[0] = str(Path(sys.executable).with_name("aetherlens-engine"))
        elif words[:3] == ["python", "-m", "pytest"]:
            words = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *words[3:]]
        else:
            pytest.fail(f"the guide has a step this test does not know: {line}")
        done = subprocess.run(
            words,
            cwd=self.cwd,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(self.import_path())},
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        return done.stdout


def _apply_the_guides_edit(project: Path, recorded: str, parse_end: str) -> None:
    """Make the edit step 2 describes: the new recorded answer, and `parse`'s new ending."""
    (project / "src" / "my_service" / "recorded.json").write_text(recorded, encoding="utf-8")
    plugin = project / "src" / "my_service" / "plugin.py"
    source = plugin.read_text(encoding="utf-8")
    first = parse_end.splitlines()[0]
    start = source.index(first)
    end = source.index("\n", source.index("return PollResult", start)) + 1
    source = source[:start] + parse_end + source[end:]
    plugin.write_text(source.replace("    CostRow,\n", "    CostRow,\n    Forecast,\n"))


@pytest.mark.usefixtures("socket_enabled")  # the engine, its database and the fake service
@pytest.mark.parametrize("database", ["timescaledb"], indirect=True)
async def test_a_stranger_follows_the_guide_to_a_running_plugin(
    database: ScratchDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """plugin new → edit → plugin validate → its tests pass → it runs in the engine."""
    write, check = _guide_blocks("sh")
    (recorded,) = _guide_blocks("json")
    (parse_end,) = _guide_blocks("python")
    (engine_options,) = _guide_blocks("yaml")
    stranger = Stranger(tmp_path)
    for line in write.splitlines():
        stranger.run(line)
    _apply_the_guides_edit(stranger.cwd, recorded, parse_end)
    validated, tested = (stranger.run(line) for line in check.splitlines())
    assert "my_service: dry run: ok: took 1 accounts, 2 costs, 1 forecasts" in validated
    assert "3 passed" in tested

    (options,) = yaml.safe_load(engine_options)["plugins"]
    answer = json.loads(recorded)["answer"]
    asked: list[str] = []

    async def costs(request: web.Request) -> web.Response:
        # The service as the template's fetch expects it: its bearer token, then the JSON answer.
        asked.append(request.headers.get("Authorization", ""))
        if request.headers.get("Authorization") != f"Bearer {options['config']['token']}":
            return web.json_response({"error": "unauthorized"}, status=401)
        return web.json_response(answer)

    service = web.Application()
    service.router.add_get("/api/costs", costs)
    for entry in stranger.import_path():  # the engine's and so its workers' import path
        monkeypatch.syspath_prepend(entry)
    async with serve_app(service) as url:
        options["config"]["url"] = f"{url}/api/costs"
        port = free_port()
        config = load_config(
            environ={},
            overrides={
                "data_dir": str(tmp_path / "engine"),
                "database_url": database.dsn,
                "api": {"port": port},
                "plugins": [options],
            },
        )
        engine = Engine(config)
        await engine.start()
        try:
            token = next((tmp_path / "engine").glob("*token*")).read_text().strip()
            status = await _healthy(port, token, "my_service")
        finally:
            await engine.stop()
    assert asked[0] == f"Bearer {options['config']['token']}"
    assert (status["plugin"], status["requests"], status["refused"]) == ("my_service", 1, 0)
    conn = await asyncpg.connect(database.dsn)
    try:
        stored = await conn.fetch(
            "SELECT d.name, c.day, c.amount FROM cloud_costs c JOIN devices d ON d.id = c.device_id"
            " ORDER BY c.day"
        )
        forecast = await conn.fetchval("SELECT amount FROM cloud_forecasts")
    finally:
        await conn.close()
    assert [tuple(row) for row in stored] == [
        ("My service", date(2026, 11, 1), Decimal("0.42")),
        ("My service", date(2026, 11, 2), Decimal("0.40")),
    ]
    assert forecast == Decimal("12.60")


async def _healthy(port: int, token: str, name: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
        async with asyncio.timeout(60):
            while True:
                async with session.get("/api/v1/health") as resp:
                    status: dict[str, Any] = (await resp.json())["plugins"][name]
                if status["status"] == "healthy":
                    return status
                assert status["status"] in {"starting", "healthy"}, status["last_error"]
                await asyncio.sleep(0.1)
