"""The `bill` command: price a load CSV under a native or URDB tariff and print every cycle.

With `--compare FILE` the same load is priced under a second tariff too (`tariffs.compare`); with
`--rank PATH...` under every tariff file given or found in a folder given, and the bills are ranked
by total, the `--tariff` one among them as the reference (`tariffs.ranking`). The JSON output
is shaped by the caller (`api.present.command_json`, the API's bills), the table here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aetherlens_engine.errors import EngineError

from .bill import Bill, bill
from .compare import Comparison, compare, comparison_to_table
from .csvload import Ambiguous, read_load, read_series
from .load import build_tariff, read_definition
from .model import Tariff, TariffError
from .present import bill_to_table
from .ranking import Candidate, Ranking, rank, ranking_to_table
from .urdb import import_urdb, is_urdb

EXIT_INPUT_ERROR = 2
TARIFF_SUFFIXES = (".json", ".yaml", ".yml")

type Shown = Bill | Comparison | Ranking
"""What the command prints: a bill, a comparison or a ranking."""


def add_bill_command(commands: Any) -> None:
    """Register `bill` on the command line's subcommands."""
    parser = commands.add_parser(
        "bill",
        help="price a load CSV under a tariff",
        description="Price metered energy under a tariff (native YAML/JSON or URDB JSON) and "
        "print every billing cycle's components and the total.",
    )
    parser.add_argument("--tariff", type=Path, required=True, help="tariff file")
    parser.add_argument(
        "--load", type=Path, required=True, help="CSV: timestamp, kwh (or kw), device:NAME..."
    )
    parser.add_argument(
        "--tz", required=True, help="zone of naive CSV times (and of a URDB tariff), e.g. UTC"
    )
    parser.add_argument("--cycle-day", type=int, choices=range(1, 32), metavar="N")
    parser.add_argument("--export", type=Path, help="CSV of exported energy, like --load")
    parser.add_argument("--prices", type=Path, help="CSV: timestamp, price (dynamic tariffs)")
    parser.add_argument("--carbon", type=Path, help="CSV: timestamp, intensity (kg CO2e/kWh)")
    parser.add_argument(
        "--interval-minutes", type=int, help="length of every CSV row (default: to the next row)"
    )
    parser.add_argument(
        "--ambiguous",
        choices=[a.value for a in Ambiguous],
        default=Ambiguous.ERROR.value,
        help="a naive CSV time the zone repeats (DST fall-back) is its first or second instance, "
        "or an error (default: give such rows their UTC offset)",
    )
    others = parser.add_mutually_exclusive_group()
    others.add_argument(
        "--compare",
        type=Path,
        metavar="FILE",
        help="another tariff file: print both bills of the same load and the difference",
    )
    others.add_argument(
        "--rank",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="tariff files, or folders of them (*.json, *.yaml, *.yml): print every bill of the "
        "same load, ranked by total, with --tariff's as the reference",
    )
    parser.add_argument("--format", choices=("json", "table"), default="table")


def _tariff(path: Path, zone: ZoneInfo) -> Tariff:
    """Read a native or URDB tariff file; an error in its content names the file."""
    definition = read_definition(path)
    try:
        if is_urdb(definition):
            imported = import_urdb(definition, zone.key)
            for field in imported.unsupported:
                note = f"aetherlens: {path}: URDB field not supported, left out: {field}"
                print(note, file=sys.stderr)  # noqa: T201
            definition = imported.definition
        return build_tariff(definition)
    except TariffError as err:
        raise TariffError(f"{path}: {err}") from err


def _candidates(paths: list[Path], zone: ZoneInfo) -> list[Candidate]:
    """Return the tariffs of PATHS: a folder gives its tariff files in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in TARIFF_SUFFIXES)
            if not found:
                raise TariffError(f"--rank: no tariff file (*.json, *.yaml, *.yml) in {path}")
            files.extend(found)
        else:
            files.append(path)
    return [Candidate(str(file), _tariff(file, zone)) for file in files]


def run_bill(args: argparse.Namespace, to_json: Callable[[Shown], object]) -> int:
    """Run the `bill` command; return the exit status. TO_JSON gives `--format json` its data."""
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"aetherlens: --tz: unknown time zone {args.tz!r}", file=sys.stderr)  # noqa: T201
        return EXIT_INPUT_ERROR
    length = timedelta(minutes=args.interval_minutes) if args.interval_minutes else None
    ambiguous = Ambiguous(args.ambiguous)
    try:
        tariff = _tariff(args.tariff, zone)
        data = read_load(args.load, zone, length, ambiguous)
        exported = read_load(args.export, zone, length, ambiguous).load if args.export else []
        prices = (
            read_series(args.prices, zone, "price", "price", ambiguous) if args.prices else None
        )
        carbon = (
            read_series(args.carbon, zone, "intensity", "carbon", ambiguous)
            if args.carbon
            else None
        )
        options: dict[str, Any] = {
            "export": exported,
            "prices": prices,
            "carbon": carbon,
            "devices": data.devices,
            "cycle_day": args.cycle_day,
        }
        shown: Shown
        if args.rank is not None:
            reference = Candidate(str(args.tariff), tariff)
            shown = rank([reference, *_candidates(args.rank, zone)], data.load, **options)
            as_table = ranking_to_table(shown)
        elif args.compare is not None:
            shown = compare(tariff, _tariff(args.compare, zone), data.load, **options)
            as_table = comparison_to_table(shown)
        else:
            shown = bill(tariff, data.load, **options)
            as_table = bill_to_table(shown)
    except EngineError as err:
        print(f"aetherlens: {err}", file=sys.stderr)  # noqa: T201
        return EXIT_INPUT_ERROR
    print(json.dumps(to_json(shown), indent=2) if args.format == "json" else as_table)  # noqa: T201
    return 0
