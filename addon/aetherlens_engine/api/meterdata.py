"""`POST /api/v1/meter-data`: import a utility's data download as a meter of the household.

Green Button files, and CSV exports (their zone by default the engine's).

The file travels as text in a JSON body (the API's body limit bounds it; the `import-meter-data`
command takes files of any size). A file that cannot be read answers 422 with the element or line
at fault, and nothing of it is stored; otherwise 200 with what each meter's import stored.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from msgspec import UNSET

from aetherlens_engine.meterdata.intervals import MeterDataError
from aetherlens_engine.meterdata.store import Imported, store_meter_data
from aetherlens_engine.meterdata.upload import CsvOptions, FileFormat, read_file
from aetherlens_engine.models import Flow
from aetherlens_engine.tariffs.csvload import Ambiguous

from .contract import meterdata as contract
from .contract.base import json_response, optional_instant
from .database import connection
from .decode import body_of
from .errors import ApiError
from .state import STATE_KEY


async def post_meter_data(request: web.Request) -> web.Response:
    """Read the uploaded file, store it whole, answer what was stored."""
    state = request.app[STATE_KEY]
    body = await body_of(request, contract.MeterDataUpload)
    options = _csv_options(body, state.timezone)
    try:
        data = read_file(FileFormat(body.format), body.content.encode(), options)
        async with connection(state) as conn:
            imported = await store_meter_data(conn, data, state.clock())
    except MeterDataError as err:
        raise ApiError(422, "invalid_meter_data", str(err)) from err
    return json_response(imported_answer(imported))


def _csv_options(body: contract.MeterDataUpload, default: ZoneInfo) -> CsvOptions:
    zone = default
    if body.timezone is not UNSET:
        try:
            zone = ZoneInfo(body.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ApiError(
                400, "invalid_body", f"timezone: unknown time zone {body.timezone!r}"
            ) from None
    minutes = body.interval_minutes
    return CsvOptions(
        zone,
        body.meter,
        Flow(body.flow),
        None if minutes is UNSET else timedelta(minutes=minutes),
        Ambiguous(body.ambiguous),
    )


def imported_answer(imported: Imported) -> contract.MeterDataImported:
    """Return IMPORTED as the API (and the command's JSON) shows it."""
    return contract.MeterDataImported(
        source=imported.source,
        meters=[
            contract.ImportedMeter(
                device_id=item.device_id,
                source_id=item.meter.source_id,
                name=item.meter.name,
                flow=item.meter.flow.value,
                start=optional_instant(
                    item.meter.intervals[0].start if item.meter.intervals else None
                ),
                end=optional_instant(
                    item.meter.intervals[-1].end if item.meter.intervals else None
                ),
                intervals=len(item.meter.intervals),
                pieces=item.pieces,
                stored=item.stored,
                duplicates=item.duplicates,
                covered=item.covered,
            )
            for item in imported.meters
        ],
        summaries=imported.summaries,
        summaries_known=imported.summaries_known,
    )
