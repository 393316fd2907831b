"""What an investigation came to, derived from its events in one place.

The stream (its fallback `done`), the lifecycle guard (its shutdown `done`), the audit trail and the metrics
and logs all fold the same events through `Tally`, so they agree: an investigation paused for a human's
approval is `approval_required` everywhere, one the service stopped is `cancelled`, and `steps` are the tool
results it streamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from app.events import Event

Outcome = Literal["answered", "approval_required", "error", "cancelled"]
OUTCOMES: tuple[Outcome, ...] = ("answered", "approval_required", "error", "cancelled")
SHUTDOWN_CODE = "shutting_down"  # the lifecycle guard's error when the service stops


@dataclass
class Tally:
    """Folds an investigation's events, in order (`add`), into what every observer reports."""

    problem_type: str | None = None
    steps: int = 0  # tool results
    answered: bool = False
    approval_required: bool = False
    done: bool = False
    error_codes: list[str] = field(default_factory=list)

    def add(self, event: Event) -> None:
        match event.type:
            case "classification":
                self.problem_type = str(event.data["problem_type"])
            case "tool_result":
                self.steps += 1
            case "answer":
                self.answered = True
            case "approval_required":
                self.approval_required = True
            case "error":
                self.error_codes.append(str(event.data.get("code")))
            case "done":
                self.done = True

    def outcome(self, read_to_the_end: bool = True) -> Outcome:
        """`read_to_the_end`: False when the client left before the stream ended (then `cancelled`)."""
        if not (read_to_the_end and self.done):
            return "cancelled"
        if self.answered:
            return "answered"
        if self.approval_required:
            return "approval_required"
        return "cancelled" if SHUTDOWN_CODE in self.error_codes else "error"
