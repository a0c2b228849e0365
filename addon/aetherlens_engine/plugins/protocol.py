"""The JSON-lines protocol between the supervisor and a plugin worker, and secret redaction.

Requests (one JSON object per line on the worker's stdin): `{"op": "start", "plugin": ref,
"config": {...}}`, `{"op": "poll", "now": ISO time}` (the engine's clock, which the plugin's
clock follows from then on), `{"op": "dry_run", "answer": ...}` (a `SourcePlugin` parses a
recorded answer of its source instead of fetching one), `{"op": "health"}`, `{"op": "stop"}`.
Each is answered by one line on the worker's protocol channel: `{"ok": true, ...}` or
`{"ok": false, "error": message}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

# Large enough for months of daily costs by service and region in one answer.
MAX_LINE_BYTES = 32 * 1024 * 1024
REDACTED = "***"


def encode(message: dict[str, Any]) -> bytes:
    """Return MESSAGE as one protocol line."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """Return the message on LINE; raise ValueError (bad JSON) or TypeError (not an object)."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise TypeError("a protocol message must be a JSON object")
    return message


def redact(text: str, secrets: Iterable[str]) -> str:
    """Return TEXT with every secret value replaced (longest first, so none leaks partly)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
