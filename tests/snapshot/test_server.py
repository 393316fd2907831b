"""The ASGI app in memory: discovery, tables, selectors, writes, errors, logs, metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from app.snapshot.server import create_snapshot_app, start_snapshot_server
from app.snapshot.store import load_snapshot
from tests.snapshot.conftest import DEMO

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@pytest.fixture(scope="module")
def http() -> TestClient:
    return TestClient(create_snapshot_app(load_snapshot(DEMO)))


def test_discovery_documents(http: TestClient) -> None:
    assert http.get("/version").json()["gitVersion"] == "v1.32.3"
    assert http.get("/version/").json()["minor"] == "32"
    assert http.get("/api").json()["versions"] == ["v1"]
    groups = {g["name"] for g in http.get("/apis").json()["groups"]}
    assert {
        "apps",
        "batch",
        "networking.k8s.io",
        "storage.k8s.io",
        "discovery.k8s.io",
        "metrics.k8s.io",
    } <= groups
    core = {r["name"]: r for r in http.get("/api/v1").json()["resources"]}
    assert core["pods"]["shortNames"] == ["po"] and core["pods"]["categories"] == ["all"]
    assert core["pods/log"]["verbs"] == ["get"] and core["nodes"]["namespaced"] is False
    apps = {r["name"]: r for r in http.get("/apis/apps/v1").json()["resources"]}
    assert apps["deployments"]["shortNames"] == ["deploy"]
    assert http.get("/apis/apps").json()["preferredVersion"]["groupVersion"] == "apps/v1"
    assert http.get("/apis/nope.example.com/v1").status_code == 404


def test_table_rows_carry_partial_metadata(http: TestClient) -> None:
    table = http.get("/api/v1/namespaces/payments/pods", headers={"Accept": TABLE}).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    for row in table["rows"]:
        assert len(row["cells"]) == len(table["columnDefinitions"])
        assert row["object"]["kind"] == "PartialObjectMetadata"
        assert row["object"]["metadata"]["namespace"] == "payments"
    full = http.get("/api/v1/namespaces/payments/pods?includeObject=Object", headers={"Accept": TABLE}).json()
    assert full["rows"][0]["object"]["kind"] == "Pod"
    one = http.get("/api/v1/nodes/worker-3", headers={"Accept": TABLE}).json()
    assert one["rows"][0]["cells"][:5] == ["worker-3", "Ready", "<none>", "41d", "v1.32.3"]


def test_plain_lists_and_selectors(http: TestClient) -> None:
    body = http.get("/apis/apps/v1/namespaces/shop/deployments").json()
    assert body["kind"] == "DeploymentList" and body["apiVersion"] == "apps/v1"
    assert "cart" in {item["metadata"]["name"] for item in body["items"]}
    empty = http.get("/api/v1/namespaces/default/pods").json()
    assert empty["items"] == []
    selected = http.get("/api/v1/pods", params={"labelSelector": "app notin (cart),tier=backend,!job-name"})
    assert {p["metadata"]["labels"]["app"] for p in selected.json()["items"]} == {
        "checkout",
        "recommendation",
        "catalog",
    }
    bad = http.get("/api/v1/pods", params={"labelSelector": "app in (a"})
    assert bad.status_code == 400 and bad.json()["kind"] == "Status"
    nodes = http.get("/api/v1/pods", params={"fieldSelector": "spec.nodeName=worker-2,status.phase!=Running"})
    assert [p["status"]["phase"] for p in nodes.json()["items"]] == ["Succeeded"]


def test_watch_ends_immediately(http: TestClient) -> None:
    response = http.get("/api/v1/namespaces/shop/pods?watch=true")
    assert response.status_code == 200 and response.content == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_answer_405_status(http: TestClient, method: str) -> None:
    response = http.request(method, "/api/v1/namespaces/shop/pods/x", content=b"{}")
    assert response.status_code == 405
    body = response.json()
    assert body["kind"] == "Status" and body["reason"] == "MethodNotAllowed" and body["code"] == 405
    assert "read-only snapshot captured at 2026-11-18T09:41:27Z" in body["message"]


def test_not_found_statuses(http: TestClient) -> None:
    response = http.get("/apis/apps/v1/namespaces/shop/deployments/nope")
    assert response.status_code == 404
    assert response.json()["message"] == 'deployments.apps "nope" not found'
    assert response.json()["details"] == {"name": "nope", "kind": "deployments", "group": "apps"}
    assert http.get("/api/v1/namespaces/shop/nodes").status_code == 404  # nodes are cluster-scoped
    assert http.get("/api/v1/namespaces/shop/widgets").json()["reason"] == "NotFound"


def test_log_options(http: TestClient) -> None:
    base = "/api/v1/namespaces/shop/pods/frontend-nhbvjhtqvn-hnwh2/log"
    full = http.get(base).text.splitlines()
    assert len(full) == 81
    assert http.get(base, params={"tailLines": "2"}).text.splitlines() == full[-2:]
    recent = http.get(base, params={"sinceSeconds": "60"}).text.splitlines()
    assert 0 < len(recent) < 5  # relative to the capture time, not the wall clock
    stamped = http.get(base, params={"tailLines": "1", "timestamps": "true"}).text
    assert stamped.startswith("2026-11-18T09:4") and stamped.endswith(full[-1] + "\n")
    assert len(http.get(base, params={"limitBytes": "7"}).content) == 7
    bad = http.get(base, params={"container": "sidecar"})
    assert bad.status_code == 400 and "container sidecar is not valid" in bad.json()["message"]


def test_metrics_endpoints(http: TestClient) -> None:
    one = http.get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/redis-0").json()
    assert one["kind"] == "PodMetrics" and one["containers"][0]["name"] == "redis"
    labelled = http.get("/apis/metrics.k8s.io/v1beta1/pods", params={"labelSelector": "app=frontend"}).json()
    assert len(labelled["items"]) == 2 and labelled["kind"] == "PodMetricsList"
    missing = http.get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/cart-hgjhk7psnj-x8xw6")
    assert missing.status_code == 404


def test_running_server_context_manager(tmp_path: Path) -> None:
    with start_snapshot_server(DEMO) as running:
        kubeconfig = running.kubeconfig
        assert running.url.startswith("http://127.0.0.1:") and running.port > 0
        assert running.url in kubeconfig.read_text()
    assert not kubeconfig.exists()  # the temp kubeconfig goes away with the server


@pytest.mark.parametrize(("params", "message"), [
    ({"sinceTime": "yesterday"}, "sinceTime: invalid RFC 3339 time"),
    ({"sinceTime": "2026-13-45T99:00:00Z"}, "sinceTime: invalid RFC 3339 time"),
    ({"sinceSeconds": "0"}, "sinceSeconds: Invalid value"),
    ({"sinceSeconds": "x"}, "sinceSeconds: invalid integer"),
    ({"sinceSeconds": "5", "sinceTime": "2026-11-18T09:00:00Z"}, "at most one of"),
    ({"tailLines": "-3"}, "tailLines: Invalid value"),
    ({"limitBytes": "0"}, "limitBytes: Invalid value"),
    ({"previous": "maybe"}, "previous: invalid boolean"),
    ({"timestamps": "yes"}, "timestamps: invalid boolean"),
])
def test_bad_log_query_values_are_400(http: TestClient, params: dict[str, str], message: str) -> None:
    response = http.get("/api/v1/namespaces/shop/pods/frontend-nhbvjhtqvn-hnwh2/log", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["reason"] == "BadRequest" and message in response.json()["message"]


def test_good_since_time_still_filters(http: TestClient) -> None:
    base = "/api/v1/namespaces/shop/pods/frontend-nhbvjhtqvn-hnwh2/log"
    recent = http.get(base, params={"sinceTime": "2026-11-18T09:40:27Z"}).text.splitlines()
    assert 0 < len(recent) < len(http.get(base).text.splitlines())


@pytest.mark.parametrize("params", [{"limit": "lots"}, {"includeObject": "Everything"}, {"watch": "sure"},
                                    {"timeoutSeconds": "-1"}, {"resourceVersion": "abc"}])
def test_bad_list_query_values_are_400(http: TestClient, params: dict[str, str]) -> None:
    response = http.get("/api/v1/namespaces/shop/pods", params=params, headers={"accept": TABLE})
    assert response.status_code == 400 and response.json()["kind"] == "Status"


def test_read_only_mode_records_refused_writes(tmp_path: Path) -> None:
    app = create_snapshot_app(load_snapshot(DEMO))
    client = TestClient(app)
    response = client.patch("/apis/apps/v1/namespaces/shop/deployments/cart/scale", json={"spec": {"replicas": 0}},
                            headers={"content-type": "application/merge-patch+json"})
    assert response.status_code == 405
    (write,) = app.state.snapshot_api.writes.records()
    assert (write.method, write.status, write.applied, write.body) == ("PATCH", 405, False, {"spec": {"replicas": 0}})
    record = client.get("/_snapshot/writes").json()
    assert record["writable"] is False and record["count"] == 1
    apps = {r["name"]: r for r in client.get("/apis/apps/v1").json()["resources"]}
    assert apps["deployments"]["verbs"] == ["get", "list", "watch"]
    assert client.get("/apis/apps/v1/namespaces/shop/deployments/cart").json()["spec"]["replicas"] == 1


def test_openapi_v3_names_the_patch_parameters(http: TestClient) -> None:
    root = http.get("/openapi/v3").json()["paths"]
    assert "api/v1" in root and "apis/apps/v1" in root
    doc = http.get(root["apis/apps/v1"]["serverRelativeURL"]).json()
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert {p["name"] for p in patch["parameters"]} >= {"dryRun", "fieldValidation"}
    assert http.get("/openapi/v3/apis/nosuch/v1").status_code == 404
