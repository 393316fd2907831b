"""Stage 2, select: the problem type picks a focused prompt and the runbooks that apply.

The engine is given SYSTEM + FOCUSED + the selected runbooks, appended to HolmesGPT's own system prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from app.runbooks import Runbook, RunbookSet

MAX_RUNBOOKS = 2


@cache
def prompt_text(name: str) -> str:
    """A prompt file shipped in app/prompts (`system`, or `focused/<problem_type>`)."""
    path = resources.files("app.prompts").joinpath(f"{name}.md")
    return path.read_text(encoding="utf-8").strip() if path.is_file() else ""


@dataclass(frozen=True)
class Selection:
    problem_type: str
    runbooks: list[Runbook]

    @property
    def runbook_ids(self) -> list[str]:
        return [r.id for r in self.runbooks]

    def system_prompt_additions(self, namespace: str | None = None, evidence: str | None = None) -> str:
        """`evidence`: the analyzers' `<findings>` block (app.analyzers.report.findings_block), if any."""
        parts = [prompt_text("system"), prompt_text(f"focused/{self.problem_type}")]
        if namespace:
            parts.append(f"Scope: the user asked about namespace `{namespace}`; stay inside it.")
        if evidence:
            parts.append(evidence)
        for runbook in self.runbooks:
            parts.append(f"<runbook id=\"{runbook.id}\">\n{runbook.text}</runbook>")
        return "\n\n".join(p for p in parts if p)


def _keyword_hits(runbook: Runbook, question: str) -> int:
    q = question.lower()
    return sum(1 for kw in runbook.keywords if kw and re.search(re.escape(kw.lower()), q))


def select(problem_type: str, question: str, runbook_set: RunbookSet) -> Selection:
    """Runbooks of this problem type, best keyword match first; keyword matches from other types
    follow when the type has room left (a question can span two problems)."""
    own = sorted(runbook_set.for_type(problem_type), key=lambda r: (-_keyword_hits(r, question), r.id))
    chosen = own[:MAX_RUNBOOKS]
    if len(chosen) < MAX_RUNBOOKS:
        others = [
            r for r in runbook_set.runbooks.values()
            if r not in chosen and problem_type not in r.problem_types and _keyword_hits(r, question) >= 2
        ]
        others.sort(key=lambda r: (-_keyword_hits(r, question), r.id))
        chosen += others[: MAX_RUNBOOKS - len(chosen)]
    return Selection(problem_type, chosen)
