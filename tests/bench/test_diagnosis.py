"""The diagnosis corpus through the real pipeline: every cluster's questions (en and zh) get the right verdict
and cause in runbook mode, `analyze` reports the expected findings, and with an LLM the verdict reaches the
prompt. The scorer itself is checked to catch what it should."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.investigate import AskRequest
from app.services import start_services
from bench.diagnosis import run_scenario, score
from bench.diagnosis_corpus.clusters import DECOY, SCENARIOS, Question, build
from tests.bench.support import run_bench
from tests.support.app import llm_settings
from tests.support.fake_llm import FakeLLM, text

BY_NAME = {s.name: s for s in SCENARIOS}


def test_the_corpus_covers_every_class_in_both_languages() -> None:
    assert len(SCENARIOS) >= 40
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)
    expects = {q.expect for s in SCENARIOS for q in s.questions}
    assert expects == {"broken", "healthy", "absent", "contradicted", "report"}
    for scenario in SCENARIOS:
        assert scenario.source, scenario.name
        languages = {"en" if q.text.isascii() else "zh" for q in scenario.questions}
        assert languages == {"en", "zh"}, scenario.name


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_each_cluster_gets_the_answer_its_questions_ask_for(scenario: object, tmp_path: Path) -> None:
    # max_steps=1: the cluster read only — the answer is composed the same, without the runbooks' kubectl steps.
    found_scenario = BY_NAME[scenario.name]  # type: ignore[attr-defined]
    scores, (found, expected) = asyncio.run(run_scenario(found_scenario, tmp_path, False, max_steps=1))
    assert [(s.question, s.why) for s in scores if not s.right] == []
    assert not any(s.wrong_root for s in scores)
    assert found == expected  # `analyze` reports the cause as well


def test_the_scorer_catches_wrong_verdicts_and_decoy_root_causes() -> None:
    scenario = BY_NAME["crash-panic"]
    broken = Question("why is checkout crashing?", "broken", ("panic", "checkout"))
    right = "**Root cause**\nContainer checkout of pod shop/checkout-1 panics: panic: boom\n\n**Evidence**\n- x"
    assert score(scenario, broken, right, 0.1).right
    decoy = f"**Root cause**\nContainer {DECOY} of pod legacy/{DECOY}-1 panics: panic: nil map, checkout"
    wrong = score(scenario, broken, decoy, 0.1)
    assert wrong.wrong_root and not wrong.right
    healthy = Question("is frontend ok?", "healthy", ("frontend",))
    assert not score(scenario, healthy, right, 0.1).right  # a root cause where health was expected
    assert not score(scenario, broken, "**Healthy**\nDeployment shop/checkout is healthy", 0.1).right


def test_make_bench_diagnosis_prints_a_table_and_one_json_line() -> None:
    figures, out = run_bench("bench.diagnosis", "--only", "quota", "absent-node", "contradicted-node")
    assert figures["bench"] == "diagnosis"
    assert figures["clusters"] == 3 and figures["questions"] == 6
    assert figures["right"] == 6 and figures["wrong_root"] == 0 and figures["misses"] == []
    assert figures["by_verdict"] == {"absent": {"right": 2, "of": 2}, "broken": {"right": 2, "of": 2},
                                     "contradicted": {"right": 2, "of": 2}}
    assert "Diagnosis per scenario" in out


@pytest.mark.parametrize(("name", "question", "expected"), [
    ("absent-pod", "why does pod orders-api-5d8f9-abcde keep crashing?",
     ["no Pod named orders-api-5d8f9-abcde exists", "Deployment shop/orders-api"]),
    ("contradicted-node", "worker-2 is NotReady, what happened?",
     ["premise contradicted: Node worker-2 is not NotReady", "status.conditions[Ready]=True"]),
    ("webhook-down", "coupons has no pods",
     ["subject Deployment shop/coupons: causal chain", "Panic Pod kyverno/"]),
])
async def test_with_an_llm_the_verdict_reaches_the_prompt(tmp_path: Path, fake_llm: FakeLLM, name: str,
                                                          question: str, expected: list[str]) -> None:
    snapshot = build(BY_NAME[name]).write(tmp_path / name, name)
    services = start_services(llm_settings(tmp_path, fake_llm, cluster_snapshot=snapshot))
    try:
        fake_llm.script(text("Scripted answer."))
        events = [e async for e in services.investigator.run(AskRequest(question, mode="llm"))]
    finally:
        services.close()
    assert events[-1].type == "done"
    system, evidence = (m["content"] for m in fake_llm.investigation_requests[0]["messages"][:2])
    assert "<subject>" not in system  # cluster-derived: it travels framed with the findings, in a user message
    subject = evidence[evidence.index("<subject>"): evidence.index("</subject>")]
    for part in expected:
        assert part in subject
