"""HorizontalPodAutoscalers: no metrics (metrics-server, missing requests), pinned at maxReplicas."""

from __future__ import annotations

import re
from typing import ClassVar

from app.analyzers.common import clip, condition, event_line
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, reasons
from app.analyzers.view import ClusterView, KindSpec, Obj, name_of, namespace_of

NAME = "hpa"
REASONS: dict[str, ReasonSpec] = {
    **reasons(1, ("cluster_health",), "HPAMissingRequests"),
    **reasons(2, ("cluster_health",), "HPAMetricsUnavailable", symptom=True),
    **reasons(2, ("cluster_health",), "HPAPinnedAtMax"),
}
_MISSING_REQUEST = re.compile(r"missing request for (\w+)", re.I)
_LISTS = {"Deployment": "deployments", "StatefulSet": "statefulsets", "ReplicaSet": "replicasets"}


class HpaAnalyzer:
    name = NAME
    kinds = frozenset({"horizontalpodautoscalers", "deployments", "statefulsets", "events"})
    kind_specs: ClassVar[dict[str, KindSpec]] = {
        "horizontalpodautoscalers": KindSpec("/apis/autoscaling/v2", "horizontalpodautoscalers", True),
    }
    reasons = REASONS
    problem_types = ("cluster_health",)

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for hpa in view.items("horizontalpodautoscalers"):
            finding = _no_metrics(view, hpa) or _pinned(hpa)
            if finding is not None:
                findings.append(finding)
        return findings


def _target(hpa: Obj) -> ObjectRef:
    ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
    return ObjectRef(str(ref.get("kind") or "Deployment"), namespace_of(hpa), str(ref.get("name") or "?"))


def _no_metrics(view: ClusterView, hpa: Obj) -> Finding | None:
    ns, name = namespace_of(hpa), name_of(hpa)
    active = condition(hpa, "ScalingActive")
    events = view.events_for("HorizontalPodAutoscaler", ns, name, ("FailedGetResourceMetric",
                                                                   "FailedComputeMetricsReplicas",
                                                                   "FailedGetPodsMetric"))
    if (active is None or active.get("status") != "False") and not events:
        return None
    message = str((active or {}).get("message") or (events[0].get("message") if events else ""))
    target = _target(hpa)
    evidence = [clip(f"status.conditions[ScalingActive]=False ({(active or {}).get('reason')}: {message})", 300)]
    evidence += [event_line(e) for e in events[:2]]
    missing = _MISSING_REQUEST.search(" ".join([message, *(str(e.get("message")) for e in events)]))
    targets = {"namespace": ns or "default"}
    if target.kind == "Deployment":
        targets["deployment"] = target.name
    if missing:
        resource = missing.group(1)
        workload = view.get(_LISTS.get(target.kind, "deployments"), ns, target.name) or {}
        containers = (((workload.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
        without = [str(c.get("name")) for c in containers
                   if not ((c.get("resources") or {}).get("requests") or {}).get(resource)]
        evidence.append(f"{target}: containers without requests.{resource}: {', '.join(without) or '?'}")
        command = (f"kubectl set resources {target.kind.lower()}/{target.name} -n {ns} "
                   f"--requests={resource}={'100m' if resource == 'cpu' else '128Mi'}")
        return Finding(
            NAME, "critical", ObjectRef("HorizontalPodAutoscaler", ns, name), "HPAMissingRequests",
            f"HorizontalPodAutoscaler {ns}/{name} cannot compute {resource} utilisation: containers of {target} set "
            f"no requests.{resource} ({', '.join(without) or '?'}), so it never scales.",
            tuple(evidence),
            message_zh=f"HPA {ns}/{name} 无法计算 {resource} 使用率：{target} 的容器没有设置 requests.{resource}"
            f"（{', '.join(without) or '?'}），因此不会扩缩容。",
            targets=targets, related=(target,),
            fix=f"Set requests.{resource} on every container of {target} (start from observed usage; "
                f"{'100m' if resource == 'cpu' else '128Mi'} is a floor, not a measurement): `{command}`",
            fix_zh=f"为 {target} 的每个容器设置 requests.{resource}（以实测用量为准）：`{command}`",
        )
    metrics_server = ObjectRef("Deployment", "kube-system", "metrics-server")
    present = view.get("deployments", "kube-system", "metrics-server") is not None
    if present or view.has("deployments"):
        evidence.append("metrics-server: " + ("Deployment kube-system/metrics-server" if present else
                                               "no Deployment kube-system/metrics-server"))
    return Finding(
        NAME, "warning", ObjectRef("HorizontalPodAutoscaler", ns, name), "HPAMetricsUnavailable",
        f"HorizontalPodAutoscaler {ns}/{name} gets no metrics for {target}: {clip(message, 160)}",
        tuple(evidence),
        message_zh=f"HPA {ns}/{name} 拿不到 {target} 的指标：{clip(message, 160)}",
        targets=targets, related=(metrics_server,) if present else (),
        fix="Make the resource metrics API answer (metrics-server running, APIService v1beta1.metrics.k8s.io "
            "Available).",
        fix_zh="让资源指标 API 可用（metrics-server 运行正常，APIService v1beta1.metrics.k8s.io 为 Available）。",
    )


def _pinned(hpa: Obj) -> Finding | None:
    ns, name = namespace_of(hpa), name_of(hpa)
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    maximum = int(spec.get("maxReplicas") or 0)
    current, desired = int(status.get("currentReplicas") or 0), int(status.get("desiredReplicas") or 0)
    limited = condition(hpa, "ScalingLimited")
    if not maximum or current < maximum or not (limited and limited.get("status") == "True"
                                                and "TooManyReplicas" in str(limited.get("reason"))):
        return None
    target = _target(hpa)
    return Finding(
        NAME, "warning", ObjectRef("HorizontalPodAutoscaler", ns, name), "HPAPinnedAtMax",
        f"HorizontalPodAutoscaler {ns}/{name} is pinned at maxReplicas={maximum} (wants {desired}): {target} "
        "cannot scale out further under its load.",
        (f"status.currentReplicas={current}, status.desiredReplicas={desired}, spec.maxReplicas={maximum}",
         clip(f"status.conditions[ScalingLimited]=True ({limited.get('reason') if limited else ''}: "
              f"{limited.get('message') if limited else ''})", 300)),
        message_zh=f"HPA {ns}/{name} 已达到 maxReplicas={maximum}（期望 {desired}）：{target} 无法继续扩容。",
        targets={"namespace": ns or "default"}, related=(target,),
        fix=f"Raise maxReplicas (cluster capacity permitting) or make each replica cheaper: `kubectl patch hpa {name} "
            f"-n {ns} -p '{{\"spec\":{{\"maxReplicas\":{max(desired, maximum * 2)}}}}}'`",
        fix_zh=f"在集群容量允许的前提下调高 maxReplicas，或降低单副本的负载：`kubectl patch hpa {name} -n {ns} "
               f"-p '{{\"spec\":{{\"maxReplicas\":{max(desired, maximum * 2)}}}}}'`",
    )
