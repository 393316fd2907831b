"""The whole chain, real parts only (the LLM is not involved: no LLM configured, runbook investigations):
Prometheus evaluates a rule on a real series → Alertmanager groups and routes it (with the bearer token) →
POST /api/v1/alerts → an investigation in the history with the alert attached → the notification reaches a
loopback receiver with the root cause and the link."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from app.main import create_app
from tests.support.alertmanager import Alertmanager, alerting_prometheus
from tests.support.app import service_settings
from tests.support.server import ServerThread
from tests.support.webhook_receiver import WebhookReceiver

TOKEN = "alerting-chain-token"
RULES = """\
groups:
  - name: copilot-test
    rules:
      - alert: KubePodCrashLooping
        expr: up{job="prometheus"} == 1
        labels:
          severity: critical
          namespace: shop
          pod: cart-hgjhk7psnj-x8xw6
          container: cart
        annotations:
          summary: "Pod shop/cart-hgjhk7psnj-x8xw6 is crash looping (seen by job {{ $labels.job }})"
          description: "Container cart keeps restarting (scraped from {{ $labels.instance }})."
          runbook_url: https://runbooks.example.com/KubePodCrashLooping
"""


def test_a_prometheus_rule_routes_through_alertmanager_to_an_investigation_and_a_notification(
        tmp_path: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with WebhookReceiver() as receiver, ServerThread(create_app(service_settings(
            tmp_path, api_token=TOKEN, notify_webhook_url=receiver.url, notify_webhook_format="json",
            public_url="http://copilot.test"))) as service, \
            Alertmanager(f"{service.url}/api/v1/alerts", bearer_token=TOKEN) as alertmanager:
        prometheus = alerting_prometheus(alertmanager, RULES).start()
        try:
            note = receiver.wait_for(1, timeout_s=120)[0]["body"]
            # The rule is still firing and Alertmanager keeps the group: nothing more is investigated.
            time.sleep(3)
            received = httpx.get(f"{service.url}/api/v1/alerts", headers=auth, timeout=30).json()["alerts"]
        finally:
            prometheus.stop()

    assert note["status"] == "answered"
    assert note["problem_type"] == "pod_crash"
    inv_id = note["investigation_id"]
    assert note["link"] == f"http://copilot.test/investigations/{inv_id}"
    assert "cart" in note["root_cause"]
    assert note["evidence"]
    alert = note["alert"]
    assert alert["name"] == "KubePodCrashLooping"
    assert alert["status"] == "firing"
    # What Prometheus and Alertmanager added: the series' own labels, the link back, the fingerprint.
    assert alert["labels"]["job"] == "prometheus"
    assert alert["labels"]["instance"] == f"127.0.0.1:{prometheus.port}"
    assert alert["annotations"]["summary"] == "Pod shop/cart-hgjhk7psnj-x8xw6 is crash looping (seen by job prometheus)"
    assert alert["generator_url"].startswith("http://")
    assert len(alert["fingerprint"]) == 16

    investigating = [a for a in received if a["action"] == "investigating"]
    assert [a["investigation_id"] for a in investigating] == [inv_id]
    assert all(a["action"] in ("investigating", "duplicate") for a in received)
    assert receiver.attempts == 1
