"""kube-system add-ons whose failure breaks workloads: DNS, CNI, kube-proxy, metrics-server."""

from __future__ import annotations

import re

from app.analyzers.common import pod_problem, pod_ref
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, reasons
from app.analyzers.view import ClusterView, Obj, name_of, namespace_of

NAME = "addons"
REASONS: dict[str, ReasonSpec] = reasons(0, ("network", "cluster_health"), "AddonDown")
# name pattern → (what it is, what breaks when it is down: en, zh)
ADDONS: tuple[tuple[re.Pattern[str], str, str, str], ...] = (
    (re.compile(r"^(coredns|kube-dns)$"), "cluster DNS",
     "pods cannot resolve Service or external names (lookups time out or fail)", "Pod 无法解析 Service 或外部域名"),
    (re.compile(r"^metrics-server$"), "metrics-server",
     "HorizontalPodAutoscalers and `kubectl top` get no resource metrics", "HPA 与 kubectl top 拿不到资源指标"),
    (re.compile(r"^kube-proxy$"), "kube-proxy",
     "Service virtual IPs do not route on the affected nodes", "受影响节点上的 Service 虚拟 IP 无法转发"),
    (re.compile(r"^(calico-node|cilium|kube-flannel-ds|kube-flannel|weave-net|aws-node|kindnet|antrea-agent)$"),
     "the CNI network plugin", "new pods get no network (sandbox creation fails) on the affected nodes",
     "受影响节点上的新 Pod 无法获得网络（sandbox 创建失败）"),
)
WORKLOADS = (("deployments", "Deployment"), ("daemonsets", "DaemonSet"))


def addon_of(name: str) -> tuple[str, str, str] | None:
    for pattern, what, en, zh in ADDONS:
        if pattern.match(name):
            return what, en, zh
    return None


def dns_workload(view: ClusterView) -> ObjectRef | None:
    """The cluster DNS Deployment (kube-system/coredns or kube-dns), when the view has it."""
    for deployment in view.items("deployments"):
        if namespace_of(deployment) == "kube-system" and name_of(deployment) in ("coredns", "kube-dns"):
            return ObjectRef("Deployment", "kube-system", name_of(deployment))
    return None


class AddonsAnalyzer:
    name = NAME
    kinds = frozenset({"deployments", "daemonsets", "pods", "replicasets"})
    reasons = REASONS
    problem_types = ("network", "cluster_health", "node_not_ready")

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for lst, kind in WORKLOADS:
            for obj in view.items(lst):
                if namespace_of(obj) != "kube-system":
                    continue
                addon = addon_of(name_of(obj))
                if addon is not None:
                    finding = _down(view, obj, kind, *addon)
                    if finding is not None:
                        findings.append(finding)
        return findings


def _counts(obj: Obj, kind: str) -> tuple[int, int]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if kind == "DaemonSet":
        return int(status.get("desiredNumberScheduled") or 0), int(status.get("numberAvailable") or 0)
    return int(spec.get("replicas", 1) or 0), int(status.get("availableReplicas") or 0)


def _down(view: ClusterView, obj: Obj, kind: str, what: str, breaks: str, breaks_zh: str) -> Finding | None:
    desired, available = _counts(obj, kind)
    ref = ObjectRef(kind, "kube-system", name_of(obj))
    failing = [(p, problem) for p in view.pods_of(ref) if (problem := pod_problem(p)) is not None]
    if desired == 0 or (available >= desired and not failing):
        return None
    critical = available == 0 or (kind == "DaemonSet" and bool(failing))
    shown = "; ".join(f"{name_of(p)}: {problem[1]}" for p, problem in failing[:3])
    evidence = [f"available {available}/{desired}", *(f"pod {name_of(p)}: {problem[1]}" for p, problem in failing[:3])]
    return Finding(
        NAME, "critical" if critical else "warning", ref, "AddonDown",
        f"{what} ({kind} kube-system/{ref.name}) is down ({available}/{desired} available): {breaks}."
        + (f" Failing pods: {shown}." if shown else ""),
        tuple(evidence),
        message_zh=f"{what}（{kind} kube-system/{ref.name}）不可用（{available}/{desired} 可用）：{breaks_zh}。"
        + (f"异常的 Pod：{shown}。" if shown else ""),
        cause=failing[0][1][0] if failing else None,
        targets={"namespace": "kube-system", **({"deployment": ref.name} if kind == "Deployment" else {}),
                 **({"pod": name_of(failing[0][0])} if failing else {})},
        related=tuple(pod_ref(p) for p, _ in failing[:3]),
        fix=f"Fix {what} first — workloads recover once it is back: read its pods' logs "
            f"(`kubectl logs -n kube-system {kind.lower()}/{ref.name} --previous`) and events.",
        fix_zh=f"先修复 {what}，它恢复后工作负载随之恢复：查看其 Pod 日志"
               f"（`kubectl logs -n kube-system {kind.lower()}/{ref.name} --previous`）和事件。",
    )
