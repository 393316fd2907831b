"""The pods analyzer against the demo snapshot (served for real) and a few hand-made pods."""

from __future__ import annotations

from app.analyzers.model import Finding
from app.analyzers.pods import PodsAnalyzer
from tests.analyzers.support import (
    CART,
    CATALOG,
    EVICTED,
    FRAUD,
    GATEWAY,
    RECOMMENDATION_DOWN,
    RECOMMENDATION_UP,
    event,
    only,
    pod,
    view,
)


def pods_findings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.analyzer == "pods"]


def test_crashloop_pod_with_restarts_and_exit_code(findings: list[Finding]) -> None:
    crash = only(pods_findings(findings), "CrashLoopBackOff", CART)
    assert crash.severity == "critical"
    assert crash.object.kind == "Pod" and crash.object.namespace == "shop"
    assert "status.containerStatuses[0].state.waiting.reason=CrashLoopBackOff" in crash.evidence
    assert "status.containerStatuses[0].restartCount=9" in crash.evidence
    assert any(e.startswith("status.containerStatuses[0].lastState.terminated.exitCode=2") for e in crash.evidence)
    assert crash.runbook == "crashloop-backoff"
    assert dict(crash.targets) | {"pod": CART, "namespace": "shop", "container": "cart", "deployment": "cart"} == dict(
        crash.targets)


def test_oom_killed_with_limit_and_observed_usage(findings: list[Finding]) -> None:
    running = only(pods_findings(findings), "OOMKilled", RECOMMENDATION_UP)
    assert "status.containerStatuses[0].lastState.terminated.reason=OOMKilled" in running.evidence
    assert "limits.memory=128Mi" in running.evidence
    assert "usage=122Mi (metrics.k8s.io, container recommendation)" in running.evidence
    assert running.runbook == "oom-killed"
    down = only(pods_findings(findings), "OOMKilled", RECOMMENDATION_DOWN)
    assert down.severity == "critical"
    assert "status.containerStatuses[0].state.terminated.reason=OOMKilled" in down.evidence
    assert "limits.memory=128Mi" in down.evidence
    assert any("sibling pod" in e and "122Mi" in e for e in down.evidence)  # no metrics for a dead container
    assert "--limits=memory=256Mi" in down.fix and "deployment/recommendation" in down.fix


def test_image_pull_backoff_names_the_image_and_the_registry_answer(findings: list[Finding]) -> None:
    pull = only(pods_findings(findings), "ImagePullBackOff", CATALOG)
    assert "status.containerStatuses[0].image=ghcr.io/acme-shop/catalog:2.14.0-rc1" in pull.evidence
    assert any("manifest unknown" in e for e in pull.evidence)
    assert "does not exist" in pull.message
    assert pull.runbook == "image-pull-backoff"


def test_pending_pod_with_insufficient_cpu(findings: list[Finding]) -> None:
    pending = only(pods_findings(findings), "Unschedulable", FRAUD)
    assert pending.cause == "InsufficientResources"
    assert "Insufficient cpu" in pending.message
    assert "requests.cpu=6 (sum over containers)" in pending.evidence
    assert "largest node allocatable cpu=3920m (worker-1)" in pending.evidence
    assert pending.runbook == "pod-pending"


def test_pending_pod_behind_an_unbound_claim_points_at_storage(findings: list[Finding]) -> None:
    pending = only(pods_findings(findings), "Unschedulable", "ledger-db-0")
    assert pending.cause == "UnboundPVC"
    assert "volume data: persistentVolumeClaim data-ledger-db-0 is Pending" in pending.evidence
    assert pending.runbook == "pvc-pending"


def test_evicted_pod_names_the_node_and_the_resource(findings: list[Finding]) -> None:
    evicted = only(pods_findings(findings), "Evicted", EVICTED)
    assert evicted.cause == "DiskPressure"
    assert "spec.nodeName=worker-3" in evicted.evidence
    assert "ephemeral-storage" in evicted.message


def test_sidecar_crash_is_reported_for_its_own_container(findings: list[Finding]) -> None:
    crash = only(pods_findings(findings), "CrashLoopBackOff", GATEWAY)
    assert crash.targets["container"] == "metrics-proxy"
    assert "status.containerStatuses[1].restartCount=11" in crash.evidence


def test_probe_failures_come_from_events() -> None:
    statuses = [{"name": "web", "ready": False, "restartCount": 0, "state": {"running": {}}}]
    found = PodsAnalyzer().analyze(view(
        pods=[pod("web-1", statuses=statuses)],
        events=[event("Pod", "web-1", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503",
                      count=40, field_path="spec.containers{web}")],
    ))
    probe = only(found, "ProbeFailed", "web-1")
    assert probe.severity == "warning"
    assert probe.targets["container"] == "web"
    assert any("statuscode: 503" in e and "(×40)" in e for e in probe.evidence)


def test_config_errors_and_plain_restarts() -> None:
    broken = [{"name": "api", "ready": False, "restartCount": 0, "state": {"waiting": {
        "reason": "CreateContainerConfigError", "message": 'secret "db" not found'}}}]
    flaky = [{"name": "api", "ready": True, "restartCount": 5, "state": {"running": {}},
              "lastState": {"terminated": {"reason": "Error", "exitCode": 143}}}]
    found = PodsAnalyzer().analyze(view(pods=[pod("api-1", statuses=broken), pod("api-2", statuses=flaky)]))
    config = only(found, "CreateContainerConfigError", "api-1")
    # Named plainly: `secret "db"` reads like a secret value to the redactor, which masked the root cause.
    assert "Secret db not found" in config.message
    from app.redact import redact
    assert "Secret db not found" in redact(config.message)
    restarting = only(found, "Restarting", "api-2")
    assert any("exitCode=143 (SIGTERM" in e for e in restarting.evidence)


def test_healthy_and_completed_pods_have_no_findings() -> None:
    ok = [{"name": "app", "ready": True, "restartCount": 0, "state": {"running": {}}}]
    done = [{"name": "app", "ready": False, "restartCount": 0,
             "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]
    found = PodsAnalyzer().analyze(view(pods=[pod("a", statuses=ok), pod("b", statuses=done, phase="Succeeded")]))
    assert found == []
