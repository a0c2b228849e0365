"""Statements from CSV: one row per line of a paper bill, a `total` row per cycle.

Columns (header required, order free): `start`, `end` (local dates, end exclusive), `kind`
(`total` or a `LineKind`: energy, standing, demand, rider, tax, credit), `name`, `amount` (as it
adds up to the total: a credit is negative) and, for energy rows, optional `period`, `tier`,
`kwh`. Rows of one (start, end) are one statement, in the order given. The whole file is read
before anything is kept: an error names its line and column, and nothing is half imported.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation

from .model import BillInputError
from .statement import LineKind, Statement, StatementLine, check_statement

REQUIRED = ("start", "end", "kind", "name", "amount")
TOTAL = "total"
KINDS = frozenset(kind.value for kind in LineKind)


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as err:
        raise BillInputError(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from err


def _decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as err:
        raise BillInputError(f"{where}: {text!r} is not a number") from err
    if not value.is_finite():
        raise BillInputError(f"{where}: {text!r} is not a finite number")
    return value


def _optional(row: dict[str, str], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return value or None


def _line(row: dict[str, str], kind: LineKind, number: int) -> StatementLine:
    where = f"line {number}"
    tier_text, kwh_text = _optional(row, "tier"), _optional(row, "kwh")
    tier = None
    if tier_text is not None:
        if not tier_text.isdigit() or int(tier_text) < 1:
            raise BillInputError(f"{where}: tier: {tier_text!r} is not a tier number (1, 2, ...)")
        tier = int(tier_text)
    return StatementLine(
        kind=kind,
        name=row["name"].strip(),
        amount=_decimal(row["amount"], f"{where}: amount"),
        period=_optional(row, "period"),
        tier=tier,
        kwh=None if kwh_text is None else _decimal(kwh_text, f"{where}: kwh"),
    )


def read_statements(text: str) -> list[Statement]:
    """Return the statements of a CSV text; raise `BillInputError` naming the line."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _statements(reader)
    except csv.Error as err:  # what the reader itself refuses (a field over its size limit)
        # line_num counts the lines read whole, so the line refused is the next one.
        raise BillInputError(f"line {reader.line_num + 1}: {err}") from err


def _statements(reader: csv.DictReader[str]) -> list[Statement]:
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
    if missing:
        raise BillInputError(f"line 1: the header has no column {', '.join(missing)}")
    cycles: dict[tuple[date, date], tuple[list[Decimal], list[StatementLine]]] = {}
    kinds = ", ".join([TOTAL, *(k.value for k in LineKind)])
    for number, row in enumerate(reader, start=2):
        if None in row or any(row[c] is None for c in REQUIRED):
            raise BillInputError(f"line {number}: expected {len(reader.fieldnames or ())} columns")
        key = (
            _date(row["start"], f"line {number}: start"),
            _date(row["end"], f"line {number}: end"),
        )
        totals, lines = cycles.setdefault(key, ([], []))
        kind = row["kind"].strip().lower()
        if kind == TOTAL:
            totals.append(_decimal(row["amount"], f"line {number}: amount"))
        elif kind in KINDS:
            lines.append(_line(row, LineKind(kind), number))
        else:
            raise BillInputError(f"line {number}: kind: {row['kind']!r} is not one of {kinds}")
    if not cycles:
        raise BillInputError("the file has no statement rows")
    statements = []
    for (first, end), (totals, lines) in cycles.items():
        if len(totals) != 1:
            raise BillInputError(
                f"statement {first} to {end}: expected one total row, got {len(totals)}"
            )
        statement = Statement(first=first, end=end, total=totals[0], lines=tuple(lines))
        try:
            check_statement(statement)
        except BillInputError as err:
            raise BillInputError(f"statement {first} to {end}: {err}") from err
        statements.append(statement)
    return statements
