"""A client of Home Assistant's WebSocket API: authentication, commands, subscriptions, pings.

Protocol: HA sends `auth_required`; the client answers `auth` with its token and gets `auth_ok`
or `auth_invalid`. Every command then carries an `id` of the client's, unique on the connection;
its `result` (or `pong`) comes back with that id, and a subscription's events carry the id of the
command that made it. The client asks for coalesced messages (a JSON array of several messages).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from aetherlens_engine.errors import EngineError
from aetherlens_engine.logs import redact_credentials
from aetherlens_engine.tasks import cancel_and_wait

LOGGER = logging.getLogger(__name__)


class HassError(EngineError):
    """Home Assistant cannot be reached or did not answer as expected.

    Its message never holds the credentials of a URL (`ws://user:password@host/...`): it ends up
    in logs and in the collector's status.
    """

    def __init__(self, message: str) -> None:
        """Describe the problem; credentials in URLs of MESSAGE are cut."""
        super().__init__(redact_credentials(message))


class HassAuthError(HassError):
    """Home Assistant refused the access token (wrong, revoked or expired)."""


class HassCommandError(HassError):
    """A command was answered with an error."""


type Event = tuple[int, Any]  # (subscription id, event)


class HassConnection:
    """An authenticated connection; events of its subscriptions arrive in `events`."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, version: str, timeout: float) -> None:
        """Wrap the authenticated WS; `connect` makes one."""
        self.version = version
        self.events: asyncio.Queue[Event | None] = asyncio.Queue()  # None: the connection ended
        self._ws = ws
        self._timeout = timeout
        self._next_id = 1
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.messages = 0  # received since connected

    async def command(self, payload: Mapping[str, Any]) -> Any:
        """Send PAYLOAD (without `id`) and return its result; raise HassError on failure."""
        number, future = self._register()
        try:
            await self._ws.send_str(json.dumps({**payload, "id": number}))
            async with asyncio.timeout(self._timeout):
                return await future
        except TimeoutError:
            raise HassError(
                f"Home Assistant did not answer {payload.get('type')} within {self._timeout:g} s"
            ) from None
        except (aiohttp.ClientError, ConnectionError) as err:
            raise HassError(f"the connection to Home Assistant failed: {err}") from err
        finally:
            self._pending.pop(number, None)

    async def subscribe(self, payload: Mapping[str, Any]) -> int:
        """Send the subscribing command PAYLOAD; return the id its events will carry."""
        number = self._next_id  # the id `command` is about to use
        await self.command(payload)
        return number

    async def close(self) -> None:
        """Close the connection (the reader then ends and `events` gets None)."""
        await self._ws.close()

    async def ping(self) -> None:
        """Send HA's `ping` and wait for its `pong` (raises HassError if none comes)."""
        await self.command({"type": "ping"})

    def _register(self) -> tuple[int, asyncio.Future[Any]]:
        number = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        return number, future

    async def read(self) -> None:
        """Dispatch what HA sends until the connection ends; then fail pending commands."""
        try:
            async for message in self._ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                decoded = json.loads(message.data)
                for item in decoded if isinstance(decoded, list) else [decoded]:
                    self._dispatch(item)
        finally:
            error = HassError("the connection to Home Assistant was closed")
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            self.events.put_nowait(None)

    def _dispatch(self, message: Mapping[str, Any]) -> None:
        self.messages += 1
        kind = message.get("type")
        number = message.get("id")
        if kind == "event" and isinstance(number, int):
            self.events.put_nowait((number, message.get("event")))
            return
        future = self._pending.get(number) if isinstance(number, int) else None
        if future is None or future.done():
            return
        if kind == "pong" or (kind == "result" and message.get("success")):
            future.set_result(message.get("result"))
        elif kind == "result":
            error = message.get("error") or {}
            future.set_exception(
                HassCommandError(f"{error.get('code', 'error')}: {error.get('message', '')}")
            )


@asynccontextmanager
async def connect(
    session: aiohttp.ClientSession, url: str, token: str, *, request_timeout: float
) -> AsyncIterator[HassConnection]:
    """Open and authenticate a connection to URL; read it in the background until exit.

    Raises HassAuthError when the token is refused, HassError when HA cannot be reached. A
    command waits at most REQUEST_TIMEOUT seconds for its result.
    """
    timeout = request_timeout
    try:
        ws = await session.ws_connect(
            url, max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=timeout)
        )
    except (aiohttp.ClientError, OSError, TimeoutError) as err:
        raise HassError(f"cannot connect to {url}: {err or type(err).__name__}") from err
    reader: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(timeout):
            version = await _authenticate(ws, token)
        connection = HassConnection(ws, version, timeout)
        reader = asyncio.create_task(connection.read(), name="hass-reader")
        await connection.command(
            {"type": "supported_features", "features": {"coalesce_messages": 1}}
        )
        yield connection
    except TimeoutError as err:
        raise HassError(f"{url} did not complete the WebSocket handshake in {timeout:g} s") from err
    except (aiohttp.ClientError, ConnectionError) as err:
        raise HassError(f"the connection to {url} failed: {err}") from err
    finally:
        await ws.close()
        await cancel_and_wait(reader)


async def _authenticate(ws: aiohttp.ClientWebSocketResponse, token: str) -> str:
    hello = await _receive(ws)
    if hello.get("type") != "auth_required":
        raise HassError(f"not a Home Assistant WebSocket API (first message {hello.get('type')!r})")
    await ws.send_str(json.dumps({"type": "auth", "access_token": token}))
    answer = await _receive(ws)
    if answer.get("type") == "auth_invalid":
        raise HassAuthError(
            f"Home Assistant refused the access token ({answer.get('message', 'invalid')}): "
            "create a new long-lived access token in your HA profile and configure it"
        )
    if answer.get("type") != "auth_ok":
        raise HassError(f"unexpected answer to authentication: {answer.get('type')!r}")
    return str(answer.get("ha_version", "unknown"))


async def _receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await ws.receive()
    if message.type is not aiohttp.WSMsgType.TEXT:
        raise HassError("Home Assistant closed the WebSocket during authentication")
    decoded = json.loads(message.data)
    if not isinstance(decoded, dict):
        raise HassError("Home Assistant sent an unexpected message during authentication")
    return decoded
