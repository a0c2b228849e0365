"""NREL PySAM (Utilityrate5) as an independent bill oracle: a JSON request in, monthly results out.

Runs under the oracle interpreter (Python 3.13 with NREL PySAM, `AETHERLENS_ORACLE_PYTHON` in the
dev environment), never inside the test process. Standard library and PySAM only.

Request on stdin:

    {"rate": {URDB rate fields},
     "load_kw": [8760 hourly or 35040 quarter-hourly average kW],
     "gen_kw": [the same length, optional: generation, e.g. solar]}

The URDB fields go through PySAM's own `URDBv8_to_ElectricityRates`, so the mapping of URDB to
PySAM inputs is PySAM's, not ours. PySAM's year has 365 days, starts on a Monday, has no DST and no
holidays; demand is the highest average kW of one time step (the data's resolution).

Answer on stdout: `execute_seconds` (PySAM's own `execute()` only) and twelve `months`, each with
the components in dollars: energy (net of net-billing credits), energy_gross, net_billing_credit,
demand_flat, demand_tou, fixed, minimum, total.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from typing import Any

HOURS_PER_YEAR = 8760
# Output name for each component, "with system" (the load net of generation).
OUTPUTS = {
    "energy": "year1_monthly_ec_charge_with_system",
    "energy_gross": "year1_monthly_ec_charge_gross_with_system",
    "net_billing_credit": "year1_net_billing_credits",
    "demand_flat": "year1_monthly_dc_fixed_with_system",
    "demand_tou": "year1_monthly_dc_tou_with_system",
    "fixed": "year1_monthly_fixed_with_system",
    "minimum": "year1_monthly_minimum_with_system",
    "total": "year1_monthly_utility_bill_w_sys",
}


def compute(request: dict[str, Any]) -> dict[str, Any]:
    """Run Utilityrate5 for one year on the request and return its monthly components."""
    # PySAM lives only in the oracle interpreter: imported by name, untyped.
    utilityrate5 = importlib.import_module("PySAM.Utilityrate5")
    rate_tools = importlib.import_module("PySAM.UtilityRateTools")
    load = [float(value) for value in request["load_kw"]]
    if len(load) % HOURS_PER_YEAR:
        raise SystemExit(f"load_kw: {len(load)} values is not a whole number per hour of a year")
    gen = [float(value) for value in request.get("gen_kw") or [0.0] * len(load)]
    if len(gen) != len(load):
        raise SystemExit(f"gen_kw: {len(gen)} values, load_kw has {len(load)}")
    model = utilityrate5.new()
    model.Lifetime.analysis_period = 1
    model.Lifetime.inflation_rate = 0
    model.Lifetime.system_use_lifetime_output = 0
    model.SystemOutput.gen = gen
    model.SystemOutput.degradation = [0]
    model.Load.load = load
    model.Load.load_escalation = [0]
    model.ElectricityRates.assign(rate_tools.URDBv8_to_ElectricityRates(request["rate"]))
    model.ElectricityRates.rate_escalation = [0]
    started = time.perf_counter()
    model.execute(0)
    elapsed = time.perf_counter() - started
    outputs = model.Outputs.export()
    months = [
        {name: float(outputs[key][month]) for name, key in OUTPUTS.items()} for month in range(12)
    ]
    return {"execute_seconds": elapsed, "months": months}


def main() -> None:
    """Read the request from stdin, print the answer on stdout."""
    json.dump(compute(json.load(sys.stdin)), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
