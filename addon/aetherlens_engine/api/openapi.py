"""The API's OpenAPI 3.1 description, built from the models and the operations.

Served at `GET /api/v1/openapi.json` (public). The schemas come from the models' types
(`msgspec.json.schema_components`), everything else from `contract.operations`: nothing here
describes a route or a field by hand.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from .contract.operations import (
    HEADERS,
    OPERATIONS,
    SCHEMA_RULES,
    SHARED,
    Operation,
    Param,
    Reply,
    Schema,
)

SPEC_KEY = web.AppKey("openapi", bytes)
_REF = "#/components/schemas/{name}"


def _models() -> list[Any]:
    found = [reply.model for _, reply in SHARED.values()]
    for operation in OPERATIONS:
        found += [r.model for r in operation.answers.values() if isinstance(r, Reply)]
        if operation.body is not None:
            found.append(operation.body.model)
        if operation.query is not None:
            found.append(operation.query)
    return [model for model in dict.fromkeys(found) if model is not None]


_MODELS = _models()
_SCHEMAS, _COMPONENTS = msgspec.json.schema_components(_MODELS, ref_template=_REF)
_SCHEMA_OF = dict(zip(_MODELS, _SCHEMAS, strict=True))
# A query model is no schema of its own: its fields are the operation's parameters.
_QUERIES = {operation.query.__name__ for operation in OPERATIONS if operation.query is not None}


def _reply(reply: Reply) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": reply.description}
    schema = _SCHEMA_OF[reply.model] if reply.model is not None else reply.schema
    if schema is not None:
        answer["content"] = {reply.content_type: {"schema": schema}}
    if reply.headers:
        answer["headers"] = {name: HEADERS[name] for name in reply.headers}
    return answer


def _param(param: Param) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": param.name,
        "in": param.where,
        "required": param.required,
        "schema": param.schema,
    }
    if param.description:
        described["description"] = param.description
    return described


def _query(model: Any) -> list[dict[str, Any]]:
    """Describe MODEL's fields as query parameters."""
    schema = _COMPONENTS[model.__name__]
    required = set(schema.get("required", ()))
    described = []
    for name, shown in schema["properties"].items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        field = dict(shown)
        if "description" in field:
            param["description"] = field.pop("description")
        described.append({**param, "schema": field})
    return described


def _operation(operation: Operation, max_batch_readings: int) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
    }
    if operation.description:
        described["description"] = operation.description
    if operation.public:
        described["security"] = []
    parameters = [_param(param) for param in operation.params]
    if operation.query is not None:
        parameters += _query(operation.query)
    if parameters:
        described["parameters"] = parameters
    if operation.body is not None:
        schema: Schema = dict(_SCHEMA_OF[operation.body.model])
        if schema.get("type") == "array":  # a batch: its size is the engine's limit
            schema["maxItems"] = max_batch_readings
        content: dict[str, Any] = {"schema": schema}
        if operation.body.examples:
            content["examples"] = {
                name: {"value": value} for name, value in operation.body.examples.items()
            }
        described["requestBody"] = {"required": True, "content": {"application/json": content}}
    described["responses"] = {
        str(status): (
            {"$ref": f"#/components/responses/{answer}"}
            if isinstance(answer, str)
            else _reply(answer)
        )
        for status, answer in sorted(operation.answers.items())
    }
    return described


def build_spec(version: str, max_batch_readings: int) -> dict[str, Any]:
    """Return the OpenAPI document of this engine VERSION and its batch limit."""
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method] = _operation(
            operation, max_batch_readings
        )
    schemas = {
        name: {**schema, **SCHEMA_RULES.get(name, {})}
        for name, schema in _COMPONENTS.items()
        if name not in _QUERIES
    }
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
            "responses": {name: _reply(reply) for name, (_, reply) in SHARED.items()},
        },
    }


async def get_openapi(request: web.Request) -> web.Response:
    """Answer the OpenAPI document built when the app was."""
    return web.Response(body=request.app[SPEC_KEY], content_type="application/json")
