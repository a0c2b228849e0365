"""Ingestion: the one entry point for readings from every source (see pipeline.py)."""

from .errors import (
    IngestBackpressureError,
    IngestError,
    IngestStoppedError,
    IngestUnavailableError,
)
from .pipeline import IngestPipeline
from .stats import IngestStats
from .validate import RejectReason

__all__ = [
    "IngestBackpressureError",
    "IngestError",
    "IngestPipeline",
    "IngestStats",
    "IngestStoppedError",
    "IngestUnavailableError",
    "RejectReason",
]
