"""Stage 2, select: the problem type picks a focused prompt and the runbooks that apply.

The engine is given SYSTEM + FOCUSED + a digest of the best runbook (the one the findings point at; the
findings themselves go in a framed user message, app/engine/guard.py), appended to what is
left of HolmesGPT's system prompt (app/engine/holmes.py switches off the parts ours replaces). Every
token here is paid on every LLM call of an investigation, so the additions stay compact: the best
runbook goes in as a digest (description, checks, fixes: what the model acts on), the second by title
only; the runbook bodies drive the no-LLM engine and are served in full at /runbooks/{id}.
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


def runbook_digest(runbook: Runbook) -> str:
    """What the model needs from a runbook, compactly: what it covers, its checks and its fixes."""
    lines = [f'<runbook id="{runbook.id}">', f"{runbook.title}. {runbook.description}".strip()]
    if runbook.diagnostics:
        lines.append("Checks:")
        lines += [f"- {d.title}: `{d.command}`" if d.command else f"- {d.title} (PromQL): `{d.promql}`"
                  for d in runbook.diagnostics]
    if runbook.remediation:
        lines.append("Fixes:")
        lines += [f"- {r.title} ({r.safety}): `{r.command}`" for r in runbook.remediation]
    lines.append("</runbook>")
    return "\n".join(lines)


def runbook_reference(runbook: Runbook) -> str:
    """A runbook named, not included: its id, title and description."""
    return f'<runbook id="{runbook.id}" included="no">{runbook.title}. {runbook.description}</runbook>'


@dataclass(frozen=True)
class Selection:
    problem_type: str
    runbooks: list[Runbook]

    @property
    def runbook_ids(self) -> list[str]:
        return [r.id for r in self.runbooks]

    def best_runbook(self, evidence: str | None = None) -> Runbook | None:
        """The runbook the findings point at (`(runbook <id>)` in the evidence), else the first selected."""
        if evidence:
            named = re.findall(r"\(runbook ([a-z0-9-]+)\)", evidence)
            for runbook_id in named:
                found = next((r for r in self.runbooks if r.id == runbook_id), None)
                if found is not None:
                    return found
        return self.runbooks[0] if self.runbooks else None

    def system_prompt_additions(self, namespace: str | None = None, evidence: str | None = None) -> str:
        """`evidence`: the analyzers' `<findings>` block (app.analyzers.report.findings_block), if any. It picks
        the runbook but is not included: cluster text goes to the model framed, in a user message."""
        parts = [prompt_text("system"), prompt_text(f"focused/{self.problem_type}")]
        if namespace:
            parts.append(f"Scope: the user asked about namespace `{namespace}`; stay inside it.")
        best = self.best_runbook(evidence)
        if best is not None:
            parts.append(runbook_digest(best))
        parts += [runbook_reference(r) for r in self.runbooks if r is not best]
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
