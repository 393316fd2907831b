"""Reasons → problem types → runbooks, and how relevant a finding is to a question's problem type."""

from __future__ import annotations

from app.analyzers.model import SEVERITY_ORDER, Finding
from app.runbooks import RunbookSet

_GROUPS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("pod_crash",), ("CrashLoopBackOff", "ContainerFailed", "Restarting", "ProbeFailed", "Panic", "Exception",
                      "Fatal", "LogError", "PermissionDenied", "CreateContainerConfigError", "CreateContainerError",
                      "RunContainerError", "ContainerCannotRun", "BackOff", "Unhealthy", "Error")),
    (("pod_crash", "network"), ("ConnectionFailed",)),
    (("oom_killed", "pod_crash"), ("OOMKilled", "OutOfMemory")),
    (("oom_killed", "node_not_ready"), ("SystemOOM", "OOMKilling")),
    (("port_conflict", "pod_crash"), ("AddressInUse",)),
    (("port_conflict", "pod_pending"), ("HostPortConflict",)),
    (("disk_full",), ("NoSpaceLeft", "EvictionThresholdMet", "FreeDiskSpaceFailed", "ImageGCFailed", "Evicted")),
    (("disk_full", "node_not_ready"), ("DiskPressure",)),
    (("image_pull",), ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "Failed")),
    (("pod_pending",), ("Unschedulable", "InsufficientResources", "FailedScheduling", "FailedCreate", "Pending",
                        "ReplicaFailure")),
    (("storage", "pod_pending"), ("UnboundPVC",)),
    (("storage",), ("ProvisioningFailed", "NoStorageClass", "ClaimPending", "ClaimLost", "WaitForFirstConsumer",
                    "FailedMount", "FailedAttachVolume")),
    (("node_not_ready",), ("NodeNotReady", "Cordoned", "PIDPressure", "NetworkUnavailable", "NodeNotSchedulable")),
    (("node_not_ready", "oom_killed"), ("MemoryPressure",)),
    (("network",), ("NoEndpoints", "MissingBackendService", "MissingIngressClass", "MissingTLSSecret",
                    "BackendNoEndpoints")),
    (("cluster_health",), ("JobFailed", "Suspended", "Paused", "NotReady")),
)
REASON_TYPES: dict[str, tuple[str, ...]] = {reason: types for types, reasons in _GROUPS for reason in reasons}

# A question of one type is also about findings of these (a crash can be caused by an OOM kill...).
RELATED_TYPES: dict[str, tuple[str, ...]] = {
    "pod_crash": ("oom_killed", "port_conflict"),
    "oom_killed": ("pod_crash",),
    "port_conflict": ("pod_crash",),
    "pod_pending": ("storage", "node_not_ready", "port_conflict"),
    "storage": ("pod_pending",),
    "disk_full": ("node_not_ready",),
    "node_not_ready": ("disk_full",),
    "network": (),
    "image_pull": (),
    "helm_install": ("pod_crash", "pod_pending", "image_pull", "storage"),
}
BROAD_TYPES = ("cluster_health", "general")


def types_of(finding: Finding) -> tuple[str, ...]:
    """The problem types a finding belongs to; a symptom (NoReadyEndpoints, UnavailableReplicas) also takes
    the types of its cause."""
    own = REASON_TYPES.get(finding.reason, ())
    caused = REASON_TYPES.get(finding.cause, ()) if finding.cause else ()
    if finding.reason in ("UnavailableReplicas", "NoReadyEndpoints", "Evicted", "Unschedulable"):
        return tuple(dict.fromkeys((*caused, *own))) or ("cluster_health",)
    return tuple(dict.fromkeys((*own, *caused))) or ("cluster_health",)


def type_score(finding: Finding, problem_type: str) -> int:
    """30: the finding is first of all this kind of problem; 25: also this kind; 20: a related kind;
    10 for broad questions (cluster health, general); 0 otherwise."""
    types = types_of(finding)
    if problem_type in BROAD_TYPES:
        return 10
    if problem_type in types:
        return 30 if types[0] == problem_type else 25
    if any(t in RELATED_TYPES.get(problem_type, ()) for t in types):
        return 20
    return 0


def severity_score(finding: Finding) -> int:
    return (2 - SEVERITY_ORDER[finding.severity]) * 5


def runbook_for(finding: Finding, runbooks: RunbookSet) -> str | None:
    """The runbook for the finding's first problem type that has one; keyword hits pick among several."""
    text = " ".join((finding.reason, finding.cause or "", finding.message)).lower()
    for problem_type in types_of(finding):
        candidates = runbooks.for_type(problem_type)
        if not candidates:
            continue
        best = max(candidates, key=lambda r: (
            r.problem_types[0] == problem_type,
            sum(1 for kw in r.keywords if kw and kw.lower() in text),
            -len(r.problem_types),
            r.id,
        ))
        return best.id
    return None


# The analyzers whose results are worth showing for a problem type even when they find nothing.
ANALYZERS_FOR_TYPE: dict[str, tuple[str, ...]] = {
    "pod_crash": ("pods", "logs", "workloads"),
    "oom_killed": ("pods", "workloads", "nodes"),
    "port_conflict": ("pods", "logs", "services"),
    "disk_full": ("nodes", "pods", "logs"),
    "image_pull": ("pods", "workloads"),
    "pod_pending": ("pods", "workloads", "nodes", "pvcs"),
    "node_not_ready": ("nodes", "pods"),
    "network": ("services", "ingresses", "pods"),
    "storage": ("pvcs", "pods", "workloads"),
    "helm_install": ("workloads", "pods", "jobs"),
}


def shown_analyzers(problem_type: str, all_names: list[str]) -> list[str]:
    if problem_type in BROAD_TYPES or problem_type not in ANALYZERS_FOR_TYPE:
        return list(all_names)
    return [n for n in all_names if n in ANALYZERS_FOR_TYPE[problem_type]]
