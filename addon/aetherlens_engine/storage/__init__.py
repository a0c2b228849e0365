"""Storage maintenance: what the database can do, energy rollups, compaction and retention."""

from .compaction import CompactionReport, compact_readings
from .features import DatabaseFeatures, Licence, UnknownLicenceError, detect_features
from .retention import (
    RetentionMode,
    RetentionReport,
    RetentionSettings,
    Statement,
    apply_policies,
    enforce_retention,
    policy_statements,
    retention_mode,
)
from .rollups import RollupMaintainer

__all__ = [
    "CompactionReport",
    "DatabaseFeatures",
    "Licence",
    "RetentionMode",
    "RetentionReport",
    "RetentionSettings",
    "RollupMaintainer",
    "Statement",
    "UnknownLicenceError",
    "apply_policies",
    "compact_readings",
    "detect_features",
    "enforce_retention",
    "policy_statements",
    "retention_mode",
]
