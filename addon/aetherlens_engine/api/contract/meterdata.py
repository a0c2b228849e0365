"""Models of utility interval data imports (Green Button files, CSV exports)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from .base import Count, Instant, Model
from .engine import DeviceId


class MeterDataUpload(Model):
    """A utility's data download, to import as a meter of the household."""

    format: Annotated[
        Literal["greenbutton"],
        Meta(description="greenbutton: an ESPI Atom feed (Green Button Download my data)"),
    ]
    content: Annotated[str, Meta(min_length=1, description="The file's text")]


class ImportedMeter(Model):
    """One meter of the file and what the import did with its intervals."""

    device_id: DeviceId
    source_id: Annotated[str, Meta(description="The meter's identity at the utility")]
    name: str
    flow: Literal["import", "export"]
    start: Annotated[Instant | None, Meta(description="Its first interval's start")]
    end: Annotated[Instant | None, Meta(description="Its last interval's end")]
    intervals: Count
    pieces: Annotated[Count, Meta(description="Its intervals' parts within UTC hours")]
    stored: Annotated[Count, Meta(description="Pieces stored as new readings")]
    duplicates: Annotated[Count, Meta(description="Pieces of hours this meter already had")]
    covered: Annotated[
        Count, Meta(description="Pieces of hours another mains meter of the household recorded")
    ]


class MeterDataImported(Model):
    """What an import stored; a file is stored whole or not at all."""

    source: Annotated[str, Meta(description="The devices' source: the file's format")]
    meters: list[ImportedMeter]
    summaries: Annotated[Count, Meta(description="Usage summaries (billed periods) stored")]
    summaries_known: Annotated[Count, Meta(description="Usage summaries stored before")]
