"""Security questions through the Investigator: runbook mode answers from the audit; with an LLM the audit is the
model's pre-collected evidence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.events import Event
from app.investigate import AskRequest
from app.services import Services, start_services
from tests.support.app import llm_settings, service_settings
from tests.support.fake_llm import FakeLLM, text

STRIPE_KEY = "sk_live_51QdemoR7xKp2Lw9vTz3YbN8cVf4Hj6Mq"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    running = start_services(service_settings(tmp_path_factory.mktemp("svc")))
    yield running
    running.close()


@pytest.fixture
def llm_services(tmp_path: Path, fake_llm: FakeLLM) -> Iterator[Services]:
    running = start_services(llm_settings(tmp_path, fake_llm))
    yield running
    running.close()


async def run(services: Services, question: str, **kw: object) -> list[Event]:
    return [e async for e in services.investigator.run(AskRequest(question, **kw))]  # type: ignore[arg-type]


def answer(events: list[Event]) -> str:
    return str(next(e.data["text"] for e in events if e.type == "answer"))


@pytest.mark.parametrize(("question", "starts", "contains"), [
    ("这个集群安全吗？", "**整个集群的安全审计：", "ClusterRoleBinding shop-ci-deployer"),
    ("is namespace shop compliant with restricted?", "**Security audit of namespace shop: score",
     "**Not compliant with restricted**"),
    ("is namespace payments compliant with baseline?", "**Security audit of namespace payments: score",
     "**Compliant with baseline.**"),
])
async def test_security_questions_are_answered_from_the_audit(services: Services, question: str, starts: str,
                                                              contains: str) -> None:
    events = await run(services, question, mode="runbook")
    assert events[0].data["problem_type"] == "security"
    assert [e.data["tool"] for e in events if e.type == "tool_call"] == ["security/audit"]
    body = answer(events)
    assert body.startswith(starts) and contains in body
    assert STRIPE_KEY not in body
    assert events[-1].type == "done" and not [e for e in events if e.type == "error"]


async def test_with_an_llm_the_audit_is_the_evidence(llm_services: Services, fake_llm: FakeLLM) -> None:
    fake_llm.classify = lambda q: "security"
    fake_llm.script(text("Fix the shop-ci-deployer binding first."))
    events = await run(llm_services, "这个集群安全吗？", mode="llm")
    assert answer(events) == "Fix the shop-ci-deployer binding first."
    system, evidence = fake_llm.investigation_requests[0]["messages"][:2]
    # The audit is cluster data: framed in a user message, never in the system prompt.
    assert "<security_audit>" not in system["content"] and "# Focus: security audit" in system["content"]
    assert evidence["role"] == "user" and evidence["content"].startswith("<tool-output id=")
    block = evidence["content"][evidence["content"].index("<security_audit>"):
                                evidence["content"].index("</security_audit>")]
    assert "[critical] rbac/admin-service-account ClusterRoleBinding shop-ci-deployer" in block
    assert STRIPE_KEY not in str(fake_llm.investigation_requests)
