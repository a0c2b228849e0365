"""The engine's reading of a worker's poll result: every record checked, each bad one refused alone.

A worker is untrusted: what it sends is decoded record by record with the API's own types and
checks (exact decimal amounts, ISO currency codes, RFC 3339 times with an offset, finite values
within ±1e12), and only the kinds its manifest declares are taken. A refused record is reported
as `plugin NAME: readings[3].time: …` and left out; the rest of the poll is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from aetherlens_engine.api.contract.base import Currency, Day, Money
from aetherlens_engine.api.decode import field_message
from aetherlens_engine.api.params import InvalidValueError, parse_rfc3339
from aetherlens_engine.ingest.validate import MAX_ABS_VALUE
from aetherlens_engine.models import Commodity, DeviceKind

from .results import (
    AccountCosts,
    CarbonPoint,
    CostRow,
    DeviceSpec,
    Forecast,
    PluginReading,
    PollResult,
    PricePoint,
    Provides,
    Statement,
)

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
Time = Annotated[str, msgspec.Meta(max_length=64)]


class _Record(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A record as the worker writes it (unknown fields are an error, as in the API)."""


class CostIn(_Record):
    """A cost row."""

    day: Day
    dimension: Literal["total", "service", "resource_group", "region"]
    dimension_value: Annotated[str, msgspec.Meta(max_length=255)]
    amount: Money
    currency: Currency
    estimated: bool = False


class ForecastIn(_Record):
    """A month's forecast."""

    month: Day
    amount: Money
    currency: Currency
    from_day: Day | None = None


class AccountIn(_Record):
    """An account's header; its costs and forecasts are read one by one."""

    account_id: Text
    name: Text
    costs: list[Any] = msgspec.field(default_factory=list)
    forecasts: list[Any] = msgspec.field(default_factory=list)


class DeviceIn(_Record):
    """A declared device."""

    source_id: Text
    name: Text
    kind: Literal["meter", "appliance", "grid", "solar", "battery"]
    unit: Text
    commodity: Literal["electricity", "gas", "water"] = "electricity"


class ReadingIn(_Record):
    """A reading of a declared device."""

    device: Text
    time: Time
    value: Annotated[float, msgspec.Meta(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]
    unit: Text | None = None


class PriceIn(_Record):
    """A price point."""

    start: Time
    price: Money
    currency: Currency


class CarbonIn(_Record):
    """A carbon-intensity point."""

    start: Time
    intensity: Money


class StatementIn(_Record):
    """A statement."""

    account_id: Text
    reference: Text
    first_day: Day
    last_day: Day
    amount: Money
    currency: Currency


class RecordError(ValueError):
    """One record is wrong; the message names its field."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A poll result as the engine takes it, and a message for every record it refused."""

    result: PollResult
    refused: tuple[str, ...]


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise RecordError(f"{field}: {text!r} is not a date like 2026-05-01") from err


def _time(text: str, field: str) -> datetime:
    try:
        return parse_rfc3339(text)
    except InvalidValueError as err:
        raise RecordError(f"{field}: {err}") from err


def _convert[T: _Record](item: Any, model: type[T]) -> T:
    try:
        return msgspec.convert(item, model)
    except msgspec.ValidationError as err:
        raise RecordError(field_message(err, model)) from err


def _cost(item: Any) -> CostRow:
    row = _convert(item, CostIn)
    return CostRow(
        _day(row.day, "day"),
        row.dimension,
        row.dimension_value,
        Decimal(row.amount),
        row.currency,
        row.estimated,
    )


def _forecast(item: Any) -> Forecast:
    row = _convert(item, ForecastIn)
    month = _day(row.month, "month")
    if month.day != 1:
        raise RecordError(f"month: {row.month} is not the first day of a month")
    from_day = _day(row.from_day, "from_day") if row.from_day is not None else None
    if from_day is not None and (from_day.year, from_day.month) != (month.year, month.month):
        raise RecordError(f"from_day: {row.from_day} is not in the month {row.month}")
    return Forecast(month, Decimal(row.amount), row.currency, from_day)


def _device(item: Any) -> DeviceSpec:
    row = _convert(item, DeviceIn)
    return DeviceSpec(
        row.source_id, row.name, DeviceKind(row.kind), row.unit, Commodity(row.commodity)
    )


def _price(item: Any) -> PricePoint:
    row = _convert(item, PriceIn)
    return PricePoint(_time(row.start, "start"), Decimal(row.price), row.currency)


def _carbon(item: Any) -> CarbonPoint:
    row = _convert(item, CarbonIn)
    intensity = Decimal(row.intensity)
    if intensity < 0:
        raise RecordError(f"intensity: {row.intensity} is negative")
    return CarbonPoint(_time(row.start, "start"), intensity)


def _statement(item: Any) -> Statement:
    row = _convert(item, StatementIn)
    first, last = _day(row.first_day, "first_day"), _day(row.last_day, "last_day")
    if last < first:
        raise RecordError(f"last_day: {row.last_day} is before first_day {row.first_day}")
    return Statement(row.account_id, row.reference, first, last, Decimal(row.amount), row.currency)


class _Reader:
    """Decodes one poll result, collecting refusals instead of raising."""

    def __init__(self, plugin: str, provides: frozenset[Provides], data: dict[str, Any]) -> None:
        self.plugin = plugin
        self.provides = provides
        self.data = data
        self.refused: list[str] = []

    def refuse(self, where: str, message: str) -> None:
        self.refused.append(f"plugin {self.plugin}: {where}: {message}")

    def items(self, key: str, kind: Provides) -> list[Any]:
        """Return the records under KEY, refusing them all if the manifest does not declare KIND."""
        items = self.data.get(key) or []
        if not isinstance(items, list):
            self.refuse(key, "must be a list of records")
            return []
        if items and kind not in self.provides:
            self.refuse(
                key, f"{len(items)} records of '{kind}', which the manifest does not declare"
            )
            return []
        return items

    def each[T](self, key: str, items: Iterable[Any], read: Callable[[Any], T]) -> list[T]:
        taken: list[T] = []
        for index, item in enumerate(items):
            try:
                taken.append(read(item))
            except RecordError as err:
                self.refuse(f"{key}[{index}]", str(err))
        return taken

    def accounts(self) -> tuple[AccountCosts, ...]:
        taken: list[AccountCosts] = []
        for index, item in enumerate(self.items("accounts", Provides.CLOUD_COSTS)):
            where = f"accounts[{index}]"
            try:
                header = _convert(item, AccountIn)
            except RecordError as err:
                self.refuse(where, str(err))
                continue
            costs = self.each(f"{where}.costs", header.costs, _cost)
            forecasts = self.each(f"{where}.forecasts", header.forecasts, _forecast)
            taken.append(
                AccountCosts(header.account_id, header.name, tuple(costs), tuple(forecasts))
            )
        return tuple(taken)

    def readings(self, devices: tuple[DeviceSpec, ...]) -> tuple[PluginReading, ...]:
        units = {device.source_id: device.unit for device in devices}
        taken: list[PluginReading] = []
        for index, item in enumerate(self.items("readings", Provides.READINGS)):
            where = f"readings[{index}]"
            try:
                row = _convert(item, ReadingIn)
                time = _time(row.time, "time")
            except RecordError as err:
                self.refuse(where, str(err))
                continue
            if row.device not in units:
                self.refuse(where, f"device: {row.device!r} is not among the declared devices")
                continue
            taken.append(PluginReading(row.device, time, row.value, row.unit))
        return tuple(taken)

    def requests(self) -> int:
        count = self.data.get("requests", 0)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            self.refuse("requests", f"{count!r} is not a count of requests")
            return 0
        return count


def decode_result(plugin: str, provides: frozenset[Provides], data: object) -> Decoded:
    """Return what of the worker's DATA the engine takes from PLUGIN, and every refusal."""
    if not isinstance(data, dict):
        return Decoded(PollResult(), (f"plugin {plugin}: the result is not a JSON object",))
    reader = _Reader(plugin, provides, data)
    devices = tuple(reader.each("devices", reader.items("devices", Provides.READINGS), _device))
    result = PollResult(
        accounts=reader.accounts(),
        devices=devices,
        readings=reader.readings(devices),
        prices=tuple(reader.each("prices", reader.items("prices", Provides.PRICES), _price)),
        carbon=tuple(reader.each("carbon", reader.items("carbon", Provides.CARBON), _carbon)),
        statements=tuple(
            reader.each("statements", reader.items("statements", Provides.STATEMENTS), _statement)
        ),
        requests=reader.requests(),
    )
    return Decoded(result, tuple(reader.refused))
