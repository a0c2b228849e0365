"""Green Button (ESPI) files read into meters and usage summaries; bad files named by element."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from aetherlens_engine.meterdata.greenbutton import read_greenbutton
from aetherlens_engine.meterdata.intervals import BillLine, MeterDataError, hour_pieces, interval
from aetherlens_engine.models import Flow
from tests.engine.meterdata import DAY, POINT, household, line_of


def test_the_hand_written_file() -> None:
    """24 hourly readings of 2024-06-10 (8 x 0.5, 12 x 1.5, 4 x 0.75 kWh) and the day's bill."""
    data = read_greenbutton(household())
    assert data.source == "greenbutton"
    [meter] = data.meters
    assert (meter.source_id, meter.name, meter.flow, meter.connection) == (
        POINT,
        "12 Elm Street (Green Button)",
        Flow.IMPORT,
        POINT,
    )
    assert [(i.start, i.end) for i in meter.intervals] == [
        (DAY + timedelta(hours=h), DAY + timedelta(hours=h + 1)) for h in range(24)
    ]
    assert [i.kwh for i in meter.intervals] == [Decimal("0.5")] * 8 + [Decimal("1.5")] * 12 + [
        Decimal("0.75")
    ] * 4
    assert meter.intervals[0].where == f"IntervalReading (line {line_of('<IntervalReading>')})"
    [summary] = data.summaries
    assert (summary.meter, summary.start, summary.end, summary.currency) == (
        POINT,
        DAY,
        DAY + timedelta(days=1),
        "USD",
    )
    assert (summary.bill, summary.bill_to_date, summary.additional, summary.consumption_kwh) == (
        Decimal("14.8"),
        Decimal("14.8"),
        Decimal(8),
        Decimal(25),
    )
    assert summary.lines == (BillLine("Customer charge", Decimal(8)),)


def test_scale_and_export() -> None:
    """powerOfTenMultiplier 3 makes the values kWh; flowDirection 19 an export meter."""
    data = read_greenbutton(
        household(
            "<powerOfTenMultiplier>0</powerOfTenMultiplier>\n        <timeAttribute>",
            "<powerOfTenMultiplier>-3</powerOfTenMultiplier>\n        <timeAttribute>",
        ).replace(b"<flowDirection>1<", b"<flowDirection>19<")
    )
    export = next(m for m in data.meters if m.flow is Flow.EXPORT)
    assert export.source_id == f"{POINT} export"
    assert export.connection == POINT
    assert export.intervals[0].kwh == Decimal("0.0005")
    # The usage summary still has the usage point's import meter, without intervals.
    imported = next(m for m in data.meters if m.flow is Flow.IMPORT)
    assert (imported.source_id, imported.intervals) == (POINT, ())


def test_net_readings_are_split_by_sign() -> None:
    """flowDirection 4: the evening's negative hours are the export meter's, the rest import."""
    data = read_greenbutton(
        household("<flowDirection>1<", "<flowDirection>4<").replace(
            b"<value>750</value>", b"<value>-750</value>"
        )
    )
    imported, export = (next(m for m in data.meters if m.flow is f) for f in Flow)
    assert [i.kwh for i in imported.intervals] == [Decimal("0.5")] * 8 + [Decimal("1.5")] * 12
    assert [(i.start, i.kwh) for i in export.intervals] == [
        (DAY + timedelta(hours=h), Decimal("0.75")) for h in range(20, 24)
    ]
    assert (export.source_id, export.connection) == (f"{POINT} export", POINT)


def test_readings_without_time_period_follow_the_block() -> None:
    """Without timePeriod a reading starts where the previous ended (the block's start first)."""
    text = household().decode()
    start, end = text.index("<IntervalReading>"), text.index("</IntervalBlock>")
    readings = "".join(
        f"<IntervalReading><value>{wh}</value></IntervalReading>" for wh in (100, 200)
    )
    data = read_greenbutton((text[:start] + readings + text[end:]).encode())
    [meter] = data.meters
    assert [(i.start, i.end, i.kwh) for i in meter.intervals] == [
        (DAY, DAY + timedelta(hours=1), Decimal("0.1")),
        (DAY + timedelta(hours=1), DAY + timedelta(hours=2), Decimal("0.2")),
    ]


READING_TYPE_END = "<uom>72</uom>\n      </ReadingType>"
BILLING_PERIOD = (
    "<billingPeriod>\n          <duration>86400</duration>\n"
    "          <start>1717977600</start>\n        </billingPeriod>"
)
OVERLAP = (
    "IntervalReading (line {}): its interval from 2024-06-10T01:00:00+00:00 overlaps that of "
    "IntervalReading"
)


@pytest.mark.parametrize(
    ("old", "new", "at", "message"),
    [
        (
            READING_TYPE_END,
            "<uom>38</uom></ReadingType>",
            "<ReadingType ",
            "ReadingType (line {}): uom 38 is not energy in Wh (72)",
        ),
        (
            READING_TYPE_END,
            "</ReadingType>",
            "<ReadingType ",
            "ReadingType (line {}): uom is missing",
        ),
        (
            "<flowDirection>1<",
            "<flowDirection>2<",
            "<ReadingType ",
            "ReadingType (line {}): flowDirection 2 is not 1 (delivered), 4 (net) or 19",
        ),
        (
            "<accumulationBehaviour>4<",
            "<accumulationBehaviour>3<",
            "<ReadingType ",
            "ReadingType (line {}): accumulationBehaviour 3 is not delta data",
        ),
        (
            "<value>500</value>",
            "<value>half</value>",
            "<value>500",
            "value (line {}): value must be an integer, not 'half'",
        ),
        (
            "<value>500</value>",
            "<value>-500</value>",
            "<IntervalReading>",
            "IntervalReading (line {}): the energy must be a number >= 0",
        ),
        (
            "<duration>3600</duration>",
            "<duration>0</duration>",
            "<IntervalReading>",
            "IntervalReading (line {}): the interval must end after it starts",
        ),
        (
            "<espi:kind>0</espi:kind>",
            "<espi:kind>1</espi:kind>",
            "<espi:UsagePoint>",
            "UsagePoint (line {}): ServiceCategory kind 1 is not electricity",
        ),
        (
            "<currency>840</currency>\n        <overall",
            "<currency>9</currency><overall",
            "<UsageSummary",
            "UsageSummary (line {}): currency 9 is not an ISO 4217 code",
        ),
        (BILLING_PERIOD, "", "<UsageSummary", "UsageSummary (line {}): billingPeriod is missing"),
        (
            "<billingPeriod>",
            "<billingPeriodX>",
            "</billingPeriod>",
            "line {}, column 10: not well-formed XML (mismatched tag)",
        ),
    ],
)
def test_bad_files_name_the_element(old: str, new: str, at: str, message: str) -> None:
    """Each fault is reported with the element holding it and that element's line (AT's)."""
    with pytest.raises(MeterDataError) as caught:
        read_greenbutton(household(old, new))
    assert str(caught.value).startswith(message.format(line_of(at)))


def test_overlapping_readings_and_unlinked_meter_readings() -> None:
    """The first reading made two hours long overlaps the second; a MeterReading must be linked
    to its ReadingType.
    """
    with pytest.raises(MeterDataError) as caught:
        read_greenbutton(household("<duration>3600</duration>", "<duration>7200</duration>"))
    assert str(caught.value).startswith(OVERLAP.format(line_of("<IntervalReading>", 2)))
    link = '<link href="https://utility.example/espi/1_1/resource/ReadingType/7" rel="related"/>'
    with pytest.raises(MeterDataError) as caught:
        read_greenbutton(household(link, ""))
    assert str(caught.value).startswith(
        f"entry (line {line_of('<entry>', 3)}): no ReadingType entry is linked"
    )


def test_entities_and_other_documents_are_refused() -> None:
    """An entity declaration is refused before expansion; the root must be an Atom feed."""
    with pytest.raises(MeterDataError, match="declares entities"):
        read_greenbutton(b'<!DOCTYPE feed [<!ENTITY a "aaaa">]><feed>&a;</feed>')
    with pytest.raises(MeterDataError, match=r"^UsagePoint \(line 1\): .* Atom feed"):
        read_greenbutton(b'<UsagePoint xmlns="http://naesb.org/espi"/>')
    with pytest.raises(MeterDataError, match="no UsagePoint entry"):
        read_greenbutton(b'<feed xmlns="http://www.w3.org/2005/Atom"/>')


def test_hour_pieces_share_a_long_interval_in_proportion() -> None:
    """A 90-minute interval from 00:30: a third in each of three hours, marked as split."""
    start = DAY + timedelta(minutes=30)
    item = interval(start, start + timedelta(minutes=90), Decimal("0.9"), "row 1")
    pieces = list(hour_pieces([item]))
    assert [(p.hour, p.kwh, p.split) for p in pieces] == [
        (DAY, Decimal("0.3"), True),
        (DAY + timedelta(hours=1), Decimal("0.6"), True),
    ]
    whole = interval(DAY, DAY + timedelta(minutes=15), Decimal("0.2"), "row 2")
    assert [(p.start, p.end, p.kwh, p.split) for p in hour_pieces([whole])] == [
        (DAY, DAY + timedelta(minutes=15), Decimal("0.2"), False)
    ]


def test_a_file_without_links() -> None:
    """Some tools write no links: one usage point, meter reading and reading type still tie up."""
    text = "\n".join(line for line in household().decode().splitlines() if "<link " not in line)
    data = read_greenbutton(text.encode())
    [meter] = data.meters
    assert [i.kwh for i in meter.intervals] == [
        i.kwh for i in read_greenbutton(household()).meters[0].intervals
    ]
    assert len(data.summaries) == 1
    # With two usage points an entry without links is nobody's: nothing is guessed, or lost.
    point = text[text.index("  <entry>") : text.index("  </entry>") + len("  </entry>")]
    second = point.replace("000000000010", "000000000011")
    with pytest.raises(
        MeterDataError, match=r"^entry \(line \d+\): its MeterReading belongs to no "
    ):
        read_greenbutton(text.replace(point, point + "\n" + second).encode())


def test_an_interval_block_of_no_meter_reading() -> None:
    up = 'UsagePoint/1/MeterReading/1/IntervalBlock" rel="up"'
    with pytest.raises(MeterDataError) as caught:
        read_greenbutton(household(up, up.replace("MeterReading/1", "MeterReading/2")))
    assert str(caught.value).startswith(
        f"entry (line {line_of('<entry>', 5)}): its IntervalBlock belongs to no MeterReading"
    )
