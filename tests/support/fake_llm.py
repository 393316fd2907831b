"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1.

The LLM is the only thing the test suite fakes. This is a real HTTP server (so litellm, DSPy and
HolmesGPT talk to it exactly as they would to a provider) fed from a queue of scripted replies, and it
records every request it receives so tests can assert on what the model was shown.

- DSPy classification calls (recognised by the `[[ ## question ## ]]` field) are answered by
  `classify`, a function of the question, so they never consume the investigation script.
- Every other call pops the next scripted reply; an empty queue answers with a plain text reply. A
  `responder` (a function of the request body) answers instead when set: it scripts many concurrent
  conversations at once, each by its own state (the benchmarks use it).
- `usage.prompt_tokens` is counted exactly with tiktoken (cl100k_base) over the messages and the tool
  schemas the server received (`count_prompt`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Reply:
    """One scripted model reply."""

    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200  # non-200 → an error response with this status
    delay_s: float = 0.0  # wait before answering (for timeout tests)
    prompt_tokens: int | None = None
    completion_tokens: int = 12


def text(content: str, **kw: Any) -> Reply:
    return Reply(content=content, **kw)


def tool_call(name: str, arguments: dict[str, Any], content: str | None = None, **kw: Any) -> Reply:
    return Reply(content=content, tool_calls=[{"name": name, "arguments": arguments}], **kw)


def tool_calls(calls: list[tuple[str, dict[str, Any]]], content: str | None = None) -> Reply:
    return Reply(content=content, tool_calls=[{"name": n, "arguments": a} for n, a in calls])


def error(status: int = 500, delay_s: float = 0.0) -> Reply:
    return Reply(status=status, delay_s=delay_s)


_QUESTION_FIELD = re.compile(r"\[\[ ## question ## \]\]\s*(.*?)(?:\n\n|\Z)", re.S)


def question_of(body: dict[str, Any]) -> str | None:
    """The question of a DSPy classification request, or None for any other request."""
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            found = _QUESTION_FIELD.findall(message["content"])
            return found[-1].strip() if found else None
    return None


@cache
def _encoding() -> Any:
    """tiktoken's cl100k_base, from the copy litellm bundles (tiktoken would download it; no network here)."""
    import tiktoken

    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        spec = importlib.util.find_spec("litellm")
        if spec is not None and spec.submodule_search_locations:
            bundled = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
            os.environ["TIKTOKEN_CACHE_DIR"] = str(bundled)  # what importing litellm sets anyway
    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    """Exact cl100k_base token count of `text`."""
    return len(_encoding().encode(text, disallowed_special=()))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class PromptCount:
    """Prompt tokens of one request: messages + tool schemas, with the system prompt broken out."""

    system: int  # the system message(s) content
    messages: int  # every message: role, content, tool calls, tool call ids (system included)
    tools: int  # the tool schemas (the `tools` JSON)

    @property
    def total(self) -> int:
        return self.messages + self.tools


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multi-part content
        return "".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    return "" if content is None else _json(content)


def count_prompt(body: dict[str, Any]) -> PromptCount:
    """What a request costs in prompt tokens, counted over exactly what the server received.

    Per message: its role, its text content, its tool calls (as JSON) and tool call id, plus 3 tokens of
    framing (OpenAI's chat format overhead); the `tools` list counts as its JSON.
    """
    system = 0
    total = 0
    for message in body.get("messages", []):
        text = _content_text(message.get("content"))
        n = 3 + count_tokens(str(message.get("role", ""))) + count_tokens(text)
        if message.get("tool_calls"):
            n += count_tokens(_json(message["tool_calls"]))
        if message.get("tool_call_id"):
            n += count_tokens(str(message["tool_call_id"]))
        if message.get("name"):
            n += count_tokens(str(message["name"]))
        if message.get("role") == "system":
            system += count_tokens(text)
        total += n
    tools = count_tokens(_json(body["tools"])) if body.get("tools") else 0
    return PromptCount(system=system, messages=total, tools=tools)


def estimate_tokens(body: dict[str, Any]) -> int:
    """Prompt size reported as usage like a provider would: exact cl100k_base tokens (`count_prompt`)."""
    return max(1, count_prompt(body).total)


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of concurrent clients (the load benchmark's
    # hundreds of investigations) would overflow it and wait for TCP SYN retransmits (1 s, 3 s, ...).
    request_queue_size = 512


class FakeLLM:
    """Start with `with FakeLLM() as llm:`; point clients at `llm.base_url` with model `openai/fake`."""

    def __init__(self, classify: Callable[[str], str] | None = None) -> None:
        self.classify: Callable[[str], str] = classify or (lambda _q: "general")
        self.classify_status = 200
        self.classify_delay_s = 0.0
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0  # requests received and not answered yet
        # When set, answers every non-classification request instead of the script queue.
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self._script: queue.Queue[Reply] = queue.Queue()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    # -- script ----------------------------------------------------------------------------------
    def script(self, *replies: Reply) -> None:
        for reply in replies:
            self._script.put(reply)

    def reset(self) -> None:
        self.responder = None
        with self._lock:
            self.requests.clear()
        while not self._script.empty():
            self._script.get_nowait()

    @property
    def investigation_requests(self) -> list[dict[str, Any]]:
        """Requests that were not DSPy classification calls."""
        with self._lock:
            return [r for r in self.requests if question_of(r) is None]

    @property
    def classification_requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if question_of(r) is not None]

    # -- HTTP ------------------------------------------------------------------------------------
    def _next_reply(self, body: dict[str, Any]) -> Reply:
        question = question_of(body)
        if question is not None:
            label = self.classify(question)
            content = (
                f"[[ ## problem_type ## ]]\n{label}\n\n[[ ## confidence ## ]]\n0.9\n\n[[ ## completed ## ]]"
            )
            return Reply(content=content, status=self.classify_status, delay_s=self.classify_delay_s)
        if self.responder is not None:
            return self.responder(body)
        try:
            return self._script.get_nowait()
        except queue.Empty:
            return Reply(content="(fake LLM: script exhausted)")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                self._send_json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                body["_headers"] = {k.lower(): v for k, v in self.headers.items()}
                with fake._lock:
                    fake.requests.append(body)
                    fake.in_flight += 1
                try:
                    self._answer(body)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _answer(self, body: dict[str, Any]) -> None:
                reply = fake._next_reply(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    self._send_json(
                        reply.status,
                        {"error": {"message": f"scripted failure {reply.status}", "type": "server_error"}},
                    )
                    return
                if body.get("stream"):
                    self._send_stream(body, reply)
                else:
                    self._send_json(200, self._completion(body, reply))

            def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
                message: dict[str, Any] = {"role": "assistant", "content": reply.content}
                if reply.tool_calls:
                    message["tool_calls"] = [
                        {
                            "id": f"call_{len(fake.requests)}_{i}",
                            "type": "function",
                            "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
                        }
                        for i, c in enumerate(reply.tool_calls)
                    ]
                prompt_tokens = reply.prompt_tokens or estimate_tokens(body)
                return {
                    "id": f"chatcmpl-{len(fake.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": reply.completion_tokens,
                        "total_tokens": prompt_tokens + reply.completion_tokens,
                    },
                }

            def _send_stream(self, body: dict[str, Any], reply: Reply) -> None:
                full = self._completion(body, reply)
                delta = dict(full["choices"][0]["message"])
                if "tool_calls" in delta:
                    delta["tool_calls"] = [dict(c, index=i) for i, c in enumerate(delta["tool_calls"])]
                chunks = [
                    {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                    {
                        "choices": [
                            {"index": 0, "delta": {}, "finish_reason": full["choices"][0]["finish_reason"]}
                        ],
                        "usage": full["usage"],
                    },
                ]
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for chunk in chunks:
                    chunk.update(id=full["id"], object="chat.completion.chunk", model=full["model"])
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

            def _send_json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
