"""The audit report as a rich table (readable at 80 columns), JSON, or SARIF 2.1.0.

SARIF: one run, the rules in `tool.driver.rules` (with `security-severity` so code-scanning UIs rank
them), one result per finding located by a logical location (`namespace/Kind/name`), the evidence and
the fix in `properties`. Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app import get_version
from app.security.engine import ALL_RULES, AuditReport
from app.security.model import SEVERITIES, SecurityFinding

STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
# GitHub code scanning reads `security-severity` (CVSS-like 0-10) to rank results.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
TOOL_NAME = "k8s-aiops-copilot-audit"


def to_json(report: AuditReport) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


def _fqn(finding: SecurityFinding) -> str:
    obj = finding.object
    return f"{obj.namespace}/{obj.kind}/{obj.name}" if obj.namespace else f"{obj.kind}/{obj.name}"


def to_sarif(report: AuditReport) -> dict[str, Any]:
    rules = list(ALL_RULES)
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = []
    for f in report.findings:
        fingerprint = hashlib.sha256(f"{f.rule.id}|{_fqn(f)}|{f.container or ''}".encode()).hexdigest()[:32]
        results.append({
            "ruleId": f.rule.id,
            "ruleIndex": index[f.rule.id],
            "level": _SARIF_LEVEL[f.level],
            "message": {"text": f.message},
            "locations": [{"logicalLocations": [{"name": f.object.name, "fullyQualifiedName": _fqn(f),
                                                 "kind": "resource"}]}],
            "partialFingerprints": {"k8sObject/v1": fingerprint},
            "properties": {"severity": f.level, "category": f.rule.category,
                           "object": f.object.as_dict(), "container": f.container,
                           "evidence": [{"path": e.path, "value": e.value} for e in f.evidence],
                           "fix": f.fix},
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME, "version": get_version(), "semanticVersion": get_version(),
                "informationUri": "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
                "rules": [{
                    "id": rule.id, "name": rule.id.replace("/", "-"),
                    "shortDescription": {"text": rule.title}, "fullDescription": {"text": rule.why},
                    "helpUri": rule.reference, "help": {"text": f"{rule.why} See {rule.reference}"},
                    "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
                    "properties": {"tags": ["security", rule.category],
                                   "security-severity": _SECURITY_SEVERITY[rule.severity]},
                } for rule in rules],
            }},
            "results": results,
            "properties": {"score": report.score, "counts": report.counts(), "summary": report.by_namespace(),
                           "podSecurityLevels": report.levels(), "notes": report.notes},
        }],
    }


def print_table(report: AuditReport, width: int | None = None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=width)
    scope = f"namespace {report.namespace}" if report.namespace else "all namespaces"
    if report.workload:
        scope += f", {report.workload[0]}/{report.workload[1]}"
    console.print(Text(f"Security audit of {scope}: score {report.score}/100", style="bold"))

    summary = Table(title="Findings by namespace", title_justify="left")
    summary.add_column("Namespace", overflow="fold")
    for severity in SEVERITIES:
        summary.add_column(severity, justify="right", style=STYLE[severity])
    summary.add_column("total", justify="right")
    for ns, counts in report.by_namespace().items():
        summary.add_row(ns, *(str(counts[s]) for s in SEVERITIES), str(sum(counts.values())))
    totals = report.counts()
    summary.add_row(Text("all", style="bold"), *(str(totals[s]) for s in SEVERITIES), str(sum(totals.values())))
    console.print(summary)

    if report.workloads:
        levels = Table(title="Pod Security Standards: highest level met", title_justify="left")
        levels.add_column("Workload", overflow="fold", ratio=3)
        levels.add_column("Level", ratio=1)
        levels.add_column("Fails", overflow="fold", ratio=3)
        colour = {"restricted": "green", "baseline": "yellow", "privileged": "red"}
        for w in report.workloads:
            fails = ", ".join(r.split("/", 1)[1] for r in w.failed) or "-"
            levels.add_row(str(w.object), Text(w.level, style=colour[w.level]), fails)
        console.print(levels)

    for severity in SEVERITIES:
        rows = [f for f in report.findings if f.level == severity]
        if not rows:
            continue
        table = Table(title=Text(f"{severity.upper()} ({len(rows)})", style=STYLE[severity]), title_justify="left",
                      show_lines=True, expand=True)
        table.add_column("Rule / object", overflow="fold", ratio=3)
        table.add_column("Finding, evidence" + (" and fix" if severity in ("critical", "high") else ""),
                         overflow="fold", ratio=7)
        for f in rows:
            body = Text(f.message)
            for e in f.evidence[:4]:
                body.append(f"\n  {e}", style="dim")
            if severity in ("critical", "high"):
                body.append("\nfix:\n" + f.fix, style="green")
            table.add_row(Text(f"{f.rule.id}\n{f.object}"), body)
        console.print(table)
    for note in report.notes:
        console.print(f"[dim]note: {note}[/dim]", highlight=False)
    console.print("fixes for every finding: --format json or sarif", style="dim", highlight=False)
