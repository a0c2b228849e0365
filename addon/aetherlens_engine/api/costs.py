"""Costs from the cost rollups, the billing cycle's projection, and plan comparison.

- `GET /api/v1/costs`: cost, energy and carbon of one commodity (electricity, gas or water, each
  under its active tariff) per hour, local day or local month of the engine's zone, by device,
  TOU period or in total, read from `cost_hourly` / `cost_daily` in the engine's currency. Days
  and months are those whose local start lies in [start, end): a month row sums the days of the
  range in that month. Unless `device_id` names a device, `total` and `period` count the
  household and `device` its parts plus the rest of the house, so that the rows (and the
  answer's `total`) never add a mains meter to the devices it contains (timescale/0005 has the
  rule, 0012 per commodity). `meter` gives every device's own rows, mains and what they contain
  alike, for per-device history: they overlap, `total` is still the household's.
- `GET /api/v1/projection`: the active tariff's current cycle so far and projected to its end
  (`tariffs.projection`).
- `POST /api/v1/compare`: recorded usage priced under the active tariff and another one
  (`pricing.recorded`, `tariffs.compare`); a gas or water tariff against that commodity's active
  tariff and household meters.
- `POST /api/v1/rank`: recorded usage priced under the active tariff and many others (stored,
  native definitions, URDB rates), cheapest first (`pricing.recorded`, `tariffs.ranking`), of
  the request's commodity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any, cast

import asyncpg
from aiohttp import web
from msgspec import UNSET, UnsetType

from aetherlens_engine.models import Commodity
from aetherlens_engine.pricing.recorded import (
    compare_recorded,
    rank_recorded,
    recorded_hours,
    whole_hours,
)
from aetherlens_engine.pricing.store.costs import CostDevices, CostKey, cost_sums, has_mains
from aetherlens_engine.pricing.store.devices import device_commodity, metered_units
from aetherlens_engine.pricing.store.tariffs import tariff_at, tariff_names, tariff_versions
from aetherlens_engine.tariffs.compare import last_full_cycle
from aetherlens_engine.tariffs.load import build_tariff
from aetherlens_engine.tariffs.model import BillInputError, Tariff, TariffError
from aetherlens_engine.tariffs.projection import METHOD, Projection
from aetherlens_engine.tariffs.ranking import Candidate
from aetherlens_engine.tariffs.source import urdb_definition

from .active import active_tariff
from .contract import costs as contract
from .contract.base import day, instant, json_response, money
from .database import connection
from .decode import body_of, query_of
from .errors import ApiError, cannot_bill, no_active_tariff
from .localtime import first_day_from, local_midnight
from .params import MAX_DEVICE_ID
from .present import comparison_answer, ranking_answer
from .ranges import MAX_BILL_RANGE, bad_parameter, check_range, instant_parameter
from .shared import shared_answer
from .state import STATE_KEY, EngineState

# Per group: the key of its rows, and whose costs they sum.
_KEYS: dict[str, CostKey] = {
    "device": "device_id",
    "meter": "device_id",
    "period": "period",
    "total": None,
}
_DEVICES: dict[str, CostDevices] = {
    "device": "parts",
    "meter": "meters",
    "period": "household",
    "total": "household",
}


@dataclass(frozen=True, slots=True)
class _Figures:
    """Energy, cost and carbon, exact (the doubles as the decimals they were written as)."""

    energy_kwh: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    carbon_kg: Decimal | None = None

    def __add__(self, other: _Figures) -> _Figures:
        carbon = [c for c in (self.carbon_kg, other.carbon_kg) if c is not None]
        return _Figures(
            self.energy_kwh + other.energy_kwh,
            self.cost + other.cost,
            sum(carbon, Decimal(0)) if carbon else None,
        )

    def __sub__(self, other: _Figures) -> _Figures:
        negated = None if other.carbon_kg is None else -other.carbon_kg
        return self + _Figures(-other.energy_kwh, -other.cost, negated)

    @property
    def carbon_float(self) -> float | None:
        return None if self.carbon_kg is None else float(self.carbon_kg)

    def total(self) -> contract.CostTotal:
        return contract.CostTotal(
            energy_kwh=float(self.energy_kwh), cost=money(self.cost), carbon_kg=self.carbon_float
        )

    def row(self, start: str, key: dict[str, Any]) -> contract.CostRow:
        return contract.CostRow(
            start=start,
            **key,
            energy_kwh=float(self.energy_kwh),
            cost=money(self.cost),
            carbon_kg=self.carbon_float,
        )


def _bounds(
    state: EngineState, resolution: str, start: datetime, end: datetime, *, hourly: bool
) -> tuple[Any, Any]:
    if resolution == "hour":
        return start, end
    first, last = first_day_from(start, state.timezone), first_day_from(end, state.timezone)
    if hourly:
        return local_midnight(first, state.timezone), local_midnight(last, state.timezone)
    return first, last


def _figures(record: asyncpg.Record) -> _Figures:
    return _Figures(record["energy_kwh"], record["cost"], record["carbon_kg"])


def _start(state: EngineState, bucket: Any) -> str:
    # Hours come as instants, days and months as local dates (datetime is a date too).
    start = bucket if isinstance(bucket, datetime) else local_midnight(bucket, state.timezone)
    return start.isoformat()


async def _rows(
    conn: asyncpg.Connection,
    state: EngineState,
    resolution: contract.CostResolution,
    group: str,
    *,
    device_id: int | None,
    span: tuple[Any, Any],
    commodity: str,
) -> list[tuple[str, dict[str, Any], _Figures]]:
    """Return the rows: their start, their key (device or period) and their figures.

    By device, the rows are the household's parts and, where a mains device measures the
    whole, the rest of the house (device_id null): the mains minus its parts, so the rows add
    up to the household (negative where the parts read more, e.g. solar behind the meter).
    """
    key = _KEYS[group]
    devices: CostDevices = _DEVICES[group] if device_id is None else device_id
    sums = partial(
        cost_sums,
        conn,
        resolution=resolution,
        span=span,
        currency=state.currency,
        commodity=commodity,
        zone=state.timezone,
    )
    rows: list[tuple[str, dict[str, Any], _Figures]] = [
        (_start(state, r["bucket"]), {key: r[key]} if key else {}, _figures(r))
        for r in await sums(key=key, devices=devices)
    ]
    if group != "device" or device_id is not None or not await has_mains(conn, commodity):
        return rows
    rest = {
        _start(state, r["bucket"]): _figures(r) for r in await sums(key=None, devices="household")
    }
    for start, _, figures in rows:
        rest[start] = rest.get(start, _Figures()) - figures
    rows += [(start, {"device_id": None}, figures) for start, figures in rest.items()]
    # Per bucket the devices by id, then the rest of the house.
    return sorted(rows, key=lambda row: (row[0], row[1]["device_id"] or MAX_DEVICE_ID + 1))


async def get_costs(request: web.Request) -> web.Response:
    """Answer costs per hour, day or month, by device, period or in total, over [start, end)."""
    state = request.app[STATE_KEY]
    query = query_of(request, contract.CostsQuery)
    start, end = instant_parameter("start", query.start), instant_parameter("end", query.end)
    resolution, group = query.resolution, query.group
    device_id = None if query.device_id is UNSET else query.device_id
    check_range(start, end, state.limits.max_range(resolution), most_for=f"{resolution}s")
    hourly = resolution == "hour" or group == "period"
    span = _bounds(state, resolution, start, end, hourly=hourly)
    async with connection(state) as conn:
        commodity = await _commodity(conn, query.commodity, device_id)
        rows = await _rows(
            conn, state, resolution, group, device_id=device_id, span=span, commodity=commodity
        )
        summed = rows
        if group == "meter" and device_id is None:  # overlapping rows: the household's
            summed = await _rows(
                conn, state, resolution, "total", device_id=None, span=span, commodity=commodity
            )
        unit = await _unit(conn, commodity, device_id)
    total = sum((figures for _, _, figures in summed), _Figures())
    return json_response(
        contract.Costs(
            currency=state.currency,
            commodity=commodity,
            unit=unit,
            resolution=resolution,
            start=instant(start),
            end=instant(end),
            total=total.total(),
            rows=[figures.row(start, key) for start, key, figures in rows],
        )
    )


async def _unit(conn: asyncpg.Connection, commodity: str, device_id: int | None) -> str | None:
    """Return what the total counts: kWh for electricity, else its meters' one unit."""
    if commodity == "electricity":
        return "kWh"
    units = await metered_units(conn, commodity, device_id)
    return units[0] if units is not None and len(units) == 1 else None


async def _commodity(
    conn: asyncpg.Connection, asked: contract.CostCommodity | UnsetType, device_id: int | None
) -> contract.CostCommodity:
    """Return the commodity the costs are of: ASKED, else DEVICE_ID's, else electricity.

    404 for an unknown device, 400 for one of another commodity than ASKED.
    """
    if device_id is None:
        return "electricity" if asked is UNSET else asked
    metered = await device_commodity(conn, device_id)
    if metered is None:
        raise ApiError(404, "unknown_device", f"there is no device {device_id}")
    if asked is not UNSET and asked != metered:
        raise bad_parameter("commodity", f"device {device_id} meters {metered}, not {asked}")
    return cast("contract.CostCommodity", metered)


def projection_answer(projection: Projection) -> contract.Projection:
    """Return the `GET /api/v1/projection` answer."""
    so_far, projected = projection.so_far, projection.projected
    return contract.Projection(
        currency=projection.tariff.currency,
        tariff=projection.tariff.name,
        cycle=contract.CycleDates(start=day(projection.cycle.first), end=day(projection.cycle.end)),
        cost_so_far=money(so_far.total),
        projected_total=money(projected.total),
        energy_so_far_kwh=float(so_far.import_kwh),
        projected_energy_kwh=float(projected.import_kwh),
        days_elapsed=projection.days_elapsed,
        # Today counts: the cycle's first day is day 1.
        day_of_cycle=projection.days_elapsed + 1,
        days_total=projection.cycle.days,
        method=METHOD,
    )


async def get_projection(request: web.Request) -> web.Response:
    """Answer the active tariff's current billing cycle so far and projected to its end."""
    state = request.app[STATE_KEY]
    return json_response(
        await shared_answer(request.app, "projection", lambda: _projection_at(state))
    )


async def _projection_at(state: EngineState) -> contract.Projection:
    async with connection(state) as conn:
        try:
            projection = await state.pricing.projection(conn, state.clock())
        except BillInputError as err:
            raise cannot_bill(err) from err
    if projection is None:
        raise no_active_tariff()
    return projection_answer(projection)


def _range(
    body: contract.CompareRequest | contract.RankRequest,
) -> tuple[datetime, datetime] | None:
    if body.start is UNSET or body.end is UNSET:
        return None
    start, end = instant_parameter("start", body.start), instant_parameter("end", body.end)
    check_range(start, end, MAX_BILL_RANGE)
    return start, end


async def _alternative(
    conn: asyncpg.Connection, body: contract.CompareRequest, now: datetime
) -> Tariff:
    if body.definition is not UNSET:
        try:
            return build_tariff(body.definition)
        except TariffError as err:
            raise ApiError(422, "invalid_tariff", f"definition: {err}") from err
    name = body.tariff
    if name is UNSET:  # refused by the model already
        raise bad_parameter("tariff", "give either tariff (a stored name) or definition (a tariff)")
    return await _stored(conn, name, now)


async def _stored(conn: asyncpg.Connection, name: str, now: datetime) -> Tariff:
    """Return the named tariff's version in force at NOW, else its latest; 404 without one."""
    stored = await tariff_at(conn, name, now)
    if stored is None:
        versions = await tariff_versions(conn, name)
        if not versions:
            raise ApiError(404, "unknown_tariff", f"there is no tariff named {name!r}")
        stored = versions[-1]
    return stored.tariff()


async def post_compare(request: web.Request) -> web.Response:
    """Answer the bills of the recorded usage under the active tariff and another one.

    The active tariff and the usage are those of the other tariff's commodity.
    """
    state = request.app[STATE_KEY]
    body = await body_of(request, contract.CompareRequest)
    span = _range(body)
    now = state.clock()
    async with connection(state) as conn:
        alternative = await _alternative(conn, body, now)
        commodity = alternative.commodity
        current = (await active_tariff(conn, now, commodity)).tariff()
        start, end = span if span is not None else last_full_cycle(current, now)
        try:
            comparison = await compare_recorded(conn, current, alternative, start, end)
        except BillInputError as err:
            raise cannot_bill(err) from err
        recorded = await _recorded(conn, start, end, commodity)
    return json_response(comparison_answer(comparison, start, end, recorded))


async def _recorded(
    conn: asyncpg.Connection, start: datetime, end: datetime, commodity: Commodity
) -> contract.Recorded:
    """Return the hours of [start, end) with household energy recorded, of all its hours."""
    hours = await recorded_hours(conn, start, end, commodity)
    return contract.Recorded(hours=hours, of_hours=whole_hours(start, end))


async def _named(
    conn: asyncpg.Connection, body: contract.RankRequest, now: datetime, timezone: str
) -> tuple[dict[str, Tariff], list[Candidate]]:
    """Return the stored tariffs the body names (by name, else of its commodity), inline ones.

    URDB rates are priced in the body's time zone, else TIMEZONE.
    """
    names = body.tariffs
    if names is UNSET:
        names = (
            []
            if body.definitions or body.urdb
            else await tariff_names(conn, Commodity(body.commodity))
        )
    stored = {name: await _stored(conn, name, now) for name in names}
    zone = timezone if body.timezone is UNSET else body.timezone
    sources: list[tuple[str, Callable[[], Tariff]]] = [
        *((f"definitions[{n}]", partial(build_tariff, d)) for n, d in enumerate(body.definitions)),
        *((f"urdb[{n}]", partial(_urdb, rate, zone)) for n, rate in enumerate(body.urdb)),
    ]
    inline = []
    for where, build in sources:
        try:
            inline.append(Candidate(where, build()))
        except TariffError as err:
            raise ApiError(422, "invalid_tariff", f"{where}: {err}") from err
    return stored, inline


def _urdb(rate: dict[str, Any], timezone: str) -> Tariff:
    return urdb_definition(rate, timezone).tariff


async def post_rank(request: web.Request) -> web.Response:
    """Answer the bills of the recorded usage under the active tariff and others, ranked."""
    state = request.app[STATE_KEY]
    body = await body_of(request, contract.RankRequest)
    span = _range(body)
    now = state.clock()
    commodity = Commodity(body.commodity)
    async with connection(state) as conn:
        stored, inline = await _named(conn, body, now, state.timezone.key)
        active = await active_tariff(conn, now, commodity)
        candidates = [Candidate(active.name, active.tariff())]
        candidates += [Candidate(n, t) for n, t in stored.items() if n != active.name]
        candidates += inline
        start, end = span if span is not None else last_full_cycle(candidates[0].tariff, now)
        try:
            ranking = await rank_recorded(conn, candidates, start, end)
        except BillInputError as err:
            raise cannot_bill(err) from err
        recorded = await _recorded(conn, start, end, commodity)
    return json_response(ranking_answer(ranking, start, end, recorded))
