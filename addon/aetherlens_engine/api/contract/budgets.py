"""Models of the budget routes: list, create, replace (their errors: `engine.BudgetError`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from aetherlens_engine.budgets import (
    DEFAULT_THRESHOLDS,
    DEVICE_SCOPES,
    MAX_THRESHOLD,
    MAX_THRESHOLDS,
    thresholds_problem,
)

from .base import Currency, Model, Money
from .engine import BudgetError, DeviceId

Scope = Annotated[
    Literal["household", "gas", "water", "device", "cloud_account", "cloud_total"],
    Meta(description="household: electricity's; gas, water: that commodity's household"),
]
Period = Literal["day", "month", "billing_cycle"]
Percent = Annotated[int, Meta(ge=1, le=MAX_THRESHOLD)]
Thresholds = Annotated[
    list[Percent],
    Meta(
        min_length=1,
        max_length=MAX_THRESHOLDS,
        description="Percents of the amount at which Home Assistant is told, rising "
        "(100: the amount itself)",
    ),
]
# budgets.amount is numeric(20, 8).
MAX_AMOUNT = Decimal("999999999999.99999999")
AMOUNT_PLACES = 8


def amount_problem(text: str) -> str | None:
    """Say what is wrong with an amount TEXT (already an exact decimal), or None."""
    value = Decimal(text)
    if value < 0:
        return "must be zero or more"
    if value > MAX_AMOUNT:
        return f"must be at most {MAX_AMOUNT.normalize():f}"
    exponent = value.normalize().as_tuple().exponent  # an int: the pattern allows no NaN
    if isinstance(exponent, int) and -exponent > AMOUNT_PLACES:
        return f"has more than {AMOUNT_PLACES} decimal places"
    return None


class BudgetInput(Model):
    """A budget to create, or to replace one with."""

    name: Annotated[str, Meta(pattern=r"\S", max_length=100, description="Unique; not blank")]
    scope: Scope
    amount: Annotated[Money, Meta(description="Zero or more, at most 8 decimal places")]
    device_id: Annotated[
        DeviceId | None,
        Meta(description="The device (scope device) or cloud account (scope cloud_account)"),
    ] = None
    period: Period = "month"
    currency: Annotated[Currency | UnsetType, Meta(description="Default: the engine's")] = UNSET
    thresholds: Thresholds = msgspec.field(default_factory=lambda: list(DEFAULT_THRESHOLDS))

    def __post_init__(self) -> None:
        """Refuse a negative or too precise amount, falling thresholds, a device out of place."""
        if problem := amount_problem(self.amount):
            raise ValueError(f"amount: {problem}")
        if problem := thresholds_problem(self.thresholds):
            raise ValueError(f"thresholds: {problem}")
        if self.scope in DEVICE_SCOPES and self.device_id is None:
            what = "device" if self.scope == "device" else "cloud account"
            raise ValueError(f"device_id: a '{self.scope}' budget needs its {what}")
        if self.scope not in DEVICE_SCOPES and self.device_id is not None:
            raise ValueError(f"device_id: a '{self.scope}' budget has no device")


class StoredBudget(Model):
    """A budget as the engine keeps it."""

    id: int
    name: str
    scope: Scope
    device_id: int | None
    period: Period
    amount: Money
    currency: Currency
    thresholds: list[int]


class BudgetList(Model):
    """Every budget, oldest first."""

    budgets: list[StoredBudget]


__all__ = ["BudgetError", "BudgetInput", "BudgetList", "StoredBudget"]
