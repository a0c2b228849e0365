"""cancel_and_wait: it absorbs the task's cancellation, never its caller's."""

from __future__ import annotations

import asyncio

import pytest

from aetherlens_engine.tasks import cancel_and_wait


async def _slow_to_stop(stopping: asyncio.Event) -> None:
    """Sleep forever; once cancelled, take a while to clean up."""
    try:
        await asyncio.Event().wait()
    finally:
        stopping.set()
        await asyncio.sleep(0.05)


async def test_the_task_is_cancelled_and_awaited() -> None:
    stopping = asyncio.Event()
    task = asyncio.create_task(_slow_to_stop(stopping))
    await asyncio.sleep(0)
    await cancel_and_wait(task)
    assert task.cancelled()
    await cancel_and_wait(None)


async def test_an_error_the_task_ends_with_is_raised() -> None:
    async def failing() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            raise RuntimeError("cleanup failed")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="cleanup failed"):
        await cancel_and_wait(task)


async def test_the_callers_own_cancellation_goes_on() -> None:
    stopping = asyncio.Event()
    task = asyncio.create_task(_slow_to_stop(stopping))
    reached_the_end = False

    async def stop() -> None:
        nonlocal reached_the_end
        await cancel_and_wait(task)
        reached_the_end = True

    caller = asyncio.create_task(stop())
    await stopping.wait()  # the caller waits on the task's cleanup
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert caller.cancelled()
    assert not reached_the_end
    assert task.done()
