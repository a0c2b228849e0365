"""The settings routes over real HTTP on a real database; their answers against the OpenAPI spec."""

from __future__ import annotations

import copy
from typing import Any

import asyncpg
import pytest

from aetherlens_engine.api import ApiLimits
from aetherlens_engine.api.openapi import build_spec
from aetherlens_engine.config import EngineConfig, validate_options
from aetherlens_engine.errors import OptionError
from aetherlens_engine.settings import SettingsControl, load_saved
from aetherlens_engine.storage.features import detect_features
from aetherlens_engine.storage.retention import RetentionSettings, apply_policies
from tests.engine.checked_api import checked, unseen_answers
from tests.engine.test_api_openapi import Answer, Call
from tests.engine.test_api_support import client, engine_state, migrate

FILE_TOKEN = "file-token-made-up-for-the-tests"  # noqa: S105 (made up)
NEW_TOKEN = "new-token-made-up-for-the-tests"  # noqa: S105 (made up)
HOME_URL = "ws://ha.local:8123/api/websocket"
RETENTION = {"raw_days": 30, "hourly_days": 365, "daily_days": 1826, "compress_after_days": 1}
# The configuration file's options (what the settings are layered over).
FILE = {
    "currency": "CHF",
    "timezone": "Europe/Zurich",
    "homeassistant": [
        {"name": "home", "url": HOME_URL, "token": FILE_TOKEN, "include": ["sensor.heater_*"]}
    ],
    "retention": {"raw_days": 30},
}
# The settings as the routes show the file's.
HOME = {"name": "home", "url": HOME_URL, "include": ["sensor.heater_*"], "exclude": []}
SHOWN: dict[str, Any] = {
    "currency": "CHF",
    "timezone": "Europe/Zurich",
    "retention": RETENTION,
    "homeassistant": [HOME],
}
ROUTE = "/api/v1/settings"


def body(**changes: Any) -> dict[str, Any]:
    """Return the file's settings as a PUT body, with CHANGES."""
    return copy.deepcopy(SHOWN) | changes


class Retentions:
    """Applies a new retention as the engine does (TimescaleDB's policies), and remembers it."""

    def __init__(self) -> None:
        self.applied: list[RetentionSettings] = []

    async def __call__(self, conn: asyncpg.Connection, retention: RetentionSettings) -> None:
        await apply_policies(conn, await detect_features(conn), retention)
        self.applied.append(retention)


def control(seed: EngineConfig, retentions: Retentions | None = None) -> SettingsControl:
    """Return the settings of an engine running with SEED (nothing saved)."""
    return SettingsControl(seed, {}, seed, on_retention=retentions or Retentions())


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    await migrate(db_pool)
    return db_pool


@pytest.fixture
def seed() -> EngineConfig:
    return validate_options(FILE)


async def test_the_file_seeds_and_a_save_wins(pool: asyncpg.Pool, seed: EngineConfig) -> None:
    """A save is stored and applied live where it can be; saved back, the file rules again."""
    retentions = Retentions()
    settings = control(seed, retentions)
    async with client(engine_state(pool, settings=settings)) as session:
        assert await checked(session, "get", ROUTE) == (
            200,
            SHOWN | {"saved": [], "restart_required": []},
        )
        live = body(
            retention=RETENTION | {"raw_days": 60},
            homeassistant=[HOME | {"exclude": ["sensor.heater_garage"]}],
        )
        status, answer = await checked(session, "put", ROUTE, json=live)
        assert (status, answer) == (
            200,
            live | {"saved": ["retention", "homeassistant"], "restart_required": []},
        )
        assert retentions.applied == [RetentionSettings(readings_days=60)]
        assert settings.running.retention.readings_days == 60
        assert settings.running.homeassistant[0].exclude == ("sensor.heater_garage",)
        assert settings.running.homeassistant[0].token == FILE_TOKEN  # kept: the same url
        # A new time zone and currency wait for a restart; the answer says so until then.
        later = live | {"timezone": "Europe/Berlin", "currency": "EUR"}
        status, answer = await checked(session, "put", ROUTE, json=later)
        assert answer["restart_required"] == ["currency", "timezone"]
        assert answer["saved"] == ["currency", "timezone", "retention", "homeassistant"]
        assert (await checked(session, "get", ROUTE))[1] == answer
        assert settings.running.timezone.key == "Europe/Zurich"
    rows = dict(await pool.fetch("SELECT key, value #>> '{}' FROM saved_settings"))
    assert rows["timezone"] == "Europe/Berlin"
    assert FILE_TOKEN not in str(rows)  # the file's token stays the file's

    # At the next start the saved settings are the engine's.
    async with pool.acquire() as conn:
        saved, restarted = await load_saved(conn, seed)
    assert (restarted.timezone.key, restarted.currency) == ("Europe/Berlin", "EUR")
    assert restarted.retention.readings_days == 60
    after = SettingsControl(seed, saved, restarted, on_retention=Retentions())
    async with client(engine_state(pool, settings=after)) as session:
        assert (await checked(session, "get", ROUTE))[1]["restart_required"] == []
        status, answer = await checked(session, "put", ROUTE, json=body())
        assert (status, answer["saved"]) == (200, [])
        assert answer["restart_required"] == ["currency", "timezone"]  # back to the file's
    assert await pool.fetchval("SELECT count(*) FROM saved_settings") == 0


async def test_a_token_goes_only_to_its_url(pool: asyncpg.Pool, seed: EngineConfig) -> None:
    """Another url needs a token of its own; the answer never shows one."""
    settings = control(seed)
    moved = [HOME | {"url": "ws://elsewhere:8123/api/websocket"}]
    async with client(engine_state(pool, settings=settings)) as session:
        status, answer = await checked(session, "put", ROUTE, json=body(homeassistant=moved))
        assert (status, answer["error"]["details"]) == (
            422,
            [
                {
                    "path": "homeassistant[0].token",
                    "message": "'token' is required for home: create a long-lived access "
                    "token in your Home Assistant profile",
                }
            ],
        )
        moved[0]["token"] = NEW_TOKEN
        status, answer = await checked(session, "put", ROUTE, json=body(homeassistant=moved))
        assert (status, answer["restart_required"]) == (200, ["homeassistant[0]"])
        assert NEW_TOKEN not in str(answer)
        # Saved again without it, the instance keeps the token saved for its url.
        del moved[0]["token"]
        cabin = {"name": "cabin", "url": HOME_URL, "include": [], "exclude": []}
        status, answer = await checked(
            session, "put", ROUTE, json=body(homeassistant=[*moved, cabin])
        )
        assert (status, answer["error"]["details"][0]["path"]) == (422, "homeassistant[1].token")
        status, answer = await checked(session, "put", ROUTE, json=body(homeassistant=moved))
        assert status == 200
    assert settings.layered.homeassistant[0].token == NEW_TOKEN
    async with client(engine_state(pool, settings=settings)) as session:
        status, answer = await checked(session, "put", ROUTE, json=body(homeassistant=[]))
    assert answer["restart_required"] == ["homeassistant"]  # one removed


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"currency": "eur"}, "currency"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"retention": RETENTION | {"raw_days": 0}}, "retention.raw_days"),
        ({"retention": RETENTION | {"daily_days": 10**6}}, "retention.daily_days"),
        ({"homeassistant": [HOME | {"url": "http://ha"}]}, "homeassistant[0].url"),
        ({"homeassistant": [HOME | {"include": ["a", ""]}]}, "homeassistant[0].include[1]"),
        ({"homeassistant": [HOME] * 2}, "homeassistant"),
    ],
)
async def test_a_bad_setting_is_named_as_the_file_would(
    pool: asyncpg.Pool, seed: EngineConfig, change: dict[str, Any], path: str
) -> None:
    """422 naming the field, with the configuration loader's own message; nothing stored."""
    settings = control(seed)
    async with client(engine_state(pool, settings=settings)) as session:
        status, answer = await checked(session, "put", ROUTE, json=body(**change))
    assert status == 422
    [detail] = answer["error"]["details"]
    with pytest.raises(OptionError) as refused:
        validate_options(FILE | change)
    assert detail == {"path": path, "message": refused.value.problem}
    assert await pool.fetchval("SELECT count(*) FROM saved_settings") == 0
    assert settings.layered == seed


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            {"retention": RETENTION | {"raw_days": "30"}},
            "retention.raw_days",
            "expected `int`, got `str`",
        ),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"retention": None}, "retention", "expected `object`, got `null`"),
        ({"homeassistant": [{"name": "x"}]}, "homeassistant[0].url", "missing; required"),
    ],
)
async def test_a_wrong_type_is_named(
    pool: asyncpg.Pool, seed: EngineConfig, change: dict[str, Any], path: str, message: str
) -> None:
    """A value of the wrong type, or a field too many or missing, is named likewise."""
    async with client(engine_state(pool, settings=control(seed))) as session:
        status, answer = await checked(session, "put", ROUTE, json=body(**change))
    assert status == 422
    assert answer["error"]["details"] == [{"path": path, "message": message}]
    assert answer["error"]["message"] == f"{path}: {message}"


async def test_answers_fit_the_document(pool: asyncpg.Pool, seed: EngineConfig) -> None:
    """Every documented answer of the settings routes but 500, checked against its schema."""
    calls = [
        Call(ROUTE),
        Call(ROUTE, "put", kwargs={"json": body(currency="USD")}),
        Call(ROUTE, "put", kwargs={"json": body(currency="usd")}),
        Call(ROUTE, "put", kwargs={"json": [body()]}),
    ]
    answers: list[Answer] = []
    async with client(engine_state(pool, settings=control(seed))) as session:
        answers += [await call.send(session) for call in calls]
    async with client(engine_state(pool, settings=control(seed)), headers={}) as session:
        answers += [await call.send(session) for call in calls]
    limits = ApiLimits(requests_per_second=0.001, request_burst=1)
    async with client(engine_state(pool, settings=control(seed), limits=limits)) as session:
        await Call(ROUTE).send(session)  # spends the only token
        answers += [await call.send(session) for call in calls]
    async with client(engine_state(pool)) as session:  # starting: no settings yet
        answers += [await call.send(session) for call in calls]

    assert unseen_answers(build_spec("1", 10), answers, ROUTE) == set()
