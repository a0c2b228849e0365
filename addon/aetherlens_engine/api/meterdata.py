"""`POST /api/v1/meter-data`: import a utility's data download as a meter of the household.

Green Button files, and CSV exports (their zone by default the engine's).
`GET /api/v1/meter-data/summaries` lists the usage summaries (billed periods) imported; each new
one with its bill becomes a statement of the active tariff (`pricing.statements.record_billed`),
matched like any other at `GET /api/v1/statements`.

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
from aetherlens_engine.meterdata.store import (
    Imported,
    StoredSummary,
    store_meter_data,
    stored_summaries,
)
from aetherlens_engine.meterdata.upload import CsvOptions, FileFormat, read_file
from aetherlens_engine.models import Flow
from aetherlens_engine.pricing.statements import record_billed
from aetherlens_engine.tariffs.csvload import Ambiguous

from .contract import meterdata as contract
from .contract.base import instant, json_response, money, optional_instant, optional_money
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
            statements = await record_billed(conn, imported.new_summaries, imported.source)
    except MeterDataError as err:
        raise ApiError(422, "invalid_meter_data", str(err)) from err
    return json_response(imported_answer(imported, statements))


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


def imported_answer(imported: Imported, statements: list[int]) -> contract.MeterDataImported:
    """Return IMPORTED, and the ids of the STATEMENTS made of its summaries, as the API does."""
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
        statements=statements,
    )


async def get_summaries(request: web.Request) -> web.Response:
    """Answer every imported usage summary (what the utility billed), oldest period first."""
    state = request.app[STATE_KEY]
    async with connection(state) as conn:
        stored = await stored_summaries(conn)
    return json_response(contract.UsageSummaries(summaries=[_summary(s) for s in stored]))


def _summary(stored: StoredSummary) -> contract.StoredUsageSummary:
    summary = stored.summary
    return contract.StoredUsageSummary(
        id=stored.id,
        device_id=stored.device_id,
        meter=summary.meter,
        source=stored.source,
        start=instant(summary.start),
        end=instant(summary.end),
        currency=summary.currency,
        bill=optional_money(summary.bill),
        bill_to_date=optional_money(summary.bill_to_date),
        additional_cost=optional_money(summary.additional),
        consumption_kwh=optional_money(summary.consumption_kwh),
        lines=[
            contract.SummaryLine(note=line.note, amount=money(line.amount))
            for line in summary.lines
        ],
        imported_at=instant(stored.imported_at),
    )
