"""Graceful shutdown: running investigation streams end cleanly when the server stops.

uvicorn stops in this order: stop accepting connections → wait for open ones to finish (up to
`timeout_graceful_shutdown`) → cancel what is left → run the lifespan shutdown. The lifespan exit is
therefore too late for a stream that is still running: it would be cut mid-way, without `done`. So
`Lifecycle` watches the server's exit flag, which SIGTERM/SIGINT set, and ends every guarded stream at
once with `error {code: shutting_down}` and `done`; the response then completes and uvicorn closes the
connection well inside its graceful timeout. The lifespan exit triggers the same, for servers that
run it first.

`guard` runs the investigation in a task of its own (a pump), so it can stop reading it at any moment
without tearing the investigation down from the middle of another task.

sse-starlette watches the same exit flag and, by default, cancels its streams at once: SSE responses are
built with `shutdown_grace_period` (`app.stream.respond(..., shutdown_grace_s=...)`) so the guard's last
events go out first (they come within one poll, far below the grace).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from app import events
from app.events import Event
from app.outcome import SHUTDOWN_CODE, Tally

log = logging.getLogger(__name__)

__all__ = ["SHUTDOWN_CODE", "Lifecycle", "uvicorn_exiting"]
SHUTDOWN_MESSAGE = "The service is shutting down; this investigation was stopped. Ask again in a moment."


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


_SHUTDOWN = _Marker("shutdown")
_END = _Marker("end")


def uvicorn_exiting() -> bool:
    """True once the uvicorn server of this process was told to exit.

    While it serves (in the main thread) uvicorn installs its `handle_exit` as the SIGTERM handler:
    the bound method leads to the server and its `should_exit` flag.
    """
    handler = signal.getsignal(signal.SIGTERM)
    server = getattr(handler, "__self__", None)
    return bool(getattr(server, "should_exit", False))


class Lifecycle:
    """Tracks running streams and ends them when the service shuts down."""

    def __init__(self, exit_requested: Callable[[], bool] = uvicorn_exiting,
                 poll_interval_s: float = 0.2) -> None:
        self.exit_requested = exit_requested
        self.poll_interval_s = poll_interval_s
        self._stopping = False
        self._streams: set[asyncio.Queue[Any]] = set()
        self._watcher: asyncio.Task[None] | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def running_streams(self) -> int:
        return len(self._streams)

    def start(self) -> None:
        """Start watching for the server's exit (call from the event loop, in the lifespan)."""
        self._stopping = False
        self._watcher = asyncio.get_running_loop().create_task(self._watch(), name="shutdown-watcher")

    async def stop(self, drain_s: float) -> None:
        """Lifespan exit: end the streams still running and give them `drain_s` to say so."""
        self.begin_shutdown("lifespan shutdown")
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
        deadline = time.monotonic() + drain_s
        while self._streams and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    def begin_shutdown(self, reason: str) -> None:
        """End every guarded stream (from the event loop's thread)."""
        if self._stopping:
            return
        self._stopping = True
        log.info("shutting down: ending running streams",
                 extra={"reason": reason, "streams": len(self._streams)})
        for queue in list(self._streams):
            queue.put_nowait(_SHUTDOWN)

    async def _watch(self) -> None:
        while not self._stopping:
            if self.exit_requested():
                self.begin_shutdown("server exit")
                return
            await asyncio.sleep(self.poll_interval_s)

    async def guard(self, source: AsyncIterator[Event]) -> AsyncIterator[Event]:
        """Pass `source`'s events through; on shutdown, stop it and end with `error` + `done`."""
        started = time.monotonic()
        tally = Tally()
        if not self._stopping:
            queue: asyncio.Queue[Any] = asyncio.Queue()
            pump = asyncio.get_running_loop().create_task(_pump(source, queue))
            pump.add_done_callback(_retrieve)
            self._streams.add(queue)
            try:
                while True:
                    item = await queue.get()
                    if item is _END:
                        await pump  # re-raises what the investigation raised, if anything
                        return
                    if item is _SHUTDOWN or self._stopping:
                        break
                    tally.add(item)
                    yield item
                    if item.type == "done":  # the stream is complete: nothing to add to it
                        await pump
                        return
            finally:
                self._streams.discard(queue)
                pump.cancel()  # no-op once it ended; else the investigation stops where it waits
        else:
            await _aclose(source)
        yield events.error(SHUTDOWN_CODE, SHUTDOWN_MESSAGE)
        yield events.done(int((time.monotonic() - started) * 1000), tally.steps)


async def _pump(source: AsyncIterator[Event], queue: asyncio.Queue[Any]) -> None:
    """Read the investigation to its end in this one task, handing each event to the stream."""
    try:
        async for event in source:
            queue.put_nowait(event)
    finally:
        queue.put_nowait(_END)
        await _aclose(source)


def _retrieve(task: asyncio.Task[None]) -> None:
    """An investigation stopped mid-way may fail while it unwinds: nobody waits for it any more."""
    if not task.cancelled() and task.exception() is not None:
        log.debug("investigation ended with an error after its stream was closed", exc_info=task.exception())


async def _aclose(source: AsyncIterator[Event]) -> None:
    aclose = getattr(source, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(RuntimeError):  # already running elsewhere: it ends on its own
            await aclose()
