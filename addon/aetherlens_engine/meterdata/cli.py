"""The `import-meter-data` command: store a utility file in the engine's database.

For files larger than the API takes, or an engine that is not running: the readings are queued
for the rollups, which the engine folds in when it runs. Prints what each meter stored.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg

from aetherlens_engine.clock import system_clock
from aetherlens_engine.models import Flow
from aetherlens_engine.pricing.statements import record_billed
from aetherlens_engine.tariffs.csvload import Ambiguous

from .intervals import MeterData, MeterDataError
from .store import Imported, store_meter_data
from .upload import CsvOptions, FileFormat, read_file

EXIT_INPUT_ERROR = 2
EXIT_DATABASE_ERROR = 1


def add_import_command(commands: Any) -> None:
    """Register `import-meter-data` on the command line's subcommands."""
    parser = commands.add_parser(
        "import-meter-data",
        help="import a utility's interval data (Green Button, CSV) as a household meter",
        description="Store a Green Button file or a CSV export as the readings of a meter of "
        "the household, all or nothing; hours already recorded are kept.",
    )
    parser.add_argument("file", type=Path, help="the file (.xml: Green Button, .csv: CSV)")
    parser.add_argument("--database-url", required=True, help="the engine's PostgreSQL database")
    parser.add_argument("--format", choices=[f.value for f in FileFormat], dest="file_format")
    parser.add_argument("--tz", default="UTC", help="CSV: zone of dates and naive times")
    parser.add_argument("--meter", default="utility meter", help="CSV: the meter's name")
    parser.add_argument("--flow", choices=[f.value for f in Flow], default=Flow.IMPORT.value)
    parser.add_argument("--interval-minutes", type=int, help="CSV timestamp,kwh: row length")
    parser.add_argument(
        "--ambiguous", choices=[a.value for a in Ambiguous], default=Ambiguous.ERROR.value
    )


def _format(args: argparse.Namespace) -> FileFormat:
    if args.file_format is not None:
        return FileFormat(args.file_format)
    return FileFormat.GREENBUTTON if args.file.suffix.lower() == ".xml" else FileFormat.CSV


def run_import(args: argparse.Namespace) -> int:
    """Run the `import-meter-data` command; return the exit status."""
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        return _fail(f"--tz: unknown time zone {args.tz!r}", EXIT_INPUT_ERROR)
    length = timedelta(minutes=args.interval_minutes) if args.interval_minutes else None
    options = CsvOptions(zone, args.meter, Flow(args.flow), length, Ambiguous(args.ambiguous))
    try:
        data = read_file(_format(args), args.file.read_bytes(), options)
        imported, statements = asyncio.run(_store(args.database_url, data))
    except OSError as err:
        return _fail(f"{args.file}: {err.strerror}", EXIT_INPUT_ERROR)
    except MeterDataError as err:
        return _fail(f"{args.file}: {err}", EXIT_INPUT_ERROR)
    except asyncpg.PostgresError as err:
        return _fail(f"the database refused the import: {err}", EXIT_DATABASE_ERROR)
    print(_table(imported, statements))  # noqa: T201
    return 0


async def _store(url: str, data: MeterData) -> tuple[Imported, list[int]]:
    """Store DATA; return what was stored and the statements made of its billed summaries."""
    conn = await asyncpg.connect(url)
    try:
        imported = await store_meter_data(conn, data, system_clock())
        return imported, await record_billed(conn, imported.new_summaries, imported.source)
    finally:
        await conn.close()


def _table(imported: Imported, statements: list[int]) -> str:
    lines = [f"{'device':>6}  {'flow':6}  {'stored':>6}  {'dupl.':>6}  {'covered':>7}  meter"]
    lines += [
        f"{m.device_id:>6}  {m.meter.flow.value:6}  {m.stored:>6}  {m.duplicates:>6}  "
        f"{m.covered:>7}  {m.meter.name}"
        for m in imported.meters
    ]
    lines.append(f"usage summaries: {imported.summaries} stored, {imported.summaries_known} known")
    lines.append(f"statements made of them: {len(statements)}")
    return "\n".join(lines)


def _fail(message: str, status: int) -> int:
    print(f"aetherlens: {message}", file=sys.stderr)  # noqa: T201
    return status
