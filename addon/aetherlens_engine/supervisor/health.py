"""The image's HEALTHCHECK: healthy while the engine answers and reaches its database.

The engine's `/api/v1/health` answers 200 whenever it runs, with `status` `ok` or `degraded`
and the reasons (the database unreachable, the spool failing); a container whose engine cannot
store readings is not healthy, so this checks the status too. Standard library only: it runs
every 30 s beside the engine.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping

from aetherlens_engine.config import DEFAULT_PORT

from .options import PORT_VARIABLE

HEALTH_TIMEOUT = 8.0  # under the HEALTHCHECK's own timeout


class UnhealthyError(Exception):
    """The engine did not answer, or answered that it cannot work."""


def health_url(environ: Mapping[str, str]) -> str:
    """Return the engine's health route inside the container (its port as the engine reads it)."""
    return f"http://127.0.0.1:{environ.get(PORT_VARIABLE, DEFAULT_PORT)}/api/v1/health"


def check_health(environ: Mapping[str, str]) -> str:
    """Return the engine's status when it is `ok`; raise UnhealthyError saying why if not."""
    url = health_url(environ)
    try:
        with urllib.request.urlopen(url, timeout=HEALTH_TIMEOUT) as response:  # noqa: S310 - our own http URL
            body = json.load(response)
    except (OSError, ValueError) as err:
        raise UnhealthyError(f"the engine does not answer on {url}: {err}") from err
    if not isinstance(body, dict) or body.get("status") != "ok":
        reasons = body.get("reasons") if isinstance(body, dict) else None
        raise UnhealthyError(f"the engine is not healthy: {'; '.join(reasons or ['no status'])}")
    return "ok"
