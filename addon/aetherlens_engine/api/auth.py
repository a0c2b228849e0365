"""Bearer-token authentication of every route except the public ones.

Public: `/api/v1/health` (the Supervisor and the integration probe it before they have a token)
and `/api/v1/openapi.json` (it describes the API's shape and holds no data). Everything else,
including `/metrics` and unknown paths, needs `Authorization: Bearer <token>`.

Ingress (the engine as an add-on): a request from the Supervisor's ingress proxy with its
`X-Ingress-Path` passes without a token, since the Supervisor authenticated the Home Assistant
user; the page (`/`, `/assets/...`) and the API docs (`/api/docs`) are then served to the proxy
only. Standalone, both are public (they hold no data and ask for the token) while the API still
needs the token.
"""

from __future__ import annotations

import hmac

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

from aetherlens_engine.web import PAGE_PATHS, IngressPolicy

from .docs import DOCS_PATHS
from .errors import ApiError

PUBLIC_PATHS = frozenset({"/api/v1/health", "/api/v1/openapi.json"})
_REALM = 'Bearer realm="aetherlens"'


def _encode(text: str) -> bytes:
    # Header values may hold any character; compare_digest needs bytes for those.
    return text.encode("utf-8", "backslashreplace")


def token_matches(header: str | None, token: str | None) -> bool:
    """Tell whether an Authorization HEADER carries TOKEN, in constant time."""
    if header is None or token is None:
        return False
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(_encode(credentials.strip()), _encode(token))


def auth_middleware(token: str | None, ingress: IngressPolicy) -> Middleware:
    """Return the middleware refusing requests without TOKEN (all of them when TOKEN is None).

    Requests through the ingress proxy pass when INGRESS is enabled (see the module's docstring).
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        canonical = resource.canonical if resource is not None else None
        if canonical in PUBLIC_PATHS or ingress.is_ingress_request(request):
            return await handler(request)
        if canonical in PAGE_PATHS or canonical in DOCS_PATHS:
            if ingress.enabled:
                raise ApiError(
                    403,
                    "ingress_only",
                    "this add-on's page opens from Home Assistant's sidebar (ingress) only",
                )
            return await handler(request)
        header = request.headers.get(hdrs.AUTHORIZATION)
        if header is None:
            raise ApiError(
                401,
                "unauthorized",
                "this route needs an 'Authorization: Bearer <token>' header",
                headers={hdrs.WWW_AUTHENTICATE: _REALM},
            )
        if not token_matches(header, token):
            raise ApiError(
                401,
                "invalid_token",
                "the bearer token is not the engine's API token"
                if token is not None
                else "the engine has no API token configured, so it accepts none",
                headers={hdrs.WWW_AUTHENTICATE: f'{_REALM}, error="invalid_token"'},
            )
        return await handler(request)

    return middleware
