"""Who counts as Home Assistant's ingress proxy.

As an add-on, the engine sits behind the Supervisor, which authenticates the Home Assistant user
and proxies the panel's requests from 172.30.32.2, adding `X-Ingress-Path` (the URL prefix the
browser sees). A request is an ingress request only when both hold: it comes from that address
(the transport peer, never a forwarded-for header) and carries a well-formed prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address

from aiohttp import web

INGRESS_PROXY = ip_address("172.30.32.2")
INGRESS_PATH_HEADER = "X-Ingress-Path"
# The Supervisor's prefix: /api/hassio_ingress/<URL-safe token>.
_PREFIX = re.compile(r"/api/hassio_ingress/[A-Za-z0-9_-]+")


def ingress_prefix(request: web.Request) -> str | None:
    """Return the request's `X-Ingress-Path` when it is a well-formed ingress prefix."""
    value = request.headers.get(INGRESS_PATH_HEADER)
    return value if value is not None and _PREFIX.fullmatch(value) else None


def _peer(request: web.Request) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(request.remote or "")
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True, slots=True)
class IngressPolicy:
    """Whether the engine runs behind the ingress proxy at `proxy` (the add-on's entry says)."""

    enabled: bool = False
    proxy: IPv4Address | IPv6Address = INGRESS_PROXY

    def is_ingress_request(self, request: web.Request) -> bool:
        """Tell whether REQUEST came through the ingress proxy (the user is authenticated)."""
        return self.enabled and _peer(request) == self.proxy and ingress_prefix(request) is not None
