"""Deployments, ReplicaSets, StatefulSets, DaemonSets: unavailable replicas and the pods that explain why."""

from __future__ import annotations

from app.analyzers.common import clip, condition, pod_problem, pod_ref, pod_targets
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, Severity, reasons
from app.analyzers.view import ClusterView, Obj, name_of, namespace_of

NAME = "workloads"
MAX_PODS_SHOWN = 3
REASONS: dict[str, ReasonSpec] = {
    **reasons(6, ("cluster_health",), "UnavailableReplicas", symptom=True),
    # Ranked below what refuses the pods (quota, LimitRange, webhook), which the admission analyzer names.
    **reasons(3, ("pod_pending",), "FailedCreate", "ReplicaFailure"),
    **reasons(3, ("cluster_health",), "Paused"),
}


class WorkloadsAnalyzer:
    name = NAME
    kinds = frozenset({"deployments", "replicasets", "statefulsets", "daemonsets", "pods", "events"})
    reasons = REASONS
    problem_types = ("pod_crash", "oom_killed", "image_pull", "pod_pending", "storage", "helm_install")

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for deployment in view.items("deployments"):
            spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
            if spec.get("paused"):
                findings.append(_paused(deployment))
            desired = int(spec.get("replicas", 1) or 0)
            findings += _unavailable(view, "Deployment", deployment, desired,
                                     int(status.get("availableReplicas") or 0), "availableReplicas")
        for rs in view.items("replicasets"):
            failure = condition(rs, "ReplicaFailure")
            if failure is not None and failure.get("status") == "True":
                findings.append(_replica_failure(view, rs, failure))
            elif int((rs.get("spec") or {}).get("replicas") or 0) > int((rs.get("status") or {}).get("replicas") or 0):
                events = view.events_for("ReplicaSet", namespace_of(rs), name_of(rs), ("FailedCreate",))
                if events:
                    findings.append(_replica_failure(view, rs, {"reason": "FailedCreate",
                                                                "message": events[0].get("message")}))
        for sts in view.items("statefulsets"):
            desired = int((sts.get("spec") or {}).get("replicas", 1) or 0)
            findings += _unavailable(view, "StatefulSet", sts, desired,
                                     int((sts.get("status") or {}).get("readyReplicas") or 0), "readyReplicas")
        for ds in view.items("daemonsets"):
            status = ds.get("status") or {}
            findings += _unavailable(view, "DaemonSet", ds, int(status.get("desiredNumberScheduled") or 0),
                                     int(status.get("numberAvailable") or 0), "numberAvailable")
        return findings


def _unavailable(view: ClusterView, kind: str, obj: Obj, desired: int, available: int, field: str) -> list[Finding]:
    if desired <= 0 or available >= desired:
        return []
    ref = ObjectRef(kind, namespace_of(obj), name_of(obj))
    failing = [(p, problem) for p in view.pods_of(ref) if (problem := pod_problem(p)) is not None]
    failing.sort(key=lambda item: (item[1][1].startswith("Failed"), name_of(item[0])))  # evicted leftovers last
    evidence = [f"spec.replicas={desired}" if kind != "DaemonSet" else f"status.desiredNumberScheduled={desired}",
                f"status.{field}={available}"]
    available_cond = condition(obj, "Available")
    if available_cond is not None and available_cond.get("status") != "True":
        evidence.append(clip(f"status.conditions[Available]={available_cond.get('status')} "
                             f"({available_cond.get('reason')}: {available_cond.get('message')})"))
    progressing = condition(obj, "Progressing")
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        evidence.append(clip(f"status.conditions[Progressing]=False (ProgressDeadlineExceeded: "
                             f"{progressing.get('message')})"))
    evidence += [f"pod {name_of(p)}: {problem}" for p, (_, problem) in failing[:MAX_PODS_SHOWN]]
    pods_text = "; ".join(f"{name_of(p)}: {problem}" for p, (_, problem) in failing[:MAX_PODS_SHOWN])
    severity: Severity = "critical" if available == 0 else "warning"
    targets: dict[str, str] = {"namespace": ref.namespace or "default"}
    if failing:
        first = failing[0][0]
        targets.update(pod_targets(view, first))
    if kind == "Deployment":
        targets["deployment"] = ref.name
    cause = failing[0][1][0] if failing else None
    because = f" Failing pods: {pods_text}." if failing else " No failing pod found (check its ReplicaSets/events)."
    because_zh = f"异常的 Pod：{pods_text}。" if failing else "未找到异常的 Pod（请检查 ReplicaSet 和事件）。"
    refused = [] if failing else _failed_creates(view, ref)
    if refused:  # the controller cannot create the pods at all: quota, LimitRange, webhook...
        cause = "FailedCreate"
        because = f" Pods are not created: {refused[0][1]}"
        because_zh = f"Pod 无法被创建：{refused[0][1]}"
        evidence += [clip(f"{owner} FailedCreate: {message}", 300) for owner, message in refused[:2]]
    return [Finding(
        NAME, severity, ref, "UnavailableReplicas",
        f"{kind} {ref.namespace}/{ref.name} has {available}/{desired} replicas available.{because}",
        tuple(evidence),
        message_zh=f"{kind} {ref.namespace}/{ref.name} 只有 {available}/{desired} 个副本可用。{because_zh}",
        cause=cause,
        targets=targets,
        related=tuple(pod_ref(p) for p, _ in failing[:MAX_PODS_SHOWN]) + tuple(o for o, _ in refused),
    )]


def _failed_creates(view: ClusterView, ref: ObjectRef) -> list[tuple[ObjectRef, str]]:
    """(controller, message) of the FailedCreate behind a workload: its own, or its ReplicaSets'."""
    owners = [ref]
    if ref.kind == "Deployment":
        owners += [ObjectRef("ReplicaSet", ref.namespace, name_of(rs)) for rs in view.items("replicasets")
                   if namespace_of(rs) == ref.namespace and view.workload_of(rs) == ref]
    out = []
    for owner in owners:
        obj = view.get("replicasets", owner.namespace, owner.name) if owner.kind == "ReplicaSet" else None
        failure = condition(obj, "ReplicaFailure") if obj is not None else None
        if failure is not None and failure.get("status") == "True":
            out.append((owner, clip(str(failure.get("message") or ""), 200)))
            continue
        events = view.events_for(owner.kind, owner.namespace, owner.name, ("FailedCreate",))
        if events:
            out.append((owner, clip(str(events[0].get("message") or ""), 200)))
    return out


def _replica_failure(view: ClusterView, rs: Obj, failure: Obj) -> Finding:
    ref = ObjectRef("ReplicaSet", namespace_of(rs), name_of(rs))
    owner = view.workload_of(rs)
    targets = {"namespace": ref.namespace or "default"}
    if owner is not None and owner.kind == "Deployment":
        targets["deployment"] = owner.name
    message = str(failure.get("message") or "")
    return Finding(
        NAME, "critical", ref, "FailedCreate",
        f"ReplicaSet {ref.namespace}/{ref.name} cannot create pods: {clip(message, 200)}",
        (clip(f"status.conditions[ReplicaFailure]=True ({failure.get('reason')}: {message})", 300),),
        message_zh=f"ReplicaSet {ref.namespace}/{ref.name} 无法创建 Pod：{clip(message, 200)}",
        targets=targets,
        related=(owner,) if owner is not None and owner != ref else (),
        fix="Raise the namespace quota or lower the pod's requests; check admission webhooks named in the message.",
        fix_zh="提高命名空间配额或降低 Pod 请求；检查消息中提到的准入 Webhook。",
    )


def _paused(deployment: Obj) -> Finding:
    ref = ObjectRef("Deployment", namespace_of(deployment), name_of(deployment))
    return Finding(
        NAME, "info", ref, "Paused",
        f"Deployment {ref.namespace}/{ref.name} is paused: template changes do not roll out.",
        ("spec.paused=true",),
        message_zh=f"Deployment {ref.namespace}/{ref.name} 已暂停：模板变更不会发布。",
        targets={"namespace": ref.namespace or "default", "deployment": ref.name},
    )
