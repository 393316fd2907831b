"""The Investigator without an LLM (runbook mode) and with one (findings as pre-collected evidence)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.events import Event
from app.investigate import AskRequest
from app.services import Services, start_services
from tests.support.app import llm_settings, service_settings
from tests.support.fake_llm import FakeLLM, error, text

CART = "cart-hgjhk7psnj-x8xw6"
GATEWAY = "payment-gateway-xbm6wv8mwm-zjgm4"
RECOMMENDATION = "recommendation-2bfxc7tqs6-fm8pc"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    running = start_services(service_settings(tmp_path_factory.mktemp("svc")))
    yield running
    running.close()


async def run(services: Services, question: str, **kw: object) -> list[Event]:
    return [e async for e in services.investigator.run(AskRequest(question, **kw))]  # type: ignore[arg-type]


def answer(events: list[Event]) -> str:
    return str(next(e.data["text"] for e in events if e.type == "answer"))


@pytest.mark.parametrize(("question", "heading", "cause"), [
    (f"why is {CART} crashing?", "**Root cause**", "panic: invalid config: missing DATABASE_URL"),
    (f"{CART} 为什么一直崩溃？", "**根本原因**", "panic: invalid config: missing DATABASE_URL"),
    (f"why is {GATEWAY} restarting", "**Root cause**", "bind: address already in use"),
    (f"{GATEWAY} 一直在重启", "**根本原因**", "bind: address already in use"),
    (f"why is {RECOMMENDATION} restarting", "**Root cause**", "OOMKilled"),
    (f"{RECOMMENDATION} 为什么反复重启", "**根本原因**", "OOMKilled"),
])
async def test_why_is_the_pod_crashing_names_the_real_cause(services: Services, question: str, heading: str,
                                                            cause: str) -> None:
    events = await run(services, question, mode="runbook")
    assert events[0].type == "classification" and events[0].data["problem_type"] in ("pod_crash", "oom_killed")
    assert events[-1].type == "done" and not [e for e in events if e.type == "error"]
    body = answer(events)
    assert body.startswith(heading)
    root = body.split("\n\n", 1)[0]
    assert cause in root
    assert events[-1].data["steps"] == sum(e.type == "tool_result" for e in events)


async def test_oom_answer_shows_limit_and_usage_and_the_fix(services: Services) -> None:
    body = answer(await run(services, f"why is {RECOMMENDATION} restarting", mode="runbook"))
    assert "`limits.memory=128Mi`" in body
    assert "122Mi" in body
    assert "kubectl set resources deployment/recommendation -n shop -c recommendation --limits=memory=256Mi" in body


async def test_auto_mode_without_llm_is_runbook_mode(services: Services) -> None:
    events = await run(services, "Pod 一直在重启")
    assert answer(events).startswith("**根本原因**")
    assert any(e.type == "tool_call" and e.data["tool"] == "analyzer/pods" for e in events)


def test_curl_ask_names_the_root_cause_with_its_evidence(service: str) -> None:
    # What `curl -N localhost:8000/ask -d "q=why is <pod> restarting"` gets with no LLM key.
    with httpx.stream("POST", f"{service}/ask", data={"q": f"why is {CART} restarting"}, timeout=60) as response:
        assert response.status_code == 200
        body = "".join(response.iter_text())
    assert "$ [analyzer/logs]" in body
    assert f"$ [kubectl] kubectl logs {CART} -n shop --previous --tail=80" in body
    answer_part = body.split("══ answer ══", 1)[1]
    assert answer_part.lstrip().startswith("**Root cause**\nContainer cart of pod shop/cart-hgjhk7psnj-x8xw6 panics")
    assert "`panic: invalid config: missing DATABASE_URL`" in answer_part
    assert "kubectl rollout history deployment/cart -n shop" in answer_part
    assert "rollout undo" not in answer_part  # one revision: nothing to roll back to
    assert body.rstrip().splitlines()[-1].startswith("■ done in")


@pytest.fixture
def llm_services(tmp_path: Path, fake_llm: FakeLLM) -> Iterator[Services]:
    running = start_services(llm_settings(tmp_path, fake_llm))
    yield running
    running.close()


async def test_llm_gets_the_findings_as_evidence(llm_services: Services, fake_llm: FakeLLM) -> None:
    fake_llm.classify = lambda q: "pod_crash"
    fake_llm.script(text("The cart container panics: DATABASE_URL is missing from cart-config."))
    events = await run(llm_services, f"why is {CART} crashing?", mode="llm")
    assert answer(events).startswith("The cart container panics")
    note = next(e.data["text"] for e in events if e.type == "message")
    assert note.startswith("Analyzers (pre-collected evidence for the model):")
    system, evidence, question = fake_llm.investigation_requests[0]["messages"][:3]
    assert system["role"] == "system" and "<findings>" not in system["content"]  # cluster text: never there
    assert evidence["role"] == "user" and question["role"] == "user" and CART in question["content"]
    assert evidence["content"].startswith('<tool-output id="')
    block = evidence["content"][evidence["content"].index("<findings>"):
                                evidence["content"].index("</findings>") + len("</findings>")]
    assert len(block) <= 1500
    assert block.splitlines()[2].startswith(f"- [critical] Panic Pod shop/{CART} (runbook crashloop-backoff)")
    assert "panic: invalid config: missing DATABASE_URL" in block
    assert "worker-3" not in block  # only findings relevant to the question


async def test_llm_failure_falls_back_to_the_analyzers(llm_services: Services, fake_llm: FakeLLM) -> None:
    fake_llm.classify = lambda q: "pod_crash"
    fake_llm.script(*[error(500)] * 4)
    events = await run(llm_services, f"why is {CART} crashing?")
    messages = [e.data["text"] for e in events if e.type == "message"]
    assert "The LLM could not complete the investigation; investigating without it." in messages
    assert not any(e.type == "tool_call" and e.data["tool"] == "cluster/read" for e in events)  # read once
    assert "panic: invalid config: missing DATABASE_URL" in answer(events).split("**Evidence**")[0]
