"""Builders for hand-made objects: a hardened Deployment that passes every rule, and mutations of it."""

from __future__ import annotations

import copy
from typing import Any

from app.analyzers.view import ClusterView
from app.security.engine import AUDIT_KINDS, AuditOptions, AuditReport, run_audit

Obj = dict[str, Any]
NS = "shop"


def hardened_container(name: str = "app") -> Obj:
    return {
        "name": name, "image": "ghcr.io/acme/app:1.2.3", "ports": [{"containerPort": 8080}],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        "livenessProbe": {"tcpSocket": {"port": 8080}}, "readinessProbe": {"tcpSocket": {"port": 8080}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True},
    }


def deployment(name: str = "web", replicas: int = 2, namespace: str = NS) -> Obj:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"automountServiceAccountToken": False, "serviceAccountName": name,
                     "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                     "containers": [hardened_container()]}}},
    }


def pod_spec(obj: Obj) -> Obj:
    spec: Obj = obj["spec"]["template"]["spec"]
    return spec


def container(obj: Obj) -> Obj:
    first: Obj = pod_spec(obj)["containers"][0]
    return first


def default_deny(namespace: str = NS) -> Obj:
    return {"metadata": {"name": "deny", "namespace": namespace},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}


def cluster(**objects: list[Obj]) -> ClusterView:
    """A view holding every kind the audit reads (empty unless given), with a default-deny in `shop`."""
    full: dict[str, list[Obj]] = {kind: [] for kind in AUDIT_KINDS}
    full["networkpolicies"] = [default_deny()]
    full.update({k: copy.deepcopy(v) for k, v in objects.items()})
    return ClusterView(full)


def audit(view: ClusterView, **options: Any) -> AuditReport:
    return run_audit(view, AuditOptions(**options))


def rule_ids(report: AuditReport) -> set[str]:
    return {f.rule.id for f in report.findings}
