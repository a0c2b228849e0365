"""Settings routes: read them, or replace them (checked by the configuration's own rules).

A refused setting answers 422 (`invalid_settings`) with `details` naming it by its path in the
body (`retention.raw_days`, `homeassistant[0].include[1]`), so the page shows the message at
the field. The answer says which settings wait for a restart (`restart_required`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from aiohttp import web

from aetherlens_engine.errors import OptionError

from .contract import settings as contract
from .contract.base import json_response
from .database import connection
from .decode import field_message, json_of
from .errors import ApiError
from .state import STATE_KEY, EngineState

if TYPE_CHECKING:  # the settings import the configuration, which imports the API's models
    from aetherlens_engine.settings import SettingsControl


def _control(state: EngineState) -> SettingsControl:
    if state.settings is None:
        raise ApiError(
            503, "settings_unavailable", "the engine is starting", headers={"Retry-After": "5"}
        )
    return state.settings


def _refused(path: str, message: str) -> ApiError:
    text = f"{path}: {message}" if path else message
    return ApiError(422, "invalid_settings", text, details=[{"path": path, "message": message}])


def option_path(path: tuple[str | int, ...]) -> str:
    """Return an option's PATH as the body names it (`homeassistant[0].include[1]`)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _answer(control: SettingsControl) -> web.Response:
    layered = control.layered
    retention = layered.retention
    return json_response(
        contract.Settings(
            currency=layered.currency,
            timezone=layered.timezone.key,
            retention=contract.Retention(
                raw_days=retention.readings_days,
                hourly_days=retention.hourly_days,
                daily_days=retention.daily_days,
                compress_after_days=retention.compress_after_days,
            ),
            homeassistant=[
                contract.CollectorInstance(
                    name=i.name, url=i.url, include=list(i.include), exclude=list(i.exclude)
                )
                for i in layered.homeassistant
            ],
            saved=control.saved_keys,
            restart_required=control.restart_required,
        )
    )


async def get_settings(request: web.Request) -> web.Response:
    """Answer the settings as saved, and what waits for a restart."""
    return _answer(_control(request.app[STATE_KEY]))


async def put_settings(request: web.Request) -> web.Response:
    """Replace the settings; what applies live does at once, the rest at the next start."""
    control = _control(request.app[STATE_KEY])
    value = await json_of(request)
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    try:
        msgspec.convert(value, contract.SettingsInput)
    except msgspec.ValidationError as err:
        path, sep, message = field_message(err, contract.SettingsInput).partition(": ")
        raise (_refused(path, message) if sep else _refused("", path)) from err
    try:
        async with connection(request.app[STATE_KEY]) as conn:
            await control.save(conn, value)
    except OptionError as err:
        raise _refused(option_path(err.path), err.problem) from err
    return _answer(control)
