"""Nodes: NotReady, pressure conditions with the kubelet's events and evictions, cordoned."""

from __future__ import annotations

from app.analyzers.model import Finding
from app.analyzers.nodes import NodesAnalyzer
from tests.analyzers.support import EVICTED, event, meta, only, view


def test_disk_pressure_with_taint_events_and_evicted_pods(findings: list[Finding]) -> None:
    disk = only([f for f in findings if f.analyzer == "nodes"], "DiskPressure", "worker-3")
    assert disk.severity == "critical"
    assert disk.evidence[0].startswith("status.conditions[DiskPressure]=True (KubeletHasDiskPressure")
    assert "spec.taints: node.kubernetes.io/disk-pressure:NoSchedule" in disk.evidence
    assert "event EvictionThresholdMet: Attempting to reclaim ephemeral-storage (×5)" in disk.evidence
    assert f"evicted pods: shop/{EVICTED}" in disk.evidence
    assert disk.targets == {"node": "worker-3"}
    assert disk.runbook == "disk-full"


def test_healthy_nodes_have_no_node_findings(findings: list[Finding]) -> None:
    assert [f.object.name for f in findings if f.analyzer == "nodes"] == ["worker-3"]


def node(name: str, ready: str = "True", memory: str = "False", unschedulable: bool = False) -> dict[str, object]:
    return {"metadata": meta(name, None), "spec": {"unschedulable": unschedulable},
            "status": {"conditions": [
                {"type": "Ready", "status": ready, "reason": "KubeletNotReady" if ready != "True" else "KubeletReady",
                 "message": "container runtime network not ready", "lastHeartbeatTime": "2026-11-18T09:00:00Z"},
                {"type": "MemoryPressure", "status": memory, "reason": "KubeletHasInsufficientMemory"}]}}


def test_not_ready_memory_pressure_and_cordoned() -> None:
    found = NodesAnalyzer().analyze(view(
        nodes=[node("a", ready="Unknown"), node("b", memory="True"), node("c", unschedulable=True)],
        events=[event("Node", "b", "EvictionThresholdMet", "Attempting to reclaim memory", namespace=None)]))
    not_ready = only(found, "NodeNotReady", "a")
    assert "Ready=Unknown" in not_ready.message
    assert any("container runtime network not ready" in e for e in not_ready.evidence)
    memory = only(found, "MemoryPressure", "b")
    assert "event EvictionThresholdMet: Attempting to reclaim memory" in memory.evidence
    assert only(found, "Cordoned", "c").severity == "warning"
