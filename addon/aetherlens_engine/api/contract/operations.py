"""Every route of the API as data: its parameters, body, answers and security.

The OpenAPI document (`api.openapi`) is built from these and the models; a route's answer is
described here once, by the model its handler encodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aetherlens_engine.api.params import MAX_DEVICE_ID

from . import (
    budgets,
    costs,
    demand,
    devices,
    engine,
    ledger,
    meterdata,
    plugins,
    settings,
    statements,
    summary,
    tariffs,
)

type Schema = dict[str, Any]

RETRY_AFTER = "Retry-After"


@dataclass(frozen=True, slots=True)
class Param:
    """A path or query parameter."""

    name: str
    schema: Schema
    where: str = "query"
    required: bool = False
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """One documented answer: its model (None: no body), or a non-JSON content type."""

    description: str
    model: Any = None
    content_type: str = "application/json"
    headers: tuple[str, ...] = ()
    schema: Schema | None = None  # for a body without a model (text, the document itself)


@dataclass(frozen=True, slots=True)
class Body:
    """A request body: its model and examples."""

    model: Any
    examples: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """A route and method, with its answers by status (a name: one of SHARED)."""

    path: str
    method: str
    operation_id: str
    summary: str
    answers: Mapping[int, Reply | str]
    params: tuple[Param, ...] = ()  # in the path
    query: Any = None  # the model of the query string
    body: Body | None = None
    public: bool = False
    description: str | None = None


# Answers many routes give, described once (components/responses).
SHARED: dict[str, tuple[int, Reply]] = {
    "BadRequest": (400, Reply("Malformed request", engine.Error)),
    "Unauthorized": (
        401,
        Reply("Missing or wrong bearer token", engine.Error, headers=("WWW-Authenticate",)),
    ),
    "NotFound": (404, Reply("No such device", engine.Error)),
    "PayloadTooLarge": (413, Reply("Body or batch larger than the engine accepts", engine.Error)),
    "TooManyRequests": (
        429,
        Reply("This client's request budget is spent", engine.Error, headers=(RETRY_AFTER,)),
    ),
    "InternalError": (500, Reply("The engine failed; its log says why", engine.Error)),
    "Unavailable": (
        503,
        Reply("Database or ingestion unavailable now", engine.Error, headers=(RETRY_AFTER,)),
    ),
}
HEADERS: dict[str, Schema] = {
    RETRY_AFTER: {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}},
    "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}},
}


def shared(*names: str) -> dict[int, Reply | str]:
    """Return the answers NAMES (keys of SHARED) by their status."""
    return {SHARED[name][0]: name for name in names}


PUBLIC = shared("TooManyRequests", "InternalError")
PRIVATE = shared("Unauthorized", "TooManyRequests", "InternalError")
NO_TARIFF = Reply("No tariff is active, or the recorded data cannot be billed", engine.Error)
UNKNOWN_TARIFF = Reply("No such tariff", engine.Error)
INVALID_TARIFF = Reply("The tariff is invalid", engine.TariffError)
READ_ONLY = Reply(
    "No tariff service runs (tariffs read-only)", engine.Error, headers=(RETRY_AFTER,)
)
TARIFF_NAME = Param("name", {"type": "string"}, where="path", required=True)
DEVICE_ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_DEVICE_ID}
BUDGET_ID = Param("budget_id", DEVICE_ID, where="path", required=True)
UNKNOWN_BUDGET = Reply("No such budget", engine.Error)
STATEMENT_ID = Param("statement_id", DEVICE_ID, where="path", required=True)
INVALID_BUDGET = Reply("A field is invalid; details name it", budgets.BudgetError)
NAME_TAKEN = Reply("Another budget has this name", budgets.BudgetError)
_SETTINGS_EXAMPLE = {
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "retention": {"raw_days": 90, "hourly_days": 365, "daily_days": 1826, "compress_after_days": 1},
    "homeassistant": [
        {
            "name": "homeassistant",
            "url": "ws://supervisor/core/websocket",
            "include": ["sensor.*_energy"],
            "exclude": ["sensor.garage_*"],
        }
    ],
}
_BUDGET_EXAMPLES = {
    "household, warned at 50, 80 and 100 %": {
        "name": "Household month",
        "scope": "household",
        "amount": "120",
        "thresholds": [50, 80, 100],
    },
    "a device per day": {
        "name": "Fridge",
        "scope": "device",
        "device_id": 3,
        "period": "day",
        "amount": "0.40",
    },
}

_READING_EXAMPLE = {"device_id": 1, "time": "2026-03-29T12:00:00+02:00", "value": 1520.5}
_FLAT_TARIFF = {
    "name": "flat",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {"price": 0.3},
}

_STATEMENT = {
    "start": "2026-02-01",
    "end": "2026-03-01",
    "total": "104.37",
    "lines": [
        {
            "kind": "energy",
            "name": "energy",
            "period": "day",
            "tier": 1,
            "kwh": "210",
            "amount": "63",
        },
        {"kind": "energy", "name": "energy", "period": "night", "kwh": "180", "amount": "36"},
        {"kind": "standing", "name": "standing charge", "amount": "12.6"},
        {"kind": "credit", "name": "export", "amount": "-7.23"},
    ],
}
_STATEMENTS_CSV = (
    "start,end,kind,name,amount,period,tier,kwh\n"
    "2026-01-01,2026-02-01,energy,energy,71.5,,,\n"
    "2026-01-01,2026-02-01,total,,84.7,,,\n"
    "2026-02-01,2026-03-01,total,,79.9,,,\n"
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "/api/v1/health",
        "get",
        "getHealth",
        "Engine and database status; needs no token",
        {200: Reply("The engine's health", engine.Health), **PUBLIC},
        public=True,
    ),
    Operation(
        "/api/v1/openapi.json",
        "get",
        "getOpenApi",
        "This description; needs no token",
        {200: Reply("OpenAPI 3.1 document", schema={"type": "object"}), **PUBLIC},
        public=True,
    ),
    Operation(
        "/api/v1/summary",
        "get",
        "getSummary",
        "Everything the integration shows, in one call",
        {
            200: Reply("Today, this month, cloud and budgets", summary.Summary),
            **PRIVATE,
            **shared("Unavailable"),
        },
    ),
    Operation(
        "/api/v1/devices",
        "get",
        "listDevices",
        "Every device the engine knows",
        {200: Reply("The devices", engine.DeviceList), **PRIVATE, **shared("Unavailable")},
    ),
    Operation(
        "/api/v1/devices/figures",
        "get",
        "getDeviceFigures",
        "Each device's energy and cost this billing cycle, and its last 14 days",
        {
            200: Reply("The figures of every device of energy", devices.DeviceFiguresList),
            **PRIVATE,
            **shared("Unavailable"),
        },
    ),
    Operation(
        "/api/v1/devices/{device_id}",
        "patch",
        "changeDevice",
        "Rename a device, or leave it out of the household's figures",
        {
            200: Reply("Changed", devices.ChangedDevice),
            422: Reply("A field is invalid; details name it", devices.DeviceError),
            **shared("BadRequest", "NotFound"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        params=(Param("device_id", DEVICE_ID, where="path", required=True),),
        body=Body(
            devices.DeviceChange,
            {
                "rename": {"display_name": "Kitchen fridge"},
                "a sub-meter its parent counts": {"in_household": False},
                "the source's name again": {"display_name": None},
            },
        ),
        description="Leaving a device out of the household, or counting it again, "
        "recomputes the costs (the household's use decides tiers and demand).",
    ),
    Operation(
        "/api/v1/devices/{device_id}/energy",
        "get",
        "getDeviceEnergy",
        "A device's energy per hour or local day starting in [from, to)",
        {
            200: Reply("The rollups in the range", engine.EnergySeries),
            **shared("BadRequest", "NotFound"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        params=(Param("device_id", DEVICE_ID, where="path", required=True),),
        query=engine.EnergyQuery,
    ),
    Operation(
        "/api/v1/readings",
        "post",
        "postReadings",
        "Submit a batch of readings",
        {
            200: Reply("Every reading accepted", engine.IngestResult),
            207: Reply("Some readings accepted, the others refused", engine.IngestResult),
            422: Reply("No reading accepted; `details` says why", engine.Error),
            **shared("BadRequest", "PayloadTooLarge"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        query=engine.ReadingsQuery,
        body=Body(list[engine.ReadingIn], {"one reading": [_READING_EXAMPLE]}),
        description="More readings than the array's maxItems: 413. 503 (Retry-After): none "
        "was taken, send them again; also while a device the engine does not know cannot be "
        "looked up (its database starting or away).",
    ),
    Operation(
        "/metrics",
        "get",
        "getMetrics",
        "Prometheus metrics",
        {
            200: Reply(
                "Prometheus text format", content_type="text/plain", schema={"type": "string"}
            ),
            **PRIVATE,
        },
    ),
    Operation(
        "/api/v1/price",
        "get",
        "getPrice",
        "The active tariff's import price now, its period and next change",
        {
            200: Reply("Prices now; null fields without an active tariff", costs.Price),
            **PRIVATE,
            **shared("Unavailable"),
        },
    ),
    Operation(
        "/api/v1/ledger",
        "get",
        "getLedger",
        "The household's spend by commodity (electricity, gas, water, cloud) and in total",
        {
            200: Reply("Today, this month and each part's current cycle", ledger.Ledger),
            **PRIVATE,
            **shared("Unavailable"),
        },
    ),
    Operation(
        "/api/v1/costs",
        "get",
        "getCosts",
        "Costs per hour, local day or month, by device, period or in total",
        {
            200: Reply("Rows whose hour or local day starts in [start, end)", costs.Costs),
            **shared("BadRequest", "NotFound"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        query=costs.CostsQuery,
    ),
    Operation(
        "/api/v1/projection",
        "get",
        "getProjection",
        "The current billing cycle's bill so far and projected to its end",
        {
            200: Reply("The active tariff's current cycle", costs.Projection),
            409: NO_TARIFF,
            **PRIVATE,
            **shared("Unavailable"),
        },
    ),
    Operation(
        "/api/v1/demand",
        "get",
        "getDemand",
        "The current billing cycle's demand peaks, the margin to each next tier, the window now",
        {
            200: Reply("The active tariff's demand this cycle", demand.Demand),
            409: NO_TARIFF,
            **PRIVATE,
            **shared("Unavailable"),
        },
    ),
    Operation(
        "/api/v1/bill",
        "get",
        "getBill",
        "A commodity's active tariff's bill of the recorded usage in a range",
        {
            200: Reply("Every billing cycle the range touches", costs.RangeBill),
            409: NO_TARIFF,
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        query=costs.BillQuery,
    ),
    Operation(
        "/api/v1/compare",
        "post",
        "compareTariffs",
        "Recorded usage priced under the active tariff and another one",
        {
            200: Reply("Both bills and the difference", costs.Comparison),
            404: UNKNOWN_TARIFF,
            409: NO_TARIFF,
            422: Reply("The definition is not a valid tariff", engine.Error),
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        body=Body(
            costs.CompareRequest,
            {
                "a stored tariff, last full cycle": {"tariff": "night saver"},
                "a definition over a range": {
                    "definition": _FLAT_TARIFF,
                    "start": "2026-02-01T00:00:00+01:00",
                    "end": "2026-03-01T00:00:00+01:00",
                },
            },
        ),
    ),
    Operation(
        "/api/v1/rank",
        "post",
        "rankTariffs",
        "Recorded usage priced under the active tariff and others, cheapest first",
        {
            200: Reply("Every bill, ranked by total", costs.Ranking),
            404: UNKNOWN_TARIFF,
            409: NO_TARIFF,
            422: Reply("A definition is not a valid tariff", engine.Error),
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        body=Body(
            costs.RankRequest,
            {
                "every stored tariff, last full cycle": {},
                "stored and inline tariffs over a range": {
                    "tariffs": ["night saver"],
                    "definitions": [_FLAT_TARIFF],
                    "start": "2026-02-01T00:00:00+01:00",
                    "end": "2026-03-01T00:00:00+01:00",
                },
            },
        ),
    ),
    Operation(
        "/api/v1/statements",
        "get",
        "listStatements",
        "Every recorded statement beside the engine's bill of its cycle",
        {
            200: Reply("Statements, oldest cycle first, with residuals", statements.StatementList),
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        query=statements.StatementsQuery,
    ),
    Operation(
        "/api/v1/statements",
        "post",
        "recordStatement",
        "Record a statement (a cycle's paper bill); replaces one of the same cycle",
        {
            201: Reply("Recorded, and matched", statements.StatementMatch),
            404: UNKNOWN_TARIFF,
            409: Reply("No tariff is named and none is active", engine.Error),
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        body=Body(statements.StatementIn, {"a cycle's bill": _STATEMENT}),
    ),
    Operation(
        "/api/v1/statements/calibration",
        "get",
        "calibrateTariff",
        "The tariff version a constant per-kWh or per-day amount makes of the statements",
        {
            200: Reply(
                "The proposal (not saved) and each statement's residual under it",
                statements.Calibration,
            ),
            409: Reply("No tariff named or active, or no statement to calibrate on", engine.Error),
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        query=statements.CalibrationQuery,
    ),
    Operation(
        "/api/v1/statements/{statement_id}",
        "delete",
        "deleteStatement",
        "Delete a recorded statement",
        {
            204: Reply("Deleted"),
            404: Reply("No such statement", engine.Error),
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        params=(STATEMENT_ID,),
    ),
    Operation(
        "/api/v1/statements/import",
        "post",
        "importStatements",
        "Record the statements of a CSV text, all or none",
        {
            201: Reply("Recorded, and matched", statements.StatementsSaved),
            404: UNKNOWN_TARIFF,
            409: Reply("No tariff is named and none is active", engine.Error),
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        body=Body(
            statements.StatementImport,
            {"two cycles": {"csv": _STATEMENTS_CSV, "tariff": "night saver"}},
        ),
    ),
    Operation(
        "/api/v1/meter-data",
        "post",
        "importMeterData",
        "Import a utility's interval data (Green Button, CSV) as a meter of the household",
        {
            200: Reply(
                "Stored whole; what each meter's import stored", meterdata.MeterDataImported
            ),
            422: Reply(
                "The file cannot be read; the message names the element or line", engine.Error
            ),
            **shared("BadRequest", "PayloadTooLarge"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        body=Body(
            meterdata.MeterDataUpload,
            {
                "a Green Button file": {"format": "greenbutton", "content": "<feed ...>...</feed>"},
                "a CSV export": {
                    "format": "csv",
                    "content": "timestamp,kwh\n2026-03-01T00:00:00+01:00,0.42\n",
                    "meter": "12 Elm Street",
                    "timezone": "Europe/Berlin",
                    "interval_minutes": 60,
                },
            },
        ),
        description="Hours this meter or another mains meter of the household already has are "
        "kept as they are (duplicates, covered): importing a file again stores nothing.",
    ),
    Operation(
        "/api/v1/meter-data/summaries",
        "get",
        "listUsageSummaries",
        "What the utility billed, as its imported files' usage summaries say",
        {
            200: Reply("Every usage summary, oldest period first", meterdata.UsageSummaries),
            **PRIVATE,
            **shared("Unavailable"),
        },
    ),
    Operation(
        "/api/v1/tariffs",
        "get",
        "listTariffs",
        "The latest version of every tariff, and the active one",
        {200: Reply("Tariffs by name", tariffs.TariffList), **PRIVATE, **shared("Unavailable")},
    ),
    Operation(
        "/api/v1/tariffs",
        "post",
        "saveTariff",
        "Save a native or URDB tariff as its name's next version",
        {
            201: Reply("Saved; a recompute runs if it is active", tariffs.TariffSaved),
            422: INVALID_TARIFF,
            503: READ_ONLY,
            **shared("BadRequest"),
            **PRIVATE,
        },
        body=Body(
            tariffs.TariffSave,
            {"native, activated": {"name": "flat", "definition": _FLAT_TARIFF, "activate": True}},
        ),
    ),
    Operation(
        "/api/v1/tariffs/validate",
        "post",
        "validateTariff",
        "Check a native definition or a URDB rate without saving it",
        {
            200: Reply("Valid; URDB fields not carried are listed", tariffs.TariffValid),
            422: Reply("Invalid; errors name the fields", tariffs.TariffInvalid),
            **shared("BadRequest"),
            **PRIVATE,
        },
        body=Body(tariffs.TariffInput, {"native": {"definition": _FLAT_TARIFF}}),
    ),
    Operation(
        "/api/v1/tariffs/{name}",
        "get",
        "getTariff",
        "Every version of a tariff, oldest first",
        {
            200: Reply("The tariff's versions", tariffs.TariffVersions),
            404: UNKNOWN_TARIFF,
            **PRIVATE,
            **shared("Unavailable"),
        },
        params=(TARIFF_NAME,),
    ),
    Operation(
        "/api/v1/tariffs/{name}",
        "delete",
        "deleteTariff",
        "Delete every version of a tariff that is not active",
        {
            204: Reply("Deleted"),
            404: UNKNOWN_TARIFF,
            409: Reply("It is the active tariff", engine.Error),
            503: READ_ONLY,
            **PRIVATE,
        },
        params=(TARIFF_NAME,),
    ),
    Operation(
        "/api/v1/tariffs/{name}/activate",
        "post",
        "activateTariff",
        "Price its commodity (or a grid connection) with this tariff; recomputes those costs",
        {
            200: Reply("Active; the recompute started", tariffs.TariffActivated),
            404: UNKNOWN_TARIFF,
            422: INVALID_TARIFF,
            503: READ_ONLY,
            **shared("BadRequest"),
            **PRIVATE,
        },
        params=(TARIFF_NAME,),
        query=tariffs.ActivateQuery,
    ),
    Operation(
        "/api/v1/connections/{connection}/tariff",
        "delete",
        "detachTariff",
        "Price a grid connection with the active tariff again, not its own; recomputes it",
        {
            200: Reply("Detached; the recompute started", tariffs.TariffDetached),
            404: Reply("The connection has no tariff of its own", engine.Error),
            503: READ_ONLY,
            **shared("BadRequest"),
            **PRIVATE,
        },
        params=(
            Param(
                "connection",
                {
                    "type": "string",
                    "description": "The connection's id (the devices' `connection`)",
                },
                where="path",
                required=True,
            ),
        ),
    ),
    Operation(
        "/api/v1/tariffs/{name}/calendar",
        "get",
        "getTariffCalendar",
        "Import price per slot of local days, for a heat map",
        {
            200: Reply("Slots cut at local hours and price changes", tariffs.TariffCalendar),
            404: UNKNOWN_TARIFF,
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        params=(TARIFF_NAME,),
        query=tariffs.CalendarQuery,
    ),
    Operation(
        "/api/v1/recompute",
        "get",
        "getRecompute",
        "The status of the background cost recompute",
        {200: Reply("Idle, running, done or failed", tariffs.RecomputeStatus), **PRIVATE},
    ),
    Operation(
        "/api/v1/events",
        "get",
        "streamEvents",
        "Server-sent events: `rolled_up` when new figures exist (re-read what you show)",
        {
            200: Reply(
                "An event stream: `retry:`, a `ready` event, then `rolled_up` events "
                '(data `{"start", "end"}`: the hours recomputed) and keep-alive comments',
                content_type="text/event-stream",
                schema={"type": "string"},
            ),
            **PRIVATE,
            503: Reply("Too many event streams are open", engine.Error, headers=(RETRY_AFTER,)),
        },
    ),
    Operation(
        "/api/v1/budgets",
        "get",
        "listBudgets",
        "Every budget, oldest first (the summary says what each has spent)",
        {200: Reply("The budgets", budgets.BudgetList), **PRIVATE, **shared("Unavailable")},
    ),
    Operation(
        "/api/v1/budgets",
        "post",
        "createBudget",
        "Create a budget",
        {
            201: Reply("Created", budgets.StoredBudget),
            409: NAME_TAKEN,
            422: INVALID_BUDGET,
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        body=Body(budgets.BudgetInput, _BUDGET_EXAMPLES),
    ),
    Operation(
        "/api/v1/budgets/{budget_id}",
        "put",
        "replaceBudget",
        "Replace a budget; its id stays",
        {
            200: Reply("Replaced", budgets.StoredBudget),
            404: UNKNOWN_BUDGET,
            409: NAME_TAKEN,
            422: INVALID_BUDGET,
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        params=(BUDGET_ID,),
        body=Body(budgets.BudgetInput, _BUDGET_EXAMPLES),
    ),
    Operation(
        "/api/v1/budgets/{budget_id}",
        "delete",
        "deleteBudget",
        "Delete a budget",
        {
            204: Reply("Deleted"),
            404: UNKNOWN_BUDGET,
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        params=(BUDGET_ID,),
    ),
    Operation(
        "/api/v1/plugins",
        "get",
        "listPlugins",
        "Every configured plugin instance: status, last poll, errors, requests and their cost",
        {
            200: Reply("The plugin instances", plugins.PluginList),
            **PRIVATE,
            **shared("Unavailable"),
        },
    ),
    Operation(
        "/api/v1/plugins/{name}",
        "put",
        "changePlugin",
        "Enable or disable a plugin instance, or replace its configuration (it restarts)",
        {
            200: Reply("Changed", plugins.PluginInfo),
            404: Reply("No such plugin instance", engine.Error),
            409: Reply("The instance's plugin failed to install or load", engine.Error),
            422: Reply(
                "The plugin's schema refuses an option; details name it", plugins.PluginError
            ),
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        params=(Param("name", {"type": "string"}, where="path", required=True),),
        body=Body(
            plugins.PluginChange,
            {
                "disable": {"enabled": False},
                "configure": {"config": {"account_name": "Home", "max_attempts": 3}},
            },
        ),
    ),
    Operation(
        "/api/v1/settings",
        "get",
        "getSettings",
        "The settings as saved: currency, timezone, retention, collector instances",
        {
            200: Reply("The settings", settings.Settings),
            **PRIVATE,
            **shared("Unavailable"),
        },
    ),
    Operation(
        "/api/v1/settings",
        "put",
        "saveSettings",
        "Replace the settings; retention and include/exclude apply at once, "
        "`restart_required` names the rest",
        {
            200: Reply("Saved", settings.Settings),
            422: Reply("A setting is refused; details name it", settings.SettingsError),
            **shared("BadRequest"),
            **PRIVATE,
            **shared("Unavailable"),
        },
        body=Body(settings.SettingsInput, {"settings": _SETTINGS_EXAMPLE}),
        description="A setting saved here wins over the configuration file's (or the add-on's "
        "option); one saved back to the file's value follows the file again.",
    ),
)

# Constraints JSON Schema states but a struct cannot: which fields go together.
SCHEMA_RULES: dict[str, Schema] = {
    "CompareRequest": costs.COMPARE_REQUEST_RULES,
    "RankRequest": costs.RANK_REQUEST_RULES,
    "TariffInput": tariffs.TARIFF_INPUT_RULES,
    "TariffSave": tariffs.TARIFF_INPUT_RULES,
}
