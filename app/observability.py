"""Observability: structured logs and Prometheus metrics.

Logs: `configure_logging` (called at startup, never at import) sends every record — ours, uvicorn's, the
libraries' — through one handler: one JSON object per line (`time`, `level`, `logger`, `message`, the
record's `extra` fields, and `investigation_id` while an investigation runs) or readable text lines.

Metrics: one `Metrics` per app, on its own `CollectorRegistry`, so several apps in one process (the tests)
never share counters. `RequestMetrics` is a pure ASGI middleware (it never buffers a stream);
`observe_investigation` watches an investigation's events on their way to the client.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextvars import ContextVar
from typing import Any, Literal, TextIO

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.events import Event
from app.outcome import OUTCOMES, Tally
from app.redact import RedactingFilter

log = logging.getLogger(__name__)

investigation_id: ContextVar[str | None] = ContextVar("investigation_id", default=None)

HANDLER_NAME = "k8s-copilot"
# uvicorn gives these loggers handlers of their own; route them through ours instead.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
# The in-process snapshot API server (app/snapshot/server.py) runs its uvicorn in a thread of this name: its
# lifecycle and access lines carry the service's own logger names ("Finished server process" twice).
_SNAPSHOT_SERVER_THREAD = "snapshot-api"
LogFormat = Literal["json", "text"]


def new_investigation_id() -> str:
    return uuid.uuid4().hex[:16]


# -- logs -------------------------------------------------------------------------------------------
class _InvestigationFilter(logging.Filter):
    """Stamps each record with the investigation it belongs to (from the context), if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = investigation_id.get()
        if current is not None and not hasattr(record, "investigation_id"):
            record.investigation_id = current
        return True


class _SnapshotServerFilter(logging.Filter):
    """Drops the in-process snapshot API server's uvicorn lines below WARNING: an implementation detail,
    indistinguishable from the service's own lines by logger name."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.threadName == _SNAPSHOT_SERVER_THREAD and record.name.startswith("uvicorn")
                    and record.levelno < logging.WARNING)


class _LineHandler(logging.Handler):
    """Writes one line per record to `stream`, or to whatever `sys.stderr` is at the time of the write
    (so a handler installed once keeps working when a test runner swaps stderr)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            stream = self._stream or sys.stderr
            stream.write(line + "\n")
            stream.flush()
        except (OSError, ValueError, TypeError):  # logging must never take the service down
            self.handleError(record)


class _TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        current = getattr(record, "investigation_id", None)
        return f"{text} [investigation {current}]" if current else text


class _JsonFormatter(JsonFormatter):
    def process_log_record(self, log_record: dict[str, Any]) -> dict[str, Any]:
        return {"time": log_record.pop("time", None), **log_record}  # time first, for people reading


def _json_formatter() -> logging.Formatter:
    return _JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's ANSI copy of the message
        json_ensure_ascii=False,
    )


def configure_logging(log_format: LogFormat = "json", level: str | None = None,
                      stream: TextIO | None = None) -> None:
    """Install the one root handler (idempotent). `level` None keeps the root level as it is."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        # Ours from an earlier call, and plain stderr handlers such as logging.basicConfig's.
        if handler.get_name() == HANDLER_NAME or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    handler = _LineHandler(stream)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(_json_formatter() if log_format == "json" else _TextFormatter())
    handler.addFilter(_InvestigationFilter())
    handler.addFilter(_SnapshotServerFilter())
    handler.addFilter(RedactingFilter())  # no secret reaches the log, whoever logged it
    root.addHandler(handler)
    if level is not None:
        root.setLevel(level.upper())
    route_server_logs()
    route_library_logs()


_LIBRARY_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "dspy")


def route_library_logs() -> None:
    """Send every library's logging through the root handler: remove the console handlers libraries install
    on their own loggers (LiteLLM's writes ANSI-coloured text to stderr) and let the records propagate.

    Libraries install them when imported, and LiteLLM is imported in the background after startup: call this
    again once the LLM clients are loaded. LiteLLM's "Give Feedback / Get Help" banners, printed on every
    failed call, are switched off through its documented `suppress_debug_info` setting.
    """
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger) or name in _SERVER_LOGGERS:
            continue
        console = [h for h in logger.handlers if type(h) is logging.StreamHandler]
        for handler in console:
            logger.removeHandler(handler)
        if console:
            logger.propagate = True
    # LiteLLM logs request bodies at DEBUG, DSPy has a stream of its own: their records get a redacting
    # filter of their own, so a handler a library adds later still sees redacted records.
    for name in _LIBRARY_LOGGERS:
        library_logger = logging.getLogger(name)
        library_logger.handlers.clear()
        library_logger.propagate = True
        if not any(isinstance(f, RedactingFilter) for f in library_logger.filters):
            library_logger.addFilter(RedactingFilter())
    litellm = sys.modules.get("litellm")
    if litellm is not None:
        litellm.suppress_debug_info = True  # type: ignore[attr-defined]


def route_server_logs() -> None:
    """Send uvicorn's loggers through the root handler, at the root's level.

    uvicorn's `Config` installs handlers and levels of its own on them: call this again after any
    `uvicorn.Config` is created in-process (the snapshot API server creates one).
    """
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.setLevel(logging.NOTSET)
        server_logger.propagate = True


# -- metrics ----------------------------------------------------------------------------------------
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_INVESTIGATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600)
# Errors of the LLM itself (not of one request, like llm_bad_request): /health reports the LLM degraded.
LLM_DEGRADING_ERRORS = frozenset({"llm_unavailable", "llm_auth_failed", "llm_timeout", "llm_rate_limited"})


class Metrics:
    """The service's Prometheus metrics, on a registry of their own."""

    def __init__(self, version: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        Gauge("copilot_build_info", "The running version.", ["version"], registry=r).labels(version).set(1)
        self.http_requests = Counter(
            "copilot_http_requests", "HTTP requests by route template, method and status.",
            ["route", "method", "status"], registry=r)
        self.http_duration = Histogram(
            "copilot_http_request_duration_seconds", "HTTP request duration (streams: until the last byte).",
            ["route", "method"], buckets=_REQUEST_BUCKETS, registry=r)
        self.investigations = Counter(
            "copilot_investigations", "Finished investigations by problem type and outcome "
            "(answered, approval_required: paused for a human, error, cancelled: the client left or the service "
            "shut down).",
            ["problem_type", "outcome"], registry=r)
        self.investigation_duration = Histogram(
            "copilot_investigation_duration_seconds", "Investigation duration by outcome.",
            ["outcome"], buckets=_INVESTIGATION_BUCKETS, registry=r)
        self.first_event = Histogram(
            "copilot_investigation_first_event_seconds", "Time from the question to the first event.",
            buckets=_INVESTIGATION_BUCKETS, registry=r)
        self.in_progress = Gauge(
            "copilot_investigations_in_progress", "Investigations streaming right now.", registry=r)
        self.tool_calls = Counter(
            "copilot_tool_calls", "Tool calls by tool and result status.", ["tool", "status"], registry=r)
        self.llm_tokens = Counter(
            "copilot_llm_tokens", "LLM tokens used by investigations.", ["kind"], registry=r)
        self.llm_calls = Counter("copilot_llm_calls", "LLM calls made by investigations.", registry=r)
        self.runbooks_loaded = Gauge("copilot_runbooks_loaded", "Runbooks currently loaded.", registry=r)
        self.runbook_errors = Gauge(
            "copilot_runbook_load_errors", "Runbook files that failed to load.", registry=r)
        self.llm_degraded = Gauge(
            "copilot_llm_degraded", "1 while the last LLM call failed for good (unreachable, key refused, timed "
            "out) or the LLM engine failed to load; 0 once a call succeeds again.", registry=r)
        self.llm_error: dict[str, str] | None = None  # /health's llm.error: why it is degraded
        for kind in ("prompt", "completion"):
            self.llm_tokens.labels(kind)
        for outcome in OUTCOMES:
            self.investigation_duration.labels(outcome)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def observe_llm(self, event: Event) -> None:
        """What an investigation's events say about the LLM: a failure that retries did not cure makes it
        degraded (with the reason, for /health); a reply with tokens makes it healthy again."""
        if event.type == "error" and event.data["code"] in LLM_DEGRADING_ERRORS:
            self.llm_error = {"code": str(event.data["code"]), "message": str(event.data["message"])}
            self.llm_degraded.set(1)
        elif event.type == "usage" and int(event.data["completion_tokens"]) > 0:
            self.llm_error = None
            self.llm_degraded.set(0)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_duration.labels(route, method).observe(seconds)


class RequestMetrics:
    """ASGI middleware: counts and times every HTTP request by route template (not raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            # The router stores the matched route in the scope; unmatched paths share one label.
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe_request(route, scope.get("method", "GET"), status,
                                         time.perf_counter() - started)


async def observe_investigation(
    events: AsyncIterator[Event], metrics: Metrics, inv_id: str, context: Mapping[str, Any]
) -> AsyncIterator[Event]:
    """Pass the events through, recording metrics and one log line at the start and at the end.

    Sets `investigation_id` in the context, so every log line of this investigation carries it.
    """
    token = investigation_id.set(inv_id)
    started = time.monotonic()
    first = True
    tally = Tally()
    read_to_the_end = False
    tools: dict[str, str] = {}
    prompt_tokens = completion_tokens = 0
    metrics.in_progress.inc()
    log.info("investigation started", extra=dict(context))
    try:
        async for event in events:
            if first:
                metrics.first_event.observe(time.monotonic() - started)
                first = False
            metrics.observe_llm(event)
            tally.add(event)
            data = event.data
            match event.type:
                case "tool_call":
                    tools[str(data["id"])] = str(data["tool"])
                case "tool_result":
                    tool = tools.get(str(data["id"]), "unknown")
                    metrics.tool_calls.labels(tool, str(data["status"])).inc()
                case "usage":
                    prompt_tokens += int(data["prompt_tokens"])
                    completion_tokens += int(data["completion_tokens"])
                    metrics.llm_tokens.labels("prompt").inc(int(data["prompt_tokens"]))
                    metrics.llm_tokens.labels("completion").inc(int(data["completion_tokens"]))
                    metrics.llm_calls.inc(int(data["llm_calls"]))
            yield event
        read_to_the_end = True
    finally:
        elapsed = time.monotonic() - started
        outcome = tally.outcome(read_to_the_end)
        problem_type = tally.problem_type or "unknown"
        metrics.in_progress.dec()
        metrics.investigations.labels(problem_type, outcome).inc()
        metrics.investigation_duration.labels(outcome).observe(elapsed)
        log.info(
            "investigation finished",
            extra={
                "problem_type": problem_type,
                "outcome": outcome,
                "duration_ms": int(elapsed * 1000),
                "tool_calls": tally.steps,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "error_codes": tally.error_codes,
            },
        )
        with contextlib.suppress(ValueError):  # closed from another context (by the GC): nothing to restore
            investigation_id.reset(token)
