"""AWS fakes: `moto` in server mode, and a front of our own for what moto lacks.

The front listens on 127.0.0.1 and is the endpoint the plugin's clients use. It answers
`GetCostForecast` itself (moto has no forecast), can answer the next Cost Explorer requests with
`LimitExceededException` as AWS does when throttling, and forwards everything else (Host header
included, so signatures still verify) to moto, which checks the credentials. `GetCostAndUsage`
is answered from the front's own queue once moto has accepted the request: moto hands out its
queued results once per distinct request and repeats the first answer for the same request
later, where AWS answers each request with the data of that moment.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import aiohttp
from aiohttp import web

CE_TARGET = "AWSInsightsIndexService."
JSON_TYPE = "application/x-amz-json-1.1"
STARTUP_TIMEOUT = 30.0
SIGNED_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/ce/aws4_request")


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class MotoServer:
    """`moto_server` in a subprocess on 127.0.0.1."""

    def __init__(self) -> None:
        """Start the server and wait until it answers."""
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                self.post("/moto-api/reset", b"")
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.stop()
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
            else:
                return

    def post(self, path: str, body: bytes) -> None:
        """POST BODY to moto's own API at PATH."""
        request = urllib.request.Request(  # noqa: S310 - our own http:// URL
            f"{self.url}{path}",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},  # not a form: moto reads the raw body
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()

    def reset(self, *, unauthenticated_actions: int) -> None:
        """Forget everything; enforce IAM after the next UNAUTHENTICATED_ACTIONS requests."""
        self.post("/moto-api/reset", b"")
        self.post("/moto-api/reset-auth", str(unauthenticated_actions).encode())

    def stop(self) -> None:
        """End the server."""
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


@dataclass
class CostExplorerFront:
    """The endpoint the plugin talks to (see the module's docstring)."""

    moto_url: str
    forecast: dict[str, Any] = field(
        default_factory=lambda: {"Total": {"Amount": "42.5", "Unit": "USD"}}
    )
    throttle_next: int = 0
    # When set, GetCostForecast answers this error code (e.g. DataUnavailableException).
    forecast_error: str | None = None
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # GetCostAndUsage answers, one per request in order (moto's default answer once empty).
    cost_and_usage: list[dict[str, Any]] = field(default_factory=list)
    # The regions Cost Explorer requests were signed for (SigV4's credential scope).
    regions: set[str] = field(default_factory=set)

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application()
        app.router.add_post("/", self._handle)
        return app

    def queue_cost_and_usage(self, results: list[dict[str, Any]]) -> None:
        """Queue GetCostAndUsage answers: each request takes the next one."""
        self.cost_and_usage.extend(results)

    def ce_requests(self, operation: str) -> list[dict[str, Any]]:
        """Return the bodies of the Cost Explorer OPERATION requests received so far."""
        return [body for name, body in self.requests if name == operation]

    async def _handle(self, request: web.Request) -> web.Response:
        target = request.headers.get("X-Amz-Target", "")
        body = await request.read()
        if target.startswith(CE_TARGET):
            operation = target.removeprefix(CE_TARGET)
            self.requests.append((operation, json.loads(body or b"{}")))
            if scope := SIGNED_SCOPE.search(request.headers.get("Authorization", "")):
                self.regions.add(scope["region"])
            if self.throttle_next > 0:
                self.throttle_next -= 1
                return _error(400, "LimitExceededException", "Rate exceeded")
            if operation == "GetCostForecast" and self.forecast_error:
                return _error(400, self.forecast_error, "Insufficient amount of historical data")
            if operation == "GetCostForecast":
                return web.Response(body=json.dumps(self.forecast), content_type=JSON_TYPE)
            if operation == "GetCostAndUsage" and self.cost_and_usage:
                checked = await self._forward(request, body)  # moto checks key and signature
                if checked.status != HTTPStatus.OK:
                    return checked
                answer = self.cost_and_usage.pop(0)
                return web.Response(body=json.dumps(answer), content_type=JSON_TYPE)
        return await self._forward(request, body)

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.moto_url}{request.path_qs}",
                data=body,
                # Host stays: it is signed. Lengths are recomputed.
                headers={
                    key: value
                    for key, value in request.headers.items()
                    if key.lower() not in {"content-length", "transfer-encoding"}
                },
            ) as answer,
        ):
            payload = await answer.read()
            headers = {
                key: value
                for key, value in answer.headers.items()
                if key.lower() not in {"content-length", "transfer-encoding", "connection"}
            }
            return web.Response(status=answer.status, body=payload, headers=headers)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps({"__type": code, "message": message}),
        content_type=JSON_TYPE,
    )
