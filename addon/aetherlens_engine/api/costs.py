"""Costs from the cost rollups, the billing cycle's projection, and plan comparison.

- `GET /api/v1/costs`: cost, energy and carbon per hour, local day or local month of the engine's
  zone, by device, TOU period or in total, read from `cost_hourly` / `cost_daily` in the engine's
  currency. Days and months are those whose local start lies in [start, end): a month row sums
  the days of the range in that month. `total` and `period` count the household (mains devices,
  or appliances without one, as the summary does) unless `device_id` names a device.
- `GET /api/v1/projection`: the active tariff's current cycle so far and projected to its end
  (`tariffs.projection`).
- `POST /api/v1/compare`: recorded usage priced under the active tariff and another one
  (`tariffs.compare`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import web

from aetherlens_engine.tariffs.compare import compare_recorded, comparison_to_json, last_full_cycle
from aetherlens_engine.tariffs.load import build_tariff
from aetherlens_engine.tariffs.model import BillInputError, Tariff, TariffError
from aetherlens_engine.tariffs.projection import METHOD, Projection, project_active
from aetherlens_engine.tariffs.store import active_tariff_at, tariff_at, tariff_versions
from aetherlens_engine.tariffs.usage import MAINS_KINDS

from .amounts import decimal_text
from .database import connection
from .errors import ApiError
from .localtime import first_day_from, local_midnight
from .params import MAX_DEVICE_ID, InvalidValueError, parse_instant
from .state import STATE_KEY, EngineState

RESOLUTIONS = ("hour", "day", "month")
GROUPS = ("device", "period", "total")
# Two bills of hourly data per request: a bit more than a year at most.
MAX_COMPARE_RANGE = timedelta(days=400)
COMPARE_FIELDS = frozenset({"tariff", "definition", "start", "end"})
NO_TARIFF = (
    "no tariff is active; save one and activate it (POST /api/v1/tariffs with activate: true)"
)


def _bad(name: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{name}: {message}")


def _instant(name: str, text: str | None) -> datetime:
    if text is None:
        raise _bad(name, "missing; give an ISO 8601 date-time with a UTC offset")
    try:
        return parse_instant(text)
    except InvalidValueError as err:
        raise _bad(name, str(err)) from err


def _choice(request: web.Request, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query.get(name, default)
    if value not in choices:
        raise _bad(name, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _device_id(request: web.Request) -> int | None:
    text = request.query.get("device_id")
    if text is None:
        return None
    # Bounded before int(): very long digit strings are refused by int() itself.
    digits = text.isascii() and text.isdigit() and len(text) <= len(str(MAX_DEVICE_ID))
    if not digits or not 1 <= int(text) <= MAX_DEVICE_ID:
        raise _bad("device_id", f"{text!r} is not a device id (a positive integer)")
    return int(text)


def _costs_query(
    state: EngineState, resolution: str, group: str, device_id: int | None, span: tuple[Any, Any]
) -> tuple[str, list[Any]]:
    """Return the query and its arguments; SPAN bounds the hours or days read."""
    args: list[Any] = [*span, state.currency]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if resolution == "hour" or group == "period":  # cost_daily has no period
        source, time, bucket = "cost_hourly", "c.hour", "c.hour"
        if resolution != "hour":
            local = f"(c.hour AT TIME ZONE {arg(state.timezone.key)})"
            day = resolution == "day"
            bucket = f"{local}::date" if day else f"date_trunc('month', {local})::date"
    else:
        source, time = "cost_daily", "c.day"
        bucket = "c.day" if resolution == "day" else "date_trunc('month', c.day)::date"
    keys = {"device": ", c.device_id", "period": ", c.period", "total": ""}[group]
    if device_id is not None:
        devices = f"c.device_id = {arg(device_id)}"
    elif group == "device":
        devices = "true"
    else:
        mains = arg(MAINS_KINDS)
        devices = (
            "c.device_id IN (SELECT id FROM devices WHERE kind = ANY(CASE WHEN EXISTS "
            f"(SELECT 1 FROM devices WHERE kind = ANY({mains}::text[])) THEN {mains}::text[] "
            "ELSE ARRAY['appliance'] END))"
        )
    sql = (
        f"SELECT {bucket} AS bucket{keys}, sum(c.energy_kwh) AS energy_kwh, "
        "sum(c.cost) AS cost, sum(c.carbon_kg) AS carbon_kg "
        f"FROM {source} AS c "
        f"WHERE {time} >= $1 AND {time} < $2 AND c.currency = $3 AND {devices} "
        f"GROUP BY bucket{keys} ORDER BY bucket{keys}"
    )
    return sql, args


def _bounds(
    state: EngineState, resolution: str, start: datetime, end: datetime, *, hourly: bool
) -> tuple[Any, Any]:
    if resolution == "hour":
        return start, end
    first, last = first_day_from(start, state.timezone), first_day_from(end, state.timezone)
    if hourly:
        return local_midnight(first, state.timezone), local_midnight(last, state.timezone)
    return first, last


def _row(state: EngineState, record: asyncpg.Record, group: str) -> dict[str, Any]:
    bucket = record["bucket"]
    # Hours come as instants, days and months as local dates (datetime is a date too).
    start = bucket if isinstance(bucket, datetime) else local_midnight(bucket, state.timezone)
    row: dict[str, Any] = {"start": start.isoformat()}
    if group == "device":
        row["device_id"] = record["device_id"]
    elif group == "period":
        row["period"] = record["period"]
    row["energy_kwh"] = record["energy_kwh"]
    row["cost"] = decimal_text(record["cost"])
    row["carbon_kg"] = record["carbon_kg"]
    return row


async def get_costs(request: web.Request) -> web.Response:
    """Answer costs per hour, day or month, by device, period or in total, over [start, end)."""
    state = request.app[STATE_KEY]
    start = _instant("start", request.query.get("start"))
    end = _instant("end", request.query.get("end"))
    resolution = _choice(request, "resolution", RESOLUTIONS, "day")
    group = _choice(request, "group", GROUPS, "total")
    device_id = _device_id(request)
    if start >= end:
        raise _bad("end", "must be later than 'start'")
    longest = state.limits.max_hour_range if resolution == "hour" else state.limits.max_day_range
    if end - start > longest:
        raise _bad(
            "end", f"the range is longer than {longest.days} days, the most for {resolution}s"
        )
    hourly = resolution == "hour" or group == "period"
    span = _bounds(state, resolution, start, end, hourly=hourly)
    sql, args = _costs_query(state, resolution, group, device_id, span)
    async with connection(state) as conn:
        if device_id is not None and not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE id = $1)", device_id
        ):
            raise ApiError(404, "unknown_device", f"there is no device {device_id}")
        records = await conn.fetch(sql, *args)
    return web.json_response(
        {
            "currency": state.currency,
            "resolution": resolution,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "rows": [_row(state, record, group) for record in records],
        }
    )


def _no_tariff() -> ApiError:
    return ApiError(409, "no_active_tariff", NO_TARIFF)


def _cannot_bill(err: BillInputError) -> ApiError:
    return ApiError(409, "cannot_bill", str(err))


def projection_json(projection: Projection) -> dict[str, Any]:
    """Return the `GET /api/v1/projection` body."""
    so_far, projected = projection.so_far, projection.projected
    return {
        "currency": projection.tariff.currency,
        "tariff": projection.tariff.name,
        "cycle": {
            "start": projection.cycle.first.isoformat(),
            "end": projection.cycle.end.isoformat(),
        },
        "cost_so_far": decimal_text(so_far.total),
        "projected_total": decimal_text(projected.total),
        "energy_so_far_kwh": float(so_far.import_kwh),
        "projected_energy_kwh": float(projected.import_kwh),
        "days_elapsed": projection.days_elapsed,
        "days_total": projection.cycle.days,
        "method": METHOD,
    }


async def get_projection(request: web.Request) -> web.Response:
    """Answer the active tariff's current billing cycle so far and projected to its end."""
    state = request.app[STATE_KEY]
    async with connection(state) as conn:
        try:
            projection = await project_active(conn, state.clock())
        except BillInputError as err:
            raise _cannot_bill(err) from err
    if projection is None:
        raise _no_tariff()
    return web.json_response(projection_json(projection))


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError) as err:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {err}") from err
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    if unknown := sorted(set(body) - COMPARE_FIELDS):
        raise _bad(unknown[0], "unknown field; give tariff or definition, start and end")
    if ("tariff" in body) == ("definition" in body):
        raise _bad("tariff", "give either tariff (a stored name) or definition (a tariff)")
    if "tariff" in body and not isinstance(body["tariff"], str):
        raise _bad("tariff", "must be the name of a stored tariff")
    if ("start" in body) != ("end" in body):
        raise _bad("start" if "end" in body else "end", "give both start and end, or neither")
    return body


def _range(body: dict[str, Any]) -> tuple[datetime, datetime] | None:
    if "start" not in body:
        return None
    for name in ("start", "end"):
        if not isinstance(body[name], str):
            raise _bad(name, "must be an ISO 8601 date-time string")
    start, end = _instant("start", body["start"]), _instant("end", body["end"])
    if start >= end:
        raise _bad("end", "must be later than 'start'")
    if end - start > MAX_COMPARE_RANGE:
        raise _bad("end", f"the range is longer than {MAX_COMPARE_RANGE.days} days")
    return start, end


async def _alternative(conn: asyncpg.Connection, body: dict[str, Any], now: datetime) -> Tariff:
    if "definition" in body:
        try:
            return build_tariff(body["definition"])
        except TariffError as err:
            raise ApiError(422, "invalid_tariff", f"definition: {err}") from err
    name = body["tariff"]
    stored = await tariff_at(conn, name, now)
    if stored is None:
        versions = await tariff_versions(conn, name)
        if not versions:
            raise ApiError(404, "unknown_tariff", f"there is no tariff named {name!r}")
        stored = versions[-1]
    return stored.tariff()


async def post_compare(request: web.Request) -> web.Response:
    """Answer the bills of the recorded usage under the active tariff and another one."""
    state = request.app[STATE_KEY]
    body = await _body(request)
    span = _range(body)
    now = state.clock()
    async with connection(state) as conn:
        alternative = await _alternative(conn, body, now)
        active = await active_tariff_at(conn, now)
        if active is None:
            raise _no_tariff()
        current = active.tariff()
        start, end = span if span is not None else last_full_cycle(current, now)
        try:
            comparison = await compare_recorded(conn, current, alternative, start, end)
        except BillInputError as err:
            raise _cannot_bill(err) from err
    return web.json_response(
        {**comparison_to_json(comparison), "start": start.isoformat(), "end": end.isoformat()}
    )
