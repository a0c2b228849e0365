"""The engine's reading of plugin results: every kind of record, each bad one refused on its own."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, get_args

import msgspec
import pytest
import voluptuous as vol

from aetherlens_engine.models import DeviceKind
from aetherlens_engine.plugins import (
    CarbonPoint,
    DeviceSpec,
    PluginConfigError,
    PluginManifest,
    PluginReading,
    PollResult,
    PricePoint,
    Provides,
    Statement,
)
from aetherlens_engine.plugins.records import DeviceIn, decode_result
from aetherlens_engine.plugins.results import READING_KINDS, result_to_json

EVERYTHING = frozenset(Provides)
NOON = datetime(2026, 11, 3, 12, tzinfo=UTC)


def _every_kind() -> PollResult:
    return PollResult(
        devices=(DeviceSpec("boiler", "Boiler", DeviceKind.METER, "m³"),),
        readings=(PluginReading("boiler", NOON, 1234.5), PluginReading("boiler", NOON, 1.5, "L")),
        prices=(PricePoint(NOON, Decimal("0.2931"), "EUR"),),
        carbon=(CarbonPoint(NOON, Decimal("0.412")),),
        statements=(
            Statement("vps-1", "INV-7", date(2026, 10, 1), date(2026, 10, 31), Decimal(5), "EUR"),
        ),
        requests=1,
    )


def test_every_kind_round_trips_exactly() -> None:
    result = _every_kind()
    decoded = decode_result("feed", EVERYTHING, json.loads(json.dumps(result_to_json(result))))
    assert decoded.refused == ()
    assert decoded.result == result
    assert result.provided() == {
        Provides.READINGS,
        Provides.PRICES,
        Provides.CARBON,
        Provides.STATEMENTS,
    }


def test_the_device_kinds_of_the_wire_are_those_of_readings() -> None:
    (kind,) = (f.type for f in msgspec.structs.fields(DeviceIn) if f.name == "kind")
    assert set(get_args(kind)) == {str(k) for k in READING_KINDS}


def _wire(**records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"requests": 0, **records}


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (
            _wire(prices=[{"start": "2026-11-03T12:00:00", "price": "0.2", "currency": "EUR"}]),
            "prices[0]: start: '2026-11-03T12:00:00' has no UTC offset",
        ),
        (
            _wire(prices=[{"start": "2026-11-03T12:00:00Z", "price": "1e3", "currency": "EUR"}]),
            "prices[0]: price: expected an exact decimal like 12.50",
        ),
        (
            _wire(prices=[{"start": "2026-11-03T12:00:00Z", "price": "0.2", "currency": "eur"}]),
            "prices[0]: currency: expected `str` matching regex '^[A-Z]{3}$'",
        ),
        (
            _wire(carbon=[{"start": "2026-11-03T12:00:00Z", "intensity": "-0.1"}]),
            "carbon[0]: intensity: -0.1 is negative",
        ),
        (
            _wire(
                devices=[{"source_id": "b", "name": "B", "kind": "meter", "unit": "kWh"}],
                readings=[{"device": "b", "time": "2026-11-03T12:00:00Z", "value": 1e13}],
            ),
            "readings[0]: value: expected `float` <= 1000000000000.0",
        ),
        (
            _wire(readings=[{"device": "other", "time": "2026-11-03T12:00:00Z", "value": 1}]),
            "readings[0]: device: 'other' is not among the declared devices",
        ),
        (
            _wire(devices=[{"source_id": "p", "name": "P", "kind": "price", "unit": "EUR/kWh"}]),
            "devices[0]: kind: 'price' is not one of meter, appliance, grid, solar, battery",
        ),
        (
            _wire(
                statements=[
                    {
                        "account_id": "a",
                        "reference": "r",
                        "first_day": "2026-10-31",
                        "last_day": "2026-10-01",
                        "amount": "5",
                        "currency": "EUR",
                    }
                ]
            ),
            "statements[0]: last_day: 2026-10-01 is before first_day 2026-10-31",
        ),
        (
            _wire(
                accounts=[
                    {
                        "account_id": "a",
                        "name": "A",
                        "forecasts": [{"month": "2026-11-02", "amount": "1", "currency": "EUR"}],
                    }
                ]
            ),
            "accounts[0].forecasts[0]: month: 2026-11-02 is not the first day of a month",
        ),
        (
            _wire(accounts=[{"account_id": "a", "name": "A", "colour": "red"}]),
            "accounts[0]: colour: unknown field",
        ),
        ({"requests": -1}, "requests: -1 is not a count of requests"),
        (_wire(prices={"start": "now"}), "prices: must be a list of records"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_record_is_refused_naming_plugin_and_field(
    data: dict[str, Any], refusal: str
) -> None:
    decoded = decode_result("feed", EVERYTHING, data)
    (message,) = decoded.refused
    assert message.startswith(f"plugin feed: {refusal}")


def test_the_good_records_beside_a_bad_one_are_kept() -> None:
    good = {"start": "2026-11-03T12:00:00Z", "price": "0.2", "currency": "EUR"}
    bad = {**good, "price": "lots"}
    costs = [
        {"day": "2026-11-01", "dimension": "total", "dimension_value": "", "amount": "1",
         "currency": "EUR"},
        {"day": "2026-11-31", "dimension": "total", "dimension_value": "", "amount": "1",
         "currency": "EUR"},
    ]  # fmt: skip
    data = _wire(
        prices=[good, bad, good], accounts=[{"account_id": "a", "name": "A", "costs": costs}]
    )
    decoded = decode_result("feed", EVERYTHING, data)
    assert len(decoded.result.prices) == 2
    (account,) = decoded.result.accounts
    assert [row.day for row in account.costs] == [date(2026, 11, 1)]
    assert [m.split(": ")[1] for m in decoded.refused] == [
        "accounts[0].costs[1]",
        "prices[1]",
    ]


def test_records_of_an_undeclared_kind_are_refused() -> None:
    data = result_to_json(_every_kind())
    decoded = decode_result("feed", frozenset({Provides.PRICES}), data)
    assert decoded.result == PollResult(prices=_every_kind().prices, requests=1)
    assert decoded.refused == (
        "plugin feed: devices: 1 records of 'readings', which the manifest does not declare",
        "plugin feed: readings: 2 records of 'readings', which the manifest does not declare",
        "plugin feed: carbon: 1 records of 'carbon', which the manifest does not declare",
        "plugin feed: statements: 1 records of 'statements', which the manifest does not declare",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Day-Ahead"}, "manifest name 'Day-Ahead': use lower-case letters"),
        ({"version": " "}, "feed: manifest version is empty"),
        ({"poll_interval": timedelta(0)}, "feed: manifest poll_interval must be positive"),
        ({"provides": frozenset()}, "feed: manifest provides must name at least one of readings"),
        ({"provides": frozenset({"prices"})}, "feed: manifest provides must name"),
        ({"config_schema": {"a": str}}, "feed: manifest config_schema is not a vol.Schema"),
        ({"request_currency": "usd"}, "feed: manifest request price or currency is invalid"),
    ],
)
def test_a_wrong_manifest_is_refused_naming_the_field(fields: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {
        "name": "feed",
        "version": "1.0",
        "config_schema": vol.Schema({}),
        "poll_interval": timedelta(hours=1),
        **fields,
    }
    with pytest.raises(PluginConfigError, match=message):
        PluginManifest(**values)
