"""Tariff routes: list, read, validate, save (native/URDB), activate, delete, calendar, recompute.

A tariff error's message starts with the path of the bad field (`energy.periods[1].end: ...`);
422 answers split it into `{"path", "message"}`. Saving a version of an active tariff (or of a
grid connection's own), or activating one (`?connection=` attaches it to a grid connection),
starts a recompute of the costs (`pricing.service`), reported in the answer, and so does
detaching a connection's own (`DELETE /api/v1/connections/{connection}/tariff`).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import asyncpg
import msgspec
from aiohttp import web
from msgspec import UNSET, UnsetType

from aetherlens_engine.pricing.recompute import RecomputeStatus
from aetherlens_engine.pricing.service import TariffService
from aetherlens_engine.pricing.store.tariffs import (
    active_tariff_name,
    connection_tariffs,
    delete_inactive_tariff,
    latest_versions,
    tariff_versions,
    version_rows,
)
from aetherlens_engine.pricing.store.usage import price_series
from aetherlens_engine.tariffs.heatmap import CalendarDay, calendar_days
from aetherlens_engine.tariffs.model import TariffError
from aetherlens_engine.tariffs.source import Definition, native_definition, urdb_definition

from .contract import tariffs as contract
from .contract.base import instant, json_response, optional_instant, optional_money
from .contract.engine import FieldError
from .database import connection
from .decode import body_of, query_of
from .errors import ApiError, unavailable
from .localtime import local_midnight
from .params import InvalidValueError, parse_instant
from .state import STATE_KEY, EngineState

# The calendar's first day: its local midnights must be instants the engine works with.
CALENDAR_FIRST_DAYS = (date(1970, 1, 2), date(2999, 11, 30))


def field_error(err: TariffError) -> dict[str, str]:
    """Split a tariff error into the path of the bad field and the message about it."""
    text = str(err)
    path, sep, message = text.partition(": ")
    if not sep or " " in path:  # a message without a field path (an unreadable file, …)
        return {"path": "", "message": text}
    return {"path": path, "message": message}


def _invalid(err: TariffError, prefix: str = "") -> ApiError:
    error = field_error(err)
    if prefix:
        error["path"] = f"{prefix}.{error['path']}" if error["path"] else prefix
    where = f"{error['path']}: " if error["path"] else ""
    return ApiError(422, "invalid_tariff", f"{where}{error['message']}", details=[error])


def _bad(message: str) -> ApiError:
    return ApiError(400, "invalid_body", message)


def _service(state: EngineState) -> TariffService:
    if state.tariff_service is None:
        raise unavailable(
            "tariffs_unavailable",
            "the tariff service is not running; tariffs are read-only",
            state.limits.unavailable_retry_after,
        )
    return state.tariff_service


def recompute_status(status: RecomputeStatus) -> contract.RecomputeStatus:
    """Return the cost recompute's STATUS as the API shows it."""
    return contract.RecomputeStatus(
        state=status.state,
        tariff=status.tariff,
        start=optional_instant(status.start),
        hours_total=status.hours_total,
        hours_done=status.hours_done,
        progress=status.progress,
        started_at=optional_instant(status.started_at),
        finished_at=optional_instant(status.finished_at),
        error=status.error,
        generation=status.generation,
    )


def _recompute(state: EngineState) -> contract.RecomputeStatus:
    return recompute_status(state.recompute)


def _definition(
    body: contract.TariffInput | contract.TariffSave, name: str | None = None
) -> Definition:
    """Validate the body's native `definition` or its `urdb` rate (with `timezone`).

    The model has refused a body with neither or both, or a URDB rate without its zone.
    """
    try:
        if body.definition is not UNSET:
            return native_definition(body.definition, name=name)
        if body.urdb is UNSET or body.timezone is UNSET:
            raise _bad("give either 'definition' (a native tariff) or 'urdb' with 'timezone'")
        return urdb_definition(body.urdb, body.timezone, name=name)
    except TariffError as err:
        raise _invalid(err) from err


async def get_tariffs(request: web.Request) -> web.Response:
    """List the latest version of every tariff and the active one."""
    state = request.app[STATE_KEY]
    async with connection(state) as conn:
        active = await active_tariff_name(conn)
        rows = await latest_versions(conn)
        connections = await connection_tariffs(conn)
    tariffs = [
        contract.TariffHead(
            name=row["name"],
            version=row["version"],
            valid_from=instant(row["valid_from"]),
            valid_to=optional_instant(row["valid_to"]),
            created_at=instant(row["created_at"]),
            active=row["name"] == active,
        )
        for row in rows
    ]
    return json_response(
        contract.TariffList(
            active=active,
            tariffs=tariffs,
            connections=[
                contract.ConnectionTariff(connection=connection, tariff=tariff)
                for connection, tariff in connections.items()
            ],
        )
    )


async def _versions_or_404(conn: asyncpg.Connection, name: str) -> list[asyncpg.Record]:
    rows = await version_rows(conn, name)
    if not rows:
        raise _unknown(name)
    return rows


def _unknown(name: str) -> ApiError:
    return ApiError(404, "unknown_tariff", f"there is no tariff named {name!r}")


async def get_tariff(request: web.Request) -> web.Response:
    """Return every version of one tariff, oldest first."""
    state = request.app[STATE_KEY]
    name = request.match_info["name"]
    async with connection(state) as conn:
        rows = await _versions_or_404(conn, name)
        active = await active_tariff_name(conn) == name
    versions = [
        contract.TariffVersion(
            id=row["id"],
            version=row["version"],
            valid_from=instant(row["valid_from"]),
            valid_to=optional_instant(row["valid_to"]),
            created_at=instant(row["created_at"]),
            definition=json.loads(row["definition"]),
        )
        for row in rows
    ]
    return json_response(contract.TariffVersions(name=name, active=active, versions=versions))


async def post_validate(request: web.Request) -> web.Response:
    """Check a native definition or a URDB rate; 422 names the bad field."""
    body = await body_of(request, contract.TariffInput)
    try:
        loaded = _definition(body)
    except ApiError as err:
        if err.status != 422 or err.details is None:  # noqa: PLR2004 - the tariff's own errors
            raise
        errors = msgspec.convert(err.details, list[FieldError])
        return json_response(contract.TariffInvalid(valid=False, errors=errors), status=422)
    return json_response(
        contract.TariffValid(
            valid=True, definition=loaded.definition, unsupported=list(loaded.unsupported)
        )
    )


async def post_tariff(request: web.Request) -> web.Response:
    """Save a tariff as its name's next version; activate it if asked."""
    state = request.app[STATE_KEY]
    service = _service(state)
    body = await body_of(request, contract.TariffSave)
    valid_from = None
    if body.valid_from is not UNSET:
        try:
            valid_from = parse_instant(body.valid_from)
        except InvalidValueError as err:
            raise _bad(f"valid_from: {err}") from err
    loaded = _definition(body, body.name)
    try:
        stored, active = await service.save(loaded, valid_from, activate=body.activate)
    except TariffError as err:
        raise _invalid(err) from err
    return json_response(
        contract.TariffSaved(
            name=stored.name,
            version=stored.version,
            id=stored.id,
            valid_from=instant(stored.valid_from),
            active=active,
            unsupported=list(loaded.unsupported),
            recompute=_recompute(state) if active else None,
        ),
        status=201,
    )


async def post_activate(request: web.Request) -> web.Response:
    """Make a tariff the active one (or a grid connection's) and recompute the costs under it."""
    state = request.app[STATE_KEY]
    service = _service(state)
    name = request.match_info["name"]
    grid = query_of(request, contract.ActivateQuery).connection
    async with connection(state) as conn:
        await _versions_or_404(conn, name)
    if grid is UNSET:
        await service.activate(name)
    else:
        try:
            await service.attach(grid, name)
        except TariffError as err:
            raise _invalid(err) from err
    return json_response(
        contract.TariffActivated(active=name, connection=grid or None, recompute=_recompute(state))
    )


async def delete_connection_tariff(request: web.Request) -> web.Response:
    """Leave a grid connection to the active tariff, and recompute it under that one."""
    state = request.app[STATE_KEY]
    grid = request.match_info["connection"]
    name = await _service(state).detach(grid)
    if name is None:
        raise ApiError(
            404, "no_connection_tariff", f"the grid connection {grid!r} has no tariff of its own"
        )
    return json_response(
        contract.TariffDetached(connection=grid, tariff=name, recompute=_recompute(state))
    )


async def delete_tariff(request: web.Request) -> web.Response:
    """Delete every version of a tariff that is not the active one (and its costs)."""
    state = request.app[STATE_KEY]
    _service(state)
    name = request.match_info["name"]
    async with connection(state) as conn:
        await _versions_or_404(conn, name)
        attached = [c for c, t in (await connection_tariffs(conn)).items() if t == name]
        if attached:
            raise ApiError(
                409,
                "active_tariff",
                f"{name!r} prices the grid connection {attached[0]!r}; attach another one "
                "before deleting it",
            )
        if not await delete_inactive_tariff(conn, name):
            raise ApiError(
                409,
                "active_tariff",
                f"{name!r} is the active tariff; activate another one before deleting it",
            )
    return web.Response(status=204)


def _calendar_first(text: str | UnsetType) -> date | None:
    if text is UNSET:
        return None
    try:
        first = date.fromisoformat(text)
    except ValueError as err:
        raise ApiError(
            400, "invalid_parameter", f"start: {text!r} is not a date like 2026-03-29"
        ) from err
    if not CALENDAR_FIRST_DAYS[0] <= first <= CALENDAR_FIRST_DAYS[1]:
        raise ApiError(400, "invalid_parameter", f"start: {text!r} is not a day from 1970 to 2999")
    return first


def _calendar_day(day: CalendarDay) -> contract.CalendarDay:
    return contract.CalendarDay(
        date=day.day.isoformat(),
        hours=day.hours,
        slots=[
            contract.CalendarSlot(
                start=instant(slot.start),
                local=slot.local,
                minutes=round((slot.end - slot.start).total_seconds() / 60),
                price=optional_money(slot.price),
                period=slot.period,
                dst="repeated" if slot.repeated else "normal",
            )
            for slot in day.slots
        ],
    )


async def get_calendar(request: web.Request) -> web.Response:
    """Return the tariff's import price per slot of local days, for a heat map."""
    state = request.app[STATE_KEY]
    name = request.match_info["name"]
    query = query_of(request, contract.CalendarQuery)
    first, count = _calendar_first(query.start), query.days
    async with connection(state) as conn:
        versions = await tariff_versions(conn, name)
        if not versions:
            raise _unknown(name)
        latest = versions[-1].tariff()
        if first is None:
            first = state.clock().astimezone(latest.zone).date()
        prices = None
        if latest.dynamic:
            prices = await price_series(
                conn,
                latest.currency,
                local_midnight(first, latest.zone),
                local_midnight(first + timedelta(days=count), latest.zone),
            )
    days = calendar_days(versions, first, count, prices)
    return json_response(
        contract.TariffCalendar(
            name=name,
            timezone=latest.zone.key,
            currency=latest.currency,
            days=[_calendar_day(day) for day in days],
        )
    )


async def get_recompute(request: web.Request) -> web.Response:
    """Return the status of the cost recompute."""
    return json_response(_recompute(request.app[STATE_KEY]))
