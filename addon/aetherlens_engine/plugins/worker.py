"""A plugin worker: `python -m aetherlens_engine.plugins.worker`, one plugin per process.

It answers the supervisor's requests (see `protocol`) on a private copy of stdout; the real stdout
is pointed at stderr so a stray print cannot corrupt the protocol. Its log records are blanked of
every secret it knows (those the plugin found at start included) before they reach stderr, which
the supervisor relays to the engine's log, blanking the secrets it knows once more.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from aetherlens_engine.clock import Clock

from .base import Plugin, PluginError, SourcePlugin, secret_values, validate_config
from .protocol import decode, encode, redact
from .registry import load_plugin_class
from .results import result_to_json

LOGGER = logging.getLogger(__name__)


class RedactingFilter(logging.Filter):
    """Blanks `secrets` in every record passing the handler it is attached to."""

    def __init__(self) -> None:
        """Start knowing no secret."""
        super().__init__()
        self.secrets: tuple[str, ...] = ()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite RECORD's message and traceback without the secrets; keep the record."""
        if self.secrets:
            record.msg = redact(record.getMessage(), self.secrets)
            record.args = None
            if record.exc_info:
                text = record.exc_text or logging.Formatter().formatException(record.exc_info)
                record.exc_text = redact(text, self.secrets)
            if record.stack_info:
                record.stack_info = redact(record.stack_info, self.secrets)
        return True


def following(moment: datetime) -> Clock:
    """Return the engine's clock as seen from here: MOMENT now, moving on from there."""
    received = time.monotonic()
    return lambda: moment + timedelta(seconds=time.monotonic() - received)


class _Worker:
    """Holds the plugin between requests and turns each request into one answer."""

    def __init__(self, runner: asyncio.Runner, redactor: RedactingFilter) -> None:
        self._runner = runner
        self._redactor = redactor
        self._plugin: Plugin | None = None
        self._secrets: tuple[str, ...] = ()

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer REQUEST; a failing plugin is reported in the answer, never fatal."""
        try:
            return self._dispatch(request)
        except PluginError as err:
            return {"ok": False, "error": redact(str(err), self._secrets)}
        except Exception as err:
            LOGGER.exception("Plugin failed unexpectedly")
            message = f"unexpected {type(err).__name__}: {err}"
            return {"ok": False, "error": redact(message, self._secrets)}

    def _dispatch(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "start":
            return self._start(request)
        plugin = self._plugin
        if plugin is None:
            return {"ok": False, "error": "the plugin has not been started"}
        answer: dict[str, Any] = {"ok": True}
        if now := request.get("now"):
            plugin.clock = following(datetime.fromisoformat(str(now)))
        match op:
            case "poll":
                answer["result"] = result_to_json(self._runner.run(plugin.poll()))
            case "dry_run":
                if not isinstance(plugin, SourcePlugin):
                    return {"ok": False, "error": "only a SourcePlugin replays a recorded answer"}
                answer["result"] = result_to_json(plugin.parse(request.get("answer")))
            case "health":
                answer["health"] = plugin.health()
            case "stop":
                self._runner.run(plugin.stop())
            case _:
                answer = {"ok": False, "error": f"unknown request {op!r}"}
        return answer

    def _start(self, request: dict[str, Any]) -> dict[str, Any]:
        plugin_class = load_plugin_class(str(request["plugin"]))
        manifest = plugin_class.manifest
        raw = request.get("config") or {}
        self._know(secret_values(manifest, raw))
        config = validate_config(manifest, raw)
        self._plugin = plugin_class(config)
        if state_dir := request.get("state_dir"):
            self._plugin.state_dir = Path(state_dir)
            self._plugin.state_dir.mkdir(parents=True, exist_ok=True)
        self._runner.run(self._plugin.start())
        self._know((*self._secrets, *self._plugin.discovered_secrets()))
        return {"ok": True, "name": manifest.name, "version": manifest.version}

    def _know(self, secrets: tuple[str, ...]) -> None:
        self._secrets = secrets
        self._redactor.secrets = secrets


def serve(requests: IO[bytes], answers: IO[bytes], redactor: RedactingFilter | None = None) -> None:
    """Answer REQUESTS line by line on ANSWERS until `stop` or end of input.

    REDACTOR, the filter of the log's handler, learns every secret the worker knows.
    """
    with asyncio.Runner() as runner:
        worker = _Worker(runner, redactor or RedactingFilter())
        for line in requests:
            request = decode(line)
            answers.write(encode(worker.handle(request)))
            answers.flush()
            if request.get("op") == "stop":
                return


def main() -> None:
    """Run a worker on this process's stdin and stdout."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    redactor = RedactingFilter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    # azure-core logs every request and response at INFO: too chatty for a poller.
    logging.getLogger("azure").setLevel(logging.WARNING)
    serve(sys.stdin.buffer, answers, redactor)


if __name__ == "__main__":
    main()
