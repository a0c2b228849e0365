"""config.yaml, translations and repository.yaml: the Supervisor's rules, and the engine."""

from __future__ import annotations

import copy
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from aetherlens_engine import __version__
from aetherlens_engine.config import DEFAULT_PORT
from aetherlens_engine.supervisor.__main__ import _parser
from aetherlens_engine.supervisor.discovery import SERVICE
from aetherlens_engine.supervisor.paths import AddonPaths

from .supervisor_rules import check_config, check_translations

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "addon"


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture
def config() -> dict[str, Any]:
    data: dict[str, Any] = _yaml(ADDON / "config.yaml")
    return data


def test_config_follows_the_supervisors_rules(config: dict[str, Any]) -> None:
    assert check_config(config) == []


def test_config_matches_the_engine(config: dict[str, Any]) -> None:
    assert config["version"] == __version__
    assert config["arch"] == ["aarch64", "amd64"]
    assert config["init"] is False
    assert config["startup"] == "services"
    assert config["discovery"] == [SERVICE]
    assert config["homeassistant_api"] is True
    assert config["ingress"] is True
    assert config["ingress_port"] == DEFAULT_PORT
    assert list(config["ports"]) == [f"{DEFAULT_PORT}/tcp"]
    # Health is the image's HEALTHCHECK (test_build_context.py), not the obsolete watchdog URL.
    assert "watchdog" not in config


# The community add-on linter (frenck/action-addon-linter): its schema's defaults (a key set to
# one is an error) and the keys it calls obsolete. Its released schema predates Supervisor
# 2026.07's app_config map (added upstream later), which the Supervisor's rules require here.
LINTER_DEFAULTS: dict[str, Any] = {
    "advanced": False, "apparmor": True, "audio": False, "auth_api": False, "backup": "hot",
    "boot": "auto", "docker_api": False, "full_access": False, "gpio": False,
    "hassio_api": False, "hassio_role": "default", "homeassistant_api": False,
    "host_network": False, "ingress": False, "ingress_port": 8099, "init": True,
    "panel_admin": True, "panel_icon": "mdi:puzzle", "stage": "stable",
    "startup": "application", "stdin": False, "timeout": 10, "uart": False, "usb": False,
}  # fmt: skip
LINTER_OBSOLETE = {"watchdog", "codenotary", "auto_uart", "advanced"}


def linter_problems(config: dict[str, Any]) -> list[str]:
    """Return what the community add-on linter reports about CONFIG (its rules, mirrored)."""
    problems = [
        f"'{key}' should be removed, it uses a default value"
        for key, default in LINTER_DEFAULTS.items()
        if key in config and config[key] == default
    ]
    problems += [f"'{key}' is obsolete" for key in sorted(LINTER_OBSOLETE & set(config))]
    if config.get("ingress") and config.get("webui"):
        problems.append("'webui' should be removed, Ingress is enabled")
    if config.get("backup", "hot") == "cold":
        problems += [f"'{k}' is not valid with cold backups" for k in ("backup_pre", "backup_post")]
    return problems


def test_config_is_clean_for_the_community_linter(config: dict[str, Any]) -> None:
    assert linter_problems(config) == []
    assert linter_problems(config | {"boot": "auto", "watchdog": "http://x"}) == [
        "'boot' should be removed, it uses a default value",
        "'watchdog' is obsolete",
    ]


def test_backup_hooks_are_commands_of_the_addon(config: dict[str, Any]) -> None:
    assert config.get("backup", "hot") == "hot"
    for hook, command in (("backup_pre", "backup"), ("backup_post", "backup-done")):
        argv = shlex.split(config[hook])
        assert argv[:3] == ["python3", "-m", "aetherlens_engine.supervisor"]
        assert _parser().parse_args(argv[3:]).command == command
    # The live cluster stays out of the archive; the dump (in backup/) goes in.
    paths = AddonPaths(Path("/data"))
    assert config["backup_exclude"] == [str(paths.cluster_dir.relative_to(paths.data))]
    assert paths.dump_file.is_relative_to(paths.data)


def test_translations_cover_every_option_and_port(config: dict[str, Any]) -> None:
    assert check_translations(_yaml(ADDON / "translations" / "en.yaml"), config) == []


def test_secrets_are_passwords(config: dict[str, Any]) -> None:
    secrets = {key for key in config["schema"] if re.search("secret|password|token", key)}
    assert secrets == {"aws_secret_access_key", "azure_client_secret"}
    assert all(config["schema"][key].startswith("password") for key in secrets)


def test_repository_and_apparmor_name_the_addon(config: dict[str, Any]) -> None:
    repository = _yaml(ROOT / "repository.yaml")
    assert set(repository) == {"name", "url", "maintainer"}
    assert config["url"].startswith(repository["url"])
    profile = (ADDON / "apparmor.txt").read_text()
    assert re.search(rf"^profile {config['slug']} flags=", profile, re.MULTILINE)


def _set(*path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        target = config
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(*path: str) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        target = config
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


MISTAKES: dict[str, Callable[[dict[str, Any]], None]] = {
    "no name": _delete("name"),
    "numeric version": _set("version", value=1.1),
    "slug": _set("slug", value="aether lens"),
    "arch": _set("arch", value=["amd64", "x86"]),
    "startup": _set("startup", value="early"),
    "port": _set("ports", value={"8787/tcp": 70000}),
    "watchdog": _set("watchdog", value="http://localhost:8787/api/v1/health"),
    "typo": _set("ingres", value=True),
    "legacy map": _set("map", value=["addon_config:rw"]),
    "option without schema": _set("options", "colour", value="blue"),
    "required option without default": _delete("options", "currency"),
    "default of the wrong type": _set("options", "retention_raw_days", value="ninety"),
    "default out of range": _set("options", "retention_raw_days", value=0),
    "default not in list": _set("options", "log_level", value="verbose"),
    "default not matching": _set("options", "currency", value="euro"),
    "unknown type": _set("schema", "currency", value="money"),
    "nested list": _set("schema", "azure_subscription_ids", value=[["str"]]),
    "budget field missing": _set(
        "options", "budgets", value=[{"name": "x", "scope": "household", "amount": 5}]
    ),
    "cold with hooks": _set("backup", value="cold"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_checker_finds_each_kind_of_mistake(config: dict[str, Any], mistake: str) -> None:
    assert check_config(config) == []
    broken = copy.deepcopy(config)
    MISTAKES[mistake](broken)
    assert check_config(broken) != []


def test_translation_checker_finds_a_missing_option(config: dict[str, Any]) -> None:
    translations = _yaml(ADDON / "translations" / "en.yaml")
    del translations["configuration"]["currency"]
    del translations["configuration"]["budgets"]["fields"]["amount"]
    translations["configuration"]["colour"] = {"name": "Colour", "description": "x"}
    problems = check_translations(translations, config)
    assert len(problems) == 3


@pytest.mark.parametrize(("name", "size"), [("icon.png", (128, 128)), ("logo.png", (250, 100))])
def test_store_images_have_the_stores_sizes(name: str, size: tuple[int, int]) -> None:
    with Image.open(ADDON / name) as image:
        assert (image.format, image.size) == ("PNG", size)
