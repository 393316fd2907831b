from __future__ import annotations

from collections.abc import AsyncIterator

from app import events
from app.events import Event, summarize_output
from app.stream import collect, render_text

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
