"""Reasons → problem types → runbooks, and how relevant a finding is to a question's problem type.

Nothing here lists reasons: each analyzer declares the reasons it emits (`REASONS`, a `ReasonSpec` each) and
the problem types it is shown for, in its own file. This module merges the declarations of the built-in
analyzers with those of plugins registered later (see registry.Registry.register).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from app.analyzers.model import SEVERITY_ORDER, Finding, ReasonSpec
from app.runbooks import RunbookSet

DEFAULT_RANK = 3
_lock = threading.Lock()
_plugin_reasons: dict[str, ReasonSpec] = {}
_builtin: dict[str, ReasonSpec] = {}
_builtin_shown: dict[str, tuple[str, ...]] = {}

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
OWN_TYPE = 25  # type_score of a finding that is this kind of problem (not only a related kind)


def _load_builtins() -> None:
    from app.analyzers.registry import builtin_analyzers

    with _lock:
        if _builtin:
            return
        for analyzer in builtin_analyzers():
            declared: Mapping[str, ReasonSpec] = getattr(analyzer, "reasons", {})
            for reason, spec in declared.items():
                _builtin.setdefault(reason, spec)
            _builtin_shown[analyzer.name] = tuple(getattr(analyzer, "problem_types", ()))


def declare(reasons: Mapping[str, ReasonSpec]) -> None:
    """Add a plugin's reasons (built-in declarations win: a plugin cannot re-rank OOMKilled)."""
    with _lock:
        for reason, spec in reasons.items():
            _plugin_reasons.setdefault(reason, spec)


def spec_of(reason: str | None) -> ReasonSpec | None:
    if not reason:
        return None
    if not _builtin:
        _load_builtins()
    return _builtin.get(reason) or _plugin_reasons.get(reason)


def cause_rank(reason: str) -> int:
    spec = spec_of(reason)
    return spec.rank if spec else DEFAULT_RANK


def types_of(finding: Finding) -> tuple[str, ...]:
    """The problem types a finding belongs to; a symptom (NoReadyEndpoints, UnavailableReplicas) takes the
    types of its cause first."""
    spec = spec_of(finding.reason)
    own = spec.types if spec else ()
    cause = spec_of(finding.cause)
    caused = cause.types if cause else ()
    if spec is not None and spec.symptom:
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


def shown_analyzers(problem_type: str, all_names: list[str], declared: Mapping[str, tuple[str, ...]] | None = None
                    ) -> list[str]:
    """The analyzers whose results are worth showing for a problem type even when they find nothing."""
    if problem_type in BROAD_TYPES:
        return list(all_names)
    if declared is None:
        _load_builtins()
        declared = _builtin_shown
    return [n for n in all_names if problem_type in declared.get(n, ())]
