"""`GET /api/v1/bill`: a commodity's active tariff's bill of the recorded usage in a range.

The household's import (and export, where the tariff credits it) in the UTC hours starting in
[start, end) is billed as `POST /api/v1/compare` bills its current side: under the commodity's
(electricity, gas or water; default electricity) active tariff's version in force now, on its
billing cycles (gas and water: the commodity's household meters, in the tariff's unit), by the
rules of `pricing.recorded` (what cannot be billed is a 409 `cannot_bill`, the same for both
routes). Every cycle the range touches is billed with its whole fixed charges and minimum
(`api.present`: energy by period and tier, surcharges, demand, fixed, minimum, taxes, export
credit, total). `devices` stays empty: the bill is the household's. Without `start` the range
begins with the current billing cycle, without `end` it ends now.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from msgspec import UNSET, UnsetType

from aetherlens_engine.models import Commodity
from aetherlens_engine.pricing.recorded import bill_recorded
from aetherlens_engine.tariffs.model import BillInputError
from aetherlens_engine.tariffs.projection import current_cycle

from .active import active_tariff
from .contract.base import json_response
from .contract.costs import BillQuery
from .database import connection
from .decode import query_of
from .errors import cannot_bill
from .present import range_bill
from .ranges import MAX_BILL_RANGE, check_range, instant_parameter
from .state import STATE_KEY


def _instant(name: str, text: str | UnsetType) -> datetime | None:
    return None if text is UNSET else instant_parameter(name, text)


async def get_bill(request: web.Request) -> web.Response:
    """Answer the commodity's active tariff's bill of the recorded usage in [start, end)."""
    state = request.app[STATE_KEY]
    query = query_of(request, BillQuery)
    start, end = _instant("start", query.start), _instant("end", query.end)
    if start is not None and end is not None:  # refused before any tariff is looked up
        check_range(start, end, MAX_BILL_RANGE)
    now = state.clock()
    async with connection(state) as conn:
        tariff = (await active_tariff(conn, now, Commodity(query.commodity))).tariff()
        if start is None:
            start = current_cycle(tariff, now).start_utc
        if end is None:
            end = now
        check_range(start, end, MAX_BILL_RANGE)
        try:
            result = await bill_recorded(conn, tariff, start, end)
        except BillInputError as err:
            raise cannot_bill(err) from err
    return json_response(range_bill(result, start, end))
