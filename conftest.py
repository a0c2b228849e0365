"""Test suite root.

Home Assistant's test plugin puts its own testing config directory, with a `custom_components`
package of its own, on sys.path; importing ours first keeps `custom_components.aetherlens` ours.
"""

import pytest

import custom_components.aetherlens  # noqa: F401

# The plugin SDK's pytest plugin, as plugins' tests use it (tests/engine/test_plugin_testing.py).
pytest_plugins = ["aetherlens_engine.testing", "tests.postgres"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--screenshots`: the end-to-end tests save their screenshots into docs/screenshots/."""
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="save the end-to-end tests' screenshots into docs/screenshots/ (the README's)",
    )
