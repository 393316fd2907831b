from __future__ import annotations

import pytest

from app.engine.model_output import clean_answer, text_tool_call
from tests.support.client import first, kinds, sse_events
from tests.support.fake_llm import FakeLLM, text


def test_thinking_is_removed() -> None:
    assert clean_answer("<think>the user wants…\nmaybe OOM</think>\n**Root cause**: OOM") == "**Root cause**: OOM"
    assert clean_answer("<think>never closed, all of it is thinking") == ""


def test_a_fenced_markdown_answer_is_unwrapped() -> None:
    assert clean_answer("```markdown\n**Root cause**: bad tag\n```") == "**Root cause**: bad tag"


def test_a_json_answer_is_rendered_as_markdown() -> None:
    text = '```json\n{"root_cause": "limit too low", "evidence": ["OOMKilled", "exit 137"], "fix": "raise it"}\n```'
    assert clean_answer(text) == (
        "**Root cause**: limit too low\n**Evidence**\n- OOMKilled\n- exit 137\n**Fix**: raise it"
    )


def test_plain_text_is_left_alone() -> None:
    text = "The pod crashes: `panic: missing DATABASE_URL`.\n\n```\nkubectl set env deploy/cart X=1\n```"
    assert clean_answer(text) == text


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "kubectl", "arguments": {"command": "kubectl get pods"}}',
        '```json\n{"tool": "kubectl", "args": {"command": "kubectl get pods"}}\n```',
        '<think>I should list pods</think>'
        '{"function": {"name": "kubectl", "arguments": "{\\"command\\": \\"kubectl get pods\\"}"}}',
    ],
)
def test_tool_calls_written_as_text_are_recognised(text: str) -> None:
    assert text_tool_call(text) == ("kubectl", {"command": "kubectl get pods"})


def test_an_answer_is_not_a_tool_call() -> None:
    assert text_tool_call('{"root_cause": "x", "fix": "y"}') is None
    assert text_tool_call("Root cause: x") is None


def test_reasoning_models_answers_arrive_clean(llm_service: str, fake_llm: FakeLLM) -> None:
    fake_llm.script(text('<think>cart panics…</think>\n```json\n{"root_cause": "missing DATABASE_URL"}\n```'))
    events = sse_events(llm_service, {"q": "why is cart crashing", "mode": "llm"})
    assert first(events, "answer")["text"] == "**Root cause**: missing DATABASE_URL"


@pytest.mark.parametrize(("mode", "falls_back"), [("auto", True), ("llm", False)])
def test_a_model_without_tool_calling_is_recognised(
    llm_service: str, fake_llm: FakeLLM, mode: str, falls_back: bool
) -> None:
    fake_llm.script(text('```json\n{"name": "kubectl", "arguments": {"command": "kubectl get pods -A"}}\n```'))
    events = sse_events(llm_service, {"q": "why is the cart pod restarting", "mode": mode})
    assert first(events, "error")["code"] == "llm_no_tool_calling"
    answers = [d["text"] for k, d in events if k == "answer"]
    assert not any('"arguments"' in a for a in answers)  # the text tool call is never shown as an answer
    if falls_back:  # auto mode investigates without the model instead
        assert "DATABASE_URL" in answers[-1]
    else:
        assert answers == []
    assert kinds(events)[-1] == "done"
