"""POST /api/v1/alerts on a real uvicorn (demo snapshot, no LLM): alerts become recorded investigations."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from tests.support.app import service_settings
from tests.support.server import ServerThread
from tests.support.webhook_receiver import WebhookReceiver

CRASHLOOP = {
    "status": "firing",
    "labels": {"alertname": "KubePodCrashLooping", "namespace": "shop", "pod": "cart-hgjhk7psnj-x8xw6",
               "container": "cart", "severity": "critical", "cluster": "demo-prod-eu-1"},
    "annotations": {"summary": "Pod shop/cart-hgjhk7psnj-x8xw6 is crash looping",
                    "description": "Container cart restarted 9 times in 10 minutes.",
                    "runbook_url": "https://runbooks.example.com/KubePodCrashLooping"},
    "startsAt": "2026-11-18T09:40:00Z", "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prometheus:9090/graph?g0.expr=...", "fingerprint": "c0ffee0000000001",
}


def payload(*alerts: dict[str, Any], status: str = "firing") -> dict[str, Any]:
    return {"version": "4", "groupKey": "{}:{alertname=\"KubePodCrashLooping\"}", "truncatedAlerts": 0,
            "status": status, "receiver": "copilot", "groupLabels": {}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "alerts": list(alerts)}


def alert(fingerprint: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {**CRASHLOOP, "status": status, "fingerprint": fingerprint, "labels": {**CRASHLOOP["labels"], **labels}}


def finished(base: str, inv_id: str, timeout_s: float = 60, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The investigation once it has an outcome (404 while it waits in the queue)."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        while time.monotonic() < deadline:
            response = client.get(f"/investigations/{inv_id}")
            if response.status_code == 200 and response.json()["investigation"]["outcome"] != "running":
                return dict(response.json())
            time.sleep(0.1)
    raise AssertionError(f"investigation {inv_id} did not finish within {timeout_s:g}s")


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as hook:
        yield hook


def serve(tmp_path: Path, **overrides: object) -> ServerThread:
    return ServerThread(create_app(service_settings(tmp_path, **overrides)))


def test_firing_alert_becomes_a_recorded_investigation_and_a_slack_notification(
        tmp_path: Path, receiver: WebhookReceiver) -> None:
    with serve(tmp_path, notify_webhook_url=receiver.url, public_url="https://copilot.example.com/") as server:
        response = httpx.post(f"{server.url}/api/v1/alerts", json=payload(CRASHLOOP), timeout=30)
        assert response.status_code == 202, response.text
        body = response.json()
        assert len(body["investigations"]) == 1
        inv_id = body["investigations"][0]
        assert body["alerts"] == [{"fingerprint": "c0ffee0000000001", "name": "KubePodCrashLooping",
                                   "status": "firing", "action": "investigating", "investigation_id": inv_id}]

        stored = finished(server.url, inv_id)
        summary = stored["investigation"]
        assert summary["kind"] == "alert"
        assert summary["outcome"] == "answered"
        assert summary["namespace"] == "shop"
        assert summary["client"] == "alertmanager"
        assert summary["alert"]["name"] == "KubePodCrashLooping"
        assert summary["alert"]["labels"]["pod"] == "cart-hgjhk7psnj-x8xw6"
        assert summary["alert"]["fingerprint"] == "c0ffee0000000001"
        question = summary["question"]
        for part in ("KubePodCrashLooping", "namespace shop", "pod cart-hgjhk7psnj-x8xw6", "cluster demo-prod-eu-1",
                     "Container cart restarted 9 times", "https://runbooks.example.com/KubePodCrashLooping"):
            assert part in question
        kinds = [e["event"] for e in stored["events"]]
        assert kinds[0] == "classification" and kinds[-1] == "done" and "answer" in kinds
        answer = next(e["data"]["text"] for e in stored["events"] if e["event"] == "answer")

        note = receiver.wait_for(1)[0]
        assert note["path"] == "/hooks/notify"
        slack = note["body"]
        assert f"https://copilot.example.com/investigations/{inv_id}" in slack["text"]
        assert "KubePodCrashLooping" in slack["text"]
        root_cause = slack["blocks"][1]["text"]["text"]
        assert root_cause.startswith("*Root cause*\n")
        # The root cause is the answer's own, and names what the analyzers found for this pod.
        assert root_cause.removeprefix("*Root cause*\n").split("\n")[0] in answer
        assert "cart" in root_cause
        evidence = slack["blocks"][2]["text"]["text"]
        assert evidence.startswith("*Evidence*\n• ")

        listed = httpx.get(f"{server.url}/api/v1/alerts", timeout=30).json()
        assert listed["alerts"][0]["action"] == "investigating"
        assert listed["alerts"][0]["investigation_id"] == inv_id
        assert listed["queue"]["notifications"]["sent"] == 1


def test_generic_json_notification(tmp_path: Path, receiver: WebhookReceiver) -> None:
    with serve(tmp_path, notify_webhook_url=receiver.url, notify_webhook_format="json",
               notify_webhook_headers={"X-Hook-Token": "t0k"}) as server:
        response = httpx.post(f"{server.url}/api/v1/alerts", json=payload(CRASHLOOP), timeout=30)
        inv_id = response.json()["investigations"][0]
        note = receiver.wait_for(1)[0]
        body = note["body"]
        assert note["headers"]["X-Hook-Token"] == "t0k"
        assert body["event"] == "investigation_finished"
        assert body["investigation_id"] == inv_id
        assert body["link"] == f"/investigations/{inv_id}"
        assert body["status"] == "answered"
        assert body["problem_type"] == "pod_crash"
        assert body["root_cause"] and body["root_cause"] in body["answer"]
        assert 1 <= len(body["evidence"]) <= 3
        assert body["alert"]["labels"]["namespace"] == "shop"


def test_duplicates_within_the_window_and_resolved_alerts_are_recorded_not_investigated(tmp_path: Path) -> None:
    with serve(tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        first = client.post("/api/v1/alerts", json=payload(CRASHLOOP)).json()
        inv_id = first["investigations"][0]
        # Alertmanager resends the group (and retries): the same alert, twice in one payload too.
        again = client.post("/api/v1/alerts", json=payload(CRASHLOOP, CRASHLOOP))
        assert again.status_code == 202
        assert again.json()["investigations"] == []
        assert [a["action"] for a in again.json()["alerts"]] == ["duplicate", "duplicate"]
        assert {a["investigation_id"] for a in again.json()["alerts"]} == {inv_id}
        finished(server.url, inv_id)

        resolved = client.post("/api/v1/alerts", json=payload(alert("c0ffee0000000001", "resolved"),
                                                              status="resolved")).json()
        assert resolved["investigations"] == []
        assert resolved["alerts"][0]["action"] == "resolved"
        assert resolved["alerts"][0]["investigation_id"] == inv_id
        # Firing again after it resolved: a new incident, a new investigation.
        refired = client.post("/api/v1/alerts", json=payload(CRASHLOOP)).json()
        assert len(refired["investigations"]) == 1 and refired["investigations"][0] != inv_id
        finished(server.url, refired["investigations"][0])

        history = client.get("/investigations", params={"limit": 10}).json()["investigations"]
        assert sorted(h["id"] for h in history) == sorted([inv_id, refired["investigations"][0]])
        listed = client.get("/api/v1/alerts", params={"fingerprint": "c0ffee0000000001"}).json()["alerts"]
        assert [a["action"] for a in listed] == ["investigating", "resolved", "duplicate", "duplicate",
                                                 "investigating"]


def test_the_window_expires(tmp_path: Path) -> None:
    with serve(tmp_path, alert_dedup_window_s=0) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        ids = [client.post("/api/v1/alerts", json=payload(CRASHLOOP)).json()["investigations"] for _ in range(2)]
        assert len(ids[0]) == 1 and len(ids[1]) == 1 and ids[0] != ids[1]
        for found in ids:
            finished(server.url, found[0])


def test_alerts_of_another_cluster_are_recorded_not_investigated(tmp_path: Path) -> None:
    with serve(tmp_path, cluster_name="prod-us-2", alert_cluster_label="k8s_cluster") as server:
        other = alert("0000000000000aaa", k8s_cluster="prod-eu-1")
        mine = alert("0000000000000bbb", k8s_cluster="prod-us-2")
        body = httpx.post(f"{server.url}/api/v1/alerts", json=payload(other, mine), timeout=30).json()
        assert [a["action"] for a in body["alerts"]] == ["other_cluster", "investigating"]
        stored = finished(server.url, body["investigations"][0])
        assert "cluster prod-us-2" in stored["investigation"]["question"]


def test_an_alert_storm_waits_in_its_own_queue_and_ask_still_answers(tmp_path: Path) -> None:
    storm = [alert(f"{i:016x}", pod=f"pod-{i}") for i in range(40)]
    with serve(tmp_path, alert_queue_size=2, alert_max_concurrent=1, max_concurrent_investigations=1) as server, \
            httpx.Client(base_url=server.url, timeout=60) as client:
        response = client.post("/api/v1/alerts", json=payload(*storm))
        assert response.status_code == 503
        assert response.headers["retry-after"] == "30"
        body = response.json()
        assert body["error"]["code"] == "alert_queue_full"
        taken = body["investigations"]
        refused = [a["fingerprint"] for a in body["alerts"] if a["action"] == "queue_full"]
        # Two wait, one runs (and the worker may finish some while the 40 are taken in): most are refused.
        assert len(taken) >= 2 and len(refused) >= 20
        assert len(taken) + len(refused) == 40
        # While the alert worker is busy, /ask (capped at 1) still gets its slot.
        ask = client.get("/ask", params={"q": "is the cluster healthy?", "stream": "false"})
        assert ask.status_code == 200, ask.text
        assert ask.json()["answer"]
        for inv_id in taken:
            finished(server.url, inv_id)
        # Alertmanager's retry: the refused alerts are investigated now, the taken ones are duplicates.
        retry_alerts = [a for a in storm if a["fingerprint"] in refused[:2]] + \
                       [a for a in storm if a["fingerprint"] not in refused][:1]
        retry = client.post("/api/v1/alerts", json=payload(*retry_alerts)).json()
        assert [a["action"] for a in retry["alerts"]] == ["investigating", "investigating", "duplicate"]
        for inv_id in retry["investigations"]:
            finished(server.url, inv_id)


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 400, "invalid_json"),
    (b"[]", 422, "invalid_parameter"),
    (b'{"version": "3", "status": "firing", "alerts": []}', 422, "invalid_parameter"),
    (b'{"version": "4", "status": "firing", "alerts": []}', 422, "invalid_parameter"),
    (b'{"version": "4", "status": "burning", "alerts": [{"status": "firing", "labels": {}}]}', 422,
     "invalid_parameter"),
    (b'{"version": "4", "status": "firing", "alerts": [{"status": "firing", "labels": {"a": 1}}]}', 422,
     "invalid_parameter"),
    (b'{"version": "4", "status": "firing", "alerts": [{"status": "firing"}]}', 422, "invalid_parameter"),
    (b"", 400, "invalid_json"),
])
def test_malformed_payloads_get_a_clear_4xx(service: str, body: bytes, status: int, code: str) -> None:
    response = httpx.post(f"{service}/api/v1/alerts", content=body, headers={"content-type": "application/json"},
                          timeout=30)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert httpx.get(f"{service}/api/v1/alerts", timeout=30).json()["alerts"] == []


def test_the_webhook_needs_the_token(tmp_path: Path) -> None:
    with serve(tmp_path, api_token="s3cret-token") as server:
        refused = httpx.post(f"{server.url}/api/v1/alerts", json=payload(CRASHLOOP), timeout=30)
        assert refused.status_code == 401
        accepted = httpx.post(f"{server.url}/api/v1/alerts", json=payload(CRASHLOOP), timeout=30,
                              headers={"Authorization": "Bearer s3cret-token"})
        assert accepted.status_code == 202
        finished(server.url, accepted.json()["investigations"][0],
                 headers={"Authorization": "Bearer s3cret-token"})
