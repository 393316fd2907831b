"""Image-vulnerability findings: critical / high CVEs per workload container, with the fixed versions.

Sources, in order: trivy-operator VulnerabilityReports read from the cluster; else `trivy image` when a
trivy binary is on PATH (and the caller allows it); else a note saying which of the two to install.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.analyzers.model import ObjectRef
from app.analyzers.view import ClusterView, controller_ref
from app.security.model import Evidence, Rule, SecurityFinding, Workload
from app.security.trivy import ImageScan, ReportTarget, parse_vulnerability_report, report_target
from app.security.workloads import containers

_REF = "https://aquasecurity.github.io/trivy-operator/latest/docs/crds/vulnerability-report/"
CRITICAL_CVES = Rule("vuln/critical", "Critical vulnerabilities in the image", "critical", "vulnerability",
                     "Critical CVEs are usually remotely exploitable; many have public exploits.", _REF)
HIGH_CVES = Rule("vuln/high", "High vulnerabilities in the image", "high", "vulnerability",
                 "High-severity CVEs give an attacker a foothold or privilege escalation.", _REF)
RULES = (CRITICAL_CVES, HIGH_CVES)
INSTALL_HINT = ("image vulnerabilities not scanned: install trivy-operator in the cluster "
                "(VulnerabilityReports, aquasecurity.github.io/v1alpha1) or put the trivy CLI on PATH")
MAX_LISTED = 5


@dataclass
class VulnSource:
    """Scans keyed by (workload, container), or by image for the CLI; `source` says where they came from."""

    by_container: dict[tuple[ObjectRef, str], ImageScan] = field(default_factory=dict)
    by_image: dict[str, ImageScan] = field(default_factory=dict)
    source: str | None = None
    note: str | None = None


def _owner(view: ClusterView, target: ReportTarget) -> ObjectRef:
    """The workload a report's resource belongs to: ReplicaSet → Deployment, Job → CronJob."""
    kinds = {"ReplicaSet": "replicasets", "Job": "jobs", "Pod": "pods"}
    if target.kind in kinds:
        obj = view.get(kinds[target.kind], target.namespace, target.name)
        ref = controller_ref(obj) if obj is not None else None
        if ref is not None and ref.get("kind") in ("Deployment", "CronJob", "StatefulSet", "DaemonSet", "Job",
                                                   "ReplicaSet"):
            parent = ObjectRef(str(ref["kind"]), target.namespace, str(ref["name"]))
            if parent.kind in ("Job", "ReplicaSet"):
                return _owner(view, ReportTarget(parent.kind, parent.namespace, parent.name, target.container))
            return parent
    return ObjectRef(target.kind, target.namespace, target.name)


def collect(view: ClusterView, audited: list[Workload],
            scan: Callable[[list[str]], dict[str, ImageScan]] | None) -> VulnSource:
    """Read the operator's reports; fall back to `scan` (the trivy CLI) when the cluster has none."""
    found = VulnSource()
    reports = view.items("vulnerabilityreports")
    if reports:
        found.source = "trivy-operator"
        for report in reports:
            target = report_target(report)
            if target is not None:
                found.by_container[(_owner(view, target), target.container)] = parse_vulnerability_report(report)
        return found
    if scan is not None:
        images = [str(c.get("image")) for w in audited for _, _, c in containers(w.pod_spec) if c.get("image")]
        found.by_image = scan(images)
        found.source = "trivy"
        return found
    found.note = INSTALL_HINT
    return found


def findings(source: VulnSource, workload: Workload) -> list[SecurityFinding]:
    out: list[SecurityFinding] = []
    for ln, _, c in containers(workload.pod_spec):
        name = str(c.get("name", ""))
        scan = source.by_container.get((workload.ref, name)) or source.by_image.get(str(c.get("image", "")))
        if scan is None:
            continue
        for severity, rule in (("CRITICAL", CRITICAL_CVES), ("HIGH", HIGH_CVES)):
            vulns = scan.at(severity)
            if not vulns:
                continue
            fixable = [v for v in vulns if v.fixed]
            where = f"VulnerabilityReport {scan.report}" if scan.report else f"trivy image {scan.image}"
            evidence = tuple(Evidence(f"{where}: {v.id}", v.describe()) for v in vulns[:MAX_LISTED])
            upgrades = sorted({f"{v.package} >= {v.fixed}" for v in fixable})
            fix = ("# rebuild or bump the image so that: " + "; ".join(upgrades[:8]) + "\n" if upgrades
                   else "# no fixed version published yet: mitigate (network policy, drop privileges) and watch\n")
            fix += workload.container_patch(name, {"image": f"{str(c.get('image', '')).split(':')[0]}:<patched>"}, ln)
            out.append(SecurityFinding(
                rule, workload.ref,
                f"{workload.ref} container {name} ({scan.image or c.get('image')}): {len(vulns)} {severity.lower()} "
                f"CVE(s), {len(fixable)} with a fix", evidence, fix, container=name))
    return out
