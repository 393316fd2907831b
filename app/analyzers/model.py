"""What an analyzer produces (`Finding`) and the one interface every analyzer implements (`Analyzer`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from app.analyzers.view import ClusterView

Severity = Literal["critical", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}
# Runbook placeholders a finding can fill (see runbooks/*.md).
PLACEHOLDERS = ("namespace", "pod", "container", "deployment", "node", "service", "pvc", "release")


@dataclass(frozen=True, order=True)
class ObjectRef:
    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name}


@dataclass(frozen=True)
class Finding:
    """One problem, with the exact fields or log lines that show it.

    `reason` is short and machine-ish (CrashLoopBackOff, NoEndpoints...); `cause` is the underlying reason
    when the finding is a symptom of another one (a Deployment unavailable because its pod is OOMKilled).
    `targets` fills runbook placeholders ({pod}, {namespace}, ...); `related` names the other objects
    involved (the failing pods of a Deployment, the near-matching pods of a Service).
    """

    analyzer: str
    severity: Severity
    object: ObjectRef
    reason: str
    message: str
    evidence: tuple[str, ...] = ()
    message_zh: str = ""
    cause: str | None = None
    targets: Mapping[str, str] = field(default_factory=dict)
    related: tuple[ObjectRef, ...] = ()
    fix: str = ""
    fix_zh: str = ""
    runbook: str | None = None
    # Objects whose own problems explain this finding (an unreachable webhook → its Service): causal chains
    # follow these, whatever the reasons' ranks.
    depends_on: tuple[ObjectRef, ...] = ()

    def text(self, chinese: bool) -> str:
        return self.message_zh if chinese and self.message_zh else self.message

    def fix_text(self, chinese: bool) -> str:
        return self.fix_zh if chinese and self.fix_zh else self.fix

    def as_dict(self) -> dict[str, Any]:
        return {
            "analyzer": self.analyzer,
            "severity": self.severity,
            "object": self.object.as_dict(),
            "reason": self.reason,
            "message": self.message,
            "evidence": list(self.evidence),
            "cause": self.cause,
            "related": [r.as_dict() for r in self.related],
            "runbook": self.runbook,
        }


@dataclass(frozen=True)
class ReasonSpec:
    """How a reason an analyzer emits is classified and ranked — declared next to the analyzer.

    `types`: the question problem types it answers (first = what it is first of all). `rank`: lower is more
    of a cause than a symptom (0 = a root cause such as a bind conflict, 6 = a workload with unavailable
    replicas). `symptom`: the finding takes the types of its `cause` first (a Service without endpoints is
    a crash question when its pods crash).
    """

    types: tuple[str, ...]
    rank: int = 3
    symptom: bool = False


def reasons(rank: int, types: tuple[str, ...], *names: str, symptom: bool = False) -> dict[str, ReasonSpec]:
    """Several reasons sharing one spec: `REASONS = {**reasons(1, ("network",), "A", "B"), ...}`."""
    return {name: ReasonSpec(types, rank, symptom) for name in names}


class Analyzer(Protocol):
    """A deterministic check over a ClusterView. `kinds` names the lists it reads (see view.KINDS).

    An analyzer may also declare (all optional, read with getattr): `reasons: Mapping[str, ReasonSpec]`
    (what it emits, how it ranks), `kind_specs: Mapping[str, KindSpec]` (lists view.KINDS does not know),
    `problem_types: tuple[str, ...]` (questions its results are shown for even when it finds nothing).
    """

    @property
    def name(self) -> str: ...

    @property
    def kinds(self) -> frozenset[str]: ...

    def analyze(self, view: ClusterView) -> list[Finding]: ...


def sort_key(finding: Finding) -> tuple[int, str, str, str, str]:
    obj = finding.object
    return (SEVERITY_ORDER[finding.severity], obj.namespace or "", obj.kind, obj.name, finding.reason)
