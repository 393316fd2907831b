"""The verdict on what the question asked: absent, contradicted, healthy or broken (with its causal chain)
for a subject; every problem grouped by root cause for a namespace or the cluster."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from app.analyzers.common import condition, container_statuses, pod_problem
from app.analyzers.mapping import cause_rank, spec_of
from app.analyzers.model import SEVERITY_ORDER, Finding, ObjectRef
from app.analyzers.quantity import format_bytes, parse_quantity
from app.analyzers.subject import Absent, Resolution, members
from app.analyzers.view import ClusterView, Obj, meta, name_of

CLAIM_WORDS = {"not_ready": "NotReady", "disk": "under disk pressure", "memory": "out of memory",
               "crashing": "crashing", "pending": "Pending", "failing": "failing"}
Kind = Literal["absent", "contradicted", "healthy", "broken", "report", "problem"]
WORKLOAD_LISTS = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets",
                  "Job": "jobs", "CronJob": "cronjobs"}


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    subject: ObjectRef | None = None
    group: list[Finding] = field(default_factory=list)  # broken / problem: root cause first
    evidence: list[str] = field(default_factory=list)  # healthy / contradicted: what shows it
    claim: str | None = None  # contradicted: the claim the cluster refutes
    absent: tuple[Absent, ...] = ()
    groups: list[list[Finding]] = field(default_factory=list)  # report: one per root cause, worst first
    others: list[ObjectRef] = field(default_factory=list)  # further named subjects (healthy)
    namespace: str | None = None  # report: its scope


def _worst(group: list[Finding]) -> int:
    return min(SEVERITY_ORDER[f.severity] for f in group)


def order(group: list[Finding]) -> list[Finding]:
    return sorted(group, key=lambda f: (cause_rank(f.reason), SEVERITY_ORDER[f.severity], str(f.object)))


def _explains(cause: Finding, member: Finding) -> bool:
    """`cause` is part of `member`'s chain: same object or pod, a symptom's related object, or a more causal
    finding that names the member's object."""
    if cause.object == member.object or cause.object in member.depends_on:
        return True
    pod_a, pod_b = cause.targets.get("pod"), member.targets.get("pod")
    if pod_a and pod_a == pod_b and cause.targets.get("namespace") == member.targets.get("namespace") and \
            cause.object.kind == "Pod" and member.object.kind == "Pod":
        return True
    spec = spec_of(member.reason)
    if spec is not None and spec.symptom and cause.object in member.related:
        return True
    # A symptom's `related` are its causes; it explains a related object only when that is no symptom itself
    # (an unreachable webhook explains a ReplicaSet's FailedCreate, not its own Service's empty endpoints).
    cause_spec = spec_of(cause.reason)
    if cause_spec is not None and cause_spec.symptom and spec is not None and spec.symptom:
        return False
    return member.object in cause.related and cause_rank(cause.reason) <= cause_rank(member.reason)


def chain(seeds: list[Finding], findings: list[Finding]) -> list[Finding]:
    """The seeds and every finding that explains one of them, directly or through another, cause first."""
    group = list(seeds)
    rest = [f for f in findings if f not in group and f.analyzer != "events"]
    grew = True
    while grew:
        joined = [f for f in rest if any(_explains(f, m) for m in group)]
        group += joined
        rest = [f for f in rest if f not in joined]
        grew = bool(joined)
    return order(group)


def _seeds(view: ClusterView, ref: ObjectRef, findings: list[Finding]) -> list[Finding]:
    real = [f for f in findings if f.analyzer != "events"]
    if ref.kind == "Node":  # a node answers for itself and for what its pressure evicted, not for its pods
        return [f for f in real if f.object == ref or (f.reason == "Evicted" and f.targets.get("node") == ref.name
                                                        and f.cause in ("DiskPressure", "MemoryPressure"))]
    inside = members(view, ref)
    # A pod on a NotReady node is down with it, whatever its own status still says.
    nodes = {str((p.get("spec") or {}).get("nodeName")) for p in _pods(view, ref)}
    return [f for f in real if f.object in inside or (f.object.kind != "Pod" and inside & set(f.related)
                                                      and f.object.namespace == ref.namespace)
            or (f.reason == "NodeNotReady" and f.object.name in nodes)]


def judge(view: ClusterView, resolution: Resolution, findings: list[Finding], problem_group: list[Finding]
          ) -> Verdict:
    if resolution.scope in ("cluster", "namespace"):
        scope = resolution.namespace if resolution.scope == "namespace" else None
        return Verdict("report", groups=report_groups(findings, scope), namespace=scope)
    if resolution.scope == "problem":
        return Verdict("problem", group=problem_group)
    verdicts: list[Verdict] = []
    for ref in resolution.found:
        seeds = _seeds(view, ref, findings)
        if seeds:
            # The subject is broken, but maybe not the way the question says ("why is it OOMKilled?"): noted.
            refuted = contradiction(view, ref, resolution.claims)
            verdicts.append(Verdict("broken", ref, chain(seeds, findings), claim=refuted[0] if refuted else None,
                                    absent=resolution.absent))
            continue
        contradicted = contradiction(view, ref, resolution.claims)
        if contradicted is not None:
            claim, lines = contradicted
            verdicts.append(Verdict("contradicted", ref, evidence=lines, claim=claim, absent=resolution.absent))
        else:
            verdicts.append(Verdict("healthy", ref, evidence=health(view, ref), absent=resolution.absent))
    if not verdicts:
        return Verdict("absent", absent=resolution.absent)
    rank = {"broken": 0, "contradicted": 1, "healthy": 2}
    best = min(verdicts, key=lambda v: rank.get(v.kind, 3))
    others = [v.subject for v in verdicts if v is not best and v.subject is not None]
    return Verdict(best.kind, best.subject, best.group, best.evidence, best.claim, best.absent, [], others)


def report_groups(findings: list[Finding], namespace: str | None) -> list[list[Finding]]:
    """Every finding (events summaries aside), grouped by root cause, worst and widest first."""
    pool = [f for f in findings if f.analyzer != "events"
            and (namespace is None or f.object.namespace in (None, namespace))]
    groups: list[list[Finding]] = []
    taken: set[int] = set()
    # Start from the most causal findings so that each group is named after its cause.
    for finding in order(pool):
        if id(finding) in taken:
            continue
        group = [finding]
        grew = True
        while grew:  # everything it explains, and everything that explains those
            joined = [f for f in pool if id(f) not in taken and f not in group
                      and any(_explains(m, f) or _explains(f, m) for m in group)]
            group += joined
            grew = bool(joined)
        taken |= {id(f) for f in group}
        same = next((g for g in groups if _same_cause(g[0], order(group)[0])), None)
        if same is not None:  # one cause, many affected objects: the replicas of one workload
            same += group
            same[:] = order(same)
        else:
            groups.append(order(group))
    groups.sort(key=lambda g: (_worst(g), -len(affected(g)), cause_rank(g[0].reason), str(g[0].object)))
    return groups


def _same_cause(a: Finding, b: Finding) -> bool:
    owner = a.targets.get("deployment") or a.targets.get("release")
    return a.reason == b.reason and bool(owner) and owner == (b.targets.get("deployment") or b.targets.get(
        "release")) and a.object.namespace == b.object.namespace


def affected(group: list[Finding]) -> list[ObjectRef]:
    refs = [f.object for f in group] + [r for f in group for r in f.related]
    return list(dict.fromkeys(r for r in refs if r.kind not in ("Event",)))


# -- healthy subjects and refuted claims -------------------------------------------------------------------
def _pods(view: ClusterView, ref: ObjectRef) -> list[Obj]:
    if ref.kind == "Pod":
        pod = view.get("pods", ref.namespace, ref.name)
        return [pod] if pod else []
    inside = members(view, ref)
    return [p for p in view.pods_in(ref.namespace) if ObjectRef("Pod", ref.namespace, name_of(p)) in inside]


def _restarts(pod: Obj) -> int:
    return sum(cs.restarts for cs in container_statuses(pod))


def contradiction(view: ClusterView, ref: ObjectRef, claims: tuple[str, ...]) -> tuple[str, list[str]] | None:
    """(the claim, the fields that refute it) when the question asserts a state the subject is not in."""
    if ref.kind == "Node":
        node = view.get("nodes", None, ref.name) or {}
        for claim, kind, healthy in (("not_ready", "Ready", "True"), ("disk", "DiskPressure", "False"),
                                     ("memory", "MemoryPressure", "False")):
            cond = condition(node, kind)
            if claim in claims and cond is not None and cond.get("status") == healthy:
                lines = [f"status.conditions[{kind}]={healthy} ({cond.get('reason')}; since "
                         f"{cond.get('lastTransitionTime')})"]
                return claim, lines + health(view, ref)
        return None
    pods = _pods(view, ref)
    if ref.kind in ("Pod", "Deployment", "StatefulSet", "DaemonSet") and pods:
        problems = [pod_problem(p) for p in pods]
        if "crashing" in claims and not any(problems) and sum(_restarts(p) for p in pods) == 0:
            return "crashing", health(view, ref)
        if "pending" in claims and all((p.get("status") or {}).get("phase") == "Running" for p in pods):
            return "pending", health(view, ref)
        if "not_ready" in claims and not any(problems):
            return "not_ready", health(view, ref)
        if "memory" in claims and not any(cs.last_terminated.get("reason") == "OOMKilled"
                                          for p in pods for cs in container_statuses(p)):
            return "memory", health(view, ref)
    if (ref.kind == "Job" and "failing" in claims) or (ref.kind == "Job" and "crashing" in claims):
        job = view.get("jobs", ref.namespace, ref.name) or {}
        complete = condition(job, "Complete")
        if complete is not None and complete.get("status") == "True":
            return "failing", health(view, ref)
    if ref.kind == "CronJob" and ("failing" in claims or "crashing" in claims):
        status = (view.get("cronjobs", ref.namespace, ref.name) or {}).get("status") or {}
        last, success = str(status.get("lastScheduleTime") or ""), str(status.get("lastSuccessfulTime") or "")
        if success and success >= last:  # RFC 3339 timestamps compare as strings
            return "failing", health(view, ref)
    if ref.kind == "HelmRelease" and ("failing" in claims or "not_ready" in claims) and \
            _release_status(view, ref) == "deployed":
        return "failing", health(view, ref)
    if ref.kind == "Service" and ("not_ready" in claims or "failing" in claims):
        ready = _ready_endpoints(view, ref)
        if ready:
            return "not_ready", health(view, ref)
    return None


def _ready_endpoints(view: ClusterView, ref: ObjectRef) -> int:
    endpoints = view.get("endpoints", ref.namespace, ref.name) or {}
    return sum(len(s.get("addresses") or []) for s in endpoints.get("subsets") or [])


def _release_status(view: ClusterView, ref: ObjectRef) -> str | None:
    latest: tuple[int, str] | None = None
    for secret in view.items("helmreleases"):
        labels = meta(secret).get("labels") or {}
        if labels.get("name") == ref.name and secret.get("metadata", {}).get("namespace") == ref.namespace:
            version = int(str(labels.get("version") or 0)) if str(labels.get("version") or "0").isdigit() else 0
            if latest is None or version > latest[0]:
                latest = (version, str(labels.get("status")))
    return latest[1] if latest else None


def health(view: ClusterView, ref: ObjectRef) -> list[str]:
    """What shows the subject is fine: replicas, restarts, readiness, probes, usage against limits, warnings."""
    lines: list[str] = []
    if ref.kind == "Node":
        node = view.get("nodes", None, ref.name) or {}
        conds = {c.get("type"): c.get("status") for c in (node.get("status") or {}).get("conditions") or []}
        lines.append("conditions: " + ", ".join(f"{k}={v}" for k, v in sorted(conds.items())))
        lines.append(f"spec.unschedulable={bool((node.get('spec') or {}).get('unschedulable'))}")
        on_node = [p for p in view.items("pods") if (p.get("spec") or {}).get("nodeName") == ref.name]
        lines.append(f"{len(on_node)} pod(s) on the node")
        usage = next((m.get("usage") or {} for m in view.items("nodemetrics") if name_of(m) == ref.name), None)
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        if usage:
            memory = parse_quantity(usage.get("memory"))
            total = parse_quantity(allocatable.get("memory"))
            if memory is not None and total:
                lines.append(f"memory usage {format_bytes(memory)} of {format_bytes(total)} allocatable")
    elif ref.kind in WORKLOAD_LISTS or ref.kind == "Pod":
        obj = view.get(WORKLOAD_LISTS.get(ref.kind, "pods"), ref.namespace, ref.name) or {}
        status = obj.get("status") or {}
        spec = obj.get("spec") or {}
        if ref.kind in ("Deployment", "StatefulSet"):
            lines.append(f"replicas ready {status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}, available "
                         f"{status.get('availableReplicas', status.get('readyReplicas', 0))}")
        elif ref.kind == "DaemonSet":
            lines.append(f"pods ready {status.get('numberReady', 0)}/{status.get('desiredNumberScheduled', 0)}")
        elif ref.kind == "Job":
            lines.append(f"status.succeeded={status.get('succeeded', 0)}, status.failed={status.get('failed', 0)}")
        elif ref.kind == "CronJob":
            lines.append(f"lastScheduleTime={status.get('lastScheduleTime')}, lastSuccessfulTime="
                         f"{status.get('lastSuccessfulTime')}, suspend={bool(spec.get('suspend'))}")
        for pod in _pods(view, ref)[:3]:
            lines += _pod_health(view, pod)
    elif ref.kind == "Service":
        lines.append(f"endpoints: {_ready_endpoints(view, ref)} ready address(es)")
        svc = view.get("services", ref.namespace, ref.name) or {}
        ports = ", ".join(f"{p.get('port')}→{p.get('targetPort', p.get('port'))}"
                          for p in (svc.get("spec") or {}).get("ports") or [])
        lines.append(f"spec.selector={(svc.get('spec') or {}).get('selector')}, ports {ports}")
    elif ref.kind == "PersistentVolumeClaim":
        pvc = view.get("persistentvolumeclaims", ref.namespace, ref.name) or {}
        spec = pvc.get("spec") or {}
        lines.append(f"status.phase={(pvc.get('status') or {}).get('phase')}, volume {spec.get('volumeName')}, "
                     f"class {spec.get('storageClassName')}")
    elif ref.kind == "HelmRelease":
        lines.append(f"latest release Secret: status={_release_status(view, ref)} (labels only)")
    elif ref.kind == "HorizontalPodAutoscaler":
        hpa = view.get("horizontalpodautoscalers", ref.namespace, ref.name) or {}
        status = hpa.get("status") or {}
        lines.append(f"currentReplicas={status.get('currentReplicas')}, desiredReplicas="
                     f"{status.get('desiredReplicas')}, maxReplicas={(hpa.get('spec') or {}).get('maxReplicas')}")
    elif ref.kind == "Ingress":
        for backend in sorted(r for r in members(view, ref) if r.kind == "Service"):
            lines.append(f"backend Service {backend.name}: {_ready_endpoints(view, backend)} ready endpoint(s)")
    warnings = view.events_for(ref.kind, ref.namespace, ref.name)
    lines.append(f"{len(warnings)} Warning event(s) on {ref.kind} {ref.name}")
    return lines


def _pod_health(view: ClusterView, pod: Obj) -> list[str]:
    name = name_of(pod)
    status = pod.get("status") or {}
    ready = condition(pod, "Ready")
    line = (f"pod {name}: {status.get('phase')}, Ready={ready.get('status') if ready else '?'}, "
            f"restarts {_restarts(pod)}")
    probes = [kind for c in (pod.get("spec") or {}).get("containers") or []
              for kind in ("livenessProbe", "readinessProbe") if c.get(kind)]
    if probes:
        line += f", probes: {', '.join(sorted(set(probes)))}"
    out = [line]
    for cs in container_statuses(pod):
        usage = view.container_usage(pod.get("metadata", {}).get("namespace"), name, cs.name) or {}
        used, limit = parse_quantity(usage.get("memory")), parse_quantity(cs.resource("limits", "memory"))
        if used is not None and limit:
            out.append(f"container {cs.name}: memory {format_bytes(used)} of limit {format_bytes(limit)} "
                       f"({used / limit:.0%})")
    return out


def verdict_line(verdict: Verdict) -> str:
    """One line for an LLM's prompt: what the question is about and what the cluster says of it."""
    absent = "; ".join(f"no {a.kind or 'object'} named {a.name} exists (nearest: "
                       f"{', '.join(str(r) for r in a.nearest) or 'none'})" for a in verdict.absent)
    parts = [absent] if absent else []
    if verdict.kind == "contradicted" and verdict.subject is not None:
        claim = CLAIM_WORDS.get(verdict.claim or "", verdict.claim)
        parts.append(f"premise contradicted: {verdict.subject} is not {claim}: "
                     f"{'; '.join(verdict.evidence[:3])}")
    elif verdict.kind == "healthy" and verdict.subject is not None:
        parts.append(f"{verdict.subject} is healthy: {'; '.join(verdict.evidence[:3])}")
    elif verdict.kind == "broken" and verdict.subject is not None and verdict.group:
        chain_text = " <- ".join(f"{f.reason} {f.object}" for f in reversed(verdict.group[:4]))
        parts.append(f"subject {verdict.subject}: causal chain {chain_text}")
    elif verdict.kind == "report":
        parts.append(f"cluster report: {len(verdict.groups)} root cause(s)")
    return f"<subject>{' | '.join(parts)}</subject>" if parts else ""
