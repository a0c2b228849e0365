"""The add-on's service commands: `python -m aetherlens_engine.supervisor COMMAND [--data DIR]`.

`init` (the init oneshot), `postgres` (the database longrun), `engine` (the engine longrun, on
the add-on's options), `backup` and `backup-done` (the Supervisor's backup_pre and backup_post
hooks), `health` (the image's HEALTHCHECK).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from aetherlens_engine.cluster import find_bindir
from aetherlens_engine.engine import Engine
from aetherlens_engine.errors import ConfigError, EngineError
from aetherlens_engine.logs import configure_logging
from aetherlens_engine.web import IngressPolicy

from .backup import dump_database, remove_dump
from .discovery import SUPERVISOR_TOKEN_VARIABLE, DiscoveryAnnouncer
from .health import UnhealthyError, check_health
from .initialize import initialize
from .options import load_addon_config
from .paths import ADDON_DATA, AddonPaths
from .postgres import exec_server

LOGGER = logging.getLogger("aetherlens_engine.supervisor")
EXIT_FAILED = 1
EXIT_CONFIG_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aetherlens_engine.supervisor", description="Services of the AetherLens Engine add-on."
    )
    parser.add_argument(
        "--data", type=Path, default=ADDON_DATA, help=f"the add-on's data (default {ADDON_DATA})"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create or upgrade the database cluster (server stopped)")
    commands.add_parser("postgres", help="run PostgreSQL in the foreground")
    commands.add_parser("engine", help="run the engine with the add-on's options")
    commands.add_parser("backup", help="dump the database into the data for a backup")
    commands.add_parser("backup-done", help="remove the dump after the backup")
    commands.add_parser("health", help="exit 0 when the engine answers and reaches its database")
    return parser


def _run(command: str, paths: AddonPaths) -> None:
    match command:
        case "init":
            report = initialize(paths)
            LOGGER.info(
                "Database ready (created: %s, restored from a backup: %s, updated: %s)",
                report.created,
                report.restored,
                ", ".join(f"{u.name} {u.old} → {u.new}" for u in report.updates) or "nothing",
            )
        case "postgres":
            exec_server(paths.cluster())
        case "engine":
            config = load_addon_config(paths, os.environ)
            configure_logging(config.log_level)
            engine = Engine(config, announce=_discovery, ingress=ingress_policy(os.environ))
            asyncio.run(engine.run())
        case "backup":
            asyncio.run(dump_database(paths.database_url, paths.dump_file, find_bindir()))
            LOGGER.info("Dumped the database to %s", paths.dump_file)
        case "backup-done":
            remove_dump(paths.dump_file)
        case "health":
            print(check_health(os.environ))  # noqa: T201 - the health check's output


def ingress_policy(environ: Mapping[str, str]) -> IngressPolicy:
    """Trust Home Assistant's ingress proxy when the Supervisor runs the add-on (its token set).

    The image run by docker compose has no Supervisor, hence no ingress.
    """
    return IngressPolicy(enabled=bool(environ.get(SUPERVISOR_TOKEN_VARIABLE)))


def _discovery(port: int, token: Callable[[], str | None]) -> DiscoveryAnnouncer | None:
    """Announce the engine to Home Assistant (via the Supervisor), so it offers the integration."""
    return DiscoveryAnnouncer.from_environment(os.environ, port=port, token=token)


def main(argv: list[str] | None = None) -> int:
    """Run one of the add-on's commands; return the exit status."""
    args = _parser().parse_args(argv)
    configure_logging()
    try:
        _run(args.command, AddonPaths(args.data))
    except ConfigError as err:
        print(f"aetherlens: {err}", file=sys.stderr)  # noqa: T201 - the last word, for the add-on log
        return EXIT_CONFIG_ERROR
    except (EngineError, UnhealthyError) as err:
        print(f"aetherlens: {err}", file=sys.stderr)  # noqa: T201 - the last word, for the add-on log
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
