"""Which findings answer the question: rank by target, problem type and severity; group the root cause."""

from __future__ import annotations

from dataclasses import dataclass

from app.analyzers.mapping import severity_score, type_score
from app.analyzers.model import Finding
from app.targets import Targets

# Lower = more of a cause than a symptom (a panic explains a CrashLoopBackOff, which explains a Deployment
# with no available replicas).
CAUSE_RANK = {
    "AddressInUse": 0, "NoSpaceLeft": 0, "OOMKilled": 1, "OutOfMemory": 1, "Panic": 1, "Exception": 1,
    "PermissionDenied": 1, "ProvisioningFailed": 1, "NoStorageClass": 1, "MissingTLSSecret": 1,
    "MissingBackendService": 1, "MissingIngressClass": 1, "ImagePullBackOff": 1, "ErrImagePull": 1,
    "InvalidImageName": 1, "CreateContainerConfigError": 1, "NoEndpoints": 1, "DiskPressure": 1,
    "MemoryPressure": 1, "NodeNotReady": 1, "JobFailed": 2, "ConnectionFailed": 2, "Fatal": 2,
    "ProbeFailed": 2, "Unschedulable": 2, "LogError": 3, "CrashLoopBackOff": 4, "ContainerFailed": 4,
    "Restarting": 4, "Evicted": 4, "NoReadyEndpoints": 5, "BackendNoEndpoints": 5, "UnavailableReplicas": 6,
}
TARGET_WEIGHTS = {"pod": 80, "deployment": 80, "service": 70, "pvc": 70, "node": 40}
RELEVANT = 20  # a finding below this score does not answer the question


@dataclass(frozen=True)
class Ranked:
    score: int
    finding: Finding


def target_score(finding: Finding, targets: Targets) -> int:
    if not targets.named:
        return 0
    if finding.object in targets.named:
        return 100
    scores = [60 for ref in finding.related if ref in targets.named]
    node_named = any(ref.kind == "Node" for ref in targets.named)
    for key, weight in TARGET_WEIGHTS.items():
        wanted = targets.values.get(key)
        if not wanted or finding.targets.get(key) != wanted:
            continue
        # A pod's node only matters when the question names the node; everything else must share the namespace.
        if (node_named if key == "node" else finding.targets.get("namespace") == targets.values.get("namespace")):
            scores.append(weight)
    return max(scores, default=0)


def rank(findings: list[Finding], problem_type: str, targets: Targets) -> list[Ranked]:
    """Findings in the targets' namespace (and cluster-scoped ones), most relevant first."""
    namespace = targets.namespace
    out = []
    for finding in findings:
        if namespace and finding.object.namespace not in (None, namespace):
            continue
        score = target_score(finding, targets) + type_score(finding, problem_type) + severity_score(finding)
        if finding.analyzer == "events":
            score -= 15  # a summary of what other analyzers explain in detail
        out.append(Ranked(score, finding))
    out.sort(key=lambda r: (-r.score, CAUSE_RANK.get(r.finding.reason, 3), str(r.finding.object)))
    return out


def _connected(a: Finding, b: Finding) -> bool:
    if a.object == b.object or a.object in b.related or b.object in a.related:
        return True
    pod_a, pod_b = a.targets.get("pod"), b.targets.get("pod")
    return bool(pod_a) and pod_a == pod_b and a.targets.get("namespace") == b.targets.get("namespace")


def root_group(ranked: list[Ranked], targets: Targets) -> list[Finding]:
    """The top finding and what it is connected to, cause first. Empty when nothing is relevant, or when
    the question names objects and no finding concerns them."""
    candidates = [r for r in ranked if r.finding.analyzer != "events"] or ranked
    if not candidates or candidates[0].score < RELEVANT:
        return []
    top = candidates[0]
    if targets.named and target_score(top.finding, targets) == 0:
        return []
    group = [top]
    rest = [r for r in candidates[1:] if r.score >= RELEVANT]
    grew = True
    while grew:  # everything connected to the top finding, directly or through another member
        joined = [r for r in rest if any(_connected(r.finding, member.finding) for member in group)]
        group += joined
        rest = [r for r in rest if r not in joined]
        grew = bool(joined)
    group.sort(key=lambda r: (CAUSE_RANK.get(r.finding.reason, 3), -r.score))
    return [r.finding for r in group]
