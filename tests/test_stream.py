from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
from httpx_sse import aconnect_sse
from httpx_sse._decoders import SSEDecoder
from sse_starlette import ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app import events
from app.events import Event, summarize_output
from app.stream import KeepAlive, collect, render_text, respond

SAMPLE = [
    events.classification("pod_crash", 0.9, "rules"),
    events.runbooks(["crashloop-backoff"]),
    events.tool_call("c1", "kubectl", {"command": "kubectl get pods"}),
    events.tool_result("c1", "success", "NAME READY\nweb 0/1", False),
    events.message("Looking at the logs next."),
    events.answer("Root cause: bad config."),
    events.usage(100, 20, 2),
    events.error("llm_timeout", "The LLM did not answer in time."),
    events.done(1234, 2),
]


async def _aiter(items: list[Event]) -> AsyncIterator[Event]:
    for item in items:
        yield item


def test_every_event_renders_as_readable_text() -> None:
    text = "".join(render_text(e) for e in SAMPLE)
    for expected in ("problem type: pod_crash (confidence 0.90, by rules)", "runbooks: crashloop-backoff",
                     "$ [kubectl] kubectl get pods", "    web 0/1", "Looking at the logs next.",
                     "══ answer ══\nRoot cause: bad config.", "100 prompt + 20 completion tokens, 2 LLM call(s)",
                     "✗ error [llm_timeout]", "■ done in 1234 ms, 2 step(s)"):
        assert expected in text


async def test_collect_holds_the_same_content() -> None:
    doc = await collect(_aiter(SAMPLE))
    assert doc["classification"]["problem_type"] == "pod_crash"
    assert doc["tool_calls"] == [{"id": "c1", "tool": "kubectl", "args": {"command": "kubectl get pods"},
                                  "status": "success", "summary": "NAME READY\nweb 0/1", "truncated": False}]
    assert doc["answer"] == "Root cause: bad config."
    assert doc["errors"] == [{"code": "llm_timeout", "message": "The LLM did not answer in time."}]
    assert doc["done"] == {"elapsed_ms": 1234, "steps": 2}


def test_summaries_are_bounded() -> None:
    summary = summarize_output("\n".join(f"line {i}" for i in range(100)))
    assert summary.count("\n") == 12
    assert summary.endswith("(88 more lines)")


# -- SSE keep-alive --------------------------------------------------------------------------------------
def test_a_keep_alive_between_events_dispatches_nothing_in_httpx_sse() -> None:
    """httpx-sse keeps the last `id:`, so a blank line after a ping would be an empty event for it."""
    body = (ServerSentEvent(data='{"a": 1}', event="first", id="1").encode() + KeepAlive().encode()
            + KeepAlive().encode() + ServerSentEvent(data='{"b": 2}', event="second", id="2").encode())
    decoder = SSEDecoder()
    got = [sse for line in body.decode().splitlines() if (sse := decoder.decode(line)) is not None]
    assert [(sse.event, json.loads(sse.data), sse.id) for sse in got] == [("first", {"a": 1}, "1"),
                                                                          ("second", {"b": 2}, "2")]


async def test_pings_while_the_investigation_waits_reach_an_httpx_sse_client_as_nothing() -> None:
    """A slow step (the first LLM reply) after an event: keep-alives go out, the reader sees only events."""
    pings = 0
    two_pings = asyncio.Event()

    def on_ping() -> None:
        nonlocal pings
        pings += 1
        if pings >= 2:
            two_pings.set()

    async def slow_investigation() -> AsyncIterator[Event]:
        yield events.classification("pod_crash", 0.9, "rules")
        await two_pings.wait()  # the pings come while the investigation waits
        yield events.answer("done waiting")
        yield events.done(5, 0)

    async def ask(_: Request) -> Response:
        return await respond(slow_investigation(), True, "sse", {}, ping_s=0.01, on_ping=on_ping)

    app = Starlette(routes=[Route("/ask", ask)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client, \
            aconnect_sse(client, "GET", "/ask") as source:
        got = [(sse.event, json.loads(sse.data)) async for sse in source.aiter_sse()]
    assert pings >= 2
    assert [kind for kind, _ in got] == ["classification", "answer", "done"]
    assert got[1][1] == {"text": "done waiting"}
