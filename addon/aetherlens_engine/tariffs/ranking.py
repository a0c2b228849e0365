"""Plan ranking: the same usage priced under many tariffs, cheapest first.

Every tariff bills what `compare` bills for its alternative: the same import (and export, where
the tariff credits it) on the reference tariff's billing cycles, so that fixed and demand charges
cover the same days and a ranked bill is the very bill `bill` gives that tariff alone. The
order is by total rounded to the cent, as presented; a tie keeps the order the tariffs were given
in. Each bill's difference is its rounded total less the reference's, as `compare` computes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .bill import Bill, bill
from .compare import Load, credited_export, load_for, one_currency
from .model import BillInputError, Tariff
from .present import bill_to_table, money
from .series import Interval, Series


@dataclass(frozen=True, slots=True)
class Candidate:
    """A tariff to rank and where it came from (a file, a stored name): names may repeat."""

    source: str
    tariff: Tariff


@dataclass(frozen=True, slots=True)
class Ranked:
    """One tariff's bill in a ranking; `difference` is its total less the reference's."""

    rank: int
    source: str
    reference: bool
    bill: Bill
    difference: Decimal


@dataclass(frozen=True, slots=True)
class Ranking:
    """Bills of the same usage under every candidate, cheapest first."""

    currency: str
    cycle_day: int
    bills: tuple[Ranked, ...]


def same_currency(candidates: Sequence[Candidate]) -> None:
    """Raise `BillInputError` unless there are candidates, all in the first one's currency."""
    if not candidates:
        raise BillInputError("no tariff to rank")
    for candidate in candidates[1:]:
        try:
            one_currency(candidates[0].tariff, candidate.tariff)
        except BillInputError as err:
            raise BillInputError(f"{candidate.source}: {err}") from err


def rank(
    candidates: Sequence[Candidate],
    load: Load,
    *,
    export: Sequence[Interval] = (),
    prices: Series | None = None,
    carbon: Series | None = None,
    devices: Mapping[str, Sequence[Interval]] | None = None,
    cycle_day: int | None = None,
) -> Ranking:
    """Bill LOAD (and EXPORT) under every candidate; the first is the reference.

    CYCLE_DAY defaults to the reference's; all candidates must be in its currency.
    """
    same_currency(candidates)
    reference = candidates[0]
    day = cycle_day or reference.tariff.cycle_day
    bills = []
    for candidate in candidates:
        try:
            bills.append(
                bill(
                    candidate.tariff,
                    load_for(load, candidate.tariff),
                    export=credited_export(candidate.tariff, export),
                    prices=prices,
                    carbon=carbon,
                    devices=devices,
                    cycle_day=day,
                )
            )
        except BillInputError as err:
            raise BillInputError(f"{candidate.source}: {err}") from err
    totals = [Decimal(money(result.total)) for result in bills]
    order = sorted(range(len(candidates)), key=totals.__getitem__)
    ranked = tuple(
        Ranked(
            rank=place,
            source=candidates[index].source,
            reference=index == 0,
            bill=bills[index],
            difference=totals[index] - totals[0],
        )
        for place, index in enumerate(order, start=1)
    )
    return Ranking(currency=reference.tariff.currency, cycle_day=day, bills=ranked)


def ranking_to_table(ranking: Ranking) -> str:
    """Return the ranking's summary, then every bill as a text table in rank order."""
    currency = ranking.currency
    rows = [f"rank  total ({currency})  difference  tariff (source)"]
    for ranked in ranking.bills:
        sign = "+" if ranked.difference > 0 else ""
        mark = ", reference" if ranked.reference else ""
        rows.append(
            f"{ranked.rank:>4}  {money(ranked.bill.total):>{len(currency) + 8}}  "
            f"{sign + str(ranked.difference):>10}  {ranked.bill.tariff} ({ranked.source}{mark})"
        )
    for ranked in ranking.bills:
        rows.extend(("", f"== {ranked.rank}. {ranked.bill.tariff}", bill_to_table(ranked.bill)))
    return "\n".join(rows)
