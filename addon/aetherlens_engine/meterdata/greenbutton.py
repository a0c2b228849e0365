"""Green Button "Download my data" files: the ESPI Atom feed (NAESB REQ.21) read into MeterData.

A feed's entries each hold one resource in `content`; their `link`s tie them together: a
MeterReading is under the UsagePoint whose `related` links name its `up` link (or whose `self`
path it extends), its IntervalBlocks under it the same way, and its ReadingType is the entry
its `related` links name. A file without links (some tools write them so) is read where that is
unambiguous: an entry without an `up` link belongs to the only entry it could, a MeterReading
without `related` links has the only ReadingType. What is read:

- UsagePoint: ServiceCategory kind 0 (electricity); another commodity is refused.
- ReadingType: uom 72 (Wh) scaled by powerOfTenMultiplier, flowDirection 1 (delivered to the
  household: an import meter), 19 (received from it: an export meter) or 4 (net: a positive
  reading is the import meter's, a negative one the export meter's), accumulationBehaviour 4
  (delta data: each reading is its interval's energy) where given, intervalLength.
- IntervalReading: timePeriod (start: seconds since 1970 UTC, duration: seconds) and value; a
  reading without timePeriod takes its block's interval start and the ReadingType's intervalLength
  in order. Its cost is the utility's, not the tariff's: it is not imported.
- UsageSummary (ElectricPowerUsageSummary in ESPI 1.0): billingPeriod, currency (ISO 4217
  numeric), billLastPeriod, billToDate, costAdditionalLastPeriod and its
  costAdditionalDetailLastPeriod lines (amounts in hundred-thousandths of the currency, as ESPI
  writes them), overallConsumptionLastPeriod.

Errors name the element and its line; the file is read whole before anything is stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from aetherlens_engine.models import Flow

from .intervals import (
    BillLine,
    Interval,
    Meter,
    MeterData,
    MeterDataError,
    UsageSummary,
    interval,
    meter,
)
from .xmltree import Element, parse_xml

SOURCE = "greenbutton"
ATOM = "http://www.w3.org/2005/Atom"
ESPI = "http://naesb.org/espi"
UOM_WH = 72
DELTA_DATA = 4
FLOWS = {1: Flow.IMPORT, 19: Flow.EXPORT}
NET = 4
ELECTRICITY = 0
# ESPI amounts are integers of 1e-5 of the currency.
AMOUNT_SCALE = Decimal("0.00001")
# ISO 4217 numeric codes of the currencies of utilities that publish Green Button data, and more.
CURRENCIES = {
    36: "AUD",
    124: "CAD",
    156: "CNY",
    356: "INR",
    392: "JPY",
    484: "MXN",
    554: "NZD",
    756: "CHF",
    826: "GBP",
    840: "USD",
    978: "EUR",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class _Entry:
    """An Atom entry: its links and the ESPI resource it holds."""

    element: Element
    resource: Element
    title: str
    identity: str
    self_href: str | None = None
    up: str | None = None
    related: list[str] = field(default_factory=list)

    def under(self, parent: _Entry, parents: list[_Entry]) -> bool:
        """Tell whether this entry's resource belongs to PARENT's, one of PARENTS.

        An entry without an up link (some files have no links) belongs to the only parent.
        """
        if self.up is None:
            return len(parents) == 1
        if self.up in parent.related:
            return True
        return parent.self_href is not None and self.up.startswith(parent.self_href + "/")


def read_greenbutton(data: bytes) -> MeterData:
    """Return the meters and usage summaries of the Green Button feed DATA."""
    root = parse_xml(data)
    if (root.namespace, root.name) != (ATOM, "feed"):
        raise MeterDataError(
            f"{root.where}: a Green Button file is an Atom feed (its root element is feed)"
        )
    entries = [entry for element in root.all("entry") if (entry := _entry(element))]
    by_kind: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        name = entry.resource.name
        by_kind["UsageSummary" if name == "ElectricPowerUsageSummary" else name].append(entry)
    points = by_kind["UsagePoint"]
    if not points:
        raise MeterDataError(f"{root.where}: the feed has no UsagePoint entry")
    _check_owned(by_kind["MeterReading"], points)
    _check_owned(by_kind["UsageSummary"], points)
    _check_owned(by_kind["IntervalBlock"], by_kind["MeterReading"])
    meters: list[Meter] = []
    summaries: list[UsageSummary] = []
    for point in points:
        point_meters = _point_meters(point, by_kind)
        point_summaries = [
            _summary(entry.resource, _identity(point))
            for entry in by_kind["UsageSummary"]
            if entry.under(point, points)
        ]
        if point_summaries and not any(m.flow is Flow.IMPORT for m in point_meters):
            point_meters.append(_meter(point, Flow.IMPORT, []))
        meters += point_meters
        summaries += point_summaries
    return MeterData(SOURCE, tuple(meters), tuple(summaries))


def _check_owned(entries: list[_Entry], parents: list[_Entry]) -> None:
    """Refuse an entry that belongs to none of PARENTS: its data would be lost unseen."""
    for entry in entries:
        if not any(entry.under(parent, parents) for parent in parents):
            raise MeterDataError(
                f"{entry.element.where}: its {entry.resource.name} belongs to no "
                f"{'UsagePoint' if entry.resource.name != 'IntervalBlock' else 'MeterReading'} "
                f"of the feed (its up link: {entry.up or 'none'})"
            )


def _entry(element: Element) -> _Entry | None:
    content = element.child("content")
    resources = [] if content is None else [c for c in content.children if c.namespace == ESPI]
    if not resources:
        return None
    links: dict[str, list[str]] = defaultdict(list)
    for link in element.all("link"):
        href = link.attributes.get("href")
        if href:
            links[link.attributes.get("rel", "alternate")].append(href)
    title, identity = element.child("title"), element.child("id")
    return _Entry(
        element,
        resources[0],
        title.text if title is not None else "",
        identity.text if identity is not None else "",
        links["self"][0] if links["self"] else None,
        links["up"][0] if links["up"] else None,
        links["related"],
    )


def _identity(point: _Entry) -> str:
    identity = point.identity or point.self_href
    if not identity:
        raise MeterDataError(f"{point.element.where}: a UsagePoint entry needs an id or self link")
    return identity


def _point_meters(point: _Entry, by_kind: dict[str, list[_Entry]]) -> list[Meter]:
    category = point.resource.child("ServiceCategory")
    kind = _integer(category, "kind") if category is not None else ELECTRICITY
    if kind != ELECTRICITY:
        raise MeterDataError(
            f"{point.resource.where}: ServiceCategory kind {kind} is not electricity (0); "
            "only electricity is imported"
        )
    intervals: dict[Flow, list[Interval]] = defaultdict(list)
    for reading in by_kind["MeterReading"]:
        if not reading.under(point, by_kind["UsagePoint"]):
            continue
        reading_type = _reading_type(reading, by_kind["ReadingType"])
        flow, scale, length = _units(reading_type)
        readings = by_kind["MeterReading"]
        blocks = [b.resource for b in by_kind["IntervalBlock"] if b.under(reading, readings)]
        for start, end, value, where in _readings(blocks, scale, length):
            target, kwh = flow, value
            if target is None:  # net: what the household delivered to the grid is negative
                target, kwh = (Flow.EXPORT, -value) if value < 0 else (Flow.IMPORT, value)
            intervals[target].append(interval(start, end, kwh, where))
    return [_meter(point, flow, found) for flow, found in intervals.items()]


def _meter(point: _Entry, flow: Flow, intervals: Iterable[Interval]) -> Meter:
    identity = _identity(point)
    title = point.title or "usage point"
    source_id = identity if flow is Flow.IMPORT else f"{identity} export"
    name = f"{title} (Green Button)" if flow is Flow.IMPORT else f"{title} export (Green Button)"
    return meter(source_id, name, flow, identity, intervals)


def _reading_type(reading: _Entry, types: list[_Entry]) -> Element:
    for entry in types:
        if entry.self_href is not None and entry.self_href in reading.related:
            return entry.resource
    if not reading.related and len(types) == 1:  # a file without links
        return types[0].resource
    raise MeterDataError(
        f"{reading.element.where}: no ReadingType entry is linked (its related links: "
        f"{', '.join(reading.related) or 'none'})"
    )


def _units(reading_type: Element) -> tuple[Flow | None, Decimal, timedelta | None]:
    """Return the meter's flow (None: net), the kWh of a value of 1, the intervals' length."""
    uom = _integer(reading_type, "uom")
    if uom != UOM_WH:
        raise MeterDataError(
            f"{reading_type.where}: uom {uom} is not energy in Wh (72); only energy is imported"
        )
    direction = _integer(reading_type, "flowDirection")
    if direction not in FLOWS and direction != NET:
        raise MeterDataError(
            f"{reading_type.where}: flowDirection {direction} is not 1 (delivered), 4 (net) or "
            "19 (received)"
        )
    behaviour = _optional_integer(reading_type, "accumulationBehaviour")
    if behaviour is not None and behaviour != DELTA_DATA:
        raise MeterDataError(
            f"{reading_type.where}: accumulationBehaviour {behaviour} is not delta data (4): "
            "each reading must be its interval's energy"
        )
    power = _optional_integer(reading_type, "powerOfTenMultiplier") or 0
    length = _optional_integer(reading_type, "intervalLength")
    scale = Decimal(1).scaleb(power) / 1000
    return FLOWS.get(direction), scale, timedelta(seconds=length) if length else None


def _readings(
    blocks: list[Element], scale: Decimal, length: timedelta | None
) -> list[tuple[datetime, datetime, Decimal, str]]:
    """Return each IntervalReading's start, end, kWh (signed as written) and element."""
    found: list[tuple[datetime, datetime, Decimal, str]] = []
    for block in blocks:
        block_period = block.child("interval")
        start = _start(block_period) if block_period is not None else None
        for reading in block.all("IntervalReading"):
            period = reading.child("timePeriod")
            if period is not None:
                start = _start(period)
                end = start + timedelta(seconds=_integer(period, "duration"))
            elif start is not None and length is not None:
                end = start + length
            else:
                raise MeterDataError(
                    f"{reading.where}: timePeriod is missing (and its block's interval start or "
                    "the ReadingType's intervalLength)"
                )
            found.append((start, end, _integer(reading, "value") * scale, reading.where))
            start = end
    return found


def _summary(summary: Element, meter_id: str) -> UsageSummary:
    period = summary.child("billingPeriod")
    if period is None:
        raise MeterDataError(f"{summary.where}: billingPeriod is missing")
    start = _start(period)
    end = start + timedelta(seconds=_integer(period, "duration"))
    code = _integer(summary, "currency")
    if code not in CURRENCIES:
        raise MeterDataError(
            f"{summary.where}: currency {code} is not an ISO 4217 code the engine knows "
            f"({', '.join(f'{n} {c}' for n, c in sorted(CURRENCIES.items()))})"
        )
    lines = tuple(
        BillLine(_text(item, "note"), _integer(item, "amount") * AMOUNT_SCALE)
        for item in summary.all("costAdditionalDetailLastPeriod")
    )
    return UsageSummary(
        meter_id,
        start,
        end,
        CURRENCIES[code],
        _amount(summary, "billLastPeriod"),
        _amount(summary, "billToDate"),
        _amount(summary, "costAdditionalLastPeriod"),
        _consumption(summary.child("overallConsumptionLastPeriod")),
        lines,
        summary.where,
    )


def _consumption(measurement: Element | None) -> Decimal | None:
    if measurement is None:
        return None
    uom = _integer(measurement, "uom")
    if uom != UOM_WH:
        raise MeterDataError(f"{measurement.where}: uom {uom} is not energy in Wh (72)")
    power = _optional_integer(measurement, "powerOfTenMultiplier") or 0
    return _integer(measurement, "value") * Decimal(1).scaleb(power) / 1000


def _amount(parent: Element, name: str) -> Decimal | None:
    value = _optional_integer(parent, name)
    return None if value is None else value * AMOUNT_SCALE


def _start(period: Element) -> datetime:
    return EPOCH + timedelta(seconds=_integer(period, "start"))


def _text(parent: Element, name: str) -> str:
    found = parent.child(name)
    if found is None or not found.text:
        raise MeterDataError(f"{parent.where}: {name} is missing")
    return found.text


def _integer(parent: Element, name: str) -> int:
    value = _optional_integer(parent, name)
    if value is None:
        raise MeterDataError(f"{parent.where}: {name} is missing")
    return value


def _optional_integer(parent: Element, name: str) -> int | None:
    found = parent.child(name)
    if found is None:
        return None
    try:
        return int(found.text)
    except ValueError:
        raise MeterDataError(
            f"{found.where}: {name} must be an integer, not {found.text!r}"
        ) from None
