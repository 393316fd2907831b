"""The no-LLM engine: answer from the selected runbooks.

Runs without any model, so the service still helps air-gapped. It states what the runbooks say to
check first and the safe fixes they recommend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from app import events
from app.events import Event
from app.select import Selection


@dataclass(frozen=True)
class RunbookRequest:
    question: str
    selection: Selection
    namespace: str | None


def guidance(selection: Selection) -> str:
    if not selection.runbooks:
        return (
            f"No runbook covers '{selection.problem_type}' yet. Start with "
            "`kubectl get pods -A`, `kubectl get events -A --field-selector type=Warning` and "
            "`kubectl get nodes`."
        )
    parts = []
    for runbook in selection.runbooks:
        lines = [f"## {runbook.title} (runbook `{runbook.id}`)", runbook.description]
        if runbook.diagnostics:
            lines.append("Check first:")
            lines += [f"- {s.title}: `{s.command or s.promql}`" for s in runbook.diagnostics[:6]]
        if runbook.remediation:
            lines.append("Fixes (run them yourself once the cause is confirmed):")
            lines += [f"- {s.title} [{s.safety}]: `{s.command}`" for s in runbook.remediation]
        parts.append("\n".join(line for line in lines if line))
    return "\n\n".join(parts)


class RunbookEngine:
    async def investigate(self, request: RunbookRequest) -> AsyncIterator[Event]:
        yield events.answer(guidance(request.selection))
