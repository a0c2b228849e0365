"""The plugin guide's example runs as the engine runs a plugin: through the worker's protocol."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

from aetherlens_engine.plugins.results import result_from_json
from aetherlens_engine.plugins.worker import serve

EXAMPLE = "devtools.example_plugin:FixedSubscriptionPlugin"


def answers(*requests: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the worker's answers to REQUESTS, one JSON line each way."""
    out = io.BytesIO()
    serve(io.BytesIO(b"".join(json.dumps(r).encode() + b"\n" for r in requests)), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_example_plugin_reports_the_month_so_far() -> None:
    config = {"account_name": "VPS", "monthly_amount": 28.00, "currency": "EUR"}
    started, polled, stopped = answers(
        {"op": "start", "plugin": EXAMPLE, "config": config},
        {"op": "poll", "now": "2026-02-03T12:00:00+00:00"},
        {"op": "stop"},
    )

    assert started == {"ok": True, "name": "fixed_subscription", "version": "1.0.0"}
    assert stopped == {"ok": True}
    (account,) = result_from_json(polled["result"]).accounts
    assert account.name == "VPS"
    assert [(row.day, row.amount) for row in account.costs] == [
        (date(2026, 2, day), Decimal(1)) for day in (1, 2, 3)
    ]
    assert [(f.month, f.amount) for f in account.forecasts] == [(date(2026, 2, 1), Decimal(28))]


def test_the_example_plugin_names_a_wrong_option() -> None:
    config = {"account_name": "VPS", "monthly_amount": 5, "currency": "eur"}
    (started,) = answers({"op": "start", "plugin": EXAMPLE, "config": config})
    assert started["ok"] is False
    assert started["error"].startswith("fixed_subscription: invalid option 'currency'")
