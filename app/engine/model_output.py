"""Making sense of what models really return.

Reasoning models put `<think>` blocks in their answers; some wrap the answer in ```json fences or answer
with a JSON object; models without tool calling write the call they wanted as text. The user sees a
clean answer either way, and a text tool call is recognised (so auto mode can investigate without the
model) instead of being shown as if it were an answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

_THINK = re.compile(r"<(think|thinking|reasoning)>.*?(?:</\1>|\Z)", re.S | re.I)
_FENCED = re.compile(r"\A\s*```[a-zA-Z]*[ \t]*\n(.*?)\n?[ \t]*```\s*\Z", re.S)
_TOOL_KEYS = (("name", "arguments"), ("tool", "args"), ("tool", "arguments"), ("name", "parameters"),
              ("function", "arguments"), ("tool_name", "tool_input"))


def strip_thinking(text: str) -> str:
    return _THINK.sub("", text).strip()


def _unfence(text: str) -> str:
    match = _FENCED.match(text)
    return match.group(1).strip() if match else text


def _json_object(text: str) -> dict[str, Any] | None:
    candidate = _unfence(text)
    if not candidate.startswith("{"):
        return None
    try:
        value = json.loads(candidate)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def text_tool_call(text: str) -> tuple[str, dict[str, Any]] | None:
    """(tool, arguments) when the 'answer' is really a tool call written as JSON text."""
    value = _json_object(strip_thinking(text))
    if value is None:
        return None
    for name_key, args_key in _TOOL_KEYS:
        name: Any = value.get(name_key)
        args: Any = value.get(args_key)
        if isinstance(name, dict):  # {"function": {"name": ..., "arguments": ...}}
            name, args = name.get("name"), name.get("arguments", args)
        if isinstance(name, str) and isinstance(args, dict | str):
            if isinstance(args, str):
                try:
                    args = json.loads(args)
                except json.JSONDecodeError:
                    args = {"input": args}
            return name, args if isinstance(args, dict) else {"input": args}
    return None


def _render(value: Any, depth: int = 0) -> str:
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            title = str(key).replace("_", " ").strip().capitalize()
            body = _render(item, depth + 1)
            lines.append(f"**{title}**: {body}" if "\n" not in body else f"**{title}**\n{body}")
        return "\n".join(lines)
    if isinstance(value, list):
        return "\n".join(f"- {_render(item, depth + 1)}" for item in value)
    return str(value)


def clean_answer(text: str) -> str:
    """The answer a user should read: no thinking, no wrapping fence, JSON rendered as Markdown."""
    text = strip_thinking(text)
    value = _json_object(text)
    if value is not None:
        return _render(value)
    return _unfence(text)
