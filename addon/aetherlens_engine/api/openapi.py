"""The API's OpenAPI 3.1 description, served at `GET /api/v1/openapi.json` (public)."""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

SPEC_KEY = web.AppKey("openapi", dict)

type Schema = dict[str, Any]

_DECIMAL: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}


def _nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Schema], description: str | None = None) -> Schema:
    """Return an object schema whose every property is required and no other is allowed."""
    schema: Schema = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


_STRING: Schema = {"type": "string"}
_NUMBER: Schema = {"type": "number"}
_INTEGER: Schema = {"type": "integer"}
_DATE_TIME: Schema = {"type": "string", "format": "date-time"}
_DATE: Schema = {"type": "string", "format": "date"}
_CURRENCY: Schema = {"type": "string", "pattern": "^[A-Z]{3}$"}
# A query's instant: 1970 to 2999 (others are refused, 400); a range's end after its start.
_INSTANT: Schema = {
    "type": "string",
    "format": "date-time",
    "description": "From 1970 to 2999, with a UTC offset; a range ends after it starts (at "
    "most 93 days by hour, 3660 by day)",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": _INTEGER}
}

_SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {**_STRING, "description": "Stable, for programs"},
                    "message": {**_STRING, "description": "For people"},
                    "details": {"type": "array", "items": _ref("Rejection")},
                },
                "additionalProperties": False,
            }
        }
    ),
    "Rejection": _object(
        {"index": {"type": "integer", "minimum": 0}, "reason": _STRING},
        "A refused reading, by its index in the batch",
    ),
    "Collector": _object(
        {
            "source": {"enum": ["homeassistant"]},
            "url": _STRING,
            "state": {
                "enum": [
                    "starting",
                    "connecting",
                    "connected",
                    "disconnected",
                    "auth_failed",
                    "stopped",
                ]
            },
            "ha_version": _nullable(_STRING),
            "connected_since": _nullable(_DATE_TIME),
            "last_message": _nullable(_DATE_TIME),
            "last_error": _nullable(_STRING),
            "issue": _nullable(
                _object(
                    {"key": {"enum": ["invalid_auth"]}, "message": _STRING},
                    "Set while the user must act: a Repairs issue (key = translation key)",
                )
            ),
            "entities": _INTEGER,
            "readings": _INTEGER,
            "readings_per_second": _NUMBER,
            "rejected": _INTEGER,
            "backfilled": _INTEGER,
            "gaps": _INTEGER,
            "reconnects": _INTEGER,
        },
        "A Home Assistant collector; counts since the engine started",
    ),
    "Health": {
        "type": "object",
        "description": "Public: status, reasons, version, instance_id, database.status; with "
        "the API token also the database's details, collectors, plugins and ingest",
        "required": ["status", "reasons", "version", "instance_id", "database"],
        "properties": {
            "status": {"enum": ["ok", "degraded"]},
            "reasons": {
                "type": "array",
                "description": "Why degraded (empty when ok): readings wait or may be lost",
                "items": {
                    "enum": [
                        "database_unavailable",
                        "database_starting",
                        "database_not_configured",
                        "spool_unwritable",
                        "replay_failing",
                        "spool_backlog",
                    ]
                },
            },
            "version": _STRING,
            "instance_id": _STRING,
            "database": {
                "type": "object",
                "required": ["status"],
                "properties": {
                    "status": {"enum": ["ok", "starting", "unavailable", "not_configured"]},
                    "timescaledb": _nullable(_STRING),
                    "schema_version": _nullable(_INTEGER),
                },
                "additionalProperties": False,
            },
            "collectors": {"type": "object", "additionalProperties": _ref("Collector")},
            "plugins": {"type": "object", "additionalProperties": {"type": "object"}},
            "ingest": _nullable(
                _object(
                    {
                        "accepted": _INTEGER,
                        "rejected": {"type": "object", "additionalProperties": _INTEGER},
                        "committed": _INTEGER,
                        "spooled": _INTEGER,
                        "spool_pending": _INTEGER,
                        "buffered": _INTEGER,
                        "last_flush": _nullable(_DATE_TIME),
                        "database_available": {"type": "boolean"},
                        "dead_lettered": {
                            **_INTEGER,
                            "description": "Refused by the database for their data; kept in "
                            "the dead-letter file (spool/dead-letter.jsonl) with the reason",
                        },
                        "spool_error": _nullable(_STRING),
                        "replay_error": _nullable(_STRING),
                    },
                    "Counts of readings since the engine started; null without ingestion",
                )
            ),
        },
        "additionalProperties": False,
    },
    "SummaryDevice": _object(
        {
            "id": _INTEGER,
            "source": _STRING,
            "source_id": _STRING,
            "name": _STRING,
            "kind": {"enum": ["meter", "appliance", "grid", "solar", "battery"]},
            "unit": _nullable(_STRING),
            "included_in": {
                **_nullable(_INTEGER),
                "description": "The device this one is measured inside (HA's included_in_stat)",
            },
            "household_meter": {
                "type": "boolean",
                "description": "Summed into the household: a mains meter, or where there is "
                "none an appliance not inside another",
            },
            "energy_today_kwh": _NUMBER,
            "energy_month_kwh": _NUMBER,
            "cost_today": _nullable(_DECIMAL),
            "cost_month": _nullable(_DECIMAL),
        },
        "Costs are in the engine's currency, null while no tariff exists",
    ),
    "CloudAccount": _object(
        {
            "device_id": _INTEGER,
            "name": _STRING,
            "currency": _nullable(_CURRENCY),
            "today": _nullable(_DECIMAL),
            "yesterday": {**_nullable(_DECIMAL), "description": "The previous local day"},
            "month_to_date": _nullable(_DECIMAL),
            "forecast": _nullable(_DECIMAL),
            "estimated": _nullable({"type": "boolean"}),
            "fetched_at": _nullable(_DATE_TIME),
            "top_services": {
                "type": "array",
                "description": "This month's largest services (at most 3), largest first",
                "items": _object({"name": _STRING, "amount": _DECIMAL}),
            },
        },
        "One entry per account and currency; figures are null before the first fetch",
    ),
    "Budget": _object(
        {
            "id": _INTEGER,
            "name": _STRING,
            "scope": {"enum": ["household", "device", "cloud_account", "cloud_total"]},
            "device_id": _nullable(_INTEGER),
            "period": {"enum": ["day", "month", "billing_cycle"]},
            "amount": _DECIMAL,
            "currency": _CURRENCY,
            "spent": {
                **_nullable(_DECIMAL),
                "description": "Null for energy costs without a tariff or in another currency "
                "than the engine's; per billing cycle, the household's cycle cost so far "
                "(null for device and cloud scopes)",
            },
        }
    ),
    "Summary": _object(
        {
            "engine": _object(
                {
                    "version": _STRING,
                    "instance_id": _STRING,
                    "time": _DATE_TIME,
                    "api_version": {
                        **_INTEGER,
                        "description": "Bumped when older clients would misread the API",
                    },
                }
            ),
            "currency": _CURRENCY,
            "timezone": {**_STRING, "description": "IANA time zone of days and months"},
            "period": _object({"today": _DATE, "month_start": _DATE}),
            "devices": {"type": "array", "items": _ref("SummaryDevice")},
            "household": _object(
                {
                    "energy_today_kwh": _NUMBER,
                    "energy_month_kwh": _NUMBER,
                    "cost_today": _nullable(_DECIMAL),
                    "cost_month": _nullable(_DECIMAL),
                    "carbon_today_kg": {
                        **_nullable(_NUMBER),
                        "description": "Null without a tariff that states carbon intensity",
                    },
                },
                "Devices of kind grid and meter; appliances where there is neither",
            ),
            "price": _object(
                {
                    "current": _nullable(_DECIMAL),
                    "period": _nullable(_STRING),
                    "next_change": _nullable(_DATE_TIME),
                    "carbon_intensity": _nullable(_NUMBER),
                    "periods": {
                        "type": "array",
                        "items": _STRING,
                        "description": "The active tariff's import periods, sorted",
                    },
                },
                "As `GET /api/v1/price`; null (periods empty) without an active tariff",
            ),
            "billing_cycle": _object(
                {
                    "start": _nullable(_DATE),
                    "end": _nullable(_DATE),
                    "cost_so_far": _nullable(_DECIMAL),
                    "projected_total": _nullable(_DECIMAL),
                    "components": _nullable(
                        _object(
                            dict.fromkeys(
                                (
                                    "energy",
                                    "surcharges",
                                    "demand",
                                    "fixed",
                                    "credit",
                                    "minimum",
                                    "taxes",
                                ),
                                _DECIMAL,
                            ),
                            "What cost_so_far is made of: energy + surcharges + demand + fixed"
                            " - credit + minimum + taxes",
                        )
                    ),
                },
                "The active tariff's current cycle (local dates, end exclusive), as "
                "`GET /api/v1/projection`; null without an active tariff",
            ),
            "tariff": _nullable(_object({"name": _STRING, "version": _INTEGER})),
            "recompute": _object(
                {
                    "state": {"enum": ["idle", "running", "done", "failed"]},
                    "progress": {"type": "number", "minimum": 0, "maximum": 1},
                    "generation": {
                        **_INTEGER,
                        "description": "Grows with every finished recompute: re-read costs "
                        "from `start` on",
                    },
                    "start": _nullable(_DATE_TIME),
                },
                "The cost recompute, as `GET /api/v1/recompute` in short",
            ),
            "cloud": _object({"accounts": {"type": "array", "items": _ref("CloudAccount")}}),
            "budgets": {"type": "array", "items": _ref("Budget")},
        }
    ),
    "Device": _object(
        {
            "id": _INTEGER,
            "source": _STRING,
            "source_id": _STRING,
            "name": _STRING,
            "kind": {
                "enum": [
                    "meter",
                    "appliance",
                    "grid",
                    "solar",
                    "battery",
                    "price",
                    "carbon",
                    "cloud_account",
                ]
            },
            "unit": _nullable(_STRING),
            "attributes": {"type": "object"},
            "created_at": _DATE_TIME,
            "updated_at": _DATE_TIME,
        }
    ),
    "DeviceList": _object({"devices": {"type": "array", "items": _ref("Device")}}),
    "EnergyPoint": _object(
        {
            "start": _DATE_TIME,
            "end": _DATE_TIME,
            "energy_kwh": _NUMBER,
            "avg_power_w": {**_nullable(_NUMBER), "description": "Null for days"},
            "max_power_w": _nullable(_NUMBER),
            "samples": _INTEGER,
            "quality": {**_INTEGER, "description": "Bit flags of the readings rolled up"},
        }
    ),
    "EnergySeries": _object(
        {
            "device_id": _INTEGER,
            "resolution": {"enum": ["hour", "day"]},
            "from": _DATE_TIME,
            "to": _DATE_TIME,
            "timezone": _STRING,
            "total_kwh": _NUMBER,
            "points": {"type": "array", "items": _ref("EnergyPoint")},
        }
    ),
    "ReadingIn": {
        "type": "object",
        "required": ["device_id", "time", "value"],
        "properties": {
            "device_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            "time": {
                **_DATE_TIME,
                "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$",
                "description": "RFC 3339 with a UTC offset, at most microseconds; from the raw "
                "retention's start (with backfill=true the daily rollups') to 5 minutes ahead, "
                "never before 1970 (refused: too_old, out_of_range, future_time)",
            },
            "value": {
                **_NUMBER,
                "minimum": -1e12,
                "maximum": 1e12,
                "description": "In `unit`; beyond ±1e12: out_of_range",
            },
            "unit": {
                **_nullable(_STRING),
                "description": "The value's unit; omitted or null: the device's unit",
            },
        },
        "additionalProperties": False,
    },
    "IngestResult": _object(
        {
            "accepted": {
                "type": "integer",
                "minimum": 0,
                "description": "Readings committed or spooled (duplicates not counted)",
            },
            "duplicates": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "description": "Indexes of readings of a device at an instant an earlier "
                "reading of the batch has: the first one is stored, these are not; a reading "
                "already stored is kept",
            },
            "rejected": {"type": "array", "items": _ref("Rejection")},
        }
    ),
}


def _json(schema_name: str, description: str, headers: dict[str, Any] | None = None) -> Any:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }
    if headers:
        response["headers"] = headers
    return response


_RESPONSES: dict[str, Any] = {
    "BadRequest": _json("Error", "Malformed request"),
    "Unauthorized": _json(
        "Error",
        "Missing or wrong bearer token",
        {"WWW-Authenticate": {"description": "Bearer", "schema": _STRING}},
    ),
    "NotFound": _json("Error", "No such device"),
    "PayloadTooLarge": _json("Error", "Body or batch larger than the engine accepts"),
    "TooManyRequests": _json("Error", "This client's request budget is spent", _RETRY_AFTER),
    "InternalError": _json("Error", "The engine failed; its log says why"),
    "Unavailable": _json("Error", "Database or ingestion unavailable now", _RETRY_AFTER),
}


def _use(*names: str) -> dict[str, Any]:
    codes = {
        "BadRequest": "400",
        "Unauthorized": "401",
        "NotFound": "404",
        "PayloadTooLarge": "413",
        "TooManyRequests": "429",
        "InternalError": "500",
        "Unavailable": "503",
    }
    return {codes[name]: {"$ref": f"#/components/responses/{name}"} for name in names}


_PUBLIC = ("TooManyRequests", "InternalError")
_PRIVATE = ("Unauthorized", "TooManyRequests", "InternalError")


def _paths() -> dict[str, Any]:
    instant = _INSTANT
    return {
        "/api/v1/health": {
            "get": {
                "operationId": "getHealth",
                "summary": "Engine and database status; needs no token",
                "security": [],
                "responses": {"200": _json("Health", "The engine's health"), **_use(*_PUBLIC)},
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This description; needs no token",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1 document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_use(*_PUBLIC),
                },
            }
        },
        "/api/v1/summary": {
            "get": {
                "operationId": "getSummary",
                "summary": "Everything the integration shows, in one call",
                "responses": {
                    "200": _json("Summary", "Today, this month, cloud and budgets"),
                    **_use(*_PRIVATE, "Unavailable"),
                },
            }
        },
        "/api/v1/devices": {
            "get": {
                "operationId": "listDevices",
                "summary": "Every device the engine knows",
                "responses": {
                    "200": _json("DeviceList", "The devices"),
                    **_use(*_PRIVATE, "Unavailable"),
                },
            }
        },
        "/api/v1/devices/{device_id}/energy": {
            "get": {
                "operationId": "getDeviceEnergy",
                "summary": "A device's energy per hour or local day starting in [from, to)",
                "parameters": [
                    {
                        "name": "device_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    },
                    {"name": "from", "in": "query", "required": True, "schema": instant},
                    {"name": "to", "in": "query", "required": True, "schema": instant},
                    {
                        "name": "resolution",
                        "in": "query",
                        "required": False,
                        "schema": {"enum": ["hour", "day"], "default": "hour"},
                    },
                ],
                "responses": {
                    "200": _json("EnergySeries", "The rollups in the range"),
                    **_use("BadRequest", "NotFound", *_PRIVATE, "Unavailable"),
                },
            }
        },
        "/api/v1/readings": {
            "post": {
                "operationId": "postReadings",
                "summary": "Submit a batch of readings",
                "description": "More readings than the array's maxItems: 413.",
                "parameters": [
                    {
                        "name": "backfill",
                        "in": "query",
                        "required": False,
                        "description": "true: readings as old as the daily rollups keep are "
                        "taken, flagged as backfilled",
                        "schema": {"enum": ["true", "false"], "default": "false"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": _ref("ReadingIn")}
                        }
                    },
                },
                "responses": {
                    "200": _json("IngestResult", "Every reading accepted"),
                    "207": _json("IngestResult", "Some readings accepted, the others refused"),
                    "422": _json("Error", "No reading accepted; `details` says why"),
                    **_use("BadRequest", "PayloadTooLarge", *_PRIVATE, "Unavailable"),
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "getMetrics",
                "summary": "Prometheus metrics",
                "responses": {
                    "200": {
                        "description": "Prometheus text format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **_use(*_PRIVATE),
                },
            }
        },
    }


_NAMED_AMOUNT: Schema = _object({"name": _STRING, "amount": _DECIMAL})
_COST_SCHEMAS: dict[str, Schema] = {
    "Price": _object(
        {
            "currency": _CURRENCY,
            "tariff": {**_nullable(_STRING), "description": "The active tariff; null without"},
            "current": {
                **_nullable(_DECIMAL),
                "description": "What one more kWh costs now: energy at the cycle's tier position, "
                "surcharges and taxes; null where a dynamic price is not known",
            },
            "period": _nullable(_STRING),
            "next_change": {
                **_nullable(_DATE_TIME),
                "description": "When the import period or price changes next",
            },
            "next_price": _nullable(_DECIMAL),
            "next_period": _nullable(_STRING),
            "carbon_intensity": {**_nullable(_NUMBER), "description": "kg CO2e per kWh now"},
            "export": {**_nullable(_DECIMAL), "description": "Feed-in price per kWh now"},
        }
    ),
    "CostRow": {
        "type": "object",
        "required": ["start", "energy_kwh", "cost", "carbon_kg"],
        "properties": {
            "start": _DATE_TIME,
            "device_id": {
                **_nullable(_INTEGER),
                "description": "With group=device or meter; null: the rest of the house "
                "(the mains' energy that no part of the household measures)",
            },
            "period": {**_nullable(_STRING), "description": "With group=period"},
            "energy_kwh": _NUMBER,
            "cost": _DECIMAL,
            "carbon_kg": _nullable(_NUMBER),
        },
        "additionalProperties": False,
    },
    "Costs": _object(
        {
            "currency": _CURRENCY,
            "resolution": {"enum": ["hour", "day", "month"]},
            "start": _DATE_TIME,
            "end": _DATE_TIME,
            "total": _object(
                {
                    "energy_kwh": _NUMBER,
                    "cost": _DECIMAL,
                    "carbon_kg": _nullable(_NUMBER),
                },
                "The household's (or device_id's): the rows' sum except for group=meter; a "
                "mains meter is never added to the devices it contains",
            ),
            "rows": {"type": "array", "items": _ref("CostRow")},
        }
    ),
    "Projection": _object(
        {
            "currency": _CURRENCY,
            "tariff": _STRING,
            "cycle": _object(
                {"start": _DATE, "end": _DATE}, "Local dates of the cycle, end exclusive"
            ),
            "cost_so_far": {
                **_DECIMAL,
                "description": "The cycle's bill of the energy used so far (fixed, demand, "
                "minimum and taxes included)",
            },
            "projected_total": _DECIMAL,
            "energy_so_far_kwh": _NUMBER,
            "projected_energy_kwh": _NUMBER,
            "days_elapsed": {**_INTEGER, "description": "Complete days of the cycle before today"},
            "day_of_cycle": {**_INTEGER, "description": "Today's day of the cycle, the first is 1"},
            "days_total": _INTEGER,
            "method": _STRING,
        }
    ),
    "BillCycle": _object(
        {
            "start": _DATE,
            "end": _DATE,
            "days": _INTEGER,
            "import_kwh": _DECIMAL,
            "export_kwh": _DECIMAL,
            "energy": {
                "type": "array",
                "items": _object(
                    {"period": _STRING, "tier": _INTEGER, "kwh": _DECIMAL, "cost": _DECIMAL}
                ),
            },
            "surcharges": {
                "type": "array",
                "items": _object(
                    {
                        "name": _STRING,
                        "kwh": {
                            **_DECIMAL,
                            "description": "The kWh charged: gross import, or netted (the "
                            "tariff's surcharges[].basis)",
                        },
                        "per_kwh": _DECIMAL,
                        "amount": _DECIMAL,
                    }
                ),
            },
            "demand": {
                "type": "array",
                "items": _object(
                    {
                        "name": _STRING,
                        "kw": _DECIMAL,
                        "window_start": _nullable(_DATE_TIME),
                        "days": {
                            **_INTEGER,
                            "description": "Days of the cycle charged: all, or a season's "
                            "share (cost = the kW's charge x days / the cycle's days)",
                        },
                        "cost": _DECIMAL,
                    }
                ),
            },
            "fixed": {"type": "array", "items": _NAMED_AMOUNT},
            "export_credit": _DECIMAL,
            "minimum": _DECIMAL,
            "carried_credit": {
                **_DECIMAL,
                "description": "Credit carried from the previous cycle (subtracted)",
            },
            "unused_credit": {
                **_DECIMAL,
                "description": "Credit the minimum bill left unused (added back; forfeited "
                "or carried to the next cycle)",
            },
            "taxes": {
                "type": "array",
                "items": _object(
                    {
                        "name": _STRING,
                        "base": {**_DECIMAL, "description": "The amount taxed"},
                        "percent": _DECIMAL,
                        "amount": _DECIMAL,
                    }
                ),
            },
            "carbon_kg": _nullable(_DECIMAL),
            "devices": {
                "type": "array",
                "items": _object(
                    {
                        "device": _STRING,
                        "kwh": _DECIMAL,
                        "cost": _DECIMAL,
                        "carbon_kg": _nullable(_DECIMAL),
                    }
                ),
            },
            "rounding": {
                **_DECIMAL,
                "description": "The total less the sum of the rounded lines",
            },
            "total": _DECIMAL,
        },
        "One billing cycle; amounts rounded to the cent, kWh to the Wh",
    ),
    "Bill": _object(
        {
            "tariff": _STRING,
            "currency": _CURRENCY,
            "cycles": {"type": "array", "items": _ref("BillCycle")},
            "rounding": {**_DECIMAL, "description": "The total less the cycles' totals"},
            "total": _DECIMAL,
        }
    ),
    "RangeBill": _object(
        {
            "tariff": _STRING,
            "currency": _CURRENCY,
            "start": _DATE_TIME,
            "end": _DATE_TIME,
            "cycles": {"type": "array", "items": _ref("BillCycle")},
            "rounding": {**_DECIMAL, "description": "The total less the cycles' totals"},
            "total": _DECIMAL,
        },
        "The active tariff's bill of the recorded usage in [start, end); devices stay empty",
    ),
    "CompareRequest": {
        "type": "object",
        "properties": {
            "tariff": {**_STRING, "description": "A stored tariff's name"},
            "definition": {"type": "object", "description": "A tariff in the native format"},
            "start": _DATE_TIME,
            "end": _DATE_TIME,
        },
        "oneOf": [{"required": ["tariff"]}, {"required": ["definition"]}],
        "dependentRequired": {"start": ["end"], "end": ["start"]},
        "additionalProperties": False,
        "description": "Without start and end: the active tariff's last full billing cycle",
    },
    "Comparison": _object(
        {
            "currency": _CURRENCY,
            "start": _DATE_TIME,
            "end": _DATE_TIME,
            "current": _ref("Bill"),
            "alternative": _ref("Bill"),
            "difference": {**_DECIMAL, "description": "Alternative minus current total"},
            "recorded": _object(
                {"hours": _INTEGER, "of_hours": _INTEGER},
                "Hours of the range with household energy recorded, of all its hours: both "
                "bills price only those",
            ),
        }
    ),
}


def _cost_paths() -> dict[str, Any]:
    instant = _INSTANT
    no_tariff = _json("Error", "No tariff is active, or the recorded data cannot be billed")

    def query(name: str, schema: Schema, *, required: bool = False) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": required, "schema": schema}

    return {
        "/api/v1/price": {
            "get": {
                "operationId": "getPrice",
                "summary": "The active tariff's import price now, its period and next change",
                "responses": {
                    "200": _json("Price", "Prices now; null fields without an active tariff"),
                    **_use(*_PRIVATE, "Unavailable"),
                },
            }
        },
        "/api/v1/costs": {
            "get": {
                "operationId": "getCosts",
                "summary": "Costs per hour, local day or month, by device, period or in total",
                "parameters": [
                    query("start", instant, required=True),
                    query("end", instant, required=True),
                    query("resolution", {"enum": ["hour", "day", "month"], "default": "day"}),
                    query(
                        "group",
                        {
                            "enum": ["device", "meter", "period", "total"],
                            "default": "total",
                            "description": "device: the household's parts and the rest of the "
                            "house (they add up to total); meter: every device's own rows, "
                            "overlapping (a mains meter and what it contains)",
                        },
                    ),
                    query("device_id", {"type": "integer", "minimum": 1}),
                ],
                "responses": {
                    "200": _json("Costs", "Rows whose hour or local day starts in [start, end)"),
                    **_use("BadRequest", "NotFound", *_PRIVATE, "Unavailable"),
                },
            }
        },
        "/api/v1/projection": {
            "get": {
                "operationId": "getProjection",
                "summary": "The current billing cycle's bill so far and projected to its end",
                "responses": {
                    "200": _json("Projection", "The active tariff's current cycle"),
                    "409": no_tariff,
                    **_use(*_PRIVATE, "Unavailable"),
                },
            }
        },
        "/api/v1/bill": {
            "get": {
                "operationId": "getBill",
                "summary": "The active tariff's bill of the recorded usage in a range",
                "parameters": [
                    query("start", {**instant, "description": "Default: the cycle's start"}),
                    query("end", {**instant, "description": "Default: now"}),
                ],
                "responses": {
                    "200": _json("RangeBill", "Every billing cycle the range touches"),
                    "409": no_tariff,
                    **_use("BadRequest", *_PRIVATE, "Unavailable"),
                },
            }
        },
        "/api/v1/compare": {
            "post": {
                "operationId": "compareTariffs",
                "summary": "Recorded usage priced under the active tariff and another one",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("CompareRequest")}},
                },
                "responses": {
                    "200": _json("Comparison", "Both bills and the difference"),
                    "404": _json("Error", "No such tariff"),
                    "409": no_tariff,
                    "422": _json("Error", "The definition is not a valid tariff"),
                    **_use("BadRequest", *_PRIVATE, "Unavailable"),
                },
            }
        },
    }


_FIELD_ERROR: Schema = _object(
    {
        "path": {**_STRING, "description": "The bad field, e.g. energy.periods[1].end"},
        "message": _STRING,
    }
)
_TARIFF_SCHEMAS: dict[str, Schema] = {
    "FieldError": _FIELD_ERROR,
    "TariffError": _object(
        {
            "error": _object(
                {
                    "code": {"enum": ["invalid_tariff"]},
                    "message": _STRING,
                    "details": {"type": "array", "items": _ref("FieldError")},
                }
            )
        },
        "The tariff is invalid; details name the field",
    ),
    "RecomputeStatus": _object(
        {
            "state": {"enum": ["idle", "running", "done", "failed"]},
            "tariff": _nullable(_STRING),
            "start": _nullable(_DATE_TIME),
            "hours_total": {"type": "integer", "minimum": 0},
            "hours_done": {"type": "integer", "minimum": 0},
            "progress": {"type": "number", "minimum": 0, "maximum": 1},
            "started_at": _nullable(_DATE_TIME),
            "finished_at": _nullable(_DATE_TIME),
            "error": _nullable(_STRING),
            "generation": {
                "type": "integer",
                "minimum": 0,
                "description": "Finished recomputes; re-read costs from start when it grows",
            },
        },
        "The background recompute of costs under the active tariff",
    ),
    "TariffList": _object(
        {
            "active": _nullable(_STRING),
            "tariffs": {
                "type": "array",
                "items": _object(
                    {
                        "name": _STRING,
                        "version": _INTEGER,
                        "valid_from": _DATE_TIME,
                        "valid_to": _nullable(_DATE_TIME),
                        "created_at": _DATE_TIME,
                        "active": {"type": "boolean"},
                    },
                    "The latest version of a tariff",
                ),
            },
        }
    ),
    "TariffVersions": _object(
        {
            "name": _STRING,
            "active": {"type": "boolean"},
            "versions": {
                "type": "array",
                "items": _object(
                    {
                        "id": _INTEGER,
                        "version": _INTEGER,
                        "valid_from": _DATE_TIME,
                        "valid_to": _nullable(_DATE_TIME),
                        "created_at": _DATE_TIME,
                        "definition": {"type": "object", "description": "Native definition"},
                    }
                ),
            },
        }
    ),
    "TariffInput": {
        "type": "object",
        "oneOf": [{"required": ["definition"]}, {"required": ["urdb", "timezone"]}],
        "dependentRequired": {"timezone": ["urdb"]},
        "properties": {
            "definition": {"type": "object", "description": "A native tariff definition"},
            "urdb": {"type": "object", "description": "A URDB rate (or API answer with one)"},
            "timezone": {**_STRING, "description": "The URDB utility's IANA time zone"},
        },
        "additionalProperties": False,
    },
    "TariffValid": _object(
        {
            "valid": {"const": True},
            "definition": {"type": "object"},
            "unsupported": {"type": "array", "items": _STRING},
        }
    ),
    "TariffInvalid": _object(
        {"valid": {"const": False}, "errors": {"type": "array", "items": _ref("FieldError")}}
    ),
    "TariffSave": {
        "type": "object",
        "required": ["name"],
        "oneOf": [{"required": ["definition"]}, {"required": ["urdb", "timezone"]}],
        "dependentRequired": {"timezone": ["urdb"]},
        "properties": {
            "name": {
                **_STRING,
                "pattern": "\\S",
                "description": "Replaces the definition's own name; not blank",
            },
            "definition": {"type": "object"},
            "urdb": {"type": "object"},
            "timezone": _STRING,
            "valid_from": {
                **_DATE_TIME,
                "description": "Default: the first hour with energy for a new name, else now",
            },
            "activate": {"type": "boolean", "default": False},
        },
        "additionalProperties": False,
    },
    "TariffSaved": _object(
        {
            "name": _STRING,
            "version": _INTEGER,
            "id": _INTEGER,
            "valid_from": _DATE_TIME,
            "active": {"type": "boolean"},
            "unsupported": {"type": "array", "items": _STRING},
            "recompute": _nullable(_ref("RecomputeStatus")),
        }
    ),
    "TariffActivated": _object({"active": _STRING, "recompute": _ref("RecomputeStatus")}),
    "TariffCalendar": _object(
        {
            "name": _STRING,
            "timezone": _STRING,
            "currency": _CURRENCY,
            "days": {
                "type": "array",
                "items": _object(
                    {
                        "date": _DATE,
                        "hours": {"enum": [23, 24, 25]},
                        "slots": {
                            "type": "array",
                            "items": _object(
                                {
                                    "start": _DATE_TIME,
                                    "local": {"type": "string", "pattern": r"^\d\d:\d\d$"},
                                    "minutes": {"type": "integer", "minimum": 1},
                                    "price": _nullable(_DECIMAL),
                                    "period": _nullable(_STRING),
                                    "dst": {"enum": ["normal", "repeated"]},
                                }
                            ),
                        },
                    },
                    "A local day of the tariff's zone",
                ),
            },
        }
    ),
}


def _tariff_paths() -> dict[str, Any]:
    name = {"name": "name", "in": "path", "required": True, "schema": _STRING}
    unknown = _json("Error", "No such tariff")
    invalid = _json("TariffError", "The tariff is invalid")
    read_only = _json("Error", "No tariff service runs (tariffs read-only)", _RETRY_AFTER)

    def body(schema_name: str) -> dict[str, Any]:
        return {
            "required": True,
            "content": {"application/json": {"schema": _ref(schema_name)}},
        }

    return {
        "/api/v1/tariffs": {
            "get": {
                "operationId": "listTariffs",
                "summary": "The latest version of every tariff, and the active one",
                "responses": {
                    "200": _json("TariffList", "Tariffs by name"),
                    **_use(*_PRIVATE, "Unavailable"),
                },
            },
            "post": {
                "operationId": "saveTariff",
                "summary": "Save a native or URDB tariff as its name's next version",
                "requestBody": body("TariffSave"),
                "responses": {
                    "201": _json("TariffSaved", "Saved; a recompute runs if it is active"),
                    "422": invalid,
                    "503": read_only,
                    **_use("BadRequest", *_PRIVATE),
                },
            },
        },
        "/api/v1/tariffs/validate": {
            "post": {
                "operationId": "validateTariff",
                "summary": "Check a native definition or a URDB rate without saving it",
                "requestBody": body("TariffInput"),
                "responses": {
                    "200": _json("TariffValid", "Valid; URDB fields not carried are listed"),
                    "422": _json("TariffInvalid", "Invalid; errors name the fields"),
                    **_use("BadRequest", *_PRIVATE),
                },
            }
        },
        "/api/v1/tariffs/{name}": {
            "get": {
                "operationId": "getTariff",
                "parameters": [name],
                "summary": "Every version of a tariff, oldest first",
                "responses": {
                    "200": _json("TariffVersions", "The tariff's versions"),
                    "404": unknown,
                    **_use(*_PRIVATE, "Unavailable"),
                },
            },
            "delete": {
                "operationId": "deleteTariff",
                "parameters": [name],
                "summary": "Delete every version of a tariff that is not active",
                "responses": {
                    "204": {"description": "Deleted"},
                    "404": unknown,
                    "409": _json("Error", "It is the active tariff"),
                    "503": read_only,
                    **_use(*_PRIVATE),
                },
            },
        },
        "/api/v1/tariffs/{name}/activate": {
            "post": {
                "operationId": "activateTariff",
                "parameters": [name],
                "summary": "Price energy with this tariff; recomputes every cost",
                "responses": {
                    "200": _json("TariffActivated", "Active; the recompute started"),
                    "404": unknown,
                    "503": read_only,
                    **_use(*_PRIVATE),
                },
            },
        },
        "/api/v1/tariffs/{name}/calendar": {
            "get": {
                "operationId": "getTariffCalendar",
                "summary": "Import price per slot of local days, for a heat map",
                "parameters": [
                    name,
                    {
                        "name": "start",
                        "in": "query",
                        "required": False,
                        "schema": _DATE,
                        "description": "First local day, 1970-01-02 to 2999-11-30; default "
                        "today in the tariff's zone",
                    },
                    {
                        "name": "days",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 31, "default": 7},
                    },
                ],
                "responses": {
                    "200": _json("TariffCalendar", "Slots cut at local hours and price changes"),
                    "404": unknown,
                    **_use("BadRequest", *_PRIVATE, "Unavailable"),
                },
            },
        },
        "/api/v1/recompute": {
            "get": {
                "operationId": "getRecompute",
                "summary": "The status of the background cost recompute",
                "responses": {
                    "200": _json("RecomputeStatus", "Idle, running, done or failed"),
                    **_use(*_PRIVATE),
                },
            }
        },
    }


def build_spec(version: str, max_batch_readings: int) -> dict[str, Any]:
    """Return the OpenAPI document of this engine VERSION and its batch limit."""
    schemas = copy.deepcopy({**_SCHEMAS, **_COST_SCHEMAS, **_TARIFF_SCHEMAS})
    paths = {**_paths(), **_cost_paths(), **_tariff_paths()}
    body = paths["/api/v1/readings"]["post"]["requestBody"]["content"]["application/json"]
    body["schema"]["maxItems"] = max_batch_readings
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AetherLens engine",
            "version": version,
            "description": "Household energy and cloud costs. Every route but health and this "
            "document needs `Authorization: Bearer <token>`. Errors are "
            '`{"error": {"code", "message"}}`.',
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
            "responses": _RESPONSES,
        },
    }


async def get_openapi(request: web.Request) -> web.Response:
    """Answer the OpenAPI document built when the app was."""
    return web.json_response(request.app[SPEC_KEY])
