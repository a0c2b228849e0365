"""The announce hook an entry point installs: started with the engine's port and token, stopped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aetherlens_engine.engine import Engine
from tests.engine.test_api_support import engine_config
from tests.postgres import ScratchDatabase


class RecordingAnnouncer:
    """Records what the engine asks of it."""

    def __init__(self, port: int, token: Callable[[], str | None]) -> None:
        self.port = port
        self.token = token
        self.events: list[str] = []

    def start(self) -> None:
        self.events.append("start")

    async def stop(self) -> None:
        self.events.append("stop")


async def test_the_hook_announces_the_running_engine(
    database: ScratchDatabase, tmp_path: Path
) -> None:
    config, port = engine_config(tmp_path / "data", database.dsn)
    made: list[RecordingAnnouncer] = []

    def announce(port: int, token: Callable[[], str | None]) -> RecordingAnnouncer:
        made.append(RecordingAnnouncer(port, token))
        return made[-1]

    engine = Engine(config, announce=announce)
    await engine.start()
    try:
        [announcer] = made
        assert announcer.events == ["start"]
        assert announcer.port == port
        assert announcer.token() == (config.data_dir / "api_token").read_text().strip()
    finally:
        await engine.stop()
    assert announcer.events == ["start", "stop"]
