"""Errors of the ingest pipeline; the HTTP layer maps them to status codes."""

from __future__ import annotations

from aetherlens_engine.errors import EngineError


class IngestError(EngineError):
    """Base class of the ingest pipeline's errors."""


class IngestBackpressureError(IngestError):
    """The buffer stayed full: the database cannot keep up; retry later (HTTP 503).

    Part of a large submission may have been stored already; resubmitting all of it is safe,
    since a reading delivered twice is stored once.
    """


class IngestUnavailableError(IngestError):
    """Readings could be neither written to the database nor spooled to disk (HTTP 503)."""


class IngestStoppedError(IngestError):
    """The pipeline is not running (not started yet, or stopping)."""
