"""Actions of the AetherLens integration: refresh, costs, tariff comparison/ranking, statements."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import probatio
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_get_config_entry
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from .api import (
    AetherLensAuthenticationError,
    AetherLensError,
    AetherLensRequestError,
    CostReport,
    CostRow,
    CostTotal,
    as_json,
)
from .const import DOMAIN
from .coordinator import AetherLensConfigEntry, metered_identifier
from .entity import device_name

SERVICE_REFRESH = "refresh"
SERVICE_GET_COSTS = "get_costs"
SERVICE_COMPARE_TARIFF = "compare_tariff"
SERVICE_RECORD_STATEMENT = "record_statement"

ATTR_START = "start"
ATTR_END = "end"
ATTR_RESOLUTION = "resolution"
ATTR_GROUP = "group"
ATTR_TARIFF = "tariff"
ATTR_COMMODITY = "commodity"
ATTR_TOTAL = "total"
ATTR_LINES = "lines"

RESOLUTIONS = ("hour", "day", "month")
# The row of the mains' energy that no sub-meter measures (response data is not translated).
REST_OF_HOUSE = "Rest of the house"
GROUPS = ("total", "device", "period")
COMMODITIES = ("electricity", "gas", "water")

REFRESH_SCHEMA = probatio.Schema({probatio.Optional(ATTR_CONFIG_ENTRY_ID): str})
GET_COSTS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_CONFIG_ENTRY_ID): str,
        probatio.Required(ATTR_START): cv.datetime,
        probatio.Required(ATTR_END): cv.datetime,
        probatio.Optional(ATTR_RESOLUTION, default="day"): probatio.In(RESOLUTIONS),
        probatio.Optional(ATTR_GROUP, default="total"): probatio.In(GROUPS),
        probatio.Optional(ATTR_DEVICE_ID): str,
        probatio.Optional(ATTR_COMMODITY): probatio.In(COMMODITIES),
    }
)
COMPARE_TARIFF_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_CONFIG_ENTRY_ID): str,
        # One stored tariff (compared) or several (ranked).
        probatio.Required(ATTR_TARIFF): probatio.All(
            cv.ensure_list, [cv.string], probatio.Length(min=1)
        ),
        probatio.Inclusive(ATTR_START, "range"): cv.datetime,
        probatio.Inclusive(ATTR_END, "range"): cv.datetime,
    }
)


def _amount(value: Any) -> str:
    """Return an amount as the exact decimal text the engine reads (a number's shortest form)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation as err:
        raise probatio.Invalid(f"{value!r} is not an amount") from err
    if not amount.is_finite():
        raise probatio.Invalid(f"{value!r} is not an amount")
    return format(amount, "f")


RECORD_STATEMENT_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_CONFIG_ENTRY_ID): str,
        probatio.Required(ATTR_START): cv.date,
        probatio.Required(ATTR_END): cv.date,
        probatio.Required(ATTR_TOTAL): _amount,
        # As the paper bill shows them: {kind, name, amount[, period, tier, kwh]}; the engine
        # checks them and names a bad field.
        probatio.Optional(ATTR_LINES, default=list): [dict],
        probatio.Optional(ATTR_TARIFF): cv.string,
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""

    async def _handle_refresh(call: ServiceCall) -> None:
        """Read the engine's summary now rather than at the next update."""
        coordinator = _entry(hass, call).runtime_data.coordinator
        await coordinator.async_refresh()
        if not coordinator.last_update_success:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="refresh_failed",
                translation_placeholders={"error": str(coordinator.last_exception)},
            ) from coordinator.last_exception

    async def _handle_get_costs(call: ServiceCall) -> ServiceResponse:
        """Return the engine's costs of one commodity over a range, by device, period or in total.

        `commodities` breaks the range down by commodity (each household's cost and usage, in
        its unit) and `commodities_cost` is their sum. `components` are the electricity
        household's bill of the range under the active tariff, per billing cycle; None when
        the engine cannot bill it (no active tariff, nothing recorded) or for gas and water.
        """
        entry = _entry(hass, call)
        start, end = _range(call.data[ATTR_START], call.data[ATTR_END])
        device_id = None
        if ATTR_DEVICE_ID in call.data:
            device_id = _engine_device_id(hass, entry, call.data[ATTR_DEVICE_ID])
        report = await _ask(
            entry.runtime_data.client.costs(
                start,
                end,
                resolution=call.data[ATTR_RESOLUTION],
                group=call.data[ATTR_GROUP],
                device_id=device_id,
                commodity=call.data.get(ATTR_COMMODITY),
            )
        )
        # Without a device the report's total is its commodity's household's.
        household = report if device_id is None else None
        commodities = await _by_commodity(entry, start, end, call.data[ATTR_RESOLUTION], household)
        components = None
        if report.commodity == "electricity":
            components = await _components(entry, start, end)
        by_device = call.data[ATTR_GROUP] == "device"
        names = await _device_names(entry, report if by_device else None)
        return {
            "currency": report.currency,
            "commodity": report.commodity,
            "unit": report.unit,
            "resolution": report.resolution,
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
            # The engine's: the rows add up to it, a mains meter counted once.
            "total": {
                "cost": _money(report.total.cost),
                "energy_kwh": report.total.energy_kwh,
                "carbon_kg": report.total.carbon_kg,
            },
            "rows": [_cost_row(row, names, by_device=by_device) for row in report.rows],
            "commodities": {
                commodity: {
                    "cost": _money(total.cost),
                    "usage": total.energy_kwh,
                    "unit": unit,
                }
                for commodity, (total, unit) in commodities.items()
            },
            "commodities_cost": _money(
                sum((total.cost for total, _ in commodities.values()), Decimal(0))
            ),
            "components": components,
        }

    async def _handle_compare_tariff(call: ServiceCall) -> ServiceResponse:
        """Return the recorded usage billed under the active tariff and other stored ones.

        One tariff: both bills and the difference. Several: every bill, the active tariff's
        among them, ranked by total (`bills`, cheapest first).
        """
        entry = _entry(hass, call)
        start = end = None
        if ATTR_START in call.data:
            start, end = _range(call.data[ATTR_START], call.data[ATTR_END])
        client = entry.runtime_data.client
        tariffs: list[str] = call.data[ATTR_TARIFF]
        if len(tariffs) == 1:
            answer: dict[str, JsonValueType] = as_json(
                await _ask(client.compare(tariffs[0], start, end))
            )
        else:
            answer = as_json(await _ask(client.rank(tariffs, start, end)))
        return answer

    async def _handle_record_statement(call: ServiceCall) -> ServiceResponse:
        """Record a cycle's statement in the engine; return its match with the engine's bill.

        The statements are matched again at once: a residual over the threshold raises its
        repair issue now.
        """
        entry = _entry(hass, call)
        first: date = call.data[ATTR_START]
        end: date = call.data[ATTR_END]
        statement: dict[str, Any] = {
            "start": first.isoformat(),
            "end": end.isoformat(),
            "total": call.data[ATTR_TOTAL],
            "lines": [_line(line) for line in call.data[ATTR_LINES]],
        }
        if ATTR_TARIFF in call.data:
            statement["tariff"] = call.data[ATTR_TARIFF]
        check = await _ask(entry.runtime_data.client.record_statement(statement))
        await entry.runtime_data.coordinator.async_statements_changed()
        answer: dict[str, JsonValueType] = as_json(check)
        return answer

    hass.services.async_register(DOMAIN, SERVICE_REFRESH, _handle_refresh, schema=REFRESH_SCHEMA)
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_COSTS,
        _handle_get_costs,
        schema=GET_COSTS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_COMPARE_TARIFF,
        _handle_compare_tariff,
        schema=COMPARE_TARIFF_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_RECORD_STATEMENT,
        _handle_record_statement,
        schema=RECORD_STATEMENT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


def _entry(hass: HomeAssistant, call: ServiceCall) -> AetherLensConfigEntry:
    """Return the entry the call names: without an id, the one loaded entry."""
    entry: AetherLensConfigEntry = async_get_config_entry(
        hass, DOMAIN, call.data.get(ATTR_CONFIG_ENTRY_ID)
    )
    return entry


def _range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Return START and END in UTC (times without a zone are Home Assistant's local time)."""
    start, end = dt_util.as_utc(start), dt_util.as_utc(end)
    if start >= end:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_range",
            translation_placeholders={"start": start.isoformat(), "end": end.isoformat()},
        )
    return start, end


def _engine_device_id(hass: HomeAssistant, entry: AetherLensConfigEntry, device_id: str) -> int:
    """Return the engine's id of the metered device Home Assistant knows as DEVICE_ID."""
    device = dr.async_get(hass).async_get(device_id)
    identifiers = device.identifiers if device is not None else set()
    for metered in entry.runtime_data.coordinator.data.devices:
        if metered_identifier(entry, metered.id) in identifiers:
            return metered.id
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_metered_device",
        translation_placeholders={"device_id": device_id},
    )


async def _by_commodity(
    entry: AetherLensConfigEntry,
    start: datetime,
    end: datetime,
    resolution: str,
    household: CostReport | None,
) -> dict[str, tuple[CostTotal, str | None]]:
    """Return each commodity's household total over the range, with its unit.

    HOUSEHOLD, a report of one commodity's household, is not asked for again. Gas and water are
    asked for only from engines with the ledger (they know no other commodity).
    """
    ledger = entry.runtime_data.coordinator.data.ledger
    totals: dict[str, tuple[CostTotal, str | None]] = {}
    for commodity in COMMODITIES if ledger is not None else ("electricity",):
        report = household
        if report is None or report.commodity != commodity:
            report = await _ask(
                entry.runtime_data.client.costs(
                    start,
                    end,
                    resolution=resolution,
                    commodity=commodity if ledger is not None else None,
                )
            )
        totals[commodity] = (report.total, report.unit)
    return totals


async def _device_names(entry: AetherLensConfigEntry, report: CostReport | None) -> dict[int, str]:
    """Return the names of the summary's devices, and of REPORT's rows' devices beside them.

    The summary has the electricity devices: gas and water devices are named by the engine's
    device list, read only when REPORT has one.
    """
    devices = entry.runtime_data.coordinator.data.devices
    names = {device.id: device_name(device.name) for device in devices}
    if report is not None and any(
        row.device_id is not None and row.device_id not in names for row in report.rows
    ):
        listed = await _ask(entry.runtime_data.client.device_names())
        names |= {id_: device_name(name) for id_, name in listed.items() if id_ not in names}
    return names


async def _components(
    entry: AetherLensConfigEntry, start: datetime, end: datetime
) -> list[JsonValueType] | None:
    """Return the bill's components per cycle over [START, END); None if the engine refuses."""
    try:
        bill = await _ask(entry.runtime_data.client.bill(start, end))
    except ServiceValidationError:
        # No active tariff, nothing recorded, or a range longer than the engine bills.
        return None
    return [as_json(cycle) for cycle in bill.cycles]


async def _ask[T](request: Awaitable[T]) -> T:
    """Await a request to the engine; its refusals are the caller's errors, the rest ours."""
    try:
        return await request
    except AetherLensRequestError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="engine_refused",
            translation_placeholders={"error": str(err)},
        ) from err
    except AetherLensAuthenticationError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="authentication_error"
        ) from err
    except AetherLensError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="communication_error",
            translation_placeholders={"error": str(err)},
        ) from err


def _money(amount: Decimal) -> str:
    """Write an amount exactly, as the engine does (`12.5`, `0`)."""
    return format(amount.normalize(), "f")


def _cost_row(row: CostRow, names: dict[int, str], *, by_device: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"start": row.start.isoformat()}
    if by_device:
        item["device_id"] = row.device_id
        item["device"] = REST_OF_HOUSE if row.device_id is None else names.get(row.device_id)
    if row.period is not None:
        item["period"] = row.period
    item |= {"energy_kwh": row.energy_kwh, "cost": _money(row.cost), "carbon_kg": row.carbon_kg}
    return item


def _line(line: dict[str, Any]) -> dict[str, Any]:
    """Return a statement line with its amount and kWh as exact decimal text."""
    out = dict(line)
    for key in ("amount", "kwh"):
        if isinstance(out.get(key), int | float):
            out[key] = _amount(out[key])
    return out
