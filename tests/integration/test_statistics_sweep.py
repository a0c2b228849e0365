"""Long-term statistics on every date of the sweep (tests/dates.py).

At each moment, in the household's zone: the complete hours before the clock's hour are imported
(the growing one once complete, SETTLED_AFTER past its end), and a cloud account's previous
local day lands on that day's local midnight.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.aetherlens.statistics import SETTLED_AFTER
from tests.dates import SweepDate, sweep_params

from .conftest import ENGINE_INSTANCE_ID, FixtureEngine, setup_entry

FRIDGE = f"aetherlens:energy_{ENGINE_INSTANCE_ID}_2"
AZURE = f"aetherlens:cloud_{ENGINE_INSTANCE_ID}_7_eur"
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """Prepare the recorder's database before Home Assistant starts, as the recorder needs."""


async def _statistics(
    hass: HomeAssistant, statistic_id: str, since: datetime
) -> list[tuple[float, float | None, float | None]]:
    """Return (start, state, sum) of STATISTIC_ID's hours from SINCE on."""
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, since, None, {statistic_id}, "hour", None, {"state", "sum"}
    )
    return [(row["start"], row["state"], row["sum"]) for row in rows.get(statistic_id, [])]


@pytest.mark.usefixtures("recorder_mock")
@pytest.mark.parametrize("moment", sweep_params())
async def test_hours_and_cloud_days_on_every_date(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    engine: FixtureEngine,
    freezer: FrozenDateTimeFactory,
    moment: SweepDate,
) -> None:
    """Three complete hours are imported, then the growing one once it completes."""
    await hass.config.async_set_time_zone(moment.zone.key)
    freezer.move_to(moment.utc)
    current = moment.utc.replace(minute=0, second=0, microsecond=0)
    hours = [current - n * HOUR for n in (3, 2, 1, 0)]
    engine.hourly[2] = [(hour, 0.25 * (n + 1)) for n, hour in enumerate(hours)]
    engine.price_hourly()
    today = moment.local.date()
    engine.summary["timezone"] = moment.zone.key
    engine.summary["period"] = {
        "today": today.isoformat(),
        "month_start": today.replace(day=1).isoformat(),
    }
    engine.summary["engine"]["time"] = moment.utc.isoformat()
    await setup_entry(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)

    since = hours[0] - HOUR
    assert await _statistics(hass, FRIDGE, since) == [
        (hours[0].timestamp(), 0.25, 0.25),
        (hours[1].timestamp(), 0.5, 0.75),
        (hours[2].timestamp(), 0.75, 1.5),
    ]
    yesterday = datetime.combine(today - timedelta(days=1), time(), tzinfo=moment.zone)
    cloud_since = yesterday.astimezone(UTC) - HOUR
    assert await _statistics(hass, AZURE, cloud_since) == [
        (yesterday.astimezone(UTC).timestamp(), 1.5, 1.5)
    ]

    freezer.move_to(current + HOUR + SETTLED_AFTER)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (await _statistics(hass, FRIDGE, since))[-1] == (hours[3].timestamp(), 1.0, 2.5)
