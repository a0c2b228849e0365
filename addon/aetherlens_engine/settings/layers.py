"""Saved settings over the configuration's options: the file seeds, a saved setting wins.

A saved setting is one whole option (`currency`, `timezone`, `retention`, `homeassistant`) as
the configuration takes it, and the layered options go through the configuration's own schema
(`config.validate_options`), so a setting is checked by one set of rules wherever it comes from.
A collector instance saved without a token keeps the one it had under the same name, but only
for the same url: a token is never handed to another host.

Retention and an instance's include/exclude apply while the engine runs; the rest (currency,
timezone, an instance added, removed or pointed elsewhere) from the next start.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from aetherlens_engine.config import EngineConfig, validate_options

SettingKey = Literal["currency", "timezone", "retention", "homeassistant"]
SETTING_KEYS: tuple[SettingKey, ...] = ("currency", "timezone", "retention", "homeassistant")


def _instances(known: Sequence[Any], given: Sequence[Any]) -> list[Any]:
    """Return GIVEN's instances over KNOWN's of the same name (a token only for its url)."""
    by_name = {i["name"]: i for i in known if isinstance(i, Mapping) and "name" in i}
    layered: list[Any] = []
    for item in given:
        base = by_name.get(item.get("name")) if isinstance(item, Mapping) else None
        if base is None:
            layered.append(item)
            continue
        merged = {**base, **item}
        if "token" not in item and item.get("url", base.get("url")) != base.get("url"):
            merged.pop("token", None)
        layered.append(merged)
    return layered


def layer(options: Mapping[str, Any], saved: Mapping[str, Any]) -> dict[str, Any]:
    """Return OPTIONS with the SAVED settings over them (the options' other keys kept)."""
    layered = dict(options)
    for key, value in saved.items():
        if key == "homeassistant" and isinstance(value, list):
            layered[key] = _instances(options.get(key) or [], value)
        elif key == "retention" and isinstance(value, Mapping):
            layered[key] = {**(options.get(key) or {}), **value}
        else:
            layered[key] = value
    return layered


def with_tokens(saved: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Return GIVEN settings whose instances keep the tokens SAVED has for them (same url)."""
    instances = given.get("homeassistant")
    if not isinstance(instances, list):
        return dict(given)
    kept = _instances(saved.get("homeassistant") or [], instances)
    return {**given, "homeassistant": kept}


def effective(config: EngineConfig, saved: Mapping[str, Any]) -> EngineConfig:
    """Return CONFIG with SAVED over it, validated (an `OptionError` names the bad option)."""
    return validate_options(layer(config.options, saved))


def differing(seed: EngineConfig, layered: EngineConfig) -> set[str]:
    """Return the setting keys whose value in LAYERED is not SEED's (what must be saved)."""
    return {key for key in SETTING_KEYS if getattr(seed, key) != getattr(layered, key)}


def applied_live(running: EngineConfig, layered: EngineConfig) -> EngineConfig:
    """Return RUNNING with what applies at once taken from LAYERED: retention, include/exclude."""
    wanted = {instance.name: instance for instance in layered.homeassistant}
    instances = tuple(
        dataclasses.replace(instance, include=found.include, exclude=found.exclude)
        if (found := wanted.get(instance.name)) is not None
        else instance
        for instance in running.homeassistant
    )
    return dataclasses.replace(running, retention=layered.retention, homeassistant=instances)


def restart_required(running: EngineConfig, layered: EngineConfig) -> list[str]:
    """Return the settings LAYERED has that RUNNING applies only after a restart, by path.

    `homeassistant[i]` is an instance added or changed beyond include/exclude; `homeassistant`
    alone, one removed.
    """
    pending = [
        key for key in ("currency", "timezone") if getattr(running, key) != getattr(layered, key)
    ]
    live = applied_live(running, layered)
    running_by_name = {instance.name: instance for instance in live.homeassistant}
    for index, instance in enumerate(layered.homeassistant):
        if running_by_name.get(instance.name) != instance:
            pending.append(f"homeassistant[{index}]")
    if set(running_by_name) - {instance.name for instance in layered.homeassistant}:
        pending.append("homeassistant")
    return pending
