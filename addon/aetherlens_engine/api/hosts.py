"""The Host header checked against the engine's names, against DNS rebinding.

A web page on `evil.example` whose name is made to resolve to 127.0.0.1 can make the victim's
browser send requests to the engine; they carry `Host: evil.example`. The engine answers only
requests addressed to an IP address, `localhost`, its own host name (with `.local`), the
address it listens on, or a name of `api.allowed_hosts`; others get 421.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

from .errors import ApiError

_ANY_ADDRESS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names, not a bind


def allowed_host_names(listen_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Return the names the engine answers to (lower case) besides IP addresses."""
    hostname = socket.gethostname().lower()
    names = {"localhost", hostname, f"{hostname}.local", *(name.lower() for name in extra)}
    if listen_host not in _ANY_ADDRESS:
        names.add(listen_host.lower())
    return frozenset(names)


def _name(host: str) -> str:
    """Return HOST (a Host header) without its port and brackets, in lower case."""
    if host.startswith("["):  # [::1]:8787
        return host[1 : host.find("]")].lower() if "]" in host else host.lower()
    name, _, _port = host.partition(":") if host.count(":") == 1 else (host, "", "")
    return name.rstrip(".").lower()


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_middleware(allowed: frozenset[str]) -> Middleware:
    """Return the middleware refusing requests whose Host is none of ALLOWED nor an address."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.headers.get(hdrs.HOST)
        if host is not None:
            name = _name(host)
            if not _is_address(name) and name not in allowed:
                raise ApiError(
                    421,
                    "unknown_host",
                    f"this engine does not answer to the name {host!r}; add it to "
                    "api.allowed_hosts if it is the engine's",
                )
        return await handler(request)

    return middleware
