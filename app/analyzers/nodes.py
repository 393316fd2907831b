"""Nodes: NotReady, Disk/Memory/PID pressure (with the kubelet's events and its evictions), cordoned."""

from __future__ import annotations

from app.analyzers.common import clip, event_line
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, Severity, reasons
from app.analyzers.quantity import format_bytes, parse_quantity
from app.analyzers.view import ClusterView, Obj, name_of

NAME = "nodes"
REASONS: dict[str, ReasonSpec] = {
    **reasons(1, ("disk_full", "node_not_ready"), "DiskPressure"),
    **reasons(1, ("node_not_ready", "oom_killed"), "MemoryPressure"),
    **reasons(1, ("node_not_ready",), "NodeNotReady", "PIDPressure", "NetworkUnavailable"),
    **reasons(3, ("node_not_ready",), "Cordoned"),
}
# condition → (reason, severity, the node's Warning events that explain it, zh noun)
PRESSURE: dict[str, tuple[str, Severity, tuple[str, ...], str]] = {
    "DiskPressure": ("DiskPressure", "critical", ("EvictionThresholdMet", "FreeDiskSpaceFailed", "ImageGCFailed",
                                                  "Evicted"), "磁盘压力"),
    "MemoryPressure": ("MemoryPressure", "critical", ("EvictionThresholdMet", "SystemOOM"), "内存压力"),
    "PIDPressure": ("PIDPressure", "warning", ("EvictionThresholdMet",), "PID 压力"),
    "NetworkUnavailable": ("NetworkUnavailable", "critical", (), "网络不可用"),
}


class NodesAnalyzer:
    name = NAME
    kinds = frozenset({"nodes", "events", "pods", "nodemetrics"})
    reasons = REASONS
    problem_types = ("oom_killed", "disk_full", "pod_pending", "node_not_ready")

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for node in view.items("nodes"):
            conditions = {c.get("type"): c for c in (node.get("status") or {}).get("conditions") or []}
            ready = conditions.get("Ready")
            if ready is None or ready.get("status") != "True":
                findings.append(_not_ready(view, node, ready))
            for kind, (reason, severity, event_reasons, zh) in PRESSURE.items():
                cond = conditions.get(kind)
                if cond is not None and cond.get("status") == "True":
                    findings.append(_pressure(view, node, cond, reason, severity, event_reasons, zh))
            if (node.get("spec") or {}).get("unschedulable"):
                findings.append(_cordoned(node))
        return findings


def _condition_line(cond: Obj) -> str:
    return clip(f"status.conditions[{cond.get('type')}]={cond.get('status')} ({cond.get('reason')}: "
                f"{cond.get('message')}; since {cond.get('lastTransitionTime')})", 300)


def _taints(node: Obj) -> list[str]:
    taints = (node.get("spec") or {}).get("taints") or []
    shown = ", ".join(f"{t.get('key')}:{t.get('effect')}" for t in taints)
    return [f"spec.taints: {shown}"] if taints else []


def _not_ready(view: ClusterView, node: Obj, ready: Obj | None) -> Finding:
    name = name_of(node)
    evidence = [_condition_line(ready) if ready else "status.conditions[Ready]: missing", *_taints(node)]
    if ready is not None:
        evidence.append(f"lastHeartbeatTime={ready.get('lastHeartbeatTime')}")
    evidence += [event_line(e) for e in view.events_for("Node", None, name)[:2]]
    pods = [p for p in view.items("pods") if (p.get("spec") or {}).get("nodeName") == name]
    evidence.append(f"{len(pods)} pod(s) scheduled on the node")
    status = ready.get("status") if ready else "Unknown"
    why = f"{ready.get('reason')}: {ready.get('message')}" if ready else "no Ready condition"
    return Finding(
        NAME, "critical", ObjectRef("Node", None, name), "NodeNotReady",
        f"Node {name} is NotReady (Ready={status}; {clip(why, 160)}).", tuple(evidence),
        message_zh=f"节点 {name} 处于 NotReady（Ready={status}；{clip(why, 160)}）。",
        targets={"node": name},
        fix="Check the kubelet and container runtime on the node (journalctl -u kubelet), its network and disk.",
        fix_zh="检查节点上的 kubelet 和容器运行时（journalctl -u kubelet）、网络与磁盘。",
    )


def _pressure(view: ClusterView, node: Obj, cond: Obj, reason: str, severity: Severity,
              event_reasons: tuple[str, ...], zh: str) -> Finding:
    name = name_of(node)
    evidence = [_condition_line(cond), *_taints(node)]
    evidence += [event_line(e) for e in view.events_for("Node", None, name, event_reasons)[:3]]
    if reason == "DiskPressure":
        allocatable = parse_quantity(((node.get("status") or {}).get("allocatable") or {}).get("ephemeral-storage"))
        if allocatable:
            evidence.append(f"status.allocatable.ephemeral-storage={format_bytes(allocatable)}")
    evicted = [f"{p['metadata'].get('namespace')}/{name_of(p)}" for p in view.items("pods")
               if (p.get("spec") or {}).get("nodeName") == name and (p.get("status") or {}).get("reason") == "Evicted"]
    if evicted:
        evidence.append(f"evicted pods: {', '.join(evicted[:3])}")
    return Finding(
        NAME, severity, ObjectRef("Node", None, name), reason,
        f"Node {name} has {reason}: the kubelet is evicting pods and new pods are not scheduled there.",
        tuple(evidence),
        message_zh=f"节点 {name} 出现{zh}（{reason}）：kubelet 正在驱逐 Pod，新 Pod 不会调度到该节点。",
        targets={"node": name},
        fix="Free the resource on the node (images, logs, emptyDir scratch) and cap the workloads that fill it.",
        fix_zh="释放节点上的资源（镜像、日志、emptyDir 临时文件），并限制占满资源的工作负载。",
    )


def _cordoned(node: Obj) -> Finding:
    name = name_of(node)
    return Finding(
        NAME, "warning", ObjectRef("Node", None, name), "Cordoned",
        f"Node {name} is cordoned: no new pods are scheduled on it.", ("spec.unschedulable=true", *_taints(node)),
        message_zh=f"节点 {name} 已被 cordon：不会再有新 Pod 调度到它上面。",
        targets={"node": name},
        fix=f"If the maintenance is over: kubectl uncordon {name}",
        fix_zh=f"如果维护已结束：kubectl uncordon {name}",
    )
