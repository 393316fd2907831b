"""GET /api/v1/audit on a real uvicorn serving the demo snapshot: JSON, SARIF, 4xx on bad filters."""

from __future__ import annotations

import httpx
import pytest


def test_audit_json_and_sarif(service: str) -> None:
    body = httpx.get(f"{service}/api/v1/audit", params={"namespace": "shop"}, timeout=60).json()
    assert body["scope"]["namespace"] == "shop" and 0 <= body["score"] <= 100
    assert set(body["summary"]) == {"shop", "(cluster)"}  # the ClusterRoleBinding to shop's default account
    assert "rbac/overprivileged-workload" in {f["rule_id"] for f in body["findings"]}
    sarif = httpx.get(f"{service}/api/v1/audit", params={"format": "sarif"}, timeout=60)
    assert sarif.status_code == 200 and sarif.headers["content-type"].startswith("application/sarif+json")
    assert sarif.json()["version"] == "2.1.0"
    one = httpx.get(f"{service}/api/v1/audit", params={"workload": "ds/node-exporter"}, timeout=60).json()
    assert [w["level"] for w in one["pod_security"]["workloads"]] == ["privileged"]


@pytest.mark.parametrize(("params", "status", "code"), [
    ({"namespace": "Bad_Namespace"}, 422, "invalid_parameter"),
    ({"workload": "web"}, 422, "invalid_parameter"),
    ({"workload": "widget/web"}, 422, "invalid_parameter"),
    ({"format": "xml"}, 422, None),
    ({"workload": "deploy/nope", "namespace": "shop"}, 404, "not_found"),
])
def test_bad_filters_are_4xx_error_documents(service: str, params: dict[str, str], status: int,
                                             code: str | None) -> None:
    response = httpx.get(f"{service}/api/v1/audit", params=params, timeout=60)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"] and (code is None or error["code"] == code)


def test_security_question_is_answered_from_the_audit(service: str) -> None:
    response = httpx.post(f"{service}/ask", json={"q": "这个集群安全吗？", "stream": False, "mode": "runbook"},
                          timeout=60)
    assert response.status_code == 200
    doc = response.json()
    assert doc["classification"]["problem_type"] == "security" and doc["runbooks"] == ["security-audit"]
    assert "安全审计" in doc["answer"] and "ClusterRoleBinding shop-ci-deployer" in doc["answer"]
    assert doc["errors"] == [] and doc["done"]["elapsed_ms"] >= 0
