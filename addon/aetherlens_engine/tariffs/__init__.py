"""Tariffs and bills: the native tariff format, URDB import and the exact bill calculation."""

from .bill import bill, interval_rates
from .demand import DemandLine
from .load import build_tariff, read_definition
from .model import BillInputError, Tariff, TariffError
from .records import Bill, ChargeLine, CycleBill, DeviceCost, EnergyLine, IntervalRate
from .series import Grid, Interval, Series

__all__ = [
    "Bill",
    "BillInputError",
    "ChargeLine",
    "CycleBill",
    "DemandLine",
    "DeviceCost",
    "EnergyLine",
    "Grid",
    "Interval",
    "IntervalRate",
    "Series",
    "Tariff",
    "TariffError",
    "bill",
    "build_tariff",
    "interval_rates",
    "read_definition",
]
