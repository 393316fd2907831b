"""What the security audit produces: rules (id, severity, why, reference) and findings (object, evidence, fix).

Severities follow common scanner practice (critical / high / medium / low), so that SARIF levels and
trivy's CVE severities map onto one scale. Evidence is a field path and the value found there — never a
secret value: literal credentials in env are reported by variable NAME only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import yaml

from app.analyzers.model import ObjectRef

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")
SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}
Category = Literal["pod-security", "misconfiguration", "rbac", "network", "vulnerability"]

PSS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"


@dataclass(frozen=True)
class Rule:
    """One check. `reference` is the upstream definition the check implements."""

    id: str
    title: str
    severity: Severity
    category: Category
    why: str
    reference: str


@dataclass(frozen=True)
class Evidence:
    """A field path (kubectl-style, from the object's root) and the value found there, as text."""

    path: str
    value: str

    def __str__(self) -> str:
        return f"{self.path} = {self.value}"


@dataclass(frozen=True)
class SecurityFinding:
    rule: Rule
    object: ObjectRef
    message: str
    evidence: tuple[Evidence, ...]
    fix: str  # a patch snippet (YAML) or a manifest to apply
    container: str | None = None
    severity: Severity | None = None  # overrides the rule's (e.g. a wildcard bound to `default`)

    @property
    def level(self) -> Severity:
        return self.severity or self.rule.severity

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule.id,
            "title": self.rule.title,
            "severity": self.level,
            "category": self.rule.category,
            "object": self.object.as_dict(),
            "container": self.container,
            "message": self.message,
            "evidence": [{"path": e.path, "value": e.value} for e in self.evidence],
            "why": self.rule.why,
            "fix": self.fix,
            "reference": self.rule.reference,
        }


def sort_key(finding: SecurityFinding) -> tuple[int, str, str, str, str]:
    obj = finding.object
    return (SEVERITY_ORDER[finding.level], obj.namespace or "", obj.kind, obj.name, finding.rule.id)


def show(value: Any) -> str:
    """A field value as evidence text: JSON-ish scalars, compact lists and mappings."""
    if value is None:
        return "<unset>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value else '""'
    if isinstance(value, (list, dict)):
        text = json.dumps(value, separators=(",", ":"), sort_keys=True)
        return text if len(text) <= 160 else text[:157] + "..."
    return str(value)


def to_yaml(document: Any) -> str:
    # Fixes repeat across workloads (same field, same container name): render each distinct one once.
    return _yaml_of(json.dumps(document))


@lru_cache(maxsize=4096)
def _yaml_of(document_json: str) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when built with it
    text: str = yaml.dump(json.loads(document_json), Dumper=dumper, sort_keys=False, default_flow_style=False)
    return text.rstrip()


@dataclass(frozen=True)
class Workload:
    """A pod template and where it lives: a controller's `spec.template` or a bare pod's own spec."""

    ref: ObjectRef
    obj: dict[str, Any]
    pod_spec: dict[str, Any]
    pod_meta: dict[str, Any]
    spec_path: str  # "spec.template.spec", "spec.jobTemplate.spec.template.spec" or "spec"
    replicas: int | None = None
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def service_account(self) -> str:
        return str(self.pod_spec.get("serviceAccountName") or self.pod_spec.get("serviceAccount") or "default")

    def patch(self, pod_spec_fragment: dict[str, Any]) -> str:
        """A strategic-merge patch (YAML) setting `pod_spec_fragment` under this workload's pod spec."""
        document: dict[str, Any] = pod_spec_fragment
        for part in reversed(self.spec_path.split(".")):
            document = {part: document}
        return to_yaml(document)

    def container_patch(self, container: str, fragment: dict[str, Any], list_name: str = "containers") -> str:
        return self.patch({list_name: [{"name": container, **fragment}]})
