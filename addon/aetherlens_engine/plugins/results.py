"""What plugins deliver: cloud costs per account and day, and forecasts, as JSON-safe records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, cast

Dimension = Literal["total", "service", "resource_group", "region"]
DIMENSIONS: frozenset[str] = frozenset({"total", "service", "resource_group", "region"})


@dataclass(frozen=True, slots=True)
class CostRow:
    """One account's cost on one day along one dimension (`total` has the value '')."""

    day: date
    dimension: Dimension
    dimension_value: str
    amount: Decimal
    currency: str
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class Forecast:
    """An account's forecast cost for a month (`month` is its first day).

    With `from_day`, AMOUNT covers only FROM_DAY to the month's end: the stored actual costs of
    the month's earlier days are added when it is written.
    """

    month: date
    amount: Decimal
    currency: str
    from_day: date | None = None


@dataclass(frozen=True, slots=True)
class AccountCosts:
    """What one poll found for one cloud account (an AWS account, an Azure subscription)."""

    account_id: str
    name: str
    costs: tuple[CostRow, ...] = ()
    forecasts: tuple[Forecast, ...] = ()


@dataclass(frozen=True, slots=True)
class PollResult:
    """Everything one poll fetched; `requests` is how many billable API calls it made."""

    accounts: tuple[AccountCosts, ...] = ()
    requests: int = 0


def result_to_json(result: PollResult) -> dict[str, Any]:
    """Return RESULT as JSON-ready values (amounts as strings: never through float)."""
    return {
        "requests": result.requests,
        "accounts": [
            {
                "account_id": account.account_id,
                "name": account.name,
                "costs": [
                    [
                        row.day.isoformat(),
                        row.dimension,
                        row.dimension_value,
                        str(row.amount),
                        row.currency,
                        row.estimated,
                    ]
                    for row in account.costs
                ],
                "forecasts": [
                    [
                        forecast.month.isoformat(),
                        str(forecast.amount),
                        forecast.currency,
                        forecast.from_day.isoformat() if forecast.from_day else None,
                    ]
                    for forecast in account.forecasts
                ],
            }
            for account in result.accounts
        ],
    }


def result_from_json(data: dict[str, Any]) -> PollResult:
    """Rebuild a `PollResult` from `result_to_json`'s output; raise ValueError if malformed."""
    try:
        accounts = tuple(
            AccountCosts(
                account_id=str(account["account_id"]),
                name=str(account["name"]),
                costs=tuple(
                    CostRow(
                        date.fromisoformat(day),
                        cast("Dimension", _dimension(dimension)),
                        str(value),
                        Decimal(amount),
                        str(currency),
                        bool(estimated),
                    )
                    for day, dimension, value, amount, currency, estimated in account["costs"]
                ),
                forecasts=tuple(
                    Forecast(
                        date.fromisoformat(month),
                        Decimal(amount),
                        str(currency),
                        date.fromisoformat(from_day) if from_day else None,
                    )
                    for month, amount, currency, from_day in account["forecasts"]
                ),
            )
            for account in data["accounts"]
        )
        return PollResult(accounts=accounts, requests=int(data["requests"]))
    except (KeyError, TypeError, ArithmeticError) as err:
        raise ValueError(f"malformed poll result: {err!r}") from err


def _dimension(value: object) -> str:
    if value not in DIMENSIONS:
        raise ValueError(f"unknown cost dimension {value!r}")
    return str(value)
