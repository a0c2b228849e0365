"""What the engine tells its open event streams (`GET /api/v1/events`), as SSE messages.

The engine publishes `rolled_up` (with the span of hours recomputed, `{"start", "end"}`) after
each pass of the rollups has priced its hours: a client re-reads what it shows. Each stream has
a small queue of its own: one that does not read is ended, never waited for.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

QUEUE_SIZE: Final = 16
# Put in a queue to end its stream.
CLOSE: Final = ""


@dataclass(slots=True)
class LiveUpdates:
    """The open event streams, and what is published to them."""

    max_streams: int = 32
    _queues: set[asyncio.Queue[str]] = field(default_factory=set)

    def publish_rolled_up(self, start: datetime, end: datetime) -> None:
        """Tell every stream that the hours [START, END) have new figures."""
        data = json.dumps({"start": start.isoformat(), "end": end.isoformat()})
        self._publish(f"event: rolled_up\ndata: {data}\n\n")

    def _publish(self, message: str) -> None:
        for queue in list(self._queues):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:  # a client that does not read: its stream ends
                self._end(queue)

    def _end(self, queue: asyncio.Queue[str]) -> None:
        self._queues.discard(queue)
        if queue.full():
            queue.get_nowait()  # the stream ends: what it had not read is dropped
        queue.put_nowait(CLOSE)

    def close(self) -> None:
        """End every stream (the engine stops)."""
        for queue in list(self._queues):
            self._end(queue)

    @property
    def streams(self) -> int:
        """Return how many streams are open."""
        return len(self._queues)

    def open(self) -> asyncio.Queue[str]:
        """Return the queue of a new stream."""
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        return queue

    def leave(self, queue: asyncio.Queue[str]) -> None:
        """Forget a stream that has ended."""
        self._queues.discard(queue)
