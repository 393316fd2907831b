"""Warning events grouped by reason: what the cluster itself is complaining about."""

from __future__ import annotations

from collections import defaultdict

from app.analyzers.common import clip
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, reasons
from app.analyzers.view import ClusterView, Obj

NAME = "events"
MAX_EXAMPLES = 3
# The cluster's own reason words (events, pod conditions): the types a finding whose `cause` is one of them
# takes, and how an events summary ranks.
REASONS: dict[str, ReasonSpec] = {
    **reasons(3, ("pod_crash",), "BackOff", "Unhealthy", "Error"),
    **reasons(3, ("image_pull",), "Failed"),
    **reasons(3, ("pod_pending",), "FailedScheduling", "InsufficientResources", "Pending", "NotReady"),
    **reasons(3, ("port_conflict", "pod_pending"), "HostPortConflict"),
    **reasons(3, ("storage", "pod_pending"), "UnboundPVC"),
    **reasons(3, ("disk_full",), "EvictionThresholdMet", "FreeDiskSpaceFailed", "ImageGCFailed"),
    **reasons(3, ("oom_killed", "node_not_ready"), "SystemOOM", "OOMKilling"),
    **reasons(3, ("node_not_ready",), "NodeNotSchedulable"),
    **reasons(3, ("pod_crash",), "DeadlineExceeded", "BackoffLimitExceeded"),
}


class EventsAnalyzer:
    name = NAME
    kinds = frozenset({"events"})
    reasons = REASONS
    problem_types: tuple[str, ...] = ()

    def analyze(self, view: ClusterView) -> list[Finding]:
        groups: dict[str, list[Obj]] = defaultdict(list)
        for event in view.items("events"):
            if event.get("type") == "Warning":
                groups[str(event.get("reason") or "Unknown")].append(event)
        findings = []
        for reason, events in sorted(groups.items()):
            events.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""), reverse=True)
            objects = list(dict.fromkeys(_involved(e) for e in events))
            total = sum(int(e.get("count") or 1) for e in events)
            namespaces = {o.namespace for o in objects}
            namespace = next(iter(namespaces)) if len(namespaces) == 1 else None
            examples = [clip(f"{_involved(e)}: {e.get('message', '')} (×{int(e.get('count') or 1)}, last "
                             f"{e.get('lastTimestamp') or e.get('eventTime')})") for e in events[:MAX_EXAMPLES]]
            if len(objects) > MAX_EXAMPLES:
                examples.append(f"… and {len(objects) - MAX_EXAMPLES} more object(s)")
            targets = {"namespace": namespace} if namespace else {}
            if len(objects) == 1 and objects[0].kind == "Node":
                targets = {"node": objects[0].name}
            findings.append(Finding(
                NAME, "info", ObjectRef("Event", namespace, reason), reason,
                f"{total} Warning event(s) {reason} on {len(objects)} object(s): "
                f"{clip(str(events[0].get('message', '')), 140)}",
                tuple(examples),
                message_zh=f"{len(objects)} 个对象上出现 {total} 次 Warning 事件 {reason}："
                f"{clip(str(events[0].get('message', '')), 140)}",
                targets=targets,
                related=tuple(objects[:MAX_EXAMPLES]),
            ))
        return findings


def _involved(event: Obj) -> ObjectRef:
    involved = event.get("involvedObject") or {}
    kind = str(involved.get("kind") or "?")
    return ObjectRef(kind, None if kind == "Node" else involved.get("namespace"), str(involved.get("name") or "?"))
