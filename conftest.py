"""Test suite root.

Home Assistant's test plugin puts its own testing config directory, with a `custom_components`
package of its own, on sys.path; importing ours first keeps `custom_components.aetherlens` ours.
"""

import custom_components.aetherlens  # noqa: F401

pytest_plugins = ["tests.postgres"]
