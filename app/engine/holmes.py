"""The LLM investigation engine: HolmesGPT 0.45 used as a library.

Importing HolmesGPT costs ~6 s and ~300 MB, so it happens once, in the background, after startup
(`warm_up`), never per request and never at import time. `call_stream` is a blocking generator: it
runs on a worker thread and hands events to the event loop through a queue; closing the async
iterator (client gone) sets the engine's cancel event, which stops it before the next LLM call.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app import events
from app.approvals import ApprovalStore, PendingCall, Resumption
from app.engine import guard
from app.engine.model_output import clean_answer, strip_thinking, text_tool_call
from app.errors import EngineError
from app.events import Event, summarize_output
from app.tools.kubectl import KubectlRunner

if TYPE_CHECKING:
    from holmes.core.tool_calling_llm import ToolCallingLLM

    from app.settings import Settings

log = logging.getLogger(__name__)

# request_context keys passed through HolmesGPT's call_stream into each of our tools (app/engine/holmes_tools.py):
# the investigation's cancel event (kills a running kubectl) and a hook streaming `tool_call` before it runs.
CANCEL_KEY = "copilot_cancel"
ON_START_KEY = "copilot_on_tool_start"

# HolmesGPT toolsets that are on by default even with enable_all_toolsets_possible=False. We use our
# own policy-checked kubernetes toolset instead of bash, and want no internet or planning tools.
_BUILTINS_OFF = ("core_investigation", "internet", "connectivity_check", "bash", "skills",
                 "kubernetes/logs", "kubernetes/core", "kubernetes/live-metrics",
                 "kubernetes/kube-prometheus-stack")


@dataclass(frozen=True)
class EngineRequest:
    question: str
    system_prompt_additions: str
    max_steps: int


@dataclass(frozen=True)
class ToolsetStatus:
    name: str
    status: str  # enabled | disabled | failed | loading
    error: str | None
    tools: list[str]


class _End:
    pass


def engine_error(exc: BaseException) -> EngineError:
    """Map a failure inside HolmesGPT / litellm to a user-facing error code, without its raw text.

    Transient failures arrive here only after `llm_max_retries` retries (app/engine/retries.py): the
    message says how many requests were made.
    """
    # litellm's exceptions derive from the openai SDK's; its own APIError is not their common base.
    import openai

    status = getattr(exc, "status_code", None)
    suffix = f" (HTTP {status})" if isinstance(status, int) else ""
    attempts = getattr(exc, "copilot_attempts", 1)
    tries = f" after {attempts} attempts" if isinstance(attempts, int) and attempts > 1 else ""
    if isinstance(exc, openai.APITimeoutError):
        return EngineError(f"The LLM did not answer in time{tries}.", code="llm_timeout")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return EngineError(f"The LLM rejected the API key{suffix}.", code="llm_auth_failed")
    if isinstance(exc, openai.RateLimitError):
        return EngineError(f"The LLM provider is rate limiting requests{tries}.", code="llm_rate_limited")
    if isinstance(exc, openai.BadRequestError | openai.NotFoundError):
        return EngineError(f"The LLM refused the request{suffix}.", code="llm_bad_request")
    if isinstance(exc, openai.APIConnectionError):
        return EngineError(f"The LLM cannot be reached{tries}.", code="llm_unavailable")
    if isinstance(exc, openai.APIError):
        return EngineError(f"The LLM is unavailable{suffix}{tries}.", code="llm_unavailable")
    return EngineError(f"The investigation engine failed ({type(exc).__name__}).", code="engine_failed")


class HolmesEngine:
    def __init__(self, settings: Settings, runner: KubectlRunner, approvals: ApprovalStore) -> None:
        self.settings = settings
        self.runner = runner
        self.approvals = approvals
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="holmes")
        self._ready: Future[ToolCallingLLM] | None = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------
    def warm_up(self) -> Future[ToolCallingLLM]:
        """Start importing and building HolmesGPT in the background (idempotent)."""
        with self._lock:
            if self._ready is None:
                self._ready = self._pool.submit(self._build_with_retries)
            return self._ready

    def _build_with_retries(self) -> ToolCallingLLM:
        """`_build`, then our LLM retry policy on the client it made (`llm_max_retries`)."""
        from app.engine.retries import install_retries

        ai = self._build()
        install_retries(ai.llm, self.settings.llm_max_retries)
        return ai

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    @property
    def ready(self) -> bool:
        return self._ready is not None and self._ready.done() and self._ready.exception() is None

    @property
    def failed(self) -> bool:
        """Building the engine failed (it stays failed; /tools says why)."""
        return self._ready is not None and self._ready.done() and self._ready.exception() is not None

    def _build(self) -> ToolCallingLLM:
        # litellm would otherwise try to download its model cost map on first use.
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import holmes.core.llm as holmes_llm
        import holmes.plugins.toolsets.mcp.toolset_mcp as holmes_mcp
        import holmes.utils.approval_tokens as approval_tokens
        from holmes.config import Config
        from holmes.core.tools import PrerequisiteCacheMode, ToolsetTag

        from app.engine.holmes_config import bound_prometheus_output, mcp_plan, prometheus_toolset
        from app.engine.holmes_tools import KubernetesToolset

        # Read by HolmesGPT at import from the environment; set from our Settings instead.
        holmes_llm.LLM_REQUEST_TIMEOUT = self.settings.llm_timeout_s
        # Approval tokens are signed with a key HolmesGPT reads at import: use our persistent one.
        approval_tokens.SIGNING_KEY = self.approvals.signing_key()
        toolsets: dict[str, dict[str, Any]] = {name: {"enabled": False} for name in _BUILTINS_OFF}
        if self.settings.prometheus_url:
            toolsets["prometheus/metrics"] = prometheus_toolset(self.settings)
        # An MCP tool call may take as long as any other tool (HolmesGPT's default: 120 s, from the env).
        holmes_mcp.MCP_TOOL_CALL_TIMEOUT_SEC = self.settings.tool_timeout_s
        mcp = mcp_plan(self.settings.mcp_servers, [mode.value for mode in holmes_mcp.MCPMode]).servers
        config = Config(
            model=self.settings.effective_llm_model,
            api_key=self.settings.effective_llm_api_key,
            api_base=self.settings.llm_api_base,
            max_steps=self.settings.max_steps,
            toolsets=toolsets,
            mcp_servers=mcp or None,
            additional_toolsets=[KubernetesToolset(self.runner)],
        )
        ai = config.create_toolcalling_llm(
            toolset_tag_filter=[ToolsetTag.CORE, ToolsetTag.CLI],
            enable_all_toolsets_possible=False,
            prerequisite_cache=PrerequisiteCacheMode.DISABLED,
        )
        bound_prometheus_output(
            ai.tool_executor.toolsets, ai.llm.get_context_window_size(), self.settings.tool_output_max_chars
        )
        guard.install(ai.llm)  # redaction and untrusted-data framing on every call to the model
        return ai

    def toolsets(self) -> list[ToolsetStatus]:
        """The engine's toolsets as the model sees them (enabled or failed), plus MCP servers left out."""
        if self._ready is None or not self._ready.done():
            return [ToolsetStatus("holmesgpt", "loading", None, [])]
        if (exc := self._ready.exception()) is not None:
            return [ToolsetStatus("holmesgpt", "failed", engine_error(exc).message, [])]
        from holmes.plugins.toolsets.mcp.toolset_mcp import MCPMode

        from app.engine.holmes_config import mcp_plan, toolset_states

        plan = mcp_plan(self.settings.mcp_servers, [mode.value for mode in MCPMode])
        states = toolset_states(self._ready.result().tool_executor.toolsets, plan)
        return [ToolsetStatus(s.name, s.status, s.error, s.tools) for s in states]

    # -- investigation ---------------------------------------------------------------------------
    def investigate(self, request: EngineRequest) -> AsyncIterator[Event]:
        def start(ai: ToolCallingLLM, cancel: threading.Event, context: dict[str, Any]) -> Iterator[Any]:
            from datetime import UTC, datetime

            from holmes.core.prompt import PromptComponent, build_initial_ask_messages

            # Token diet: HolmesGPT's own sections (~3.7k tokens on every call: intro, generic guidelines,
            # style guide, a list of every toolset we switched off, "no log tools" although kubectl reads logs, is
            # ours) are replaced by our additions. Kept: the instructions of enabled toolsets that have
            # them (Prometheus, MCP), and the current time in one line instead of the time-and-skills block.
            overrides = {c: c is PromptComponent.SYSTEM_PROMPT_ADDITIONS for c in PromptComponent}
            toolset_notes = [f"## {t.name}\n{t.llm_instructions.strip()}" for t in ai.tool_executor.toolsets
                             if t.status.value == "enabled" and t.llm_instructions]
            additions = [request.system_prompt_additions, *toolset_notes, guard.INJECTION_NOTICE,
                         f"Current UTC time: {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}."]
            messages = build_initial_ask_messages(
                request.question, None, ai.tool_executor, skills=None,
                system_prompt_additions="\n\n".join(additions), prompt_component_overrides=overrides,
            )
            stream: Iterator[Any] = ai.call_stream(msgs=messages, cancel_event=cancel, enable_tool_approval=True,
                                                   request_context=context)
            return stream

        return self._run(start, request.question, request.max_steps)

    def resume(self, resumption: Resumption) -> AsyncIterator[Event]:
        """Continue a paused investigation with the human's decision on one command."""

        def start(ai: ToolCallingLLM, cancel: threading.Event, context: dict[str, Any]) -> Iterator[Any]:
            from holmes.core.models import ToolApprovalDecision

            decision = ToolApprovalDecision(
                tool_call_id=resumption.approval.tool_call_id,
                approved=resumption.approve,
                feedback=resumption.feedback or (None if resumption.approve else "The operator declined."),
            )
            stream: Iterator[Any] = ai.call_stream(
                msgs=resumption.messages, tool_decisions=[decision], cancel_event=cancel, enable_tool_approval=True,
                request_context=context,
            )
            return stream

        return self._run(start, resumption.question, resumption.max_steps)

    async def _run(self, start: Callable[[ToolCallingLLM, threading.Event, dict[str, Any]], Iterator[Any]],
                   question: str,
                   max_steps: int) -> AsyncIterator[Event]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()
        announced: set[str] = set()  # tool calls already streamed by our tools, before they ran

        def put(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def tool_started(call_id: str, tool: str, params: dict[str, Any]) -> None:
            announced.add(call_id)
            put(events.tool_call(call_id, tool, dict(params)))

        def tool_context(cancel_event: threading.Event) -> dict[str, Any]:
            return {CANCEL_KEY: cancel_event, ON_START_KEY: tool_started}

        def work() -> None:
            from holmes.core.tool_calling_llm import LLMInterruptedError, ToolCallingLLM

            try:
                base = self.warm_up().result()
                ai = ToolCallingLLM(base.tool_executor, max_steps, base.llm, tool_results_dir=None)
                for message in start(ai, cancel, tool_context(cancel)):
                    if cancel.is_set():
                        break
                    put(message)
            except LLMInterruptedError:
                pass
            except Exception as exc:
                log.warning("engine failed", exc_info=exc)
                put(engine_error(exc))
            finally:
                put(_End())

        # The worker inherits this task's context: its log lines carry the investigation id.
        self._pool.submit(contextvars.copy_context().run, work)
        reasons: dict[str, str] = {}
        try:
            while True:
                item = await queue.get()
                if isinstance(item, _End):
                    return
                if isinstance(item, EngineError):
                    yield events.error(item.code, item.message)
                    continue
                if isinstance(item, Event):
                    yield item
                    continue
                name, data = item.event.value, item.data
                if name == "tool_calling_result":
                    result = data.get("result") or {}
                    reasons[str(data.get("tool_call_id"))] = str(result.get("error") or "")
                if name == "approval_required":
                    for event in await asyncio.to_thread(self._pause, question, max_steps, data, reasons):
                        yield event
                    continue
                for event in self._translate(name, data, announced):
                    yield event
        finally:
            cancel.set()

    def _pause(self, question: str, max_steps: int, data: dict[str, Any], reasons: dict[str, str]) -> list[Event]:
        """Persist the paused conversation; one `approval_required` event per command waiting for a human."""
        calls = []
        for pending in data.get("pending_approvals") or []:
            params = pending.get("params") or {}
            command = params.get("command") or pending.get("description") or json.dumps(params)
            call_id = str(pending.get("tool_call_id"))
            why = reasons.get(call_id) or "this tool call needs approval"
            calls.append(PendingCall(call_id, str(pending.get("tool_name")), str(command), why))
        if not calls:
            return [events.error("engine_failed", "The engine paused without saying what needs approval.")]
        approvals = self.approvals.add(question, max_steps, list(data.get("messages") or []), calls)
        return [events.approval_required(a.id, a.tool, a.command, a.why) for a in approvals]

    def _translate(self, name: str, data: dict[str, Any], announced: set[str]) -> list[Event]:
        if name == "ai_message":
            text = strip_thinking(str(data.get("content") or ""))
            return [events.message(text)] if text else []
        if name == "tool_calling_result":
            result = data.get("result") or {}
            params = dict(result.get("params") or {})
            truncated = bool(params.pop("truncated", False))
            output = result.get("data")
            text = output if isinstance(output, str) else ("" if output is None else str(output))
            raw_status = result.get("status", "error")
            status = str(getattr(raw_status, "value", raw_status))
            if result.get("error") and status != "success":
                text = f"{result['error']}\n{text}".strip() if result["error"] not in text else text
            call_id = str(data.get("tool_call_id"))
            result_event = events.tool_result(call_id, status, summarize_output(text), truncated)
            if call_id in announced:
                return [result_event]
            return [events.tool_call(call_id, str(data.get("tool_name")), params), result_event]
        if name == "ai_answer_end":
            costs = (data.get("metadata") or {}).get("costs") or {}
            content = str(data.get("content") or "")
            if (call := text_tool_call(content)) is not None:
                # A model without tool calling writes the call as text: not an answer to show.
                return [
                    events.error(
                        "llm_no_tool_calling",
                        f"The model asked for tool '{call[0]}' in plain text instead of calling it: it does not "
                        "seem to support tool calling. Use a model that does, or mode=runbook.",
                    ),
                    events.usage(int(costs.get("prompt_tokens") or 0), int(costs.get("completion_tokens") or 0),
                                 int(data.get("num_llm_calls") or 0)),
                ]
            return [
                events.answer(clean_answer(content)),
                events.usage(
                    int(costs.get("prompt_tokens") or 0),
                    int(costs.get("completion_tokens") or 0),
                    int(data.get("num_llm_calls") or 0),
                ),
            ]
        if name == "error":
            return [events.error("engine_failed", str(data.get("msg") or "The engine reported an error."))]
        return []
