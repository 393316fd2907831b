"""Run an investigation with no HTTP response to stream it to (an alert, an MCP call), recorded like /ask's.

The same wrappers as `app.api.investigation_response`, in the same order: the lifecycle guard (a shutdown
ends it with `error` shutting_down + `done`), metrics and logs, the catch-all (`completed`), redaction,
then the audit trail — so what is stored, replayed and notified is what an /ask client would have seen.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.audit import AuditLog
from app.events import Event
from app.investigate import AskRequest
from app.lifecycle import Lifecycle
from app.observability import Metrics, observe_investigation
from app.services import Services
from app.stream import completed, redacted

OnEvent = Callable[[Event], Awaitable[None]]


@dataclass
class Runtime:
    """The running service's parts an investigation needs (app.state in the HTTP service)."""

    services: Services
    audit: AuditLog
    lifecycle: Lifecycle
    metrics: Metrics

    @classmethod
    def of(cls, state: Any) -> Runtime:
        return cls(state.services, state.audit, state.lifecycle, state.metrics)


@dataclass
class Outcome:
    """An investigation's events, as stored, and what they add up to."""

    investigation_id: str
    events: list[Event] = field(default_factory=list)

    def first(self, kind: str) -> dict[str, Any] | None:
        return next((e.data for e in self.events if e.type == kind), None)

    @property
    def answer(self) -> str | None:
        found = self.first("answer")
        return str(found["text"]) if found else None

    @property
    def problem_type(self) -> str | None:
        found = self.first("classification")
        return str(found["problem_type"]) if found else None

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [e.data for e in self.events if e.type == "error"]

    @property
    def approvals(self) -> list[dict[str, Any]]:
        return [e.data for e in self.events if e.type == "approval_required"]

    @property
    def status(self) -> str:
        if self.answer is not None:
            return "answered"
        return "approval_required" if self.approvals else "error"


async def run_recorded(runtime: Runtime, inv_id: str, request: AskRequest, meta: Mapping[str, Any],
                       on_event: OnEvent | None = None) -> Outcome:
    """Run `request` to its end, recorded under `inv_id` with `meta` (kind, question, alert, ...)."""
    source = runtime.services.investigator.run(request)
    context = {"kind": meta.get("kind"), "mode": request.mode, "max_steps": request.max_steps,
               "namespace": request.namespace, "question": request.question[:500]}
    observed = observe_investigation(runtime.lifecycle.guard(source), runtime.metrics, inv_id, context)
    full_meta = {"question": request.question, "mode": request.mode, "namespace": request.namespace,
                 "started_at": time.time(), **meta}
    events: AsyncIterator[Event] = runtime.audit.record(inv_id, full_meta, redacted(completed(observed)))
    outcome = Outcome(inv_id)
    try:
        async for event in events:
            outcome.events.append(event)
            if on_event is not None:
                await on_event(event)
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
    return outcome
