"""One plugin worker process, seen from the engine.

Spawn it, ask it with a deadline and a memory limit, relay its log (secrets blanked), kill it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .base import PluginError
from .protocol import MAX_LINE_BYTES, decode, encode, redact

LOGGER = logging.getLogger(__name__)
# How often the memory of a busy worker is checked.
WATCH_INTERVAL = 0.2
STOP_TIMEOUT = 5.0
_PAGE_KIB = 1024


class PluginCrashedError(PluginError):
    """The worker process exited or broke the protocol."""


class PluginTimeoutError(PluginError):
    """The worker did not answer in time (a hung plugin)."""


class PluginMemoryError(PluginError):
    """The worker's resident memory went over its limit."""


def _child_environment() -> dict[str, str]:
    # The worker imports plugins exactly as the engine does, whatever set up our sys.path.
    paths = [entry for entry in sys.path if entry and Path(entry).is_dir()]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def rss_bytes(pid: int) -> int | None:
    """Return the resident memory of process PID, or None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * _PAGE_KIB
    return None


class PluginProcess:
    """A running worker: `request` sends one message and waits for its answer."""

    def __init__(
        self, process: asyncio.subprocess.Process, logger_name: str, secrets: Iterable[str]
    ) -> None:
        """Wrap PROCESS; its stderr goes to the log LOGGER_NAME with SECRETS blanked."""
        self._process = process
        self._secrets = tuple(secrets)
        self._log = logging.getLogger(logger_name)
        self._relay = asyncio.create_task(self._relay_stderr())

    @classmethod
    async def spawn(cls, logger_name: str, secrets: Iterable[str]) -> PluginProcess:
        """Start a worker process."""
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "aetherlens_engine.plugins.worker",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                limit=MAX_LINE_BYTES,
                env=_child_environment(),
            )
        except OSError as err:
            raise PluginCrashedError(f"cannot start a plugin worker: {err}") from err
        return cls(process, logger_name, secrets)

    @property
    def pid(self) -> int:
        """Return the worker's process id."""
        return self._process.pid

    async def request(
        self, message: dict[str, Any], *, within: float, memory_limit: int | None
    ) -> dict[str, Any]:
        """Send MESSAGE; return the answer, or raise if the worker dies, hangs or bloats."""
        stdin, stdout = self._process.stdin, self._process.stdout
        if stdin is None or stdout is None:
            raise PluginCrashedError("the plugin worker has no pipes")
        try:
            stdin.write(encode(message))
            await stdin.drain()
        except (ConnectionError, RuntimeError) as err:
            raise PluginCrashedError(f"the plugin worker is gone ({err})") from err
        reading = asyncio.create_task(stdout.readline())
        deadline = asyncio.get_running_loop().time() + within
        try:
            while not reading.done():
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    raise PluginTimeoutError(f"the plugin did not answer within {within:g} s")
                await asyncio.wait({reading}, timeout=min(WATCH_INTERVAL, left))
                rss = rss_bytes(self._process.pid)
                if memory_limit is not None and rss is not None and rss > memory_limit:
                    raise PluginMemoryError(
                        f"the plugin used {rss // 2**20} MiB, over its limit of "
                        f"{memory_limit // 2**20} MiB"
                    )
        finally:
            if not reading.done():
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reading
        try:
            line = reading.result()
        except (ValueError, asyncio.LimitOverrunError) as err:
            raise PluginCrashedError(f"the plugin sent an oversized answer ({err})") from err
        if not line:
            code = await self._process.wait()
            raise PluginCrashedError(f"the plugin worker exited with code {code}")
        try:
            return decode(line)
        except (ValueError, TypeError) as err:
            raise PluginCrashedError(f"the plugin broke the protocol ({err})") from err

    async def close(self) -> None:
        """Ask the worker to stop, kill it if it does not, and wait until it is gone."""
        if self._process.returncode is None:
            with contextlib.suppress(PluginError):
                await self.request({"op": "stop"}, within=STOP_TIMEOUT, memory_limit=None)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_TIMEOUT):
                    await self._process.wait()
        await self.kill()

    async def kill(self) -> None:
        """Kill the worker at once and wait until it is gone."""
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
        await self._process.wait()
        await self._relay

    async def _relay_stderr(self) -> None:
        stderr = self._process.stderr
        if stderr is None:
            return
        while line := await stderr.readline():
            text = redact(line.decode(errors="replace").rstrip(), self._secrets)
            self._log.info("%s", text)
