"""Exceptions of the engine, each with a message a user can act on."""


class EngineError(Exception):
    """Base class of the engine's errors."""


class ClusterError(EngineError):
    """The managed PostgreSQL cluster cannot be created, started or stopped."""


class MigrationError(EngineError):
    """The database schema cannot be brought up to date."""


class ConfigError(EngineError):
    """The configuration is invalid; the message names the option."""
