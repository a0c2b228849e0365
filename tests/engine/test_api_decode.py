"""Queries and bodies are decoded by the models the document states: its bounds are the API's.

For every documented query parameter with a range or choices, the value just outside is
refused by the route's model and the one at the bound taken; the body rules the document
states (`oneOf`, `dependentRequired`) are the models' own checks.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from aetherlens_engine.api.contract.costs import CompareRequest
from aetherlens_engine.api.contract.operations import OPERATIONS
from aetherlens_engine.api.contract.tariffs import TariffInput, TariffSave
from aetherlens_engine.api.decode import field_message
from aetherlens_engine.api.openapi import build_spec

SPEC = build_spec("test", 10)
_FILLERS = {"date-time": "2026-03-01T00:00:00Z", "date": "2026-03-01"}


def _queries() -> list[tuple[str, Any, list[dict[str, Any]]]]:
    found = []
    for operation in OPERATIONS:
        if operation.query is not None:
            described = SPEC["paths"][operation.path][operation.method]["parameters"]
            query = [p for p in described if p["in"] == "query"]
            found.append((operation.operation_id, operation.query, query))
    return found


def _required(params: list[dict[str, Any]]) -> dict[str, str]:
    return {p["name"]: _FILLERS[p["schema"]["format"]] for p in params if p["required"]}


@pytest.mark.parametrize(("operation", "model", "params"), _queries())
def test_documented_query_bounds_are_enforced(
    operation: str, model: Any, params: list[dict[str, Any]]
) -> None:
    assert {p["name"] for p in params} == {f.encode_name for f in msgspec.structs.fields(model)}
    base = _required(params)
    msgspec.convert(base, model, strict=False)  # the required parameters alone do
    for param in params:
        name, schema = param["name"], param["schema"]
        inside: list[str] = [str(v) for v in schema.get("enum", ())]
        outside: list[str] = ["not-one-of-them"] if "enum" in schema else []
        if "maximum" in schema:
            inside.append(str(schema["maximum"]))
            outside.append(str(schema["maximum"] + 1))
        if "minimum" in schema:
            inside.append(str(schema["minimum"]))
            outside.append(str(schema["minimum"] - 1))
        for value in inside:
            msgspec.convert({**base, name: value}, model, strict=False)
        for value in outside:
            with pytest.raises(msgspec.ValidationError) as refused:
                msgspec.convert({**base, name: value}, model, strict=False)
            assert field_message(refused.value, model).startswith(f"{name}: "), operation
    missing = next(iter(base), None)
    if missing is not None:
        with pytest.raises(msgspec.ValidationError) as refused:
            msgspec.convert({k: v for k, v in base.items() if k != missing}, model)
        assert field_message(refused.value, model) == f"{missing}: missing; required"


TARIFF = {"name": "flat", "currency": "EUR", "timezone": "UTC", "energy": {"price": 1}}


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (CompareRequest, {}, "tariff"),
        (CompareRequest, {"tariff": "a", "definition": TARIFF}, "tariff"),
        (CompareRequest, {"tariff": "a", "end": "2026-03-01T00:00:00Z"}, "start"),
        (CompareRequest, {"tariff": "a", "colour": "red"}, "colour"),
        (TariffInput, {}, "definition"),
        (TariffInput, {"definition": TARIFF, "urdb": {}}, "definition"),
        (TariffInput, {"definition": TARIFF, "timezone": "UTC"}, "timezone"),
        (TariffInput, {"urdb": {}}, "timezone"),
        (TariffSave, {"definition": TARIFF}, "name"),
        (TariffSave, {"name": " ", "definition": TARIFF}, "name"),
        (TariffSave, {"name": "a", "definition": TARIFF, "activate": "yes"}, "activate"),
    ],
)
def test_body_rules_of_the_document_are_the_models(
    model: Any, body: dict[str, Any], field: str
) -> None:
    with pytest.raises(msgspec.ValidationError) as refused:
        msgspec.convert(body, model)
    assert field_message(refused.value, model).startswith(f"{field}: ")
    assert "oneOf" in SPEC["components"]["schemas"][model.__name__]


def test_an_index_is_named() -> None:
    with pytest.raises(msgspec.ValidationError) as refused:
        msgspec.convert([{"tariff": "a"}, {"tariff": 3}], list[CompareRequest])
    assert field_message(refused.value, None) == "[1].tariff: expected `str`, got `int`"
