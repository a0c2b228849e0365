"""Requests decoded by their models: a query string or a JSON body into its msgspec struct.

The models are those the OpenAPI document is generated from, so the types, ranges, choices and
required fields it states are the ones enforced here. A refusal is a 400 whose message starts
with the field (`days: expected int <= 31`, `definition.energy: ...`, `colour: unknown field`).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, get_args, get_origin

import msgspec
from aiohttp import web

from .contract.base import DECIMAL_PATTERN
from .errors import ApiError
from .params import MAX_DEVICE_ID
from .ranges import bad_parameter
from .text import check_json

# msgspec's "<what> - at `$.path`"; a model's own check (`__post_init__`) names its field itself.
_AT = re.compile(r"(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?", re.DOTALL)
_FIELD = re.compile(r"Object (?P<what>contains unknown|missing required) field `(?P<name>[^`]+)`")
_ENUM = re.compile(r"Invalid enum value (?P<value>.+)")
# An exact decimal's pattern, as msgspec quotes it in the message.
_DECIMAL = f"Expected `str` matching regex {DECIMAL_PATTERN!r}"


def _literals(kind: Any) -> list[str]:
    """Return the values of the Literal KIND, in the order written (through Annotated, unions)."""
    origin = get_origin(kind)
    if origin is Literal:
        return [str(value) for value in get_args(kind)]
    if origin is Annotated:
        return _literals(get_args(kind)[0])
    return [value for arg in get_args(kind) for value in _literals(arg)]


def _choices(model: Any, name: str) -> list[str]:
    """Return the values a Literal field NAME of MODEL may take (none for other fields)."""
    for field in msgspec.structs.fields(model):
        if field.encode_name == name:
            return _literals(field.type)
    return []


def field_message(err: msgspec.ValidationError, model: Any) -> str:
    """Return ERR as `field: what is wrong`, the field as a path (`[0].unit`, `a.b`)."""
    found = _AT.fullmatch(str(err))
    message, path = (found["message"], found["path"] or "") if found else (str(err), "")
    path = path.removeprefix(".")
    if field := _FIELD.fullmatch(message):
        path = f"{path}.{field['name']}" if path else field["name"]
        message = "unknown field" if field["what"] == "contains unknown" else "missing; required"
    elif enum := _ENUM.fullmatch(message):
        message = f"{enum['value']} is not one of {', '.join(_choices(model, path))}"
    elif message == _DECIMAL:
        message = "expected an exact decimal like 12.50 (digits, a dot before the decimals)"
    elif not path:
        return message
    else:
        message = message[0].lower() + message[1:]
    return f"{path}: {message}"


def path_id(request: web.Request, name: str, what: str) -> int:
    """Return the id in REQUEST's path parameter NAME: 400 unless digits, 404 out of range.

    WHAT names the thing (`device`): the 404's code is `unknown_<what>`. Ids are PostgreSQL
    integers, as MAX_DEVICE_ID bounds them.
    """
    text = request.match_info[name]
    if not text.isascii() or not text.isdigit():
        raise bad_parameter(name, f"{text!r} is not a {what} id (a positive integer)")
    # Bounded before int(): very long digit strings are refused by int() itself.
    if len(text.lstrip("0")) > len(str(MAX_DEVICE_ID)) or not 1 <= int(text) <= MAX_DEVICE_ID:
        raise ApiError(404, f"unknown_{what}", f"there is no {what} {text}")
    return int(text)


def query_of[T](request: web.Request, model: type[T]) -> T:
    """Decode REQUEST's query string into MODEL (text converted to its fields' types)."""
    try:
        return msgspec.convert(dict(request.query), model, strict=False)
    except msgspec.ValidationError as err:
        raise ApiError(400, "invalid_parameter", field_message(err, model)) from err


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


async def json_of(request: web.Request) -> Any:
    """Return REQUEST's JSON body; 400 unless it is JSON that PostgreSQL could store."""
    try:
        value = json.loads(await request.read(), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as err:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {err}") from err
    check_json(value)  # no U+0000 or lone surrogate: PostgreSQL could not take them
    return value


async def body_of[T](request: web.Request, model: type[T]) -> T:
    """Decode REQUEST's JSON body into MODEL, strictly (no text for a number)."""
    value = await json_of(request)
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    try:
        return msgspec.convert(value, model)
    except msgspec.ValidationError as err:
        raise ApiError(400, "invalid_body", field_message(err, model)) from err
