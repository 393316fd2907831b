"""Security audit at scale: 2,000 generated pods (plus RBAC, Services, NetworkPolicies, VulnerabilityReports)
served by the snapshot API server and audited through the real client path.

Every pod is a bare pod (no controller), so each one is audited on its own — the worst case: with controllers
the audit evaluates one template per workload. Figures: the cluster read, the audit itself, JSON and SARIF
rendering, and the end-to-end time (read + audit), each the median of `--rounds` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import console, emit, isolate_env, table

GOAL_S = 5.0


def _pod(i: int, namespace: str) -> dict[str, Any]:
    hardened = i % 4 == 0
    container: dict[str, Any] = {
        "name": "app", "image": f"ghcr.io/acme/svc-{i % 50}:1.{i % 7}.0" if i % 9 else "nginx:latest",
        "ports": [{"containerPort": 8080}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}] + ([{"name": "DB_PASSWORD", "value": "x" * 12}]
                                                           if i % 25 == 0 else []),
    }
    if hardened:
        container.update({"resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
                          "livenessProbe": {"tcpSocket": {"port": 8080}},
                          "readinessProbe": {"tcpSocket": {"port": 8080}},
                          "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                              "capabilities": {"drop": ["ALL"]}}})
    elif i % 50 == 1:
        container["securityContext"] = {"privileged": True}
    spec: dict[str, Any] = {"containers": [container], "serviceAccountName": "default" if i % 3 else f"sa-{i % 10}"}
    if hardened:
        spec["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
        spec["automountServiceAccountToken"] = False
    if i % 40 == 2:
        spec.update(hostNetwork=True, volumes=[{"name": "logs", "hostPath": {"path": "/var/log"}}])
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:05d}", "namespace": namespace, "labels": {"app": f"svc-{i % 50}"}},
            "spec": spec,
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0,
                                              "state": {"running": {"startedAt": "2026-11-18T08:00:00Z"}}}]}}


def _objects(pods: int, namespaces: int) -> dict[str, list[dict[str, Any]]]:
    spaces = [f"team-{n:02d}" for n in range(namespaces)]
    items = [_pod(i, spaces[i % namespaces]) for i in range(pods)]
    rbac = "rbac.authorization.k8s.io/v1"
    roles = [{"apiVersion": rbac, "kind": "ClusterRole", "metadata": {"name": "wide"},
              "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}]
    bindings = [{"apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": f"b-{ns}", "namespace": ns},
                 "roleRef": {"kind": "ClusterRole", "name": "wide"},
                 "subjects": [{"kind": "ServiceAccount", "name": "sa-1", "namespace": ns}]} for ns in spaces[::5]]
    services = [{"apiVersion": "v1", "kind": "Service",
                 "metadata": {"name": f"svc-{i}", "namespace": spaces[i % namespaces]},
                 "spec": {"type": "NodePort" if i % 10 == 0 else "ClusterIP", "ports": [{"port": 80}]}}
                for i in range(200)]
    policies = [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": "deny", "namespace": ns}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
                for ns in spaces[::2]]
    reports = [{"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "VulnerabilityReport",
                "metadata": {"name": f"pod-{p['metadata']['name']}-app", "namespace": p["metadata"]["namespace"],
                             "labels": {"trivy-operator.resource.kind": "Pod",
                                        "trivy-operator.resource.name": p["metadata"]["name"],
                                        "trivy-operator.resource.namespace": p["metadata"]["namespace"],
                                        "trivy-operator.container.name": "app"}},
                "report": {"artifact": {"repository": "acme/svc", "tag": "1.0.0"}, "registry": {"server": "ghcr.io"},
                           "vulnerabilities": [{"vulnerabilityID": f"CVE-2026-{j}", "resource": "openssl",
                                                "installedVersion": "3.0.1", "fixedVersion": "3.0.9",
                                                "severity": ("CRITICAL", "HIGH", "MEDIUM")[j % 3]}
                                               for j in range(12)]}}
               for p in items[::4]]
    return {"pods": items, "clusterroles": roles, "rolebindings": bindings, "services": services,
            "networkpolicies": policies, "vulnerabilityreports": reports}


def _write_snapshot(root: Path, objects: dict[str, list[dict[str, Any]]]) -> None:
    (root / "objects").mkdir(parents=True)
    (root / "manifest.yaml").write_text("capturedAt: 2026-11-18T09:41:27Z\nkubernetesVersion: v1.32.3\n"
                                        "sourceContext: bench-security-audit\n")
    for name, items in objects.items():
        document = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}
        (root / "objects" / f"{name}.json").write_text(json.dumps(document))


def run(pods: int, namespaces: int, rounds: int) -> dict[str, Any]:
    from app.analyzers.reader import ClusterReader
    from app.security.engine import AUDIT_KINDS, AuditOptions, run_audit
    from app.security.render import to_json, to_sarif
    from app.snapshot.server import start_snapshot_server

    objects = _objects(pods, namespaces)
    timings: dict[str, list[float]] = {"read": [], "audit": [], "json": [], "sarif": [], "total": []}
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        root = Path(tmp) / "snapshot"
        _write_snapshot(root, objects)
        with start_snapshot_server(root, kubeconfig_path=Path(tmp) / "kubeconfig") as running:
            for _ in range(rounds):
                reader = ClusterReader(running.kubeconfig, None, timeout_s=60, view_ttl_s=0)
                try:
                    start = time.perf_counter()
                    view = reader.read(AUDIT_KINDS)
                    read = time.perf_counter()
                    report = run_audit(view, AuditOptions())
                    audited = time.perf_counter()
                    to_json(report)
                    rendered = time.perf_counter()
                    json.dumps(to_sarif(report))
                    done = time.perf_counter()
                finally:
                    reader.close()
                timings["read"].append(read - start)
                timings["audit"].append(audited - read)
                timings["json"].append(rendered - audited)
                timings["sarif"].append(done - rendered)
                timings["total"].append(audited - start)
    medians = {k: round(statistics.median(v), 3) for k, v in timings.items()}
    return {"pods": len(view.items("pods")), "namespaces": namespaces, "rounds": rounds,
            "findings": len(report.findings), "workloads": len(report.workloads), "score": report.score,
            "seconds": medians, "goal_s": GOAL_S, "meets_goal": medians["total"] < GOAL_S}


def render(figures: dict[str, Any]) -> None:
    s = figures["seconds"]
    console.print(table(
        f"Security audit of {figures['pods']} pods in {figures['namespaces']} namespaces "
        f"(median of {figures['rounds']})", ["phase", "seconds"],
        [["read (kubernetes client → snapshot server)", s["read"]], ["audit (every rule)", s["audit"]],
         ["render JSON", s["json"]], ["render SARIF", s["sarif"]],
         [f"read + audit (goal < {figures['goal_s']} s)", s["total"]]],
        caption=f"{figures['findings']} findings over {figures['workloads']} workloads, score {figures['score']}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pods", type=int, default=2000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    isolate_env()
    figures = run(args.pods, args.namespaces, args.rounds)
    render(figures)
    emit("security_audit", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
