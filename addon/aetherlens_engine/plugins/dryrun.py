"""One poll of a plugin in its own worker process, replaying a recorded answer of its source.

A fixture (`recorded.json` beside a plugin's module) holds the options to start the plugin with,
the moment the poll happens and what the source answered. The dry run starts a real worker,
replays the answer through the plugin's `parse` and reads the result exactly as the engine does
(`records.decode_result`): what a plugin's tests and `plugin validate` see is what the engine
would store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .base import PluginConfigError, PluginError, PluginManifest, secret_values
from .process import PluginProcess
from .records import Decoded, decode_result

FIXTURE_NAME = "recorded.json"
# A dry run parses what is already there: it is quick, or the plugin is broken.
DRY_RUN_TIMEOUT = 30.0
DRY_RUN_MEMORY = 512 * 2**20


@dataclass(frozen=True, slots=True)
class Fixture:
    """A recorded poll: the plugin's options, when it polled, and its source's answer."""

    config: dict[str, Any] = field(repr=False)
    now: datetime
    answer: Any = field(repr=False)


def load_fixture(path: Path) -> Fixture:
    """Read the fixture at PATH; raise `PluginConfigError` naming the file and the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise PluginConfigError(f"{path}: cannot read the recorded fixture: {err}") from err
    if not isinstance(data, dict):
        raise PluginConfigError(f"{path}: the fixture must be a JSON object")
    missing = [key for key in ("config", "now", "answer") if key not in data]
    if missing:
        raise PluginConfigError(f"{path}: the fixture lacks {', '.join(missing)}")
    if not isinstance(data["config"], dict):
        raise PluginConfigError(f"{path}: config: must be an object of the plugin's options")
    try:
        now = datetime.fromisoformat(str(data["now"]))
    except ValueError as err:
        raise PluginConfigError(f"{path}: now: {err}") from err
    if now.utcoffset() is None:
        raise PluginConfigError(f"{path}: now: {data['now']!r} has no UTC offset")
    return Fixture(data["config"], now, data["answer"])


async def dry_run(reference: str, manifest: PluginManifest, fixture: Fixture) -> Decoded:
    """Start the plugin at REFERENCE in a worker, replay FIXTURE, return what the engine takes.

    Raise `PluginError` (secrets blanked) if the plugin cannot start or fails on the answer.
    """
    secrets = secret_values(manifest, fixture.config)
    process = await PluginProcess.spawn(f"{__package__}.dry_run", secrets)
    try:
        for request in (
            {"op": "start", "plugin": reference, "config": fixture.config},
            {"op": "dry_run", "now": fixture.now.isoformat(), "answer": fixture.answer},
        ):
            answer = await process.request(
                request, within=DRY_RUN_TIMEOUT, memory_limit=DRY_RUN_MEMORY
            )
            if not answer.get("ok"):
                raise PluginError(str(answer.get("error", "the plugin failed without a message")))
    finally:
        await process.close()
    return decode_result(manifest.name, manifest.provides, answer.get("result"))
