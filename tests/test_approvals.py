"""Approvals over HTTP: a cluster-changing command pauses the investigation; a human decision resumes it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from httpx_sse import connect_sse

from app.main import create_app
from tests.support.app import llm_settings
from tests.support.client import calls_of, first, kinds, sse_events
from tests.support.fake_llm import FakeLLM, text, tool_call
from tests.support.server import ServerThread

RESTART = {"action": "rollout_restart", "name": "cart", "namespace": "shop"}
RESTART_SHOWN = "kubectl rollout restart deployment/cart -n shop"


def decide(base_url: str, approval_id: str, **body: object) -> list[tuple[str, dict]]:
    out = []
    with httpx.Client(base_url=base_url, timeout=120) as client, connect_sse(
        client, "POST", f"/approvals/{approval_id}", json={**body, "format": "sse"}
    ) as source:
        for sse in source.iter_sse():
            out.append((sse.event, json.loads(sse.data)))
    return out


def pause(base_url: str, fake: FakeLLM) -> dict:
    fake.script(tool_call("kubectl_action", RESTART, content="The config is stale; restarting."))
    events = sse_events(base_url, {"q": "restart the cart deployment", "mode": "llm"})
    assert kinds(events)[-2:] == ["approval_required", "done"]
    assert "answer" not in kinds(events)
    [(_, result)] = calls_of(events, "kubectl_action")
    assert result["status"] == "approval_required"
    return first(events, "approval_required")


def test_a_mutation_pauses_and_a_yes_runs_it(tmp_path: Path, fake_llm: FakeLLM) -> None:
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        approval = pause(server.url, fake_llm)
        assert approval["tool"] == "kubectl_action"
        assert approval["command"] == RESTART_SHOWN
        assert "changes the cluster" in approval["why"]
        assert "Server-side dry run" in approval["why"]
        listed = httpx.get(f"{server.url}/approvals", timeout=30).json()["approvals"]
        assert [a["id"] for a in listed] == [approval["id"]]

        fake_llm.script(text("Restart attempted; the snapshot is read-only so it was refused."))
        resumed = decide(server.url, approval["id"], approve=True)
        [(_, result)] = calls_of(resumed, "kubectl_action")
        # It really ran: the read-only snapshot API server refused the write (HTTP 405).
        assert result["status"] == "error"
        assert "read-only" in result["summary"].lower()
        assert first(resumed, "answer")["text"].startswith("Restart attempted")
        assert kinds(resumed)[-1] == "done"
        assert httpx.get(f"{server.url}/approvals", timeout=30).json()["approvals"] == []
        # A decision is taken once.
        again = httpx.post(f"{server.url}/approvals/{approval['id']}", json={"approve": True}, timeout=30)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "approval_already_decided"


def test_a_no_tells_the_model_and_runs_nothing(tmp_path: Path, fake_llm: FakeLLM) -> None:
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        approval = pause(server.url, fake_llm)
        fake_llm.script(text("Understood, not restarting. Fix the ConfigMap instead."))
        resumed = decide(server.url, approval["id"], approve=False, feedback="not during business hours")
    assert first(resumed, "answer")["text"].startswith("Understood")
    last_request = fake_llm.investigation_requests[-1]
    tool_messages = [m for m in last_request["messages"] if m.get("role") == "tool"]
    assert "not during business hours" in tool_messages[-1]["content"]


def test_approvals_survive_a_restart(tmp_path: Path, fake_llm: FakeLLM) -> None:
    settings = llm_settings(tmp_path, fake_llm)
    with ServerThread(create_app(settings)) as first_run:
        approval = pause(first_run.url, fake_llm)
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as second_run:
        assert [a["id"] for a in httpx.get(f"{second_run.url}/approvals", timeout=30).json()["approvals"]] == [
            approval["id"]
        ]
        fake_llm.script(text("Done after the restart."))
        resumed = decide(second_run.url, approval["id"], approve=True)
    assert calls_of(resumed, "kubectl_action")[0][1]["status"] == "error"  # ran, refused by the read-only snapshot
    assert first(resumed, "answer")["text"] == "Done after the restart."


def test_approvals_expire(tmp_path: Path, fake_llm: FakeLLM) -> None:
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm, approval_ttl_s=0.5))) as server:
        approval = pause(server.url, fake_llm)
        time.sleep(1.0)
        response = httpx.post(f"{server.url}/approvals/{approval['id']}", data={"approve": "true"}, timeout=30)
        assert response.status_code == 410
        assert response.json()["error"]["code"] == "approval_expired"
        assert httpx.get(f"{server.url}/approvals", timeout=30).json()["approvals"] == []


def test_unknown_and_malformed_decisions(tmp_path: Path, fake_llm: FakeLLM) -> None:
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        missing = httpx.post(f"{server.url}/approvals/apr-nope", json={"approve": True}, timeout=30)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        bad = httpx.post(f"{server.url}/approvals/apr-nope", json={"approve": "maybe"}, timeout=30)
        assert bad.status_code == 422
        assert bad.json()["error"]["code"] == "invalid_parameter"


def test_unsafe_allow_all_runs_without_pausing(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(
        tool_call("kubectl_action", RESTART),
        tool_call("kubectl", {"verb": "get", "kind": "secrets", "namespace": "shop"}),
        text("ok"),
    )
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm, bash_tool_unsafe_allow_all=True))) as server:
        events = sse_events(server.url, {"q": "restart cart", "mode": "llm"})
    results = [result for _, result in [*calls_of(events, "kubectl_action"), *calls_of(events, "kubectl")]]
    assert "approval_required" not in kinds(events)
    assert "read-only" in results[0]["summary"].lower()  # it ran, no approval asked
    assert "Secrets are never read" in results[1]["summary"]  # and secrets stay refused
