"""A cycle's energy charges: its kWh priced period by period and tier by tier.

Chronological tiers are walked in time order: a span that stays in its tier is priced with the
sum of its kWh, only a span that reaches a tier limit (or has dynamic prices) piece by piece.
Prorated tiers (and net metering) share each period's kWh across the tiers in the proportions
of the cycle's total.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from .calendar import Cycle
from .model import Tariff, Tier, Tiers, TierUnit
from .pieces import Pieces, Span
from .pricer import Pricer
from .records import EnergyLine
from .schedule import Rule

ZERO = Decimal(0)
# An energy period: rules with the same name and tiers (off-peak before and after the peak) are
# one period, netted and prorated together.
type Period = tuple[str, Tiers]
# What a kWh of a span's pieces costs in energy (or emits): one for the span, or one per piece.
type Units = Decimal | list[Decimal]


@dataclass(slots=True)
class LineSums:
    """The kWh and cost summed into one energy line."""

    kwh: Decimal = ZERO
    cost: Decimal = ZERO


@dataclass(slots=True)
class EnergyLines:
    """A cycle's kWh and cost per period and tier, in the order first met."""

    sums: dict[tuple[str, int], LineSums] = field(default_factory=dict)

    def line(self, period: str, tier: int) -> LineSums:
        """Return the sums of a line (tier counted from 1), started at zero on first use."""
        sums = self.sums.get((period, tier))
        if sums is None:
            sums = self.sums[period, tier] = LineSums()
        return sums

    def add(self, period: str, tier: int, kwh: Decimal, cost: Decimal) -> None:
        """Add kWh and their cost to a line."""
        sums = self.line(period, tier)
        sums.kwh += kwh
        sums.cost += cost

    def lines(self) -> tuple[EnergyLine, ...]:
        """Return the lines."""
        return tuple(
            EnergyLine(period=period, tier=tier, kwh=sums.kwh, cost=sums.cost)
            for (period, tier), sums in self.sums.items()
        )


def tier_scale(tariff: Tariff, cycle: Cycle) -> Decimal:
    """Return what tier limits are multiplied by in the cycle (its days for daily limits)."""
    return Decimal(cycle.days) if tariff.tier_unit is TierUnit.DAY else Decimal(1)


def tier_split(
    before: Decimal, amount: Decimal, tiers: Sequence[Tier], scale: Decimal
) -> list[tuple[int, Decimal]]:
    """Share `amount`, counted from `before`, across tiers whose limits are multiplied by scale.

    Returns (tier index, kWh) pairs in tier order.
    """
    for index, tier in enumerate(tiers):  # the common case: it fits in the tier open at `before`
        if tier.up_to is None:
            return [(index, amount)]
        limit = tier.up_to * scale
        if limit > before:
            if before + amount <= limit:
                return [(index, amount)]
            break
    parts: list[tuple[int, Decimal]] = []
    position = before
    remaining = amount
    for index, tier in enumerate(tiers):
        if tier.up_to is None:
            take = remaining
        else:
            take = min(remaining, max(tier.up_to * scale - position, ZERO))
        if take > 0 or (not parts and remaining == 0 and _is_open(tier, position, scale)):
            parts.append((index, take))
        position += take
        remaining -= take
        if remaining <= 0 and parts:
            break
    return parts


def _is_open(tier: Tier, position: Decimal, scale: Decimal) -> bool:
    return tier.up_to is None or tier.up_to * scale > position


@dataclass(frozen=True, slots=True)
class _OpenTier:
    """The tier open for a rule: valid while the cycle's kWh stay under `limit`."""

    line: LineSums
    price: Decimal
    limit: Decimal | None  # None for the last tier


def _open_tier(tiers: Sequence[Tier], used: Decimal, scale: Decimal) -> tuple[int, Decimal | None]:
    """Return the index of the tier open after `used` kWh (as `tier_split` finds it), its limit."""
    for index, tier in enumerate(tiers):
        if tier.up_to is None:
            return index, None
        limit = tier.up_to * scale
        if limit > used:
            return index, limit
    raise AssertionError(tiers)  # the last tier is unbounded (checked when the tariff is built)


class _TierWalk:
    """The kWh used so far in a cycle, priced into its lines tier by tier."""

    def __init__(self, pricer: Pricer, pieces: Pieces, scale: Decimal, lines: EnergyLines) -> None:
        self.pricer = pricer
        self.kwh = pieces.kwh
        self.starts = pieces.starts
        self.scale = scale
        self.lines = lines
        self.used = ZERO
        # Per energy rule (by its index in the schedule): its open tier.
        self._open: dict[int, _OpenTier] = {}

    def _tier(self, rule: Rule[Tiers]) -> _OpenTier:
        found = self._open.get(rule.index)
        if found is not None:
            limit = found.limit
            if limit is None or self.used < limit:
                return found
        index, limit = _open_tier(rule.value, self.used, self.scale)
        line = self.lines.line(rule.name, index + 1)
        found = _OpenTier(line, rule.value[index].price + ZERO, limit)
        self._open[rule.index] = found
        return found

    def whole(self, rule: Rule[Tiers], total: Decimal) -> Decimal | None:
        """Price `total` kWh if it stays in the open tier; return its price, else None."""
        after = self.used + total
        tier = self._open.get(rule.index)
        # Once per span: a tier `total` stays under is open, no need to ask `_tier`.
        if tier is None or (tier.limit is not None and not after < tier.limit):
            tier = self._tier(rule)
            if tier.limit is not None and not after < tier.limit:
                return None
        tier.line.kwh += total
        tier.line.cost += total * tier.price
        self.used = after
        return tier.price

    def pieces(self, rule: Rule[Tiers], lo: int, hi: int) -> list[Decimal]:
        """Price pieces [lo, hi) that reach a tier limit; return each one's price."""
        prices: list[Decimal] = []
        number = lo
        while number < hi:
            tier = self._tier(rule)
            line, unit, limit = tier.line, tier.price, tier.limit
            chunk = self.kwh[number:hi]
            if limit is None:  # the last tier: everything fits
                reach, total = hi, sum(chunk, ZERO)
            else:
                # The pieces before the one that reaches the limit stay in the tier.
                after = list(accumulate(chunk, initial=self.used))
                reach = number + bisect_left(after, limit, 1) - 1
                total = after[reach - number] - self.used
            if reach > number:
                line.kwh += total
                line.cost += total * unit
                self.used += total
                prices.extend([unit] * (reach - number))
            if reach < hi:
                prices.append(self.piece(rule, reach))
            number = reach + 1
        return prices

    def piece(self, rule: Rule[Tiers], number: int) -> Decimal:
        """Price one piece across the tiers it reaches (and its dynamic price); return its price."""
        kwh = self.kwh[number]
        tiers = rule.value
        dynamic = self.pricer.tariff.dynamic
        extra = self.pricer.dynamic_at(self.starts[number]) if dynamic else ZERO
        cost = ZERO
        parts = tier_split(self.used, kwh, tiers, self.scale)
        for tier, part in parts:
            charge = part * (tiers[tier].price + extra)
            self.lines.add(rule.name, tier + 1, part, charge)
            cost += charge
        self.used += kwh
        if kwh:
            return cost / kwh
        first, _ = parts[0]
        return tiers[first].price + extra


def chronological(
    pricer: Pricer, pieces: Pieces, spans: list[Span], scale: Decimal, lines: EnergyLines
) -> list[Units]:
    """Walk the tiers in time order: by span while one stays in a tier, else by piece."""
    walk = _TierWalk(pricer, pieces, scale, lines)
    units: list[Units] = []
    dynamic = pricer.tariff.dynamic
    rules = pricer.energy_rules
    for lo, hi, _, slot, _, total, _ in spans:
        rule = rules.get(slot) or pricer.energy_rule(slot)
        if dynamic:
            units.append([walk.piece(rule, number) for number in range(lo, hi)])
            continue
        whole = walk.whole(rule, total)
        units.append(whole if whole is not None else walk.pieces(rule, lo, hi))
    return units


def _shares(total: Decimal, tiers: Sequence[Tier], scale: Decimal) -> list[tuple[int, Decimal]]:
    """Return (tier index, share) of a cycle's `total` kWh in each tier it reaches."""
    if total <= 0:
        return [(0, Decimal(1))]
    return [(tier, kwh / total) for tier, kwh in tier_split(ZERO, total, tiers, scale)]


def period_of(rule: Rule[Tiers]) -> Period:
    """Return the energy period the rule belongs to."""
    return rule.name, rule.value


def prorated(
    pricer: Pricer,
    pieces: Pieces,
    spans: list[Span],
    billed: Mapping[Period, Decimal],
    *,
    scale: Decimal,
    lines: EnergyLines,
) -> list[Units]:
    """Share each period's billed kWh across tiers in the proportions of the cycle's total."""
    total = sum(billed.values(), ZERO)
    rules = [pricer.energy_rule(span.slot) for span in spans]
    average: dict[Period, Decimal] = {}
    for period in dict.fromkeys(map(period_of, rules)):
        name, tiers = period
        shares = _shares(total, tiers, scale)
        average[period] = sum((share * tiers[tier].price for tier, share in shares), ZERO)
        for tier, share in shares:
            kwh = billed.get(period, ZERO) * share
            lines.add(name, tier + 1, kwh, kwh * tiers[tier].price)
    if not pricer.tariff.dynamic:
        return [average[period_of(rule)] + ZERO for rule in rules]
    units: list[Units] = []
    for span, rule in zip(spans, rules, strict=True):
        prices = []
        for number in range(span.lo, span.hi):
            extra = pricer.dynamic_at(pieces.starts[number])
            prices.append(average[period_of(rule)] + extra)
            if extra:
                for tier, share in _shares(total, rule.value, scale):
                    lines.add(rule.name, tier + 1, ZERO, pieces.kwh[number] * share * extra)
        units.append(prices)
    return units


def kwh_by_period(pricer: Pricer, spans: list[Span]) -> dict[Period, Decimal]:
    """Return the spans' kWh per energy period."""
    totals: dict[Period, Decimal] = defaultdict(Decimal)
    for span in spans:
        totals[period_of(pricer.energy_rule(span.slot))] += span.kwh
    return totals
