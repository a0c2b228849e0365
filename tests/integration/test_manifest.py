"""manifest.json, hacs.json and quality_scale.yaml hold what hassfest, HACS and HA accept."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_type_hints

import homeassistant
import yaml
from awesomeversion import AwesomeVersion
from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.const import __version__ as ha_version
from homeassistant.loader import Manifest

from custom_components.aetherlens.binary_sensor import OVER_BUDGET, PEAK_PERIOD
from custom_components.aetherlens.config_flow import (
    CONF_BUDGET_ENTITIES,
    NOTIFY_SCHEMA,
    OPTIONS_SCHEMA,
)
from custom_components.aetherlens.notifications import MESSAGE_KEYS, TITLE_KEY
from custom_components.aetherlens.sensor import (
    BUDGET_SENSOR,
    CLOUD_SENSORS,
    COMMODITY_SENSORS,
    CONNECTION_SENSORS,
    DEMAND_SENSORS,
    DEVICE_SENSORS,
    HOUSEHOLD_SENSORS,
    PRICE_PERIOD_SENSOR,
    TOTAL_SPEND_SENSORS,
    usage_sensors,
)

ROOT = Path(__file__).parents[2]
COMPONENT = ROOT / "custom_components" / "aetherlens"
# hassfest's values (script/hassfest/manifest.py), which HA's package does not ship.
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
CUSTOM_REQUIRED = {
    "domain",
    "name",
    "codeowners",
    "documentation",
    "issue_tracker",
    "version",
    "integration_type",
    "iot_class",
    "config_flow",
}
# HACS's hacs.json schema (hacs/integration, validate/schema.py).
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_manifest() -> None:
    """Only keys HA knows, every key a custom integration needs, values of the right form."""
    manifest = _json(COMPONENT / "manifest.json")
    known = set(get_type_hints(Manifest)) - {"is_built_in", "overwrites_built_in"}
    assert set(manifest) <= known
    assert set(manifest) >= CUSTOM_REQUIRED
    assert manifest["domain"] == COMPONENT.name
    assert AwesomeVersion(manifest["version"]).valid
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["config_flow"] is True
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    assert manifest["requirements"] == []  # nothing to install beyond Home Assistant
    # Core keys only: sorted after domain and name, as hassfest demands.
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_hacs() -> None:
    """hacs.json has HACS's keys and a minimum HA version this HA satisfies."""
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"]
    assert AwesomeVersion(ha_version) >= AwesomeVersion(hacs["homeassistant"])


def test_quality_scale() -> None:
    """Every rule HA's own platinum integrations list is here, done or exempt (saying why)."""
    reference_file = Path(homeassistant.__file__).parent / "components/peblar/quality_scale.yaml"
    reference = yaml.safe_load(reference_file.read_text(encoding="utf-8"))["rules"]
    rules = yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text(encoding="utf-8"))["rules"]
    assert set(rules) == set(reference)
    for name, rule in rules.items():
        if rule != "done":
            # A done rule may say how; an exemption must say why.
            assert rule["status"] in {"done", "exempt"}, name
            assert rule["comment"], name


def test_translations_cover_the_flows_and_entities() -> None:
    """Every string the code refers to is translated; icons exist for translated entities."""
    strings = _json(COMPONENT / "translations" / "en.json")
    icons = _json(COMPONENT / "icons.json")
    steps = strings["config"]["step"]
    assert set(steps) == {"user", "hassio_confirm", "reauth_confirm", "reconfigure"}
    descriptions: list[SensorEntityDescription] = [
        *HOUSEHOLD_SENSORS,
        *DEVICE_SENSORS,
        *CLOUD_SENSORS,
        BUDGET_SENSOR,
        PRICE_PERIOD_SENSOR,
        *TOTAL_SPEND_SENSORS,
        *(d for commodity in COMMODITY_SENSORS.values() for d in commodity),
        *usage_sensors("gas", "m³"),
        *usage_sensors("water", "m³"),
        *DEMAND_SENSORS,
        *CONNECTION_SENSORS,
    ]
    keys = {description.translation_key for description in descriptions}
    assert keys == set(strings["entity"]["sensor"])
    assert set(icons["entity"]["sensor"]) <= keys
    binary = {OVER_BUDGET.translation_key, PEAK_PERIOD.translation_key}
    assert set(strings["entity"]["binary_sensor"]) == binary
    assert set(icons["entity"]["binary_sensor"]) == binary
    # Every translation key the code raises or files an issue with (entities aside), no other.
    source = "\n".join(
        (COMPONENT / name).read_text(encoding="utf-8")
        for name in ("__init__.py", "coordinator.py", "repairs.py", "services.py")
    )
    raised = set(re.findall(r'translation_key="(\w+)"', source))
    assert raised == set(strings["exceptions"]) | set(strings["issues"])
    assert not set(strings["exceptions"]) & set(strings["issues"])
    # The budget notifications' texts: a title, a message per budget period.
    assert set(strings["common"]) == {TITLE_KEY, *MESSAGE_KEYS.values()}
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text(encoding="utf-8"))
    assert set(services) == set(strings["services"]) == set(icons["services"])
    for name, service in services.items():
        assert set(service["fields"]) == set(strings["services"][name]["fields"]), name
        for field in service["fields"].values():
            if key := field["selector"].get("select", {}).get("translation_key"):
                options = field["selector"]["select"]["options"]
                assert set(strings["selector"][key]["options"]) == set(options)
    options = strings["options"]["step"]["init"]
    assert (
        set(options["data"])
        == set(options["data_description"])
        == {str(key) for key in (*OPTIONS_SCHEMA.schema, *NOTIFY_SCHEMA.schema)}
        | {CONF_BUDGET_ENTITIES}
    )
    assert (COMPONENT / "brand" / "icon.png").read_bytes().startswith(b"\x89PNG")
