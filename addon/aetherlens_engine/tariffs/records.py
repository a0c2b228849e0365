"""What a bill is made of: its cycles, their lines, the devices' shares and interval rates.

Plain records, built by the calculator (`bill`) and read by the API, the projection and the
command line; amounts are exact Decimals, rounded only where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .calendar import Cycle
from .demand import DemandLine

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class EnergyLine:
    """Energy of one period and tier in a cycle, and its cost."""

    period: str
    tier: int
    kwh: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """A named amount of a cycle (fixed charge, surcharge, tax).

    A surcharge is `basis` kWh at `rate` per kWh; a tax is `rate` percent of `basis` (the
    amount it is levied on), or zero where a tax that may not go negative meets a credit.
    """

    name: str
    amount: Decimal
    basis: Decimal | None = None
    rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DeviceCost:
    """A device's energy, attributed cost and carbon in a cycle."""

    device: str
    kwh: Decimal
    cost: Decimal
    carbon_kg: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleBill:
    """Every component of one billing cycle's bill.

    The minimum top-up, the taxes, the carbon and the devices' shares are worked out from the
    other components, so they default to none until then.
    """

    cycle: Cycle
    import_kwh: Decimal
    export_kwh: Decimal
    energy: tuple[EnergyLine, ...]
    surcharges: tuple[ChargeLine, ...]
    demand: tuple[DemandLine, ...]
    fixed: tuple[ChargeLine, ...]
    export_credit: Decimal
    minimum: Decimal = ZERO
    taxes: tuple[ChargeLine, ...] = ()
    carbon_kg: Decimal | None = None
    devices: tuple[DeviceCost, ...] = ()
    # Credit carried from the previous cycle, and credit the minimum bill left unused here
    # (forfeited, or carried to the next cycle: see `Minimum.excess_credit`).
    carried_credit: Decimal = ZERO
    unused_credit: Decimal = ZERO

    @property
    def energy_total(self) -> Decimal:
        """Sum of the energy lines."""
        return sum((line.cost for line in self.energy), ZERO)

    @property
    def charges(self) -> Decimal:
        """Energy, surcharges, demand and fixed charges."""
        return (
            self.energy_total
            + sum((line.amount for line in self.surcharges), ZERO)
            + sum((line.cost for line in self.demand), ZERO)
            + sum((line.amount for line in self.fixed), ZERO)
        )

    @property
    def credit_used(self) -> Decimal:
        """The export and carried credit, less what the minimum bill left unused."""
        return self.export_credit + self.carried_credit - self.unused_credit

    @property
    def total(self) -> Decimal:
        """What the cycle's bill comes to."""
        taxes = sum((line.amount for line in self.taxes), ZERO)
        return self.charges - self.credit_used + self.minimum + taxes


@dataclass(frozen=True, slots=True)
class IntervalRate:
    """What one kWh costs, and emits, in a load interval; `period` is the one at its start."""

    start: datetime
    end: datetime
    price: Decimal
    carbon_kg: Decimal | None
    period: str


@dataclass(frozen=True, slots=True)
class Bill:
    """The bill of every cycle the data touches."""

    tariff: str
    currency: str
    cycles: tuple[CycleBill, ...]

    @property
    def total(self) -> Decimal:
        """Sum of the cycles' totals."""
        return sum((cycle.total for cycle in self.cycles), ZERO)
