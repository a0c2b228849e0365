"""Plan comparison: the same usage priced under the current tariff and an alternative.

Both tariffs bill the same import (and export, where the tariff credits it; a tariff without an
export section ignores it) on the same billing cycles: the current tariff's cycle day, so that
fixed and demand charges cover the same days. The difference is alternative minus current, of
the totals as presented (rounded to the cent), so that the three figures shown add up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from .bill import Bill, bill
from .calendar import cycle_start, local_midnight
from .model import BillInputError, Tariff
from .present import bill_to_table, money
from .series import Interval, Series

type Load = Sequence[Interval] | Callable[[Tariff], Sequence[Interval]]
"""The usage billed: the same for every tariff, or each tariff's own (gas in the tariff's unit)."""


def load_for(load: Load, tariff: Tariff) -> Sequence[Interval]:
    """Return the usage LOAD bills under TARIFF."""
    return load(tariff) if callable(load) else load


@dataclass(frozen=True, slots=True)
class Comparison:
    """Bills of the same usage under two tariffs."""

    current: Bill
    alternative: Bill

    @property
    def difference(self) -> Decimal:
        """Alternative minus current, of the totals rounded to the cent."""
        return Decimal(money(self.alternative.total)) - Decimal(money(self.current.total))


def one_currency(reference: Tariff, other: Tariff) -> None:
    """Raise `BillInputError` unless OTHER is in REFERENCE's currency (comparison and ranking)."""
    if other.currency != reference.currency:
        raise BillInputError(
            f"tariff {other.name!r} is in {other.currency}, tariff "
            f"{reference.name!r} in {reference.currency}: a comparison needs one currency"
        )


def credited_export(tariff: Tariff, export: Sequence[Interval]) -> Sequence[Interval]:
    """Return the export TARIFF bills: none without an export section."""
    return export if tariff.export is not None else ()


def compare(
    current: Tariff,
    alternative: Tariff,
    load: Load,
    *,
    export: Sequence[Interval] = (),
    prices: Series | None = None,
    carbon: Series | None = None,
    devices: Mapping[str, Sequence[Interval]] | None = None,
    cycle_day: int | None = None,
) -> Comparison:
    """Bill LOAD (and EXPORT) under both tariffs on the same cycles.

    CYCLE_DAY defaults to the current tariff's; both tariffs must be in one currency. Each
    takes the series it needs from PRICES and CARBON as `bill` does.
    """
    one_currency(current, alternative)
    day = cycle_day or current.cycle_day
    bills = [
        bill(
            tariff,
            load_for(load, tariff),
            export=credited_export(tariff, export),
            prices=prices,
            carbon=carbon,
            devices=devices,
            cycle_day=day,
        )
        for tariff in (current, alternative)
    ]
    return Comparison(*bills)


def last_full_cycle(tariff: Tariff, now: datetime) -> tuple[datetime, datetime]:
    """Return the UTC span of the tariff's billing cycle before the one containing NOW."""
    current = cycle_start(now.astimezone(tariff.zone).date(), tariff.cycle_day)
    previous = cycle_start(current - timedelta(days=1), tariff.cycle_day)
    return local_midnight(previous, tariff.zone), local_midnight(current, tariff.zone)


def comparison_to_table(comparison: Comparison) -> str:
    """Return both bills as text tables and the difference."""
    sign = "+" if comparison.difference > 0 else ""
    currency = comparison.current.currency
    return "\n".join(
        (
            f"== current: {comparison.current.tariff}",
            bill_to_table(comparison.current),
            "",
            f"== alternative: {comparison.alternative.tariff}",
            bill_to_table(comparison.alternative),
            "",
            f"difference (alternative - current) {currency} {sign}{comparison.difference}",
        )
    )
