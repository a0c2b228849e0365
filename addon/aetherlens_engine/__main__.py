"""Command line: `python -m aetherlens_engine [--version] COMMAND [options]`.

COMMAND is serve, bill, import-meter-data or plugin. The engine standalone; the add-on runs it
through its own entry point (`aetherlens_engine.supervisor`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .api.present import command_json
from .config import load_config
from .engine import Engine
from .errors import ConfigError, EngineError
from .logs import configure_logging
from .meterdata.cli import add_import_command, run_import
from .plugins.cli import add_plugin_command, run_plugin
from .tariffs.cli import add_bill_command, run_bill

EXIT_ENGINE_ERROR = 1
EXIT_CONFIG_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aetherlens_engine",
        description="AetherLens engine: household energy and cloud costs, priced exactly.",
    )
    parser.add_argument("--version", action="version", version=f"aetherlens-engine {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the engine",
        description="Run the engine. Without --database-url it runs its own PostgreSQL in the "
        "data directory.",
    )
    serve.add_argument("--config", type=Path, help="options file (.json, .yaml, .toml)")
    serve.add_argument("--data-dir", help="where the database, API token and spool live")
    serve.add_argument("--database-url", help="use this PostgreSQL database instead")
    serve.add_argument("--host", help="address the API listens on")
    serve.add_argument("--port", help="port the API listens on")
    add_bill_command(commands)
    add_import_command(commands)
    add_plugin_command(commands)
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    if args.database_url is not None:
        overrides["database_url"] = args.database_url
    api = {key: value for key in ("host", "port") if (value := getattr(args, key)) is not None}
    if api:
        overrides["api"] = api
    return overrides


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "bill":
        return run_bill(args, command_json)
    if args.command == "import-meter-data":
        return run_import(args)
    if args.command == "plugin":
        return run_plugin(args)
    try:
        config = load_config(file=args.config, overrides=_overrides(args))
    except ConfigError as err:
        print(f"aetherlens: {err}", file=sys.stderr)  # noqa: T201 - before logging is set up
        return EXIT_CONFIG_ERROR
    configure_logging(config.log_level)
    try:
        asyncio.run(Engine(config).run())
    except EngineError as err:
        print(f"aetherlens: {err}", file=sys.stderr)  # noqa: T201 - the last word, also if logs go elsewhere
        return EXIT_ENGINE_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
