"""Targets: which objects a question is about, as runbook placeholder values ({namespace}, {pod}, ...).

Names in the question are matched against the real object names in the ClusterView, so "why is cart
crashing" finds Deployment shop/cart and its failing pod. When the question names no object, the
targets come from the finding most relevant to the problem type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.analyzers.common import pod_problem, pod_targets
from app.analyzers.model import PLACEHOLDERS, Finding, ObjectRef
from app.analyzers.view import ClusterView, Obj, name_of, namespace_of

NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_TOKEN = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_NS = r"([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)"
# Unambiguous ways to name a namespace: taken even if the view does not know it.
_EXPLICIT_NS = (
    re.compile(r"(?:^|\s)(?:-n|--namespace)(?:=|\s+)" + _NS + r"\b"),
    re.compile(r"\bnamespace[:=\s]+" + _NS + r"\b", re.I),
    re.compile(r"命名空间\s*[:：]?\s*" + _NS),
    re.compile(r"\bns/" + _NS + r"\b"),
)
# Looser ways, taken only when the named namespace exists.
_LOOSE_NS = (
    re.compile(r"\bin\s+(?:the\s+)?" + _NS + r"\b", re.I),
    re.compile(_NS + r"\s*(?:namespace\b|命名空间|名称空间)", re.I),
    re.compile(r"\b" + _NS + r"/[a-z0-9]"),
)
# "the shop namespace is broken": words that follow "namespace" without naming one.
_NOT_NAMES = frozenset({"is", "are", "was", "has", "have", "had", "of", "the", "a", "an", "and", "or", "to", "in",
                        "on", "with", "for", "that", "which", "seems", "looks", "keeps", "not", "does", "doesn",
                        "can", "cannot", "will", "should", "be"})
_RELEASE = re.compile(r"(?:\brelease[:=\s]+|发布\s*)" + _NS, re.I)
WORKLOAD_KINDS = (("deployments", "Deployment"), ("statefulsets", "StatefulSet"), ("daemonsets", "DaemonSet"),
                  ("jobs", "Job"), ("cronjobs", "CronJob"))
_NAMED_KINDS = (("pods", "Pod"), *WORKLOAD_KINDS, ("services", "Service"),
                ("persistentvolumeclaims", "PersistentVolumeClaim"), ("nodes", "Node"))
# Words that are also names of standard objects (Service default/kubernetes...): never targets by themselves.
_STOP = frozenset({"kubernetes", "default", "pod", "pods", "node", "nodes", "service", "deployment", "cluster"})
_KEY = {"Pod": "pod", "Deployment": "deployment", "Service": "service", "PersistentVolumeClaim": "pvc",
        "Node": "node"}


@dataclass(frozen=True)
class Targets:
    values: Mapping[str, str] = field(default_factory=dict)
    named: tuple[ObjectRef, ...] = ()  # objects the question itself names
    source: str = "none"  # question | findings | none

    @property
    def namespace(self) -> str | None:
        return self.values.get("namespace")

    def fill(self, template: str) -> str | None:
        return fill(template, self.values)

    def describe(self) -> str:
        order = [k for k in PLACEHOLDERS if k in self.values]
        return ", ".join(f"{k}={self.values[k]}" for k in order) or "none"

    def with_finding(self, finding: Finding) -> Targets:
        """Fill what the question left open from a finding (the question's own values win)."""
        merged = {k: v for k, v in finding.targets.items() if NAME.match(v)}
        merged.update(self.values)
        return Targets(merged, self.named, self.source if self.named else "findings")


def fill(template: str, values: Mapping[str, str]) -> str | None:
    """The template with its placeholders filled, or None when one of them has no (valid) value."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = values.get(match.group(1))
        if found is None or not NAME.match(found):
            missing = True
            return match.group(0)
        return found

    filled = _PLACEHOLDER.sub(value, template)
    return None if missing else filled


def placeholders(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


def explicit_namespace(question: str) -> str | None:
    """A namespace the question names unambiguously (`-n x`, `namespace x`, `命名空间 x`, `ns/x`)."""
    for pattern in _EXPLICIT_NS:
        for match in pattern.finditer(question):
            if match.group(1).lower() not in _NOT_NAMES:
                return match.group(1).lower()
    return None


def _namespace(question: str, view: ClusterView | None) -> str | None:
    explicit = explicit_namespace(question)
    if explicit or view is None:
        return explicit
    known = set(view.namespaces)
    for pattern in _LOOSE_NS:
        for match in pattern.finditer(question):
            if match.group(1).lower() in known:
                return match.group(1).lower()
    return None


def _worst_pod(pods: list[Obj]) -> Obj | None:
    """The pod to look at first: failing before healthy, evicted leftovers last, most restarts first."""
    def key(pod: Obj) -> tuple[int, int, str]:
        problem = pod_problem(pod)
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        restarts = sum(int(s.get("restartCount") or 0) for s in statuses)
        rank = 2 if problem is None else 1 if problem[0] in ("Evicted", "Failed") else 0
        return rank, -restarts, name_of(pod)
    return min(pods, key=key) if pods else None


def extract_targets(question: str, view: ClusterView | None, namespace: str | None = None) -> Targets:
    """Targets named by the question (matched against the view's objects), scoped to `namespace`."""
    ns = namespace or _namespace(question, view)
    values: dict[str, str] = {"namespace": ns} if ns else {}
    release = _RELEASE.search(question)
    if release:
        values["release"] = release.group(1).lower()
    if view is None:
        return Targets(values, (), "question" if values else "none")
    tokens = set(_TOKEN.findall(question.lower())) - _STOP
    named: list[ObjectRef] = []
    pod: Obj | None = None
    for kind, label in _NAMED_KINDS:
        for obj in view.items(kind):
            obj_ns = namespace_of(obj)
            if name_of(obj) not in tokens or (ns and obj_ns and obj_ns != ns):
                continue
            ref = ObjectRef(label, obj_ns, name_of(obj))
            if ref in named or any(n.kind == label and n.name == ref.name for n in named):
                continue  # the same name in two namespaces: keep the first
            named.append(ref)
            if label == "Pod" and pod is None:
                pod = obj
            elif label not in ("Pod", "Service", "PersistentVolumeClaim", "Node") and pod is None:
                pod = _worst_pod(view.pods_of(ref))
            if label in _KEY:
                values.setdefault(_KEY[label], ref.name)
            if obj_ns:
                values.setdefault("namespace", obj_ns)
    if pod is None and "pvc" in values:
        claim = values["pvc"]
        pod = _worst_pod([p for p in view.pods_in(values.get("namespace"))
                          if any((v.get("persistentVolumeClaim") or {}).get("claimName") == claim
                                 for v in (p.get("spec") or {}).get("volumes") or [])])
    if pod is None and "service" in values:
        svc = view.get("services", values.get("namespace"), values["service"])
        selector = ((svc or {}).get("spec") or {}).get("selector") or {}
        matching = [p for p in view.pods_in(values.get("namespace"))
                    if selector and all((p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())]
        pod = _worst_pod(matching)
    if pod is not None:
        for key, value in pod_targets(view, pod, _container(question, pod)).items():
            values.setdefault(key, value)
    return Targets(values, tuple(named), "question" if named or ns else "none")


def _container(question: str, pod: Obj) -> str | None:
    """A container the question names, else the first one that is not ready."""
    tokens = set(_TOKEN.findall(question.lower()))
    spec_names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
    for name in spec_names:
        if name in tokens:
            return name
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return next((str(s.get("name")) for s in statuses if not s.get("ready")), None)
