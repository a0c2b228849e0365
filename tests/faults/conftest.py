"""The fault suite drives real engine processes over real sockets on 127.0.0.1."""

import pytest


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """Home Assistant's test plugin blocks sockets in every test; these need them."""
