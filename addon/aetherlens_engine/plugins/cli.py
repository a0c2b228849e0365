"""The `plugin` command: `plugin new NAME` writes a plugin package, `plugin validate` checks one."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from .base import PluginConfigError
from .template import write_template
from .validate import check, targets_of

EXIT_INVALID = 1
EXIT_USAGE = 2


def add_plugin_command(commands: Any) -> None:
    """Register `plugin new` and `plugin validate` on the command line's subcommands."""
    parser = commands.add_parser(
        "plugin",
        help="write or check a plugin",
        description="Write a new plugin package from the template, or validate a plugin.",
    )
    actions = parser.add_subparsers(dest="plugin_command", required=True)
    new = actions.add_parser(
        "new",
        help="write a plugin package",
        description="Write a plugin package NAME (with its entry point, config schema, "
        "recorded answer and tests) into a new directory NAME.",
    )
    new.add_argument("name", help="the plugin's name: lower-case letters, digits and '_'")
    new.add_argument(
        "--directory", type=Path, default=Path(), help="where to create it (default: here)"
    )
    validate = actions.add_parser(
        "validate",
        help="check a plugin",
        description="Check a plugin's entry point, manifest and config schema, and dry-run one "
        "poll in a worker process against its recorded answer (recorded.json).",
    )
    validate.add_argument(
        "target",
        help="a project directory, an installed plugin's name, or a module:Class reference",
    )
    validate.add_argument("--fixture", type=Path, help="the recorded answer to replay instead")


def run_plugin(args: argparse.Namespace) -> int:
    """Run `plugin new` or `plugin validate`; return the exit status."""
    if args.plugin_command == "new":
        try:
            root = write_template(args.name, args.directory)
        except PluginConfigError as err:
            print(f"aetherlens: {err}", file=sys.stderr)  # noqa: T201 - a command's answer
            return EXIT_USAGE
        print(f"Wrote the plugin {args.name} in {root}")  # noqa: T201 - a command's answer
        return 0
    try:
        targets = targets_of(args.target)
    except PluginConfigError as err:
        print(f"aetherlens: {err}", file=sys.stderr)  # noqa: T201 - a command's answer
        return EXIT_USAGE
    failed = False
    for target in targets:
        for step in asyncio.run(check(target, args.fixture)):
            mark = "skip" if step.skipped else "ok" if step.passed else "FAIL"
            print(f"{target.name}: {step.name}: {mark}: {step.message}")  # noqa: T201
            failed = failed or not step.passed
    return EXIT_INVALID if failed else 0
