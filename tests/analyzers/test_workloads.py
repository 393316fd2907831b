"""Deployments, StatefulSets, DaemonSets, ReplicaSets: unavailable replicas point at the failing pods."""

from __future__ import annotations

from app.analyzers.model import Finding, ObjectRef
from app.analyzers.view import ClusterView
from app.analyzers.workloads import WorkloadsAnalyzer
from tests.analyzers.support import CART, CATALOG, FRAUD, RECOMMENDATION_DOWN, meta, only, pod, view


def workload_findings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.analyzer == "workloads"]


def test_unavailable_deployments_point_at_their_failing_pods(findings: list[Finding]) -> None:
    cart = only(workload_findings(findings), "UnavailableReplicas", "cart")
    assert cart.severity == "critical"
    assert cart.cause == "CrashLoopBackOff"
    assert cart.related == (ObjectRef("Pod", "shop", CART),)
    assert "status.availableReplicas=0" in cart.evidence
    assert any(e.startswith(f"pod {CART}: CrashLoopBackOff") for e in cart.evidence)
    assert cart.runbook == "crashloop-backoff"
    recommendation = only(workload_findings(findings), "UnavailableReplicas", "recommendation")
    assert recommendation.severity == "warning"  # 1 of 2 still serves
    assert recommendation.cause == "OOMKilled"
    assert recommendation.related == (ObjectRef("Pod", "shop", RECOMMENDATION_DOWN),)
    assert only(workload_findings(findings), "UnavailableReplicas", "catalog").related == (
        ObjectRef("Pod", "shop", CATALOG),)
    assert only(workload_findings(findings), "UnavailableReplicas", "fraud-model").related == (
        ObjectRef("Pod", "payments", FRAUD),)


def test_statefulset_blocked_by_its_claim(findings: list[Finding]) -> None:
    ledger = only(workload_findings(findings), "UnavailableReplicas", "ledger-db")
    assert ledger.object.kind == "StatefulSet"
    assert ledger.cause == "UnboundPVC"
    assert ledger.targets["pvc"] == "data-ledger-db-0"
    assert ledger.runbook == "pvc-pending"


def test_healthy_workloads_and_their_pods_have_no_findings(findings: list[Finding], demo_view: ClusterView) -> None:
    healthy = {ObjectRef("Deployment", "shop", "frontend"), ObjectRef("Deployment", "shop", "checkout"),
               ObjectRef("Deployment", "kube-system", "coredns"),
               ObjectRef("Deployment", "kube-system", "metrics-server"),
               ObjectRef("StatefulSet", "shop", "redis"), ObjectRef("DaemonSet", "kube-system", "kube-proxy"),
               ObjectRef("DaemonSet", "monitoring", "node-exporter"), ObjectRef("CronJob", "shop", "nightly-report")}
    healthy_pods = {ObjectRef("Pod", ns, name) for pod in demo_view.items("pods")
                    if demo_view.workload_of(pod) in healthy
                    for ns, name in [(pod["metadata"]["namespace"], pod["metadata"]["name"])]}
    assert len(healthy_pods) == 15  # 2+2 shop, 2+1 kube-system, redis-0, 3+3 per node, the report job's pod
    assert not {f.object for f in findings} & (healthy | healthy_pods)
    # The image-resizer Deployment is back at 1/1: only its evicted leftover pod is a finding.
    assert not [f for f in findings if f.object == ObjectRef("Deployment", "shop", "image-resizer")]


def test_replica_failure_and_daemonset_gaps() -> None:
    rs = {"metadata": meta("api-5d9", ownerReferences=[{"kind": "Deployment", "name": "api", "controller": True}]),
          "status": {"conditions": [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                                     "message": 'pods "api-5d9-x" is forbidden: exceeded quota: compute'}]}}
    ds = {"metadata": meta("agent"), "status": {"desiredNumberScheduled": 3, "numberAvailable": 2}}
    agent = pod("agent-abc", statuses=[{"name": "agent", "ready": False, "restartCount": 0,
                                        "state": {"waiting": {"reason": "ErrImagePull"}}}])
    agent["metadata"]["ownerReferences"] = [{"kind": "DaemonSet", "name": "agent", "controller": True}]
    found = WorkloadsAnalyzer().analyze(view(replicasets=[rs], daemonsets=[ds], pods=[agent]))
    quota = only(found, "FailedCreate", "api-5d9")
    assert "exceeded quota" in quota.message and quota.targets["deployment"] == "api"
    gap = only(found, "UnavailableReplicas", "agent")
    assert gap.severity == "warning" and gap.cause == "ErrImagePull"
