"""Ingress: the engine trusts the Supervisor's proxy address, and only it, with the prefix header.

The Supervisor's proxy reaches the add-on from 172.30.32.2 on the add-on network. Here the
container gets a network namespace of its own in which that address exists (on the loopback
interface), so requests really come from it; others come from 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import make_container
from .container import IP, AddonContainer, start_addon

PROXY = "172.30.32.2"
PREFIX = "/api/hassio_ingress/Fq1xWsbX9-token_of-the-panel"


@pytest.fixture
def netns() -> Iterator[str]:
    """Return a network namespace with loopback up and the Supervisor's proxy address on it."""
    name = f"aetherlens-{uuid.uuid4().hex[:8]}"
    subprocess.run([IP, "netns", "add", name], check=True)
    try:
        for command in (
            [IP, "link", "set", "lo", "up"],
            [IP, "addr", "add", f"{PROXY}/32", "dev", "lo"],
        ):
            subprocess.run([IP, "netns", "exec", name, *command], check=True)
        yield name
    finally:
        subprocess.run([IP, "netns", "delete", name], check=False)


async def test_only_the_supervisors_proxy_gets_ingress(
    image: str, addon_root: Path, api_port: int, containers: list[AddonContainer], netns: str
) -> None:
    container = make_container(image, addon_root, api_port, "http://127.0.0.1:9")
    container.netns = netns
    containers.append(container)
    addon = await asyncio.to_thread(start_addon, container, api_port)
    summary = f"{addon.url}/api/v1/summary"
    ingress = {"X-Ingress-Path": PREFIX}
    through_proxy = container.get(summary, source=PROXY, headers=ingress)
    proxy_without_prefix = container.get(summary, source=PROXY)
    other_with_prefix = container.get(summary, source="127.0.0.1", headers=ingress)
    page_through_proxy = container.get(f"{addon.url}/", source=PROXY, headers=ingress)
    page_elsewhere = container.get(f"{addon.url}/", source="127.0.0.1", headers=ingress)
    await asyncio.to_thread(addon.stop)

    assert through_proxy[0] == 200
    assert json.loads(through_proxy[1])["currency"] == "EUR"
    assert proxy_without_prefix[0] == 401
    assert other_with_prefix[0] == 401
    assert page_through_proxy[0] == 200
    assert f'<base href="{PREFIX}/">' in page_through_proxy[1]
    assert 'content="ingress"' in page_through_proxy[1]
    # As an add-on the page opens from the sidebar only.
    assert page_elsewhere[0] == 403
    assert json.loads(page_elsewhere[1])["error"]["code"] == "ingress_only"
