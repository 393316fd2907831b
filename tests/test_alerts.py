"""The webhook payload and the question an alert becomes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.alerts import Alert, AlertmanagerPayload, question_for
from app.alerts_api import parse_payload
from app.alerts_store import AlertStore
from app.errors import InvalidParameter, InvalidRequest
from app.settings import Settings


def make_alert(**labels: str) -> Alert:
    return Alert.model_validate({"status": "firing", "labels": {"alertname": "KubeNodeNotReady", **labels},
                                 "annotations": {"summary": "Node worker-2 is not ready",
                                                 "description": "Kubelet stopped posting status.",
                                                 "runbook_url": "https://runbooks.example.com/node"}})


def test_the_question_names_the_alert_its_place_its_object_and_its_annotations() -> None:
    question = question_for(make_alert(node="worker-2", severity="warning", region="eu"), Settings())
    assert question.splitlines() == [
        "Alert KubeNodeNotReady is firing (severity warning) on node worker-2.",
        "Summary: Node worker-2 is not ready",
        "Description: Kubelet stopped posting status.",
        "Runbook: https://runbooks.example.com/node",
        "What is the root cause, and how do I fix it?",
    ]


def test_the_cluster_label_is_configurable() -> None:
    alert = make_alert(namespace="shop", deployment="cart", k8s="prod-eu-1", cluster="ignored")
    question = question_for(alert, Settings(alert_cluster_label="k8s"))
    assert question.startswith("Alert KubeNodeNotReady is firing in cluster prod-eu-1, namespace shop on "
                               "deployment cart.")
    assert alert.cluster("k8s") == "prod-eu-1"


def test_a_namespace_label_that_is_no_namespace_does_not_scope_the_investigation() -> None:
    assert make_alert(namespace="shop").namespace == "shop"
    assert make_alert(namespace="Shop Floor; rm -rf").namespace is None
    assert make_alert().namespace is None


def test_the_fingerprint_defaults_to_a_hash_of_the_labels() -> None:
    assert make_alert(a="1", b="2").key == make_alert(b="2", a="1").key
    assert make_alert(a="1").key != make_alert(a="2").key
    given = Alert.model_validate({"status": "firing", "labels": {}, "fingerprint": "abc"})
    assert given.key == "abc"


def test_a_very_long_description_still_makes_a_question_within_limits() -> None:
    alert = Alert.model_validate({"status": "firing", "labels": {"alertname": "X"},
                                  "annotations": {"description": "y" * 8000}})
    assert len(question_for(alert, Settings())) == 4000


def test_unknown_fields_are_ignored_and_known_ones_checked() -> None:
    body = {"version": "4", "status": "firing", "newField": 1,
            "alerts": [{"status": "firing", "labels": {"alertname": "A"}, "extra": True}]}
    assert AlertmanagerPayload.model_validate(body).alerts[0].name == "A"
    with pytest.raises(ValidationError):
        AlertmanagerPayload.model_validate({**body, "alerts": [{"status": "firing", "labels": {"a": ["b"]}}]})


def test_parse_payload_errors() -> None:
    with pytest.raises(InvalidRequest, match="not valid JSON") as bad_json:
        parse_payload(b"\xff\xfe")
    assert bad_json.value.status == 400
    with pytest.raises(InvalidParameter, match="version"):
        parse_payload(b'{"version": "2", "status": "firing", "alerts": [{"status": "firing", "labels": {}}]}')


def test_windows_claim_once_expire_and_close(tmp_path: Path) -> None:
    store = AlertStore(tmp_path / "alerts.db", dedup_window_s=60)
    store.open()
    try:
        assert store.claim("fp", "inv-1", now=1000) is None
        assert store.claim("fp", "inv-2", now=1030) == "inv-1"  # within the window
        assert store.claim("fp", "inv-3", now=1061) is None  # expired: a new investigation owns it
        assert store.claim("fp", "inv-4", now=1062) == "inv-3"
        assert store.resolve("fp") == "inv-3"
        assert store.claim("fp", "inv-5", now=1063) is None
        store.release("fp", "inv-other")  # not its owner: nothing happens
        assert store.claim("fp", "inv-6", now=1064) == "inv-5"
        store.release("fp", "inv-5")
        assert store.claim("fp", "inv-7", now=1065) is None
    finally:
        store.close()
