"""Our own checker of an add-on's config.yaml and translations, after the Supervisor's rules.

Written from reading the Supervisor's add-on validation (apps/validate.py, apps/options.py): the
keys it requires, the values it accepts, and how it validates `options` against `schema`. The
Supervisor silently drops unknown keys and only warns about deprecated ones; this checker reports
both, since either means a setting that does not do what its author meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ARCHITECTURES = {"aarch64", "amd64"}
DEPRECATED_ARCHITECTURES = {"armhf", "armv7", "i386"}
STARTUP = {"initialize", "system", "services", "application", "once"}
BOOT = {"auto", "manual", "manual_only"}
STAGES = {"stable", "experimental", "deprecated"}
BACKUP_MODES = {"hot", "cold"}
MAP_TYPES = {
    "data",
    "ssl",
    "local_apps",
    "backup",
    "share",
    "media",
    "homeassistant_config",
    "all_app_configs",
    "app_config",
}
LEGACY_MAP_TYPES = {"config", "addons", "all_addon_configs", "addon_config"}
SLUG = re.compile(r"^[-_.A-Za-z0-9]+$")
PORT_KEY = re.compile(r"^\d+(?:/tcp|/udp)?$")
WATCHDOG = re.compile(r"^(?:https?|\[PROTO:\w+\]|tcp)://\[HOST\]:(\[PORT:\d+\]|\d+).*$")
WEBUI = re.compile(r"^(?:https?|\[PROTO:\w+\])://\[HOST\]:\[PORT:\d+\].*$")
MAP_ENTRY = re.compile(r"^(?P<type>[a-z_]+)(?::(?P<mode>rw|ro))?$")
SCHEMA_TYPE = re.compile(
    r"^(?:bool|email|url|port"
    r"|device(?:\(subsystem=[a-z]+\))?"
    r"|(?P<text>str|password)(?:\((?P<t_min>\d+)?,(?P<t_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?"
    r"|float(?:\((?P<f_min>-?\d*\.?\d+)?,(?P<f_max>-?\d*\.?\d+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\))"
    r"(?P<optional>\?)?$"
)
BOOLEAN_KEYS = {
    "init", "advanced", "ingress", "ingress_stream", "panel_admin", "host_network", "host_pid",
    "host_ipc", "host_uts", "host_dbus", "udev", "tmpfs", "apparmor", "full_access", "audio",
    "video", "gpio", "usb", "uart", "devicetree", "kernel_modules", "realtime", "hassio_api",
    "homeassistant_api", "stdin", "legacy", "docker_api", "auth_api", "journald",
}  # fmt: skip
STRING_KEYS = {
    "name", "description", "url", "panel_icon", "panel_title", "ingress_entry", "backup_pre",
    "backup_post", "restore_pre", "restore_post", "image", "homeassistant", "hassio_role",
}  # fmt: skip
OTHER_KEYS = {
    "version", "slug", "arch", "machine", "startup", "boot", "stage", "ports", "ports_description",
    "watchdog", "webui", "ingress_port", "devices", "map", "environment", "privileged",
    "services", "discovery", "backup_exclude", "backup", "options", "schema", "ulimits",
    "timeout", "breaking_versions",
}  # fmt: skip
KNOWN_KEYS = BOOLEAN_KEYS | STRING_KEYS | OTHER_KEYS
REQUIRED_KEYS = ("name", "version", "slug", "description", "arch")


def _is_port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def check_config(config: Mapping[str, Any]) -> list[str]:
    """Return every problem of an add-on's config.yaml (empty when it is valid)."""
    problems = [f"missing required key '{key}'" for key in REQUIRED_KEYS if key not in config]
    problems += [
        f"unknown key '{key}' (the Supervisor drops it)" for key in config if key not in KNOWN_KEYS
    ]
    problems += [
        f"'{key}' must be true or false"
        for key in BOOLEAN_KEYS & set(config)
        if not isinstance(config[key], bool)
    ]
    problems += [
        f"'{key}' must be a string"
        for key in STRING_KEYS & set(config)
        if not isinstance(config[key], str)
    ]
    if not isinstance(config.get("version"), str):
        problems.append("'version' must be a quoted string (YAML reads 1.10 as the number 1.1)")
    if not SLUG.fullmatch(str(config.get("slug", ""))):
        problems.append("'slug' may only hold letters, digits, '-', '_' and '.'")
    arch = config.get("arch")
    if not isinstance(arch, list) or not arch:
        problems.append("'arch' must be a non-empty list")
    else:
        problems += [
            f"unknown architecture '{a}'"
            for a in arch
            if a not in ARCHITECTURES | DEPRECATED_ARCHITECTURES
        ]
        problems += [
            f"deprecated architecture '{a}'" for a in arch if a in DEPRECATED_ARCHITECTURES
        ]
    for key, allowed in (
        ("startup", STARTUP),
        ("boot", BOOT),
        ("stage", STAGES),
        ("backup", BACKUP_MODES),
    ):
        if key in config and config[key] not in allowed:
            problems.append(f"'{key}' must be one of {sorted(allowed)}")
    problems += _check_network(config)
    problems += _check_map(config.get("map", []))
    if "timeout" in config and not (
        isinstance(config["timeout"], int) and 10 <= config["timeout"] <= 300
    ):
        problems.append("'timeout' must be 10 to 300 seconds")
    for key in ("discovery", "backup_exclude"):
        value = config.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"'{key}' must be a list of strings")
    if config.get("backup") == "cold" and (config.get("backup_pre") or config.get("backup_post")):
        problems.append("a cold backup runs no backup_pre/backup_post commands")
    problems += check_options(config.get("options", {}), config.get("schema", {}))
    return problems


def _check_network(config: Mapping[str, Any]) -> list[str]:
    problems = []
    ports = config.get("ports", {})
    for key, value in ports.items():
        if not PORT_KEY.fullmatch(str(key)):
            problems.append(f"port '{key}' must look like 8080/tcp")
        if value is not None and not _is_port(value):
            problems.append(f"port '{key}' maps to {value!r}, not a port number or null")
    problems += [
        f"ports_description names '{key}', which is not in ports"
        for key in config.get("ports_description", {})
        if key not in ports
    ]
    if config.get("ingress"):
        port = config.get("ingress_port", 8099)
        if not (_is_port(port) or port == 0):
            problems.append("'ingress_port' must be a port number (or 0 for a dynamic one)")
    if "watchdog" in config and not WATCHDOG.fullmatch(str(config["watchdog"])):
        problems.append("'watchdog' must look like http://[HOST]:[PORT:8080]/path")
    if "webui" in config and not WEBUI.fullmatch(str(config["webui"])):
        problems.append("'webui' must look like http://[HOST]:[PORT:8080]/")
    return problems


def _check_map(entries: Any) -> list[str]:
    problems = []
    for entry in entries:
        if isinstance(entry, dict):
            kind = entry.get("type")
        elif (match := MAP_ENTRY.fullmatch(str(entry))) is not None:
            kind = match["type"]
        else:
            problems.append(f"map entry {entry!r} is malformed (the Supervisor skips it)")
            continue
        if kind in LEGACY_MAP_TYPES:
            problems.append(f"map type '{kind}' is deprecated")
        elif kind not in MAP_TYPES:
            problems.append(f"unknown map type '{kind}'")
    return problems


def check_schema_element(element: Any, where: str) -> list[str]:
    """Return the problems of one schema element: a type, a list of one element, or a dict."""
    if isinstance(element, str):
        return [] if SCHEMA_TYPE.fullmatch(element) else [f"{where}: unknown type '{element}'"]
    if isinstance(element, list):
        if len(element) != 1:
            return [f"{where}: a list schema holds exactly one element"]
        if isinstance(element[0], list):
            return [f"{where}: a list may not directly contain another list"]
        return check_schema_element(element[0], where)
    if isinstance(element, dict):
        return [
            p for key, sub in element.items() for p in check_schema_element(sub, f"{where}.{key}")
        ]
    return [f"{where}: a schema element is a type string, a list or a mapping"]


def is_optional(element: Any) -> bool:
    """Tell whether an option of this schema element may be left out (the Supervisor's rule)."""
    if isinstance(element, list) and element:
        element = element[0]
    return isinstance(element, str) and element.endswith("?")


def check_value(element: Any, value: Any, where: str) -> list[str]:
    """Return the problems of VALUE against the schema ELEMENT."""
    if isinstance(element, list):
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [
            p
            for i, item in enumerate(value)
            for p in check_value(element[0], item, f"{where}[{i}]")
        ]
    if isinstance(element, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected a mapping"]
        problems = [f"{where}.{key}: not in the schema" for key in value if key not in element]
        problems += [
            f"{where}.{key}: missing"
            for key, sub in element.items()
            if key not in value and not is_optional(sub)
        ]
        return problems + [
            p
            for key, item in value.items()
            if key in element
            for p in check_value(element[key], item, f"{where}.{key}")
        ]
    return _check_single(str(element), value, where)


def _check_single(element: str, value: Any, where: str) -> list[str]:  # noqa: PLR0911
    match = SCHEMA_TYPE.fullmatch(element)
    if match is None:
        return [f"{where}: unknown type '{element}'"]
    if value is None:
        return [f"{where}: a value is required"]
    kind = element.split("(", maxsplit=1)[0].rstrip("?")
    if match["text"]:
        low, high = match["t_min"], match["t_max"]
        if (
            not isinstance(value, str)
            or (low and len(value) < int(low))
            or (high and len(value) > int(high))
        ):
            return [f"{where}: expected a string of the allowed length"]
        return []
    if kind in {"int", "float", "port"}:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (kind != "float" and not isinstance(value, int))
        ):
            return [f"{where}: expected a number ({kind})"]
        low, high = (
            (match["i_min"], match["i_max"]) if kind == "int" else (match["f_min"], match["f_max"])
        )
        if kind == "port":
            low, high = "1", "65535"
        if (low and value < float(low)) or (high and value > float(high)):
            return [f"{where}: {value} is out of range for {element}"]
        return []
    if kind == "bool":
        return [] if isinstance(value, bool) else [f"{where}: expected true or false"]
    if kind == "match":
        return (
            []
            if re.fullmatch(match["match"], str(value))
            else [f"{where}: {value!r} does not match {match['match']}"]
        )
    if kind == "list":
        return (
            []
            if str(value) in match["list"].split("|")
            else [f"{where}: {value!r} is not one of {match['list']}"]
        )
    return []


def check_options(options: Mapping[str, Any], schema: Mapping[str, Any] | bool) -> list[str]:
    """Return the problems of the default OPTIONS against SCHEMA, and of SCHEMA itself."""
    if schema is False:
        return []
    if not isinstance(schema, Mapping):
        return ["'schema' must be a mapping (or false)"]
    problems = [p for key, element in schema.items() for p in check_schema_element(element, key)]
    problems += [
        f"option '{key}' has no schema (the Supervisor drops it)"
        for key in options
        if key not in schema
    ]
    problems += [
        f"option '{key}' is required by the schema but has no default in 'options'"
        for key, element in schema.items()
        if key not in options and not is_optional(element)
    ]
    problems += [
        p
        for key, value in options.items()
        if key in schema
        for p in check_value(schema[key], value, key)
    ]
    return problems


def check_translations(translations: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """Return what a translation file lacks for CONFIG's options and ports (or has in excess)."""
    configuration = translations.get("configuration") or {}
    problems = _check_fields(configuration, config.get("schema") or {}, "configuration")
    network = translations.get("network") or {}
    ports = config.get("ports") or {}
    problems += [f"network: '{key}' is not translated" for key in ports if key not in network]
    problems += [
        f"network: '{key}' is not a port of the add-on" for key in network if key not in ports
    ]
    return problems


def _check_fields(fields: Mapping[str, Any], schema: Mapping[str, Any], where: str) -> list[str]:
    problems = [f"{where}: '{key}' is not an option" for key in fields if key not in schema]
    for key, element in schema.items():
        entry = fields.get(key)
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: option '{key}' is not translated")
            continue
        problems += [
            f"{where}.{key}: no {part}"
            for part in ("name", "description")
            if not isinstance(entry.get(part), str) or not entry[part].strip()
        ]
        nested = element[0] if isinstance(element, list) and element else element
        if isinstance(nested, dict):
            problems += _check_fields(entry.get("fields") or {}, nested, f"{where}.{key}.fields")
    return problems
