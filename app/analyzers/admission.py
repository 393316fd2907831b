"""Why a controller cannot create pods: ResourceQuota, LimitRange and admission webhooks, read from the
FailedCreate message of a ReplicaSet / StatefulSet / Job / DaemonSet and checked against the objects it names."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import ClassVar

from app.analyzers.common import clip, condition
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, reasons
from app.analyzers.view import ClusterView, KindSpec, Obj, name_of, namespace_of

NAME = "admission"
REASONS: dict[str, ReasonSpec] = {
    **reasons(0, ("pod_pending",), "QuotaExceeded", "LimitRangeViolation", "WebhookDenied"),
    # An unreachable webhook is itself down for a reason: its Service's pods (see `depends_on`).
    **reasons(2, ("pod_pending",), "WebhookUnavailable"),
}
_QUOTA = re.compile(r"exceeded quota: ([\w.-]+)|failed quota: ([\w.-]+)")
_LIMIT_RANGE = re.compile(r"(maximum|minimum) ([\w-]+) usage per (Container|Pod) is ([\w.]+), but (?:limit|request) "
                          r"is ([\w.]+)")
_WEBHOOK = re.compile(r'admission webhook "([^"]+)" denied the request|failed calling webhook "([^"]+)"')
_WEBHOOK_SERVICE = (re.compile(r'service "([\w.-]+)/([\w.-]+)"'), re.compile(r'https://([\w-]+)\.([\w-]+)\.svc'))
_OWNERS = (("replicasets", "ReplicaSet"), ("statefulsets", "StatefulSet"), ("jobs", "Job"),
           ("daemonsets", "DaemonSet"))


class AdmissionAnalyzer:
    name = NAME
    # Webhook configurations are not listed (the failing call's message names the webhook and its Service).
    kinds = frozenset({"replicasets", "statefulsets", "jobs", "daemonsets", "events", "resourcequotas",
                       "limitranges", "endpoints"})
    kind_specs: ClassVar[dict[str, KindSpec]] = {
        "resourcequotas": KindSpec("/api/v1", "resourcequotas", True),
        "limitranges": KindSpec("/api/v1", "limitranges", True),
    }
    reasons = REASONS
    problem_types = ("pod_pending", "pod_crash", "helm_install")

    def analyze(self, view: ClusterView) -> list[Finding]:
        found: dict[tuple[str, ObjectRef], Finding] = {}
        for lst, kind in _OWNERS:
            for obj in view.items(lst):
                ref = ObjectRef(kind, namespace_of(obj), name_of(obj))
                message = _failed_create(view, obj, ref)
                if message:
                    finding = _explain(view, ref, obj, message)
                    if finding is not None:
                        key = (finding.reason, finding.object)
                        previous = found.get(key)
                        related = tuple(dict.fromkeys((*(previous.related if previous else ()), *finding.related)))
                        found[key] = replace(finding, related=related)
        return list(found.values())


def _failed_create(view: ClusterView, obj: Obj, ref: ObjectRef) -> str:
    failure = condition(obj, "ReplicaFailure")
    if failure is not None and failure.get("status") == "True":
        return str(failure.get("message") or "")
    events = view.events_for(ref.kind, ref.namespace, ref.name, ("FailedCreate",))
    return str(events[0].get("message") or "") if events else ""


def _owner_targets(view: ClusterView, ref: ObjectRef, obj: Obj) -> tuple[dict[str, str], tuple[ObjectRef, ...]]:
    targets = {"namespace": ref.namespace or "default"}
    owner = view.workload_of(obj)
    related = [ref]
    if owner is not None and owner != ref:
        related.append(owner)
        if owner.kind == "Deployment":
            targets["deployment"] = owner.name
    return targets, tuple(related)


def _explain(view: ClusterView, ref: ObjectRef, obj: Obj, message: str) -> Finding | None:
    ns = ref.namespace
    targets, related = _owner_targets(view, ref, obj)
    line = clip(f"{ref}: FailedCreate: {message}", 400)
    quota = _QUOTA.search(message)
    if quota:
        name = quota.group(1) or quota.group(2)
        item = view.get("resourcequotas", ns, name)
        evidence = [line]
        if item is not None:
            hard = (item.get("status") or {}).get("hard") or (item.get("spec") or {}).get("hard") or {}
            used = (item.get("status") or {}).get("used") or {}
            evidence += [f"ResourceQuota {name}: {k} used {used.get(k, '?')} of {v}" for k, v in sorted(hard.items())]
        must = "must specify" in message
        what = "requires every container to set requests/limits" if must else "is exhausted"
        return Finding(
            NAME, "critical", ObjectRef("ResourceQuota", ns, name), "QuotaExceeded",
            f"ResourceQuota {ns}/{name} {what}: {ref} cannot create pods ({clip(message, 160)}).",
            tuple(evidence),
            message_zh=f"ResourceQuota {ns}/{name} {'要求每个容器设置 requests/limits' if must else '已用尽'}："
            f"{ref} 无法创建 Pod（{clip(message, 160)}）。",
            targets=targets, related=related,
            fix=(f"Set resources.requests/limits on the pod template, or raise the quota: `kubectl edit resourcequota "
                 f"{name} -n {ns}`" if must else
                 f"Raise the quota or free what it counts (scale down / delete unused pods): `kubectl edit "
                 f"resourcequota {name} -n {ns}`"),
            fix_zh=f"提高配额或释放被计数的资源（缩容/删除不用的 Pod）：`kubectl edit resourcequota {name} -n {ns}`",
        )
    limit = _LIMIT_RANGE.search(message)
    if limit:
        ranges = [name_of(r) for r in view.items("limitranges") if namespace_of(r) == ns]
        name = ranges[0] if ranges else "limits"
        bound, resource, per, allowed, asked = limit.groups()
        return Finding(
            NAME, "critical", ObjectRef("LimitRange", ns, name), "LimitRangeViolation",
            f"LimitRange {ns}/{name} rejects the pods of {ref}: the {bound} {resource} per {per} is {allowed}, the "
            f"template asks {asked}.",
            (line,),
            message_zh=f"LimitRange {ns}/{name} 拒绝了 {ref} 的 Pod：每个 {per} 的 {resource} "
            f"{'上限' if bound == 'maximum' else '下限'}是 {allowed}，模板设置为 {asked}。",
            targets=targets, related=related,
            fix=f"Set the container's {resource} within the LimitRange ({bound} {allowed}) in the pod template.",
            fix_zh=f"在 Pod 模板中把容器的 {resource} 设在 LimitRange 允许的范围内（{bound} {allowed}）。",
        )
    hook = _WEBHOOK.search(message)
    if hook:
        webhook = hook.group(1) or hook.group(2)
        config = _webhook_config(view, webhook)
        evidence = [line]
        denied = hook.group(1) is not None
        by_ref, by_url = (p.search(message) for p in _WEBHOOK_SERVICE)
        extra: list[ObjectRef] = []
        found = (by_ref.group(1), by_ref.group(2)) if by_ref else (by_url.group(2), by_url.group(1)) if by_url else None
        if found is not None:
            svc_ns, svc = found
            endpoints = view.get("endpoints", svc_ns, svc)
            ready = sum(len(s.get("addresses") or []) for s in (endpoints or {}).get("subsets") or [])
            evidence.append(f"webhook Service {svc_ns}/{svc}: {ready} ready endpoint(s)")
            extra.append(ObjectRef("Service", svc_ns, svc))
        if config is not None:
            policy = next((str(w.get("failurePolicy")) for w in config[1].get("webhooks") or []
                           if w.get("name") == webhook), "?")
            evidence.append(f"{config[0]} {name_of(config[1])}: webhook {webhook}, failurePolicy={policy}")
        kind = config[0] if config else "ValidatingWebhookConfiguration"
        obj_name = name_of(config[1]) if config else webhook
        if denied:
            text, zh = f"denies the pods of {ref}", f"拒绝了 {ref} 的 Pod"
            fix = "Change the pod template to satisfy the policy the webhook names, or fix the policy."
            fix_zh = "修改 Pod 模板以满足该 Webhook 的策略，或修正策略本身。"
        else:
            text, zh = f"cannot be reached, so {ref} cannot create pods", f"无法访问，导致 {ref} 无法创建 Pod"
            fix = "Bring the webhook's backend back (its Service has no ready endpoints), or set failurePolicy: " \
                  "Ignore while it is down."
            fix_zh = "恢复 Webhook 的后端服务（其 Service 没有就绪端点），或在其恢复前把 failurePolicy 设为 Ignore。"
        return Finding(
            NAME, "critical", ObjectRef(kind, None, obj_name), "WebhookDenied" if denied else "WebhookUnavailable",
            f"Admission webhook {webhook} {text}: {clip(message, 160)}", tuple(evidence),
            message_zh=f"准入 Webhook {webhook} {zh}：{clip(message, 160)}",
            targets=targets, related=related, fix=fix, fix_zh=fix_zh, depends_on=tuple(extra),
        )
    return None


def _webhook_config(view: ClusterView, webhook: str) -> tuple[str, Obj] | None:
    for lst, kind in (("validatingwebhookconfigurations", "ValidatingWebhookConfiguration"),
                      ("mutatingwebhookconfigurations", "MutatingWebhookConfiguration")):
        for config in view.items(lst):
            if any(w.get("name") == webhook for w in config.get("webhooks") or []):
                return kind, config
    return None
