"""A fake of Microsoft Entra ID's token endpoint and Cost Management's query and forecast APIs.

Served over TLS (a `trustme` CA) so the real `ClientSecretCredential` (directly or as the
`DefaultAzureCredential`'s environment credential), the App Service managed identity endpoint
(`IDENTITY_ENDPOINT`, `/msi/token`) and `CostManagementClient` run unmodified against it.
Answers are scripted per subscription, API (the query's grouping, or
`forecast`) and month of the requested period; pages are linked by `nextLink` with `$skiptoken`
as Cost Management does. Chosen requests are answered 429 with the headers a test gives.
"""

from __future__ import annotations

import json
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiohttp import web

TOKEN = "fake-access-token-for-tests"  # noqa: S105 (made up for the tests)

type Page = tuple[list[tuple[str, str]], list[list[Any]]]  # columns (name, type), rows


def tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """Return a server TLS context for 127.0.0.1 and the path of the CA that signed it."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return context, ca_path


@dataclass
class CostManagementFake:
    """The scripted service; `requests` records (path, query string, JSON body) of API calls."""

    tenant: str
    client_id: str
    client_secret: str
    base_url: str = ""
    # (subscription, grouping name or "forecast", "YYYY-MM" of the period's start) -> pages
    pages: dict[tuple[str, str, str], list[Page]] = field(default_factory=dict)
    no_content: set[str] = field(default_factory=set)
    # API request number (0-based, retries included) -> headers of a 429 answer
    throttle: dict[int, dict[str, str]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    token_requests: int = 0
    # The managed identity endpoint's secret header (App Service's IDENTITY_HEADER).
    identity_header: str = ""
    identity_requests: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/msi/token", self._managed_identity)
        app.router.add_post(
            "/subscriptions/{subscription}/providers/Microsoft.CostManagement/{api}", self._api
        )
        return app

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if (
            request.match_info["tenant"] != self.tenant
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return web.json_response(
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                },
                status=401,
            )
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}
        )

    async def _managed_identity(self, request: web.Request) -> web.Response:
        self.identity_requests.append(dict(request.query))
        if not self.identity_header or request.headers.get("X-IDENTITY-HEADER") != (
            self.identity_header
        ):
            return web.json_response(
                {"statusCode": 401, "message": "Unauthorized: bad X-IDENTITY-HEADER"}, status=401
            )
        return web.json_response(
            {
                "access_token": TOKEN,
                "expires_on": str(int(time.time()) + 3600),
                "resource": request.query.get("resource", ""),
                "token_type": "Bearer",
            }
        )

    async def _api(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response(
                {"error": {"code": "AuthenticationFailed", "message": "No valid token"}},
                status=401,
            )
        body = await request.json()
        number = len(self.requests)
        self.requests.append((request.path, request.query_string, body))
        if (headers := self.throttle.get(number)) is not None:
            return web.json_response(
                {"error": {"code": "429", "message": "Too many requests."}},
                status=429,
                headers=headers,
            )
        subscription = request.match_info["subscription"]
        if subscription in self.no_content:
            return web.Response(status=204)
        api = request.match_info["api"]
        grouping = body["dataset"]["grouping"][0]["name"] if api == "query" else "forecast"
        month = body["timePeriod"]["from"][:7]
        pages = self.pages.get((subscription, grouping, month), [([], [])])
        index = int(request.query.get("$skiptoken", "0"))
        columns, rows = pages[index]
        next_link = None
        if index + 1 < len(pages):
            version = request.query.get("api-version", "")
            next_link = (
                f"{self.base_url}{request.path}?api-version={version}&$skiptoken={index + 1}"
            )
        return web.Response(
            text=json.dumps(
                {
                    "id": f"{request.path}/{index}",
                    "name": f"query-{index}",
                    "type": f"Microsoft.CostManagement/{api}",
                    "properties": {
                        "nextLink": next_link,
                        "columns": [{"name": name, "type": kind} for name, kind in columns],
                        "rows": rows,
                    },
                }
            ),
            content_type="application/json",
        )
