"""Run the security audit over a ClusterView: every rule, the PSS level of each workload, a summary, a score."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.analyzers.model import ObjectRef
from app.analyzers.view import ClusterView
from app.errors import InvalidParameter
from app.security import misconfig, network, rbac, vulns
from app.security.model import SEVERITIES, Evidence, Rule, SecurityFinding, Workload, sort_key
from app.security.pss import CONTROLS, Level, evaluate
from app.security.trivy import ImageScan
from app.security.workloads import WORKLOAD_KINDS, select, workloads

AUDIT_KINDS: tuple[str, ...] = (*WORKLOAD_KINDS, *rbac.RBAC_KINDS, *network.NETWORK_KINDS, "poddisruptionbudgets",
                                "vulnerabilityreports")
ALL_RULES: tuple[Rule, ...] = (*(c.rule for c in CONTROLS), *misconfig.RULES, *rbac.RULES, *network.RULES,
                               *vulns.RULES)
# Score weights: one critical finding per audited object on average gives exp(-1) ≈ 37.
WEIGHTS: dict[str, float] = {"critical": 10.0, "high": 5.0, "medium": 2.0, "low": 0.5}
_KIND_ALIASES = {
    "deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
    "statefulset": "StatefulSet", "statefulsets": "StatefulSet", "sts": "StatefulSet",
    "daemonset": "DaemonSet", "daemonsets": "DaemonSet", "ds": "DaemonSet",
    "replicaset": "ReplicaSet", "replicasets": "ReplicaSet", "rs": "ReplicaSet",
    "job": "Job", "jobs": "Job", "cronjob": "CronJob", "cronjobs": "CronJob", "cj": "CronJob",
    "pod": "Pod", "pods": "Pod", "po": "Pod",
}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def parse_namespace(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not _DNS_LABEL.match(value):
        raise InvalidParameter(f"namespace {value!r} is not a valid namespace name (a DNS label)")
    return value


def parse_workload(value: str | None) -> tuple[str, str] | None:
    """`KIND/NAME` (deployment/web, deploy/web, ds/agent, pod/x) → ("Deployment", "web")."""
    if value is None or value == "":
        return None
    kind, slash, name = value.partition("/")
    if not slash or kind.lower() not in _KIND_ALIASES or not _DNS_NAME.match(name):
        raise InvalidParameter(
            f"workload {value!r} must be KIND/NAME with KIND one of deployment, statefulset, daemonset, "
            "replicaset, job, cronjob, pod")
    return _KIND_ALIASES[kind.lower()], name


@dataclass(frozen=True)
class AuditOptions:
    namespace: str | None = None
    workload: tuple[str, str] | None = None  # (Kind, name)
    allowed_registries: tuple[str, ...] = ()
    # Scans images with the trivy CLI when the cluster has no VulnerabilityReports (None: do not).
    scan: Callable[[list[str]], dict[str, ImageScan]] | None = None


@dataclass(frozen=True)
class WorkloadLevel:
    object: ObjectRef
    level: Level
    failed: tuple[str, ...]  # the PSS rule ids it fails

    def as_dict(self) -> dict[str, Any]:
        return {"object": self.object.as_dict(), "level": self.level, "failed_controls": list(self.failed)}


@dataclass
class AuditReport:
    findings: list[SecurityFinding]
    workloads: list[WorkloadLevel]
    namespace: str | None = None
    workload: tuple[str, str] | None = None
    vulnerability_source: str | None = None
    notes: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.level == s) for s in SEVERITIES}

    def by_namespace(self) -> dict[str, dict[str, int]]:
        """Finding counts per namespace and severity; cluster-scoped objects under "(cluster)"."""
        table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
        for f in self.findings:
            ns = f.object.namespace or (f.object.name if f.object.kind == "Namespace" else "(cluster)")
            table[ns][f.level] += 1
        return dict(sorted(table.items()))

    def levels(self) -> dict[str, int]:
        return {level: sum(1 for w in self.workloads if w.level == level)
                for level in ("restricted", "baseline", "privileged")}

    @property
    def score(self) -> int:
        """100 = nothing found; falls with the average weighted severity per audited workload."""
        penalty = sum(WEIGHTS[f.level] for f in self.findings)
        return round(100 * math.exp(-penalty / (10 * max(1, len(self.workloads)))))

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": {"namespace": self.namespace,
                      "workload": f"{self.workload[0]}/{self.workload[1]}" if self.workload else None},
            "score": self.score,
            "counts": self.counts(),
            "summary": self.by_namespace(),
            "pod_security": {"levels": self.levels(), "workloads": [w.as_dict() for w in self.workloads]},
            "vulnerability_source": self.vulnerability_source,
            "notes": self.notes,
            "unavailable": self.unavailable,
            "findings": [f.as_dict() for f in self.findings],
        }


def _pss_findings(w: Workload) -> tuple[Level, list[SecurityFinding]]:
    level, failed = evaluate(w)
    grouped: dict[str, list[Any]] = defaultdict(list)
    rules: dict[str, Rule] = {}
    for control, violation in failed:
        grouped[control.rule.id].append(violation)
        rules[control.rule.id] = control.rule
    out = []
    for rid, violations in grouped.items():
        rule = rules[rid]
        names = sorted({str(c) for _, c, _ in violations if c})
        evidence: tuple[Evidence, ...] = tuple(e for e, _, _ in violations)
        fixes = list(dict.fromkeys(fix for _, _, fix in violations))
        where = f" (container {', '.join(names)})" if names else ""
        out.append(SecurityFinding(rule, w.ref, f"{w.ref}: {rule.title}{where}", evidence, "\n---\n".join(fixes),
                                   container=names[0] if len(names) == 1 else None))
    return level, out


def run_audit(view: ClusterView, options: AuditOptions) -> AuditReport:
    """Every rule over the view, scoped to `options.namespace` / `options.workload`."""
    namespace = options.namespace or view.namespace
    audited = select(workloads(view), namespace, options.workload)
    rbac_index = rbac.RbacIndex(view)
    source = vulns.collect(view, audited, options.scan)
    findings: list[SecurityFinding] = []
    levels: list[WorkloadLevel] = []
    for w in audited:
        level, pss = _pss_findings(w)
        levels.append(WorkloadLevel(w.ref, level, tuple(f.rule.id for f in pss)))
        findings += pss
        findings += misconfig.container_findings(w, options.allowed_registries)
        findings += misconfig.automount_finding(w, view, rbac_index)
        findings += misconfig.pdb_finding(w, view)
        findings += rbac.workload_findings(rbac_index, w)
        findings += vulns.findings(source, w)
    if options.workload is None:
        findings += rbac.rbac_findings(view, rbac_index, namespace)
        spaces = sorted({w.ref.namespace for w in audited if w.ref.namespace})
        findings += network.default_deny_findings(view, spaces)
        findings += network.service_findings(view, namespace)
        findings += network.ingress_findings(view, namespace)
    notes = [source.note] if source.note else []
    unavailable = {k: why for k, why in view.unavailable.items() if k in AUDIT_KINDS}
    if "vulnerabilityreports" in unavailable and source.source is None:
        unavailable.pop("vulnerabilityreports")  # the CRD is not installed: the note says what to do
    notes += [f"not read: {kind} ({why}); its checks were skipped" for kind, why in sorted(unavailable.items())]
    return AuditReport(sorted(findings, key=sort_key), levels, namespace, options.workload, source.source, notes,
                       unavailable)

