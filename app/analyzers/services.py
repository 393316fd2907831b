"""Services without ready endpoints: the selector, and the pods whose labels nearly match it."""

from __future__ import annotations

import difflib
from collections import defaultdict

from app.analyzers.common import labels_of, pod_problem, pod_ref, pod_targets, selects
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, reasons
from app.analyzers.view import ClusterView, Obj, name_of, namespace_of

NAME = "services"
MAX_SHOWN = 3
REASONS: dict[str, ReasonSpec] = {
    **reasons(1, ("network",), "NoEndpoints"),
    **reasons(5, ("network",), "NoReadyEndpoints", symptom=True),
}


class ServicesAnalyzer:
    name = NAME
    kinds = frozenset({"services", "endpoints", "pods", "replicasets"})
    reasons = REASONS
    problem_types = ("port_conflict", "network")

    def analyze(self, view: ClusterView) -> list[Finding]:
        if not view.has("endpoints"):
            return []
        findings = []
        for svc in view.items("services"):
            spec = svc.get("spec") or {}
            selector = {str(k): str(v) for k, v in (spec.get("selector") or {}).items()}
            if not selector or spec.get("type") == "ExternalName":
                continue
            ready, not_ready = _addresses(view.get("endpoints", namespace_of(svc), name_of(svc)))
            if ready:
                continue
            finding = _no_endpoints(view, svc, selector, not_ready)
            findings.append(finding)
        return findings


def _addresses(endpoints: Obj | None) -> tuple[int, int]:
    subsets = (endpoints or {}).get("subsets") or []
    return (sum(len(s.get("addresses") or []) for s in subsets),
            sum(len(s.get("notReadyAddresses") or []) for s in subsets))


def selector_text(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _similar(wanted: str, actual: str) -> bool:
    return wanted in actual or actual in wanted or difflib.SequenceMatcher(None, wanted, actual).ratio() >= 0.6


def near_misses(selector: dict[str, str], labels: dict[str, str]) -> list[str] | None:
    """How a pod's labels differ from the selector, when they differ only a little; None otherwise."""
    missing = [(k, v) for k, v in sorted(selector.items()) if labels.get(k) != v]
    if not missing or len(missing) > max(1, len(selector) // 2):
        return None
    out = []
    for key, wanted in missing:
        if key in labels and _similar(wanted, labels[key]):
            out.append(f"{key}={labels[key]} (selector wants {key}={wanted})")
            continue
        other = next((k for k, v in sorted(labels.items()) if v == wanted), None)
        if other is None:
            return None
        out.append(f"{other}={wanted} (selector wants the key {key})")
    return out


def _no_endpoints(view: ClusterView, svc: Obj, selector: dict[str, str], not_ready: int) -> Finding:
    ns, name = namespace_of(svc), name_of(svc)
    ref = ObjectRef("Service", ns, name)
    sel = selector_text(selector)
    pods = view.pods_in(ns)
    matching = [p for p in pods if selects(selector, labels_of(p))]
    evidence = [f"spec.selector={sel}", f"endpoints: 0 ready, {not_ready} not ready"]
    targets = {"namespace": ns or "default", "service": name}
    if matching:
        problems = [(p, pod_problem(p)) for p in matching]
        evidence += [f"pod {name_of(p)} matches the selector: {problem[1] if problem else 'not ready'}"
                     for p, problem in problems[:MAX_SHOWN]]
        first_problem = next((problem for _, problem in problems if problem), None)
        targets.update({k: v for k, v in pod_targets(view, matching[0]).items() if k not in targets})
        return Finding(
            NAME, "warning", ref, "NoReadyEndpoints",
            f"Service {ns}/{name} has no ready endpoints: the {len(matching)} pod(s) matching {sel} are not ready.",
            tuple(evidence),
            message_zh=f"Service {ns}/{name} 没有就绪的端点：匹配 {sel} 的 {len(matching)} 个 Pod 都未就绪。",
            cause=first_problem[0] if first_problem else None,
            targets=targets,
            related=tuple(pod_ref(p) for p in matching[:MAX_SHOWN]),
        )
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for pod in pods:
        misses = near_misses(selector, labels_of(pod))
        if misses is not None:
            groups[tuple(misses)].append(name_of(pod))
    near_pods: list[str] = []
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:MAX_SHOWN]
    for diff, names in ranked:
        shown = ", ".join(names[:MAX_SHOWN]) + (f" and {len(names) - MAX_SHOWN} more" if len(names) > MAX_SHOWN else "")
        evidence.append(f"near match: {len(names)} pod(s) ({shown}) have {'; '.join(diff)}")
        near_pods += names
    if not groups:
        evidence.append(f"no pod in namespace {ns} has labels close to {sel}")
    label = ranked[0][0][0].split(" ")[0] if ranked else ""
    hint = f"; the closest pods ({ranked[0][1][0]}…) are labelled {label}" if ranked else ""
    hint_zh = f"；最接近的 Pod（{ranked[0][1][0]} 等）的标签是 {label}" if ranked else ""
    if near_pods:
        first = view.get("pods", ns, near_pods[0])
        if first is not None:
            targets.update({k: v for k, v in pod_targets(view, first).items() if k not in targets})
    return Finding(
        NAME, "critical", ref, "NoEndpoints",
        f"Service {ns}/{name} has no endpoints: no pod matches its selector {sel}{hint}.",
        tuple(evidence),
        message_zh=f"Service {ns}/{name} 没有端点：没有 Pod 匹配它的选择器 {sel}{hint_zh}。",
        targets=targets,
        related=tuple(ObjectRef("Pod", ns, n) for n in near_pods[:MAX_SHOWN]),
        fix="Make the Service's selector match the pods' labels (or fix the pods' labels).",
        fix_zh="让 Service 的选择器与 Pod 的标签一致（或修正 Pod 的标签）。",
    )
