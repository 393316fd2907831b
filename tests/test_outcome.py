"""One reducer for what an investigation came to: the stream, the lifecycle guard, the audit trail and the
metrics all use it, so a paused investigation is `approval_required` in each of them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app import events
from app.events import Event
from app.main import create_app
from app.outcome import Tally
from tests.support.app import llm_settings
from tests.support.client import kinds, sse_events
from tests.support.fake_llm import FakeLLM, tool_call
from tests.support.server import ServerThread

START = [events.classification("pod_crash", 0.9, "rules"), events.runbooks(["crashloop-backoff"]),
         events.tool_call("c1", "kubectl", {"command": "kubectl get pods"}),
         events.tool_result("c1", "success", "web 0/1", False)]


def tally_of(items: list[Event]) -> Tally:
    tally = Tally()
    for item in items:
        tally.add(item)
    return tally


@pytest.mark.parametrize(("ending", "outcome"), [
    ([events.answer("it is the config"), events.done(5, 1)], "answered"),
    ([events.approval_required("apr-1", "kubectl", "kubectl delete pod web-0", "mutation"), events.done(5, 1)],
     "approval_required"),
    ([events.error("llm_unavailable", "down"), events.done(5, 1)], "error"),
    ([events.error("shutting_down", "stopping"), events.done(5, 1)], "cancelled"),
    ([events.error("llm_unavailable", "down"), events.answer("from the runbooks"), events.done(5, 1)], "answered"),
    ([], "cancelled"),  # no `done`: the stream was cut
])
def test_the_outcome_of_a_stream(ending: list[Event], outcome: str) -> None:
    tally = tally_of([*START, *ending])
    assert tally.outcome() == outcome
    assert (tally.problem_type, tally.steps) == ("pod_crash", 1)


def test_a_client_that_left_is_cancelled_whatever_came_before() -> None:
    assert tally_of([*START, events.answer("x"), events.done(5, 1)]).outcome(read_to_the_end=False) == "cancelled"


def test_a_paused_investigation_is_approval_required_in_metrics_logs_and_the_audit_trail(
    tmp_path: Path, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.script(tool_call("kubectl_action", {"action": "rollout_restart", "kind": "deployment", "name": "cart",
                                                   "namespace": "shop"}))
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm, log_format="json", log_level="info"))) as server:
        paused = sse_events(server.url, {"q": "restart the cart deployment", "mode": "llm"})
        metrics = httpx.get(f"{server.url}/metrics", timeout=30).text
        listed = httpx.get(f"{server.url}/investigations", timeout=30).json()
    assert kinds(paused)[-2:] == ["approval_required", "done"]
    assert 'copilot_investigations_total{outcome="approval_required",problem_type="general"} 1.0' in metrics
    assert [entry["outcome"] for entry in listed["investigations"]] == ["approval_required"]
    finished = [json.loads(line) for line in capsys.readouterr().err.splitlines()
                if line.startswith("{") and '"investigation finished"' in line]
    assert [entry["outcome"] for entry in finished] == ["approval_required"]
