"""Checks shared by the plain manifests' and the Helm chart's tests: schema, security, RBAC, wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from tests.support.app import ROOT

VERSION = (ROOT / "VERSION").read_text().strip()
# The oldest and the newest Kubernetes minor the manifests are checked against (schemas shipped by
# kubernetes-validate; validation is offline).
KUBE_VERSIONS = ("1.29.0", "1.37.0")
NAMESPACED = {"ServiceAccount", "ConfigMap", "Secret", "Deployment", "Service"}
READ_VERBS = {"get", "list", "watch"}
FORBIDDEN_RESOURCES = {"secrets", "pods/exec", "pods/attach", "pods/portforward", "nodes/proxy",
                       "serviceaccounts/token", "pods/ephemeralcontainers", "*"}
FORBIDDEN_VERBS = {"*", "create", "update", "patch", "delete", "deletecollection", "escalate", "bind",
                   "impersonate", "approve", "sign"}


def load_docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def load_file(path: Path) -> list[dict[str, Any]]:
    return load_docs(path.read_text(encoding="utf-8"))


def by_kind(docs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def validate_schema(docs: list[dict[str, Any]]) -> None:
    """Every document against the Kubernetes OpenAPI schemas, strictly (no unknown fields)."""
    assert docs
    for doc in docs:
        for version in KUBE_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                raise AssertionError(
                    f"{doc['kind']}/{doc['metadata']['name']} invalid for Kubernetes {version}: "
                    f"{exc.message} at {'.'.join(map(str, exc.path))}"
                ) from None


def rules(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: sorted(v) for k, v in rule.items()} for rule in role["rules"]]


def check_read_only(role: dict[str, Any]) -> None:
    assert role["kind"] == "ClusterRole"
    granted: set[str] = set()
    for rule in role["rules"]:
        assert "nonResourceURLs" not in rule
        assert set(rule["verbs"]) <= READ_VERBS, rule
        assert not set(rule["resources"]) & FORBIDDEN_RESOURCES, rule
        assert "*" not in rule["apiGroups"], rule
        granted |= {f"{g}/{r}".lstrip("/") for g in rule["apiGroups"] for r in rule["resources"]}
    # What the tools read (policy-checked kubectl, pod logs, runbook diagnostics, kubectl top).
    needed = {"pods", "pods/log", "events", "nodes", "namespaces", "services", "endpoints", "configmaps",
              "persistentvolumeclaims", "persistentvolumes", "storage.k8s.io/storageclasses",
              "apps/deployments", "apps/replicasets", "apps/statefulsets", "apps/daemonsets", "batch/jobs",
              "batch/cronjobs", "networking.k8s.io/ingresses", "networking.k8s.io/networkpolicies",
              "discovery.k8s.io/endpointslices", "metrics.k8s.io/pods", "metrics.k8s.io/nodes"}
    assert needed <= granted, sorted(needed - granted)


def check_remediation(role: dict[str, Any]) -> None:
    granted = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
               for v in rule["verbs"]}
    writes = {(g, r, v) for g, r, v in granted if v not in READ_VERBS}
    assert writes == {("apps", "deployments", "patch"), ("", "pods", "delete")}
    assert not {r for _, r, _ in granted} & FORBIDDEN_RESOURCES


def check_binding(binding: dict[str, Any], role: dict[str, Any], service_account: str, namespace: str) -> None:
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": role["metadata"]["name"]}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": service_account, "namespace": namespace}]


def check_workload(deployment: dict[str, Any], service: dict[str, Any], *, image: str, node_port: int | None,
                   config_map: str, runbooks_map: str, secret: str | None, service_account: str) -> None:
    """The Deployment and Service as issue 6 requires them, whichever way they were produced."""
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == service_account
    pod_security = pod["securityContext"]
    assert pod_security["runAsNonRoot"] is True
    assert pod_security["runAsUser"] != 0
    assert pod_security["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    assert container["image"] == image
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "privileged" not in security
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe
    assert {"name": "http", "containerPort": 8000, "protocol": "TCP"} in container["ports"]
    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])
    # Volumes: ConfigMaps as whole directories (subPath mounts never receive updates), emptyDirs for
    # everything written (the root filesystem is read-only).
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert not any("subPath" in m or "subPathExpr" in m for m in mounts.values())
    assert volumes[mounts["/app/config"]["name"]]["configMap"]["name"] == config_map
    assert volumes[mounts["/app/runbooks"]["name"]]["configMap"]["name"] == runbooks_map
    for writable in ("/tmp", "/app/data"):
        assert "emptyDir" in volumes[mounts[writable]["name"]], writable
        assert not mounts[writable].get("readOnly", False)
    env = {e["name"]: e for e in container.get("env", [])}
    assert env["CONFIG_FILE"]["value"] == "/app/config/config.yaml"
    if secret is None:
        assert "envFrom" not in container
    else:
        assert container["envFrom"] == [{"secretRef": {"name": secret, "optional": True}}]
    # The Service reaches the pods on 8000, as a NodePort when asked for one.
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    (port,) = service["spec"]["ports"]
    assert port["port"] == 8000 and port["targetPort"] == "http"
    if node_port is not None:
        assert service["spec"]["type"] == "NodePort"
        assert port["nodePort"] == node_port


def check_namespaces(docs: list[dict[str, Any]], namespace: str) -> None:
    for doc in docs:
        if doc["kind"] in NAMESPACED:
            assert doc["metadata"].get("namespace") == namespace, doc["metadata"]["name"]
        else:
            assert "namespace" not in doc["metadata"], doc["metadata"]["name"]
