"""The error every HTTP answer of the engine reports: the API's and the page's alike.

It lives here, below both, so that the page raises it without importing the API; the API's
error middleware (`api.errors`) answers it as `{"error": {"code": ..., "message": ...}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """An answer other than success, raised by handlers and middlewares."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        """Describe the error: HTTP STATUS, a stable CODE for programs, a MESSAGE for people."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.details = details
