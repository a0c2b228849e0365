"""Pricing: what the active tariff makes of the recorded data, between the calculator and the API.

`tariffs` computes bills from values; this package loads what a bill of the current billing cycle
needs (`inputs`) and keeps the cycle's bill, projection and price per hour (`cycle`), and bills
the recorded usage of a range by one set of rules (`recorded`), so that the API's handlers only
parse, call and serialise.
"""

from .cycle import ActiveQuote, CyclePricing

__all__ = ["ActiveQuote", "CyclePricing"]
