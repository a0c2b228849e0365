"""Exceptions of the engine, each with a message a user can act on."""


class EngineError(Exception):
    """Base class of the engine's errors."""


class ClusterError(EngineError):
    """The managed PostgreSQL cluster cannot be created, started or stopped."""


class MigrationError(EngineError):
    """The database schema cannot be brought up to date."""


class ConfigError(EngineError):
    """The configuration is invalid; the message names the option."""


class OptionError(ConfigError):
    """One option is invalid: `path` is where (keys and list indexes), `problem` what is wrong."""

    def __init__(self, path: tuple[str | int, ...], problem: str) -> None:
        """Say which option PATH is wrong and why."""
        dotted = ".".join(str(part) for part in path) or "(top level)"
        super().__init__(f"invalid option '{dotted}': {problem}")
        self.path = path
        self.problem = problem
