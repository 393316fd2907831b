"""The LLM investigation engine: HolmesGPT 0.45 used as a library.

Importing HolmesGPT costs ~6 s and ~300 MB, so it happens once, in the background, after startup
(`warm_up`), never per request and never at import time. `call_stream` is a blocking generator: it
runs on a worker thread and hands events to the event loop through a queue; closing the async
iterator (client gone) sets the engine's cancel event, which stops it before the next LLM call.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app import events
from app.errors import EngineError
from app.events import Event, summarize_output
from app.tools.kubectl import KubectlRunner

if TYPE_CHECKING:
    from holmes.core.tool_calling_llm import ToolCallingLLM

    from app.settings import Settings

log = logging.getLogger(__name__)

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
    """Map a failure inside HolmesGPT / litellm to a user-facing error code, without its raw text."""
    # litellm's exceptions derive from the openai SDK's; its own APIError is not their common base.
    import openai

    status = getattr(exc, "status_code", None)
    suffix = f" (HTTP {status})" if isinstance(status, int) else ""
    if isinstance(exc, openai.APITimeoutError):
        return EngineError("The LLM did not answer in time.", code="llm_timeout")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return EngineError(f"The LLM rejected the API key{suffix}.", code="llm_auth_failed")
    if isinstance(exc, openai.RateLimitError):
        return EngineError("The LLM provider is rate limiting requests.", code="llm_rate_limited")
    if isinstance(exc, openai.BadRequestError | openai.NotFoundError):
        return EngineError(f"The LLM refused the request{suffix}.", code="llm_bad_request")
    if isinstance(exc, openai.APIError):
        return EngineError(f"The LLM is unavailable{suffix}.", code="llm_unavailable")
    return EngineError(f"The investigation engine failed ({type(exc).__name__}).", code="engine_failed")


class HolmesEngine:
    def __init__(self, settings: Settings, runner: KubectlRunner) -> None:
        self.settings = settings
        self.runner = runner
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="holmes")
        self._ready: Future[ToolCallingLLM] | None = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------
    def warm_up(self) -> Future[ToolCallingLLM]:
        """Start importing and building HolmesGPT in the background (idempotent)."""
        with self._lock:
            if self._ready is None:
                self._ready = self._pool.submit(self._build)
            return self._ready

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    @property
    def ready(self) -> bool:
        return self._ready is not None and self._ready.done() and self._ready.exception() is None

    def _build(self) -> ToolCallingLLM:
        # litellm would otherwise try to download its model cost map on first use.
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import holmes.core.llm as holmes_llm
        from holmes.config import Config
        from holmes.core.tools import PrerequisiteCacheMode, ToolsetTag

        from app.engine.holmes_tools import KubernetesToolset

        # Read by HolmesGPT at import from the environment; set from our Settings instead.
        holmes_llm.LLM_REQUEST_TIMEOUT = self.settings.llm_timeout_s
        toolsets: dict[str, dict[str, Any]] = {name: {"enabled": False} for name in _BUILTINS_OFF}
        if self.settings.prometheus_url:
            toolsets["prometheus/metrics"] = {
                "enabled": True,
                "config": {"prometheus_url": self.settings.prometheus_url},
            }
        mcp = {
            name: {
                "description": server.description or f"MCP server {name}",
                "config": server.config.model_dump(exclude_none=True),
            }
            for name, server in self.settings.mcp_servers.items()
            if server.enabled
        }
        config = Config(
            model=self.settings.effective_llm_model,
            api_key=self.settings.effective_llm_api_key,
            api_base=self.settings.llm_api_base,
            max_steps=self.settings.max_steps,
            toolsets=toolsets,
            mcp_servers=mcp or None,
            additional_toolsets=[KubernetesToolset(self.runner)],
        )
        return config.create_toolcalling_llm(
            toolset_tag_filter=[ToolsetTag.CORE, ToolsetTag.CLI],
            enable_all_toolsets_possible=False,
            prerequisite_cache=PrerequisiteCacheMode.DISABLED,
        )

    def toolsets(self) -> list[ToolsetStatus]:
        """The engine's toolsets as the model sees them (only the enabled or failed ones)."""
        if self._ready is None or not self._ready.done():
            return [ToolsetStatus("holmesgpt", "loading", None, [])]
        if (exc := self._ready.exception()) is not None:
            return [ToolsetStatus("holmesgpt", "failed", engine_error(exc).message, [])]
        out = []
        for ts in self._ready.result().tool_executor.toolsets:
            status = ts.status.value if ts.status else "disabled"
            if status == "disabled" and not ts.enabled:
                continue
            out.append(ToolsetStatus(ts.name, status, ts.error, [t.name for t in ts.tools]))
        return out

    # -- investigation ---------------------------------------------------------------------------
    async def investigate(self, request: EngineRequest) -> AsyncIterator[Event]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()

        def put(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def work() -> None:
            from holmes.core.prompt import build_initial_ask_messages
            from holmes.core.tool_calling_llm import LLMInterruptedError, ToolCallingLLM

            try:
                base = self.warm_up().result()
                ai = ToolCallingLLM(base.tool_executor, request.max_steps, base.llm, tool_results_dir=None)
                messages = build_initial_ask_messages(
                    request.question,
                    None,
                    ai.tool_executor,
                    skills=None,
                    system_prompt_additions=request.system_prompt_additions,
                )
                for message in ai.call_stream(msgs=messages, cancel_event=cancel):
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

        self._pool.submit(work)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, _End):
                    return
                if isinstance(item, EngineError):
                    yield events.error(item.code, item.message)
                    continue
                for event in self._translate(item.event.value, item.data):
                    yield event
        finally:
            cancel.set()

    def _translate(self, name: str, data: dict[str, Any]) -> list[Event]:
        if name == "ai_message" and (data.get("content") or "").strip():
            return [events.message(data["content"])]
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
            return [
                events.tool_call(call_id, str(data.get("tool_name")), params),
                events.tool_result(call_id, status, summarize_output(text), truncated),
            ]
        if name == "ai_answer_end":
            costs = (data.get("metadata") or {}).get("costs") or {}
            return [
                events.answer(str(data.get("content") or "")),
                events.usage(
                    int(costs.get("prompt_tokens") or 0),
                    int(costs.get("completion_tokens") or 0),
                    int(data.get("num_llm_calls") or 0),
                ),
            ]
        if name == "error":
            return [events.error("engine_failed", str(data.get("msg") or "The engine reported an error."))]
        return []
