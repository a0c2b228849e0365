"""A utility file as received, its bytes and format, read into MeterData.

One door for the API and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from aetherlens_engine.models import Flow
from aetherlens_engine.tariffs.csvload import Ambiguous

from .csvfile import read_csv
from .greenbutton import read_greenbutton
from .intervals import MeterData, MeterDataError


class FileFormat(StrEnum):
    """The formats of utility data the engine reads."""

    GREENBUTTON = "greenbutton"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """What a CSV export does not say: its zone, meter, direction, interval length."""

    zone: ZoneInfo
    meter_id: str = "utility meter"
    flow: Flow = Flow.IMPORT
    length: timedelta | None = None
    ambiguous: Ambiguous = Ambiguous.ERROR


def read_file(file_format: FileFormat, data: bytes, options: CsvOptions) -> MeterData:
    """Return the meters of DATA, a file of FILE_FORMAT; raise MeterDataError naming the fault."""
    if file_format is FileFormat.GREENBUTTON:
        return read_greenbutton(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise MeterDataError(f"not a UTF-8 CSV file (byte {err.start})") from err
    return read_csv(
        text,
        options.zone,
        meter_id=options.meter_id,
        flow=options.flow,
        length=options.length,
        ambiguous=options.ambiguous,
    )
