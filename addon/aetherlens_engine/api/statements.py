"""Statements: the household's paper bills, recorded and matched with the engine's bills.

- `POST /api/v1/statements`: record one statement (JSON); answered with its match.
- `POST /api/v1/statements/import`: record the statements of a CSV text
  (`tariffs.statement_csv`); all or none, an error names the line.
- `GET /api/v1/statements`: every statement matched (`pricing.statements`), flagged where a
  residual is above the threshold.
- `DELETE /api/v1/statements/{statement_id}`: forget a statement (recorded by mistake, or for
  the wrong cycle): its repair issue goes at the integration's next match.
- `GET /api/v1/statements/calibration`: the tariff version a constant per-kWh or per-day amount
  would make of the tariff to explain its statements (`pricing.calibration`), not saved.

A statement whose cycle the engine cannot bill (nothing recorded, no tariff version in force)
is still answered, with its `error` and no engine figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

import asyncpg
from aiohttp import web
from msgspec import UNSET, UnsetType

from aetherlens_engine.pricing.calibration import calibrate
from aetherlens_engine.pricing.statements import (
    StoredStatement,
    delete_statement,
    match_stored,
    save_statement,
    stored_statements,
)
from aetherlens_engine.pricing.store.tariffs import active_tariff_name
from aetherlens_engine.tariffs.model import BillInputError
from aetherlens_engine.tariffs.statement import (
    LineKind,
    Statement,
    StatementLine,
    check_statement,
)
from aetherlens_engine.tariffs.statement_csv import read_statements

from .contract import statements as contract
from .contract.base import day, instant, json_response, money, optional_money
from .database import connection
from .decode import body_of, path_id, query_of
from .errors import ApiError, no_active_tariff
from .ranges import bad_parameter
from .state import STATE_KEY

DEFAULT_THRESHOLD = Decimal("1.00")


def _day(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise bad_parameter(name, f"{text!r} is not a date (YYYY-MM-DD)") from err


def _statement(body: contract.StatementIn) -> Statement:
    lines = tuple(
        StatementLine(
            kind=LineKind(line.kind),
            name=line.name,
            amount=Decimal(line.amount),
            period=None if line.period is UNSET else line.period,
            tier=None if line.tier is UNSET else line.tier,
            kwh=None if line.kwh is UNSET else Decimal(line.kwh),
        )
        for line in body.lines
    )
    statement = Statement(
        first=_day("start", body.start),
        end=_day("end", body.end),
        total=Decimal(body.total),
        lines=lines,
    )
    try:
        check_statement(statement)
    except BillInputError as err:
        raise ApiError(400, "invalid_body", str(err)) from err
    return statement


async def _tariff(conn: asyncpg.Connection, name: str | UnsetType) -> str:
    if name is not UNSET:
        return name
    active = await active_tariff_name(conn)
    if active is None:
        raise no_active_tariff()
    return active


async def _matched(
    conn: asyncpg.Connection, stored: StoredStatement, threshold: Decimal
) -> contract.StatementMatch:
    statement = stored.statement
    matched = contract.StatementMatch(
        id=stored.id,
        tariff=stored.tariff,
        currency=stored.currency,
        source=cast("contract.Source", stored.source),
        recorded_at=instant(stored.recorded_at),
        start=day(statement.first),
        end=day(statement.end),
        total=money(statement.total),
        engine_total=None,
        residual=None,
        over_threshold=True,
        lines=[],
        findings=[],
        error=None,
    )
    try:
        found = await match_stored(conn, stored)
    except BillInputError as err:
        matched.error = str(err)
        return matched
    matched.engine_total = money(found.engine_total)
    matched.residual = money(found.residual)
    matched.over_threshold = found.over(threshold)
    matched.lines = [
        contract.LineMatch(
            kind=line.kind.value,
            name=line.name,
            statement=optional_money(line.statement),
            engine=optional_money(line.engine),
            residual=money(line.residual),
        )
        for line in found.lines
    ]
    matched.findings = [
        contract.Finding(cause=f.cause.value, detail=f.detail) for f in found.findings
    ]
    return matched


async def _save(
    conn: asyncpg.Connection, tariff: str, statements: list[Statement], source: str
) -> list[contract.StatementMatch]:
    """Store every statement in one transaction; answer them matched."""
    try:
        async with conn.transaction():
            saved = [await save_statement(conn, tariff, s, source) for s in statements]
    except BillInputError as err:
        raise ApiError(404, "unknown_tariff", str(err)) from err
    return [await _matched(conn, stored, DEFAULT_THRESHOLD) for stored in saved]


async def post_statement(request: web.Request) -> web.Response:
    """Record a statement and answer it matched."""
    state = request.app[STATE_KEY]
    body = await body_of(request, contract.StatementIn)
    statement = _statement(body)
    async with connection(state) as conn:
        tariff = await _tariff(conn, body.tariff)
        [matched] = await _save(conn, tariff, [statement], "api")
    return json_response(matched, status=201)


async def post_import(request: web.Request) -> web.Response:
    """Record the statements of a CSV text and answer them matched."""
    state = request.app[STATE_KEY]
    body = await body_of(request, contract.StatementImport)
    try:
        statements = read_statements(body.csv)
    except BillInputError as err:
        raise ApiError(400, "invalid_csv", f"csv: {err}") from err
    async with connection(state) as conn:
        tariff = await _tariff(conn, body.tariff)
        matched = await _save(conn, tariff, statements, "csv")
    return json_response(contract.StatementsSaved(statements=matched), status=201)


async def get_statements(request: web.Request) -> web.Response:
    """Answer every recorded statement matched, flagged above the threshold."""
    state = request.app[STATE_KEY]
    query = query_of(request, contract.StatementsQuery)
    threshold = Decimal(query.threshold)
    async with connection(state) as conn:
        matched = [await _matched(conn, s, threshold) for s in await stored_statements(conn)]
    return json_response(contract.StatementList(threshold=money(threshold), statements=matched))


async def delete_statement_route(request: web.Request) -> web.Response:
    """Delete a statement."""
    statement_id = path_id(request, "statement_id", "statement")
    async with connection(request.app[STATE_KEY]) as conn:
        if not await delete_statement(conn, statement_id):
            raise ApiError(404, "unknown_statement", f"there is no statement {statement_id}")
    return web.Response(status=204)


async def get_calibration(request: web.Request) -> web.Response:
    """Answer the tariff version that would explain the statements' residuals (not saved)."""
    state = request.app[STATE_KEY]
    query = query_of(request, contract.CalibrationQuery)
    threshold = Decimal(query.threshold)
    async with connection(state) as conn:
        tariff = await _tariff(conn, query.tariff)
        try:
            proposal = await calibrate(conn, tariff)
        except BillInputError as err:
            raise ApiError(409, "cannot_calibrate", str(err)) from err
    return json_response(
        contract.Calibration(
            tariff=tariff,
            based_on_version=proposal.based_on.version,
            basis=proposal.basis.value,
            name=proposal.name,
            amount=money(proposal.amount),
            explains=proposal.explains(threshold),
            definition=proposal.definition,
            statements=[
                contract.CalibratedStatement(
                    id=left.stored.id,
                    start=day(left.stored.statement.first),
                    end=day(left.stored.statement.end),
                    residual=money(left.residual),
                    residual_after=money(left.after),
                    fitted=left.fitted,
                )
                for left in proposal.leftovers
            ],
        )
    )
