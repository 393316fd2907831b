"""Stage 4, stream: render investigation events as plain text (`curl -N`), SSE, or one JSON document."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi.responses import JSONResponse, Response, StreamingResponse
from sse_starlette import EventSourceResponse, ServerSentEvent

from app import events as make
from app.events import Event
from app.outcome import Tally
from app.redact import redact_data

log = logging.getLogger(__name__)

INTERNAL_ERROR_MESSAGE = "internal error; the service log has the details"
PING_INTERVAL_S = 15.0
Tap = Callable[[AsyncIterator[Event]], AsyncIterator[Event]]


def render_text(event: Event) -> str:
    """One event as readable lines for a terminal."""
    d = event.data
    match event.type:
        case "classification":
            confidence = f"confidence {d['confidence']:.2f}"
            return f"▶ problem type: {d['problem_type']} ({confidence}, by {d['method']})\n"
        case "runbooks":
            return f"▶ runbooks: {', '.join(d['ids']) or '(none)'}\n"
        case "tool_call":
            args = d["args"]
            shown = args.get("command") if isinstance(args.get("command"), str) else json.dumps(args)
            return f"\n$ [{d['tool']}] {shown}\n"
        case "tool_result":
            flag = " (truncated)" if d["truncated"] else ""
            body = _indent(d["summary"]) if d["summary"] else ""
            return f"  → {d['status']}{flag}\n{body}"
        case "message":
            return f"\n{d['text'].strip()}\n"
        case "answer":
            return f"\n══ answer ══\n{d['text'].strip()}\n"
        case "usage":
            return (
                f"\n▶ usage: {d['prompt_tokens']} prompt + {d['completion_tokens']} completion tokens, "
                f"{d['llm_calls']} LLM call(s)\n"
            )
        case "approval_required":
            return (
                f"\n⚠ approval required [{d['id']}]: {d['command']}\n  why: {d['why']}\n"
                f"  approve with: curl -X POST .../approvals/{d['id']} -d approve=true\n"
            )
        case "error":
            return f"\n✗ error [{d['code']}]: {d['message']}\n"
        case "done":
            return f"\n■ done in {d['elapsed_ms']} ms, {d['steps']} step(s)\n"
    return f"{event.type}: {json.dumps(d, ensure_ascii=False)}\n"


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())


class KeepAlive(ServerSentEvent):
    """The SSE keep-alive: one comment line, with no blank line after it.

    sse-starlette's default ping is a comment followed by a blank line. A blank line dispatches an event,
    and decoders that keep the last `id:` (httpx-sse does) hand that ping to the reader as an event with
    empty data, which then fails to decode as JSON. A lone comment line keeps proxies from timing the
    connection out and dispatches nothing in any decoder: the next event's lines simply follow it.
    """

    def __init__(self, on_ping: Callable[[], None] | None = None) -> None:
        super().__init__(comment="ping")
        if on_ping is not None:
            on_ping()

    def encode(self) -> bytes:
        return b": ping\r\n"


async def text_stream(events: AsyncIterator[Event]) -> AsyncIterator[str]:
    async for event in events:
        yield render_text(event)


async def sse_stream(events: AsyncIterator[Event]) -> AsyncIterator[ServerSentEvent]:
    seq = 0
    async for event in events:
        seq += 1
        yield ServerSentEvent(data=json.dumps(event.data, ensure_ascii=False), event=event.type, id=str(seq))


async def collect(events: AsyncIterator[Event]) -> dict[str, Any]:
    """`stream=false`: the same content as one JSON document."""
    result: dict[str, Any] = {
        "classification": None,
        "runbooks": [],
        "tool_calls": [],
        "messages": [],
        "answer": None,
        "usage": None,
        "approvals": [],
        "errors": [],
        "done": None,
    }
    calls: dict[str, dict[str, Any]] = {}
    async for event in events:
        d = event.data
        match event.type:
            case "classification" | "usage" | "done":
                result[event.type] = d
            case "runbooks":
                result["runbooks"] = d["ids"]
            case "tool_call":
                calls[d["id"]] = dict(d)
                result["tool_calls"].append(calls[d["id"]])
            case "tool_result":
                entry = calls.get(d["id"])
                if entry is None:
                    entry = {"id": d["id"], "tool": None, "args": {}}
                    result["tool_calls"].append(entry)
                entry.update(status=d["status"], summary=d["summary"], truncated=d["truncated"])
            case "message":
                result["messages"].append(d["text"])
            case "answer":
                result["answer"] = d["text"]
            case "approval_required":
                result["approvals"].append(d)
            case "error":
                result["errors"].append(d)
    return result


async def redacted(events: AsyncIterator[Event]) -> AsyncIterator[Event]:
    """The last line of defence: nothing secret-looking leaves in an event, whatever produced it."""
    async for event in events:
        yield Event(event.type, redact_data(event.data))


async def completed(events: AsyncIterator[Event]) -> AsyncIterator[Event]:
    """The streaming twin of the 500 handler: a failure nobody mapped to an `error` event still ends the
    stream with `error` internal_error and `done` — never a cut connection, never a traceback."""
    started = time.monotonic()
    tally = Tally()
    try:
        async for event in events:
            tally.add(event)
            yield event
    except Exception as exc:  # the boundary: logged with its traceback, reported as an event
        log.error("investigation failed unexpectedly", exc_info=exc)
        if not tally.done:
            yield make.error("internal_error", INTERNAL_ERROR_MESSAGE)
            yield make.done(int((time.monotonic() - started) * 1000), tally.steps)


async def respond(events: AsyncIterator[Event], stream: bool, fmt: str, extra: dict[str, Any], *,
                  tap: Tap | None = None, shutdown_grace_s: float = 0.0, ping_s: float = PING_INTERVAL_S,
                  on_ping: Callable[[], None] | None = None) -> Response:
    """The HTTP response for an event stream: plain text, SSE, or (stream=false) one JSON document.

    Every event is redacted, then given to `tap` (the audit trail: it sees exactly what the client gets).
    `shutdown_grace_s`: on shutdown, how long an SSE response waits for the stream's last events (the
    lifecycle guard's `error` + `done`) before sse-starlette cancels it. `ping_s`: the SSE keep-alive
    interval (`KeepAlive`); `on_ping` is called at each one.
    """
    events = redacted(completed(events))
    if tap is not None:
        events = tap(events)
    if not stream:
        return JSONResponse({**redact_data(extra), **(await collect(events))})  # `question` echoed: redacted
    if fmt == "sse":
        return EventSourceResponse(sse_stream(events), ping=ping_s, send_timeout=30,
                                   shutdown_grace_period=shutdown_grace_s,
                                   ping_message_factory=lambda: KeepAlive(on_ping))
    return StreamingResponse(
        text_stream(events),
        media_type="text/plain; charset=utf-8",
        headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"},
    )
