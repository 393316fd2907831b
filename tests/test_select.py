"""Selection and the prompt it gives the model: the rules it must carry, and its token budget.

Every token of the system prompt additions is paid again on every LLM call of an investigation
(BENCHMARKS.md, token cost), so the budget is a test: a change that puts whole runbook bodies back, or
doubles a prompt file, fails here.
"""

from __future__ import annotations

import pytest

from app.analyzers.report import EVIDENCE_BLOCK_CHARS
from app.classify import PROBLEM_TYPES, load_examples
from app.engine.guard import INJECTION_NOTICE
from app.runbooks import Runbook, RunbookSet, RunbookStore
from app.select import MAX_RUNBOOKS, Selection, prompt_text, runbook_digest, select
from tests.support.app import RUNBOOKS
from tests.support.fake_llm import count_tokens

ADDITIONS_BUDGET = 1600  # tokens (cl100k_base): SYSTEM + FOCUSED + runbook digest + reference, no findings
SYSTEM_BUDGET = 400
FOCUSED_BUDGET = 330
DIGEST_BUDGET = 750
FINDINGS_BUDGET = 500  # a full findings block (EVIDENCE_BLOCK_CHARS) of plain ASCII


@pytest.fixture(scope="module")
def runbooks() -> RunbookSet:
    store = RunbookStore(RUNBOOKS, reload_interval_s=3600)
    store.refresh()
    assert store.current().runbooks and not store.current().errors
    return store.current()


def _questions(problem_type: str) -> list[str]:
    found = [e.question for split in ("train", "dev") for e in load_examples(split)  # type: ignore[arg-type]
             if e.problem_type == problem_type]
    assert found, problem_type
    return found


def _findings(runbook_id: str) -> str:
    line = f"- [critical] Panic Pod shop/cart-0 (runbook {runbook_id}): Container cart panics: missing DATABASE_URL\n"
    head = "<findings>\nDeterministic analyzers ran before you.\n"
    body = ""
    while len(head) + len(body) + len(line) + len("</findings>") <= EVIDENCE_BLOCK_CHARS:
        body += line
    return head + body + "</findings>"


# -- what the prompt must carry ---------------------------------------------------------------------
@pytest.mark.parametrize(("rule", "marker"), [
    ("read-only", "never run a command that changes the cluster"),
    ("secrets", "never read Secret contents"),
    ("fixes need approval", "needs approval"),
    ("evidence", "back every claim with tool output"),
    ("no invention", "Never invent names, values or events"),
    ("answer language", "a Chinese question gets a Chinese answer"),
    ("answer format", "**Root cause**"),
    ("answer format", "**Evidence**"),
    ("answer format", "**Fix**"),
])
def test_the_system_prompt_carries_every_rule(rule: str, marker: str) -> None:
    # The engine sends the system prompt with the untrusted-data notice of the guard appended.
    assert marker in prompt_text("system") + INJECTION_NOTICE, rule


@pytest.mark.parametrize("problem_type", PROBLEM_TYPES)
def test_every_problem_type_has_a_focused_prompt_within_budget(problem_type: str) -> None:
    focused = prompt_text(f"focused/{problem_type}")
    assert focused.startswith("# Focus:")
    assert count_tokens(focused) <= FOCUSED_BUDGET


def test_system_prompt_within_budget() -> None:
    assert count_tokens(prompt_text("system")) <= SYSTEM_BUDGET


# -- the token budget -------------------------------------------------------------------------------
@pytest.mark.parametrize("problem_type", PROBLEM_TYPES)
def test_additions_stay_within_budget_for_every_question_of_the_type(runbooks: RunbookSet,
                                                                     problem_type: str) -> None:
    worst = 0
    for question in _questions(problem_type):
        selection = select(problem_type, question, runbooks)
        additions = selection.system_prompt_additions("shop")
        worst = max(worst, count_tokens(additions))
        for runbook in selection.runbooks:
            assert runbook.body.strip()[-200:] not in additions  # bodies stay out of the prompt
    assert 0 < worst <= ADDITIONS_BUDGET, f"{problem_type}: {worst} tokens"


@pytest.mark.parametrize("problem_type", PROBLEM_TYPES)
def test_the_findings_never_enter_the_system_prompt(runbooks: RunbookSet, problem_type: str) -> None:
    # Cluster text: it goes to the model framed as untrusted, in a user message (app/engine/guard.py).
    selection = select(problem_type, _questions(problem_type)[0], runbooks)
    evidence = _findings(selection.runbooks[0].id if selection.runbooks else "none")
    assert count_tokens(evidence) <= FINDINGS_BUDGET
    additions = selection.system_prompt_additions(None, evidence)
    assert "<findings>" not in additions and "Deterministic analyzers ran" not in additions
    assert count_tokens(additions) <= ADDITIONS_BUDGET


def test_every_shipped_runbook_digest_within_budget(runbooks: RunbookSet) -> None:
    sizes = {r.id: count_tokens(runbook_digest(r)) for r in runbooks.runbooks.values()}
    assert all(0 < n <= DIGEST_BUDGET for n in sizes.values()), sizes
    # ... and the digest is a fraction of the runbook it stands for.
    assert sum(sizes.values()) < 0.6 * sum(count_tokens(r.text) for r in runbooks.runbooks.values())


# -- which runbook goes in, and how -----------------------------------------------------------------
def test_digest_has_description_checks_and_fixes_with_their_safety(runbooks: RunbookSet) -> None:
    crashloop = runbooks.runbooks["crashloop-backoff"]
    digest = runbook_digest(crashloop)
    assert digest.startswith('<runbook id="crashloop-backoff">\nCrashLoopBackOff')
    assert digest.endswith("</runbook>")
    assert crashloop.description in digest
    assert "`kubectl logs {pod} -n {namespace} --previous --tail=80`" in digest
    assert "(needs-approval): `kubectl rollout undo deployment/{deployment} -n {namespace}`" in digest
    assert "(safe): `kubectl rollout history deployment/{deployment} -n {namespace}`" in digest
    assert "(PromQL)" in digest
    assert "## Triage order" not in digest  # the body is not included


def test_only_the_best_runbook_is_included_the_other_is_named(runbooks: RunbookSet) -> None:
    selection = select("network", "checkout service not reachable, nslookup fails: dns", runbooks)
    assert len(selection.runbooks) == MAX_RUNBOOKS
    first, second = selection.runbooks
    additions = selection.system_prompt_additions()
    assert f'<runbook id="{first.id}">' in additions
    assert f'<runbook id="{second.id}" included="no">{second.title}.' in additions
    assert runbook_digest(second) not in additions


def test_the_runbook_the_findings_point_at_is_the_one_included(runbooks: RunbookSet) -> None:
    selection = select("network", "checkout service not reachable", runbooks)
    second = selection.runbooks[1]
    assert selection.best_runbook() is selection.runbooks[0]
    evidence = f"<findings>\n- [critical] NoEndpoints Service shop/checkout (runbook {second.id}): x\n</findings>"
    assert selection.best_runbook(evidence) is second
    additions = selection.system_prompt_additions(None, evidence)
    assert runbook_digest(second) in additions
    assert f'<runbook id="{selection.runbooks[0].id}" included="no">' in additions
    # A runbook the findings name that was not selected changes nothing.
    assert selection.best_runbook("(runbook disk-full)") is selection.runbooks[0]


def test_namespace_scope_and_no_runbooks() -> None:
    selection = Selection("general", [])
    additions = selection.system_prompt_additions("payments")
    assert "Scope: the user asked about namespace `payments`; stay inside it." in additions
    assert "<runbook" not in additions
    assert selection.best_runbook() is None


def test_selection_prefers_keyword_matches_and_fills_from_other_types() -> None:
    def runbook(rid: str, types: list[str], keywords: list[str]) -> Runbook:
        return Runbook(id=rid, title=rid, problem_types=types, keywords=keywords)

    runbooks = RunbookSet({r.id: r for r in (
        runbook("a-crash", ["pod_crash"], ["restart"]),
        runbook("b-crash", ["pod_crash"], ["exit code", "segfault"]),
        runbook("disk", ["disk_full"], ["disk", "no space"]),
    )})
    assert select("pod_crash", "exit code 139 segfault", runbooks).runbook_ids == ["b-crash", "a-crash"]
    assert select("disk_full", "disk full: no space left, exit code 1", runbooks).runbook_ids == ["disk"]
    assert select("disk_full", "disk full, segfault with exit code 139", runbooks).runbook_ids == ["disk", "b-crash"]
