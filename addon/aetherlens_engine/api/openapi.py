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
    "Health": _object(
        {
            "status": {"enum": ["ok", "degraded"]},
            "version": _STRING,
            "instance_id": _STRING,
            "database": _object(
                {
                    "status": {"enum": ["ok", "unavailable", "not_configured"]},
                    "timescaledb": _nullable(_STRING),
                    "schema_version": _nullable(_INTEGER),
                }
            ),
            "collectors": {"type": "object", "additionalProperties": {"type": "object"}},
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
                    },
                    "Counts of readings since the engine started; null without ingestion",
                )
            ),
        }
    ),
    "SummaryDevice": _object(
        {
            "id": _INTEGER,
            "source": _STRING,
            "source_id": _STRING,
            "name": _STRING,
            "kind": {"enum": ["meter", "appliance", "grid", "solar", "battery"]},
            "unit": _nullable(_STRING),
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
            "month_to_date": _nullable(_DECIMAL),
            "forecast": _nullable(_DECIMAL),
            "estimated": _nullable({"type": "boolean"}),
            "fetched_at": _nullable(_DATE_TIME),
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
                "description": "Null for billing cycles, and for energy costs without a tariff "
                "or in another currency than the engine's",
            },
        }
    ),
    "Summary": _object(
        {
            "engine": _object({"version": _STRING, "instance_id": _STRING, "time": _DATE_TIME}),
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
                },
                "Devices of kind grid and meter; appliances where there is neither",
            ),
            "price": _object(
                {"current": _nullable(_DECIMAL), "period": _nullable(_STRING)},
                "Price per kWh now and its time-of-use period; null until a tariff prices it",
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
            "device_id": {"type": "integer", "minimum": 1},
            "time": {**_DATE_TIME, "description": "With a UTC offset"},
            "value": _NUMBER,
            "unit": {
                **_nullable(_STRING),
                "description": "The value's unit; omitted or null: the device's unit",
            },
        },
        "additionalProperties": False,
    },
    "IngestResult": _object(
        {
            "accepted": {"type": "integer", "minimum": 0},
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
    instant = {"type": "string", "format": "date-time"}
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
                        "schema": {"type": "integer", "minimum": 1},
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


def build_spec(version: str, max_batch_readings: int) -> dict[str, Any]:
    """Return the OpenAPI document of this engine VERSION and its batch limit."""
    schemas = copy.deepcopy(_SCHEMAS)
    paths = _paths()
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
