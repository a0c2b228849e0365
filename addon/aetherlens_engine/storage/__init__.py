"""Storage maintenance: what the database can do, energy rollups, and data retention."""

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
    "DatabaseFeatures",
    "Licence",
    "RetentionMode",
    "RetentionReport",
    "RetentionSettings",
    "RollupMaintainer",
    "Statement",
    "UnknownLicenceError",
    "apply_policies",
    "detect_features",
    "enforce_retention",
    "policy_statements",
    "retention_mode",
]
