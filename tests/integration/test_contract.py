"""The integration's parsers (custom_components/aetherlens/api.py) against the engine's models.

For each answer the integration reads, samples are generated from the engine's msgspec model
(api/contract/): one with every field filled, one with every nullable field null and every
optional one left out. The integration's parser must take both, and every key it reads must be
one the model has: a field renamed, removed or made nullable on one side fails here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest

from aetherlens_engine.api.contract import costs, engine, summary
from aetherlens_engine.api.contract.base import DECIMAL_PATTERN
from custom_components.aetherlens import api as client

OPEN = "…"  # below a free-form object (JsonObject): any key


class Reads(dict[str, Any]):
    """A JSON object that records the path of every key read from it."""

    def __init__(self, data: Mapping[str, Any], path: str, seen: set[str]) -> None:
        super().__init__({key: _wrap(value, f"{path}.{key}", seen) for key, value in data.items()})
        self._path, self._seen = path, seen

    def _read(self, key: object) -> None:
        self._seen.add(f"{self._path}.{key}")

    def __getitem__(self, key: str) -> Any:
        self._read(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._read(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._read(key)
        return super().__contains__(key)


def _wrap(value: Any, path: str, seen: set[str]) -> Any:
    if isinstance(value, dict):
        return Reads(value, path, seen)
    if isinstance(value, list):
        return [_wrap(item, f"{path}[]", seen) for item in value]
    return value


def _text(kind: mi.StrType, schema: Mapping[str, Any]) -> str:
    if kind.pattern == DECIMAL_PATTERN:
        return "12.5"
    if kind.pattern == "^[A-Z]{3}$":
        return "EUR"
    return {"date-time": "2026-03-29T10:30:00+02:00", "date": "2026-03-29"}.get(
        schema.get("format", ""), "text"
    )


def _struct(
    kind: mi.StructType | mi.DataclassType, path: str, paths: set[str], *, nulls: bool
) -> dict[str, Any]:
    """Return a sample of the struct KIND: every field, or (NULLS) nulls and no optional one."""
    sample: dict[str, Any] = {}
    for field in kind.fields:
        name = field.encode_name
        paths.add(f"{path}.{name}")
        types = field.type.types if isinstance(field.type, mi.UnionType) else (field.type,)
        if nulls and not field.required:  # may be absent (UNSET or a default)
            continue
        if nulls and any(isinstance(t, mi.NoneType) for t in types):
            sample[name] = None
            continue
        chosen = next(t for t in types if not isinstance(t, mi.NoneType))
        sample[name] = _sample(chosen, f"{path}.{name}", paths, nulls=nulls)
    return sample


def _sample(kind: mi.Type, path: str, paths: set[str], *, nulls: bool) -> Any:  # noqa: PLR0911 - one per kind
    """Return a value of KIND; collect into PATHS the keys the model allows below PATH."""
    if isinstance(kind, mi.Metadata):
        if isinstance(kind.type, mi.StrType):
            return _text(kind.type, kind.extra_json_schema or {})
        return _sample(kind.type, path, paths, nulls=nulls)
    if isinstance(kind, mi.StructType | mi.DataclassType):
        return _struct(kind, path, paths, nulls=nulls)
    if isinstance(kind, mi.UnionType):
        chosen = next(t for t in kind.types if not isinstance(t, mi.NoneType))
        return _sample(chosen, path, paths, nulls=nulls)
    if isinstance(kind, mi.ListType):
        return [_sample(kind.item_type, f"{path}[]", paths, nulls=nulls)]
    if isinstance(kind, mi.DictType):
        if isinstance(kind.value_type, mi.AnyType):
            paths.add(f"{path}.{OPEN}")
            return {}
        paths.add(f"{path}.*")
        return {"name": _sample(kind.value_type, f"{path}.*", paths, nulls=nulls)}
    if isinstance(kind, mi.LiteralType):
        return kind.values[0]
    if isinstance(kind, mi.EnumType):
        return next(iter(kind.cls)).value
    if isinstance(kind, mi.IntType | mi.FloatType):
        number = 3 if isinstance(kind, mi.IntType) else 0.5
        return number if kind.le is None else min(number, kind.le)
    if isinstance(kind, mi.BoolType):
        return True
    assert isinstance(kind, mi.StrType), kind
    return _text(kind, {})


def _allowed(path: str, paths: set[str]) -> bool:
    """Tell whether the model has the key PATH (a dict's keys are `*`, free objects `…`)."""
    parts = path.split(".")
    candidates = {path}
    # Free objects, also below a dict's keys (`$.plugins.*.…`): any key is the model's.
    opens = [allowed.removesuffix(f".{OPEN}") for allowed in paths if allowed.endswith(f".{OPEN}")]
    for index in range(1, len(parts)):
        head = ".".join(parts[:index])
        candidates |= {f"{head}.*" + "".join(f".{p}" for p in parts[index + 1 :])}
        if any(_matches(head, free) for free in opens):
            return True
    return any(candidate in paths for candidate in candidates) or any(
        _matches(path, allowed) for allowed in paths
    )


def _matches(path: str, allowed: str) -> bool:
    got, want = path.split("."), allowed.split(".")
    return len(got) == len(want) and all(w in ("*", g) for g, w in zip(got, want, strict=True))


PARSERS: list[tuple[str, Callable[[Mapping[str, Any]], Any], Any]] = [
    ("health", client.EngineHealth.from_json, engine.Health),
    ("summary", client.Summary.from_json, summary.Summary),
    ("costs", client.CostReport.from_json, costs.Costs),
    ("bill", client.Bill.from_json, costs.RangeBill),
    ("compare", client.Comparison.from_json, costs.Comparison),
    ("energy", client._energy_points, engine.EnergySeries),  # the series' parser
    ("devices", client.device_names, engine.DeviceList),
]


def _samples(model: Any) -> Iterator[tuple[str, dict[str, Any], set[str]]]:
    for nulls in (False, True):
        paths: set[str] = set()
        sample = _sample(mi.type_info(model), "$", paths, nulls=nulls)
        msgspec.convert(sample, model)  # a valid answer of the model
        yield ("nulls" if nulls else "full"), sample, paths


@pytest.mark.parametrize(("answer", "parse", "model"), PARSERS, ids=[p[0] for p in PARSERS])
def test_the_integration_reads_what_the_model_says(
    answer: str, parse: Callable[[Mapping[str, Any]], Any], model: Any
) -> None:
    for variant, sample, paths in _samples(model):
        seen: set[str] = set()
        parse(Reads(sample, "$", seen))  # raises where the parser and the model disagree
        unknown = sorted(path for path in seen if not _allowed(path, paths))
        assert unknown == [], f"{answer} ({variant}): the model has no {unknown}"


def test_a_key_the_model_lacks_is_caught() -> None:
    paths: set[str] = set()
    sample = _sample(mi.type_info(costs.CostTotal), "$", paths, nulls=False)
    seen: set[str] = set()
    Reads(sample, "$", seen).get("cost_so_far")
    assert not _allowed(next(iter(seen)), paths)
    assert _allowed("$.cost", paths)
