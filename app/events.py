"""The investigation's events: the streaming contract shared by the text, SSE and JSON renderings.

`classification` {problem_type, confidence, method} · `runbooks` {ids} · `tool_call` {id, tool, args} ·
`tool_result` {id, status, summary, truncated} · `message` {text} · `answer` {text} ·
`usage` {prompt_tokens, completion_tokens, llm_calls} · `approval_required` {id, tool, command, why} ·
`error` {code, message} · `done` {elapsed_ms, steps}. Every stream ends with `done`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EventType = Literal[
    "classification",
    "runbooks",
    "tool_call",
    "tool_result",
    "message",
    "answer",
    "usage",
    "approval_required",
    "error",
    "done",
]


@dataclass(frozen=True)
class Event:
    type: EventType
    data: dict[str, Any] = field(default_factory=dict)


def classification(problem_type: str, confidence: float, method: str) -> Event:
    return Event("classification", {"problem_type": problem_type, "confidence": confidence, "method": method})


def runbooks(ids: list[str]) -> Event:
    return Event("runbooks", {"ids": ids})


def tool_call(call_id: str, tool: str, args: dict[str, Any]) -> Event:
    return Event("tool_call", {"id": call_id, "tool": tool, "args": args})


def tool_result(call_id: str, status: str, summary: str, truncated: bool) -> Event:
    return Event("tool_result", {"id": call_id, "status": status, "summary": summary, "truncated": truncated})


def message(text: str) -> Event:
    return Event("message", {"text": text})


def answer(text: str) -> Event:
    return Event("answer", {"text": text})


def usage(prompt_tokens: int, completion_tokens: int, llm_calls: int) -> Event:
    return Event(
        "usage",
        {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "llm_calls": llm_calls},
    )


def approval_required(approval_id: str, tool: str, command: str, why: str) -> Event:
    return Event("approval_required", {"id": approval_id, "tool": tool, "command": command, "why": why})


def error(code: str, message_text: str) -> Event:
    return Event("error", {"code": code, "message": message_text})


def done(elapsed_ms: int, steps: int) -> Event:
    return Event("done", {"elapsed_ms": elapsed_ms, "steps": steps})


def summarize_output(output: str, max_lines: int = 12, max_chars: int = 1500) -> str:
    """The head of a tool's output, as shown to the user in `tool_result.summary`."""
    lines = output.strip().splitlines()
    head = "\n".join(lines[:max_lines])
    if len(head) > max_chars:
        head = head[:max_chars].rstrip() + " …"
    more = len(lines) - max_lines
    return head + (f"\n… ({more} more lines)" if more > 0 else "")
