"""`POST /api/v1/readings`: a JSON batch of readings handed to the ingest pipeline.

200 when every reading was accepted, 207 when some were, 422 when none were (each refusal with
its index in the batch); 400 for a body that is not a JSON array, 413 for too many readings,
503 when none can be taken now (a full buffer; a device not known while the database is away).
Times are RFC 3339 with an offset, from the raw retention's start (`?backfill=true`: the daily
rollups' start; the readings are flagged as backfilled) to 5 minutes ahead; values are finite,
at most 1e12 in magnitude. Of several readings of one device at one instant, the first is
stored and the others are listed in `duplicates`; a reading already stored is kept.
"""

from __future__ import annotations

import math
import re
from operator import attrgetter
from typing import Any

import msgspec
from aiohttp import web

from aetherlens_engine.errors import EngineError
from aetherlens_engine.ingest.validate import MAX_ABS_VALUE
from aetherlens_engine.models import NO_FLAGS, Quality, RawReading, Rejection

from .contract import engine as contract
from .contract.base import json_response
from .contract.engine import ReadingIn
from .decode import field_message, json_of, query_of
from .errors import ApiError, unavailable
from .params import InvalidValueError, parse_rfc3339
from .state import STATE_KEY

# msgspec's words for a number beyond a field's bounds (or beyond any float's).
_BEYOND = re.compile(r"expected `\w+` [<>]= .*|number out of range")


def parse_reading(item: Any, quality: Quality = NO_FLAGS) -> RawReading:
    """Decode one element of a batch by its model into a RawReading; raise InvalidValueError.

    The error names the field (e.g. value: expected `float`, got `str`) and classifies it in
    the pipeline's words: beyond device_id's bounds is unknown_device, beyond value's out_of_range
    (not_finite for an infinity), a bad time as `parse_rfc3339` says, all else malformed.
    """
    try:
        reading = msgspec.convert(item, ReadingIn)
    except msgspec.ValidationError as err:
        raise _refusal(err, item) from err
    try:
        time = parse_rfc3339(reading.time)
    except InvalidValueError as err:
        raise InvalidValueError(f"time: {err}", reason=err.reason) from err
    return RawReading(reading.device_id, time, reading.value, reading.unit, quality)


def _refusal(err: msgspec.ValidationError, item: Any) -> InvalidValueError:
    """Return the InvalidValueError of ITEM that ReadingIn refused with ERR."""
    message = field_message(err, ReadingIn)
    field, _, what = message.partition(": ")
    if _BEYOND.fullmatch(what) is None:
        return InvalidValueError(message[0].lower() + message[1:])
    if field == "device_id":
        return InvalidValueError(
            f"device_id: there is no device {item[field]}", reason="unknown_device"
        )
    value = item[field]
    if isinstance(value, float) and not math.isfinite(value):
        return InvalidValueError(f"{field}: must be finite", reason="not_finite")
    return InvalidValueError(f"{field}: must be within ±{MAX_ABS_VALUE:g}", reason="out_of_range")


async def post_readings(request: web.Request) -> web.Response:
    """Validate the batch's shape, submit the well-formed readings, report every refusal."""
    state = request.app[STATE_KEY]
    quality = _backfill_quality(request)
    batch = await json_of(request)
    if not isinstance(batch, list):
        raise ApiError(400, "invalid_body", "the body must be a JSON array of readings")
    if len(batch) > state.limits.max_batch_readings:
        raise ApiError(
            413,
            "batch_too_large",
            f"{len(batch)} readings in one batch; send at most {state.limits.max_batch_readings}",
        )
    readings: list[RawReading] = []
    positions: list[int] = []  # index in the batch of each reading submitted
    rejected: list[Rejection] = []
    for index, item in enumerate(batch):
        try:
            readings.append(parse_reading(item, quality))
        except InvalidValueError as err:
            rejected.append(Rejection(index, f"{err.reason}: {err}"))
        else:
            positions.append(index)
    accepted = 0
    duplicates: tuple[int, ...] = ()
    if readings:
        accepted, refused, duplicates = await _submit(request, readings)
        rejected.extend(Rejection(positions[r.index], r.reason) for r in refused)
    refusals = [
        contract.Rejection(index=r.index, reason=r.reason)
        for r in sorted(rejected, key=attrgetter("index"))
    ]
    if rejected and not accepted:
        raise ApiError(
            422,
            "readings_rejected",
            f"none of the {len(batch)} readings was accepted",
            details=msgspec.to_builtins(refusals),
        )
    return json_response(
        contract.IngestResult(
            accepted=accepted,
            duplicates=[positions[index] for index in duplicates],
            rejected=refusals,
        ),
        status=207 if rejected else 200,
    )


def _backfill_quality(request: web.Request) -> Quality:
    """Return the flags `?backfill=` gives the batch's readings (older ones are then taken)."""
    backfill = query_of(request, contract.ReadingsQuery).backfill
    return Quality.BACKFILLED if backfill else NO_FLAGS


async def _submit(
    request: web.Request, readings: list[RawReading]
) -> tuple[int, tuple[Rejection, ...], tuple[int, ...]]:
    state = request.app[STATE_KEY]
    retry_after = state.limits.unavailable_retry_after
    if state.sink is None:
        raise unavailable(
            "ingest_unavailable", "the engine is not ingesting readings now", retry_after
        )
    try:
        result = await state.sink.submit(readings)
    except EngineError as err:
        raise unavailable(
            "ingest_unavailable", f"the engine cannot take readings now: {err}", retry_after
        ) from err
    return result.accepted, result.rejected, result.duplicates
