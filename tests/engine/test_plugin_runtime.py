"""The plugin runtime's parts: registry, config validation, result records, the worker."""

from __future__ import annotations

import io
import json
import logging
from datetime import date, timedelta
from decimal import Decimal
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from aetherlens_engine.errors import ConfigError
from aetherlens_engine.plugins import (
    AccountCosts,
    CostRow,
    Forecast,
    PluginConfigError,
    PluginInstance,
    PluginManager,
    PollResult,
    registry,
)
from aetherlens_engine.plugins.base import secret_values
from aetherlens_engine.plugins.protocol import redact
from aetherlens_engine.plugins.records import Decoded, decode_result
from aetherlens_engine.plugins.results import Provides, result_to_json
from aetherlens_engine.plugins.worker import RedactingFilter, serve
from tests.engine.fakes.plugins import EnvironmentSecretPlugin, SecretLeakingPlugin, SteadyPlugin

FAKES = "tests.engine.fakes.plugins"


async def _ignore(source: str, result: PollResult) -> None:
    """A sink for managers that are never started."""


def test_result_round_trips_exactly() -> None:
    """Amounts cross the process boundary as strings: no float on the way."""
    result = PollResult(
        accounts=(
            AccountCosts(
                "123456789012",
                "Home",
                costs=(
                    CostRow(date(2026, 11, 3), "service", "Amazon S3", Decimal("0.1"), "USD"),
                    CostRow(date(2026, 11, 4), "total", "", Decimal("1E-8"), "USD", True),
                ),
                forecasts=(
                    Forecast(date(2026, 11, 1), Decimal("12.34567891"), "USD"),
                    Forecast(date(2026, 12, 1), Decimal(3), "USD", from_day=date(2026, 12, 5)),
                ),
            ),
        ),
        requests=3,
    )
    wire = json.loads(json.dumps(result_to_json(result)))
    decoded = decode_result("aws", frozenset({Provides.CLOUD_COSTS}), wire)
    assert decoded == Decoded(result, ())


def test_a_result_that_is_no_object_is_refused_whole() -> None:
    """A worker's garbage never reaches the database, and never raises."""
    decoded = decode_result("aws", frozenset({Provides.CLOUD_COSTS}), ["accounts"])
    assert decoded == Decoded(PollResult(), ("plugin aws: the result is not a JSON object",))


def test_registry_knows_builtins_and_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built-ins by name, third parties through the entry-point group, references as given."""
    third_party = EntryPoint("steady", f"{FAKES}:SteadyPlugin", registry.ENTRY_POINT_GROUP)

    def entry_points(*, group: str) -> list[EntryPoint]:
        return [third_party] if group == registry.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(registry, "entry_points", entry_points)
    assert registry.available_plugins()["steady"] == f"{FAKES}:SteadyPlugin"
    assert "aws_cost_explorer" in registry.available_plugins()
    assert registry.load_plugin_class("steady") is SteadyPlugin
    assert registry.load_plugin_class(f"{FAKES}:SteadyPlugin") is SteadyPlugin


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "nonexistent",
            "unknown plugin 'nonexistent'; available: aws_cost_explorer, azure_cost_management",
        ),
        (f"{FAKES}:Missing", "cannot load plugin"),
        (f"{FAKES}:LOGGER", "is not a Plugin subclass"),
    ],
)
def test_registry_errors_name_the_plugin(name: str, message: str) -> None:
    """A wrong plugin name says what is available."""
    with pytest.raises(PluginConfigError, match=message):
        registry.load_plugin_class(name)


def test_manager_rejects_bad_configuration_before_starting() -> None:
    """Bad options are configuration errors naming the instance and option."""
    with pytest.raises(
        ConfigError, match=r"\(home\): secretive: invalid option 'api_key': required key"
    ):
        PluginManager([PluginInstance("home", f"{FAKES}:SecretLeakingPlugin")], _ignore, {})
    with pytest.raises(ConfigError, match="invalid option 'account': expected str"):
        PluginManager(
            [PluginInstance("home", f"{FAKES}:SteadyPlugin", {"account": 7})], _ignore, {}
        )


def test_a_plugin_that_does_not_load_is_unavailable_not_fatal() -> None:
    """A missing or broken package leaves its instance unavailable, saying why; others run."""
    published: dict[str, dict[str, Any]] = {}
    manager = PluginManager(
        [PluginInstance("home", "nope"), PluginInstance("steady", f"{FAKES}:SteadyPlugin")],
        _ignore,
        published,
    )
    assert [s.name for s in manager.supervisors] == ["steady"]
    assert published["home"]["status"] == "unavailable"
    assert "unknown plugin 'nope'" in published["home"]["last_error"]


def test_manager_refuses_a_plugin_providing_what_the_engine_does_not_store() -> None:
    """Nothing a plugin fetches may be silently dropped: such a plugin is refused at start."""
    with pytest.raises(
        ConfigError,
        match=r"\(home\): steady provides cloud_costs, which this engine does not store from "
        r"plugins \(it stores prices\)",
    ):
        PluginManager(
            [PluginInstance("home", f"{FAKES}:SteadyPlugin")],
            _ignore,
            {},
            stores=frozenset({Provides.PRICES}),
        )


def test_manager_enforces_the_minimum_poll_interval() -> None:
    """Azure may be polled at most every 4 hours: a shorter interval is refused."""
    azure = PluginInstance(
        "work",
        "azure_cost_management",
        {"subscriptions": [{"id": "s"}]},
        poll_interval=timedelta(hours=1),
    )
    with pytest.raises(
        ConfigError, match=r"\(work\): azure_cost_management may poll at most every 4:00:00"
    ):
        PluginManager([azure], _ignore, {})


def test_manager_publishes_a_starting_status_per_instance() -> None:
    """Each valid instance shows in the health state before its first poll."""
    published: dict[str, dict[str, Any]] = {}
    manager = PluginManager(
        [
            PluginInstance("a", f"{FAKES}:SteadyPlugin"),
            PluginInstance("b", f"{FAKES}:SteadyPlugin"),
        ],
        _ignore,
        published,
    )
    assert [s.name for s in manager.supervisors] == ["a", "b"]
    assert {name: status["status"] for name, status in published.items()} == {
        "a": "starting",
        "b": "starting",
    }


def test_secret_values_are_found_and_redacted() -> None:
    """Secret options are found wherever they sit; the longest is blanked first."""
    config = {"api_key": "abcdef", "accounts": [{"api_key": "abc"}], "name": "abc-home"}
    secrets = secret_values(SecretLeakingPlugin.manifest, config)
    assert sorted(secrets) == ["abc", "abcdef"]
    assert redact("keys abcdef and abc", secrets) == "keys *** and ***"
    environ = {"FAKE_PLUGIN_API_KEY": "from-env", "HOME": "/root"}
    assert secret_values(EnvironmentSecretPlugin.manifest, {}, environ) == ("from-env",)
    assert secret_values(EnvironmentSecretPlugin.manifest, {}, {}) == ()


def test_redacting_filter_blanks_messages_and_tracebacks() -> None:
    """The worker's log filter blanks the secrets in arguments and in exception text."""
    redactor = RedactingFilter()
    redactor.secrets = ("s3cr3t",)
    err = ValueError("bad key s3cr3t")
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "key %s", ("s3cr3t",), (ValueError, err, None)
    )
    assert redactor.filter(record)
    text = logging.Formatter().format(record)
    assert "s3cr3t" not in text
    assert "key ***" in text
    assert "ValueError: bad key ***" in text


def test_worker_answers_the_protocol() -> None:
    """In-process: start, poll, health, stop; errors come back as messages, secrets blanked."""
    requests = [
        {"op": "poll"},
        {"op": "start", "plugin": f"{FAKES}:SecretLeakingPlugin", "config": {"api_key": "k3y"}},
        {"op": "poll"},
        {"op": "dance"},
        {"op": "stop"},
        {"op": "poll"},  # never read: the worker ends at stop
    ]
    answers = io.BytesIO()
    serve(io.BytesIO(b"".join(json.dumps(r).encode() + b"\n" for r in requests)), answers)
    replies = [json.loads(line) for line in answers.getvalue().splitlines()]
    assert replies == [
        {"ok": False, "error": "the plugin has not been started"},
        {"ok": True, "name": "secretive", "version": "1.0"},
        {"ok": False, "error": "authentication failed for key ***"},
        {"ok": False, "error": "unknown request 'dance'"},
        {"ok": True},
    ]


def test_worker_reports_invalid_config() -> None:
    """A start with bad options is answered with the option's name, not a crash."""
    answers = io.BytesIO()
    start = {"op": "start", "plugin": f"{FAKES}:SteadyPlugin", "config": {"account": 1}}
    serve(io.BytesIO(json.dumps(start).encode() + b"\n"), answers)
    reply = json.loads(answers.getvalue())
    assert reply == {
        "ok": False,
        "error": "steady: invalid option 'account': expected str",
    }
