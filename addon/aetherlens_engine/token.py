"""The API's bearer token: made once with `secrets`, kept in the data directory (mode 0600).

The token itself is never logged; only the file that holds it is named.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import tempfile
from pathlib import Path

from .errors import EngineError

TOKEN_FILE_NAME = "api_token"  # noqa: S105 (a file name, not a secret)
_VALID = re.compile(r"[A-Za-z0-9_-]{32,}")
_LOGGER = logging.getLogger(__name__)


class TokenError(EngineError):
    """The token file cannot be read or written, or does not hold a usable token."""


def load_or_create_token(data_dir: Path) -> str:
    """Return the token stored in DATA_DIR, creating it on first start."""
    path = data_dir / TOKEN_FILE_NAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    try:
        return _create(path)
    except OSError as err:
        raise TokenError(f"cannot create the API token file {path}: {err.strerror}") from err


def _create(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    # Written aside (mkstemp makes it 0600), then linked into place: the token file appears
    # complete or not at all, and an engine starting at the same moment keeps the first one.
    fd, temporary = tempfile.mkstemp(prefix=f".{TOKEN_FILE_NAME}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(token + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read(path)
    finally:
        Path(temporary).unlink()
    _LOGGER.info("created a new API token in %s", path)
    return token


def _read(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            path.chmod(0o600)
            _LOGGER.warning("%s was readable by others; its mode is now 0600", path)
        token = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as err:
        raise TokenError(f"cannot read the API token file {path}: {err}") from err
    if not _VALID.fullmatch(token):
        raise TokenError(
            f"{path} does not hold a valid API token (32 or more of A-Z a-z 0-9 _ -); "
            "delete it and restart the engine to create a new one"
        )
    return token
