"""One HTTP GET from a chosen source address: `python -m tests.addon.image.netclient URL SOURCE
HEADERS_JSON` prints `{"status", "body"}`. The image tests run it inside a network namespace,
where the Supervisor's address exists (see AddonContainer.get)."""

from __future__ import annotations

import http.client
import json
import sys
from urllib.parse import urlsplit


def get(url: str, source: str | None, headers: dict[str, str]) -> tuple[int, str]:
    """GET URL from SOURCE (an address of this host, None: any); return status and body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1",
        parts.port,
        timeout=10,
        source_address=(source, 0) if source else None,
    )
    try:
        connection.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
        )
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


if __name__ == "__main__":
    status, body = get(sys.argv[1], sys.argv[2] or None, json.loads(sys.argv[3]))
    print(json.dumps({"status": status, "body": body}))  # noqa: T201 - the result, for the caller
