"""`POST /api/v1/meter-data`: import a utility's data download as a meter of the household.

The file travels as text in a JSON body (the API's body limit bounds it; the `import-meter-data`
command takes files of any size). A file that cannot be read answers 422 with the element or line
at fault, and nothing of it is stored; otherwise 200 with what each meter's import stored.
"""

from __future__ import annotations

from aiohttp import web

from aetherlens_engine.meterdata.greenbutton import read_greenbutton
from aetherlens_engine.meterdata.intervals import MeterDataError
from aetherlens_engine.meterdata.store import Imported, store_meter_data

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
    try:
        data = read_greenbutton(body.content.encode())
        async with connection(state) as conn:
            imported = await store_meter_data(conn, data, state.clock())
    except MeterDataError as err:
        raise ApiError(422, "invalid_meter_data", str(err)) from err
    return json_response(imported_answer(imported))


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
