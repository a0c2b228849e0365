"""Every failure answers JSON from the documented error models; unexpected ones say nothing of
the internals and are logged.
"""

from __future__ import annotations

import logging

import asyncpg
import msgspec
import pytest

from aetherlens_engine.api.contract.engine import Error, TariffError
from aetherlens_engine.api.errors import ApiError, error_body, error_response
from aetherlens_engine.api.params import InvalidValueError, parse_instant
from tests.engine.test_api_support import client, engine_state, migrate


async def test_wrong_method_405_json() -> None:
    async with client(engine_state()) as session, session.get("/api/v1/readings") as resp:
        assert resp.status == 405
        assert resp.headers["Allow"] == "POST"
        error = (await resp.json())["error"]
    assert error == {"code": "method_not_allowed", "message": "method not allowed; use POST"}


async def test_unexpected_failure_500_without_internals(
    db_pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """A pool closed under the API is a bug, not an outage: 500, with the traceback logged."""
    await migrate(db_pool)
    await db_pool.close()
    async with client(engine_state(db_pool)) as session, session.get("/api/v1/devices") as resp:
        assert resp.status == 500
        text = await resp.text()
    assert resp.content_type == "application/json"
    assert '"internal_error"' in text
    for internal in ("Traceback", "asyncpg", "pool", "Interface"):
        assert internal not in text
    (record,) = [r for r in caplog.records if r.name == "aetherlens_engine.api.errors"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "unexpected error answering GET /api/v1/devices"
    assert record.exc_info is not None


def test_parse_instant() -> None:
    assert parse_instant("2026-03-29T01:00:00+02:00").isoformat() == "2026-03-28T23:00:00+00:00"
    assert parse_instant("2026-03-29T01:00Z").isoformat() == "2026-03-29T01:00:00+00:00"
    for text in ("", "2026-03-29", "2026-03-29T01:00:00", "29.03.2026", "9999-12-31T23:00-01:00"):
        with pytest.raises(InvalidValueError):
            parse_instant(text)


@pytest.mark.parametrize(
    ("error", "model"),
    [
        (ApiError(409, "cannot_bill", "no household energy is recorded"), Error),
        (
            ApiError(422, "readings_rejected", "none of the 2 readings was accepted",
                     details=[{"index": 0, "reason": "naive_time"}, {"index": 1, "reason": "x"}]),
            Error,
        ),
        (
            ApiError(422, "invalid_tariff", "energy.price: expected a number",
                     details=[{"path": "energy.price", "message": "expected a number"}]),
            TariffError,
        ),
    ],
)  # fmt: skip
def test_error_bodies_are_encoded_from_their_models(
    error: ApiError, model: type[Error | TariffError]
) -> None:
    response = error_response(error)
    assert isinstance(response.body, bytes)
    body: Error | TariffError = msgspec.json.decode(response.body, type=model, strict=True)
    assert (body.error.code, body.error.message) == (error.code, error.message)
    assert msgspec.to_builtins(body)["error"].get("details") == error.details


def test_details_outside_the_model_are_refused() -> None:
    """A handler's details must fit the documented error: a wrong shape fails, loudly."""
    with pytest.raises(msgspec.ValidationError, match=r"Object missing required field `reason`"):
        error_body(ApiError(422, "readings_rejected", "refused", details=[{"index": 0}]))
