"""Background tasks of the engine's long-running parts."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel TASK (if any) and wait until it has ended; an error it ended with is raised.

    Only TASK's cancellation is absorbed: when the caller is cancelled while it waits, the
    CancelledError is the caller's and goes on, so a cancelled shutdown does not carry on.
    """
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
