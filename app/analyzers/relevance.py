"""Which findings answer the question: rank by target, problem type and severity; group the root cause."""

from __future__ import annotations

from dataclasses import dataclass

from app.analyzers.mapping import cause_rank, severity_score, type_score
from app.analyzers.model import Finding
from app.targets import Targets

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
    out.sort(key=lambda r: (-r.score, cause_rank(r.finding.reason), str(r.finding.object)))
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
    group.sort(key=lambda r: (cause_rank(r.finding.reason), -r.score))
    return [r.finding for r in group]
