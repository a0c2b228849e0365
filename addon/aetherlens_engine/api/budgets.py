"""Budget routes: list, create, replace, delete (the `budgets` table is the engine's own).

A refused budget answers 422 (`invalid_budget`) or, for a name in use, 409 (`budget_exists`),
with `details` naming the field (`{"path": "amount", "message": ...}`), so the page can show the
message at it. Home Assistant follows the changes through the summary.
"""

from __future__ import annotations

from decimal import Decimal

import asyncpg
import msgspec
from aiohttp import web
from msgspec import UNSET

from aetherlens_engine.models import DeviceKind
from aetherlens_engine.pricing.store import budgets as store

from .contract import budgets as contract
from .contract.base import json_response, money
from .database import connection
from .decode import field_message, json_of, path_id
from .errors import ApiError
from .state import STATE_KEY, EngineState


def _refused(status: int, code: str, path: str, message: str) -> ApiError:
    return ApiError(
        status, code, f"{path}: {message}", details=[{"path": path, "message": message}]
    )


def _invalid(text: str) -> ApiError:
    path, sep, message = text.partition(": ")
    if not sep or " " in path:
        return ApiError(422, "invalid_budget", text, details=[{"path": "", "message": text}])
    return _refused(422, "invalid_budget", path, message)


def stored(row: asyncpg.Record) -> contract.StoredBudget:
    """Return a `budgets` row as the API shows it."""
    return contract.StoredBudget(
        id=row["id"],
        name=row["name"],
        scope=row["scope"],
        device_id=row["device_id"],
        period=row["period"],
        amount=money(row["amount"]),
        currency=row["currency"],
        thresholds=list(row["thresholds"]),
    )


async def _body(request: web.Request) -> contract.BudgetInput:
    """Decode the budget of REQUEST's body; 422 naming the field that is wrong."""
    value = await json_of(request)
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    try:
        return msgspec.convert(value, contract.BudgetInput)
    except msgspec.ValidationError as err:
        raise _invalid(field_message(err, contract.BudgetInput)) from err


async def _check_device(conn: asyncpg.Connection, body: contract.BudgetInput) -> None:
    """Refuse a device budget whose device is unknown or of the other kind."""
    if body.device_id is None:
        return
    kind = await store.device_kind(conn, body.device_id)
    cloud = body.scope == "cloud_account"
    what = "cloud account" if cloud else "device"
    if kind is None or (kind == DeviceKind.CLOUD_ACCOUNT.value) != cloud:
        raise _refused(422, "invalid_budget", "device_id", f"there is no {what} {body.device_id}")


def _values(state: EngineState, body: contract.BudgetInput) -> store.BudgetValues:
    currency = state.currency if body.currency is UNSET else body.currency
    return (
        body.name,
        body.scope,
        body.device_id,
        body.period,
        Decimal(body.amount),
        currency,
        body.thresholds,
    )


def _name_taken(body: contract.BudgetInput) -> ApiError:
    return _refused(409, "budget_exists", "name", f"a budget named {body.name!r} exists already")


async def get_budgets(request: web.Request) -> web.Response:
    """List every budget, oldest first."""
    async with connection(request.app[STATE_KEY]) as conn:
        rows = await store.budget_rows(conn)
    return json_response(contract.BudgetList(budgets=[stored(row) for row in rows]))


async def post_budget(request: web.Request) -> web.Response:
    """Create a budget."""
    state = request.app[STATE_KEY]
    body = await _body(request)
    async with connection(state) as conn:
        await _check_device(conn, body)
        try:
            row = await store.insert_budget(conn, _values(state, body))
        except asyncpg.UniqueViolationError as err:
            raise _name_taken(body) from err
    return json_response(stored(row), status=201)


async def put_budget(request: web.Request) -> web.Response:
    """Replace a budget (its id stays)."""
    state = request.app[STATE_KEY]
    budget_id = path_id(request, "budget_id", "budget")
    body = await _body(request)
    async with connection(state) as conn:
        await _check_device(conn, body)
        try:
            row = await store.update_budget(conn, budget_id, _values(state, body))
        except asyncpg.UniqueViolationError as err:
            raise _name_taken(body) from err
    if row is None:
        raise ApiError(404, "unknown_budget", f"there is no budget {budget_id}")
    return json_response(stored(row))


async def delete_budget(request: web.Request) -> web.Response:
    """Delete a budget."""
    budget_id = path_id(request, "budget_id", "budget")
    async with connection(request.app[STATE_KEY]) as conn:
        deleted = await store.delete_budget(conn, budget_id)
    if not deleted:
        raise ApiError(404, "unknown_budget", f"there is no budget {budget_id}")
    return web.Response(status=204)
