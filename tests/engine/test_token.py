"""The API token file: created 0600, reused, validated, and the token never logged."""

from __future__ import annotations

import asyncio
import logging
import stat
from pathlib import Path

import aiohttp
import pytest

from aetherlens_engine import __version__
from aetherlens_engine.api import EngineState
from aetherlens_engine.logs import JsonFormatter
from aetherlens_engine.token import TOKEN_FILE_NAME, TokenError, load_or_create_token
from tests.engine.test_api_support import serve


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_with_mode_0600_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    token = load_or_create_token(data_dir)
    path = data_dir / TOKEN_FILE_NAME
    assert _mode(path) == 0o600
    assert path.read_text() == token + "\n"
    assert len(token) >= 32
    assert load_or_create_token(data_dir) == token  # a restart reads it back
    assert [p.name for p in data_dir.iterdir()] == [TOKEN_FILE_NAME]  # nothing left aside


def test_each_data_dir_gets_its_own_token(tmp_path: Path) -> None:
    assert load_or_create_token(tmp_path / "a") != load_or_create_token(tmp_path / "b")


def test_too_open_file_is_tightened(tmp_path: Path) -> None:
    token = load_or_create_token(tmp_path)
    path = tmp_path / TOKEN_FILE_NAME
    path.chmod(0o644)
    assert load_or_create_token(tmp_path) == token
    assert _mode(path) == 0o600


@pytest.mark.parametrize("content", ["", "short", "x" * 31, "spaces in the token " * 3, "é" * 40])
def test_unusable_file_is_an_error(tmp_path: Path, content: str) -> None:
    (tmp_path / TOKEN_FILE_NAME).write_text(content, encoding="utf-8")
    with pytest.raises(TokenError, match=f"{TOKEN_FILE_NAME}"):
        load_or_create_token(tmp_path)


def test_unwritable_data_dir_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(TokenError, match="API token file"):
        load_or_create_token(blocker / "data")


async def test_token_never_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Creating, reading and using the token (right, wrong, failing) logs no trace of it."""
    caplog.set_level(logging.DEBUG)
    token = load_or_create_token(tmp_path)
    assert load_or_create_token(tmp_path) == token
    (tmp_path / TOKEN_FILE_NAME).chmod(0o640)
    load_or_create_token(tmp_path)
    state = EngineState(__version__, "logs", token=token)
    async with serve(state) as url, aiohttp.ClientSession(url) as session:
        for header in (f"Bearer {token}", f"Bearer {token}x", f"Basic {token}"):
            for path in ("/api/v1/summary", "/api/v1/health", "/nowhere"):
                async with session.get(path, headers={"Authorization": header}) as resp:
                    await resp.read()
        await asyncio.sleep(0)  # let the access log write its last line
    assert "created a new API token" in caplog.text
    assert "mode is now 0600" in caplog.text
    assert any(r.name == "aiohttp.access" for r in caplog.records)
    formatter = JsonFormatter()
    for record in caplog.records:
        assert token not in formatter.format(record)
    assert token not in repr(state)
