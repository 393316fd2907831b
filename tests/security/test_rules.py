"""Every rule with a failing and a passing object (hand-made; the demo snapshot is tested in test_live.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from app.security.engine import ALL_RULES
from app.security.pss import evaluate
from app.security.workloads import workloads
from tests.security.support import NS, Obj, audit, cluster, container, deployment, pod_spec, rule_ids

Build = Callable[[], dict[str, list[Obj]]]


def _deploy(mutate: Callable[[Obj], Any], **extra: list[Obj]) -> Build:
    def build() -> dict[str, list[Obj]]:
        obj = deployment()
        mutate(obj)
        return {"deployments": [obj], **extra}
    return build


def _sc(obj: Obj) -> Obj:
    sc: Obj = container(obj)["securityContext"]
    return sc


def _pod_sc(obj: Obj) -> Obj:
    sc: Obj = pod_spec(obj)["securityContext"]
    return sc


def _binding(kind: str, role_kind: str, role: str, subject: Obj, namespace: str | None = None) -> Obj:
    meta: Obj = {"name": f"{role}-binding"}
    if namespace:
        meta["namespace"] = namespace
    return {"kind": kind, "metadata": meta, "roleRef": {"kind": role_kind, "name": role}, "subjects": [subject]}


SA_DEFAULT = {"kind": "ServiceAccount", "name": "default", "namespace": NS}
SA_WEB = {"kind": "ServiceAccount", "name": "web", "namespace": NS}
ADMIN = {"metadata": {"name": "cluster-admin"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}
VIEW = {"metadata": {"name": "view"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
PUBLIC = {"metadata": {"name": "system:public-info-viewer"}, "rules": [{"nonResourceURLs": ["/version"],
                                                                        "verbs": ["get"]}]}


def _report(severities: list[str]) -> Obj:
    vulns = [{"vulnerabilityID": f"CVE-2026-{i}", "resource": "openssl", "installedVersion": "3.0.1",
              "fixedVersion": "3.0.9", "severity": s} for i, s in enumerate(severities)]
    return {"metadata": {"name": "replicaset-web-abc-app", "namespace": NS, "labels": {
        "trivy-operator.resource.kind": "ReplicaSet", "trivy-operator.resource.name": "web-abc",
        "trivy-operator.resource.namespace": NS, "trivy-operator.container.name": "app"}},
        "report": {"artifact": {"repository": "acme/app", "tag": "1.2.3"}, "registry": {"server": "ghcr.io"},
                   "vulnerabilities": vulns}}


RS = {"metadata": {"name": "web-abc", "namespace": NS, "ownerReferences": [
    {"kind": "Deployment", "name": "web", "controller": True}]}, "spec": {"template": {"spec": {}}}}

# rule id → (failing objects, passing objects). The passing object differs from the failing one in the
# field the rule reads, using an allowed value where the standard names one.
CASES: dict[str, tuple[Build, Build]] = {
    "pss-baseline/host-process": (
        _deploy(lambda o: _pod_sc(o).update(windowsOptions={"hostProcess": True})),
        _deploy(lambda o: _pod_sc(o).update(windowsOptions={"hostProcess": False}))),
    "pss-baseline/host-namespaces": (
        _deploy(lambda o: pod_spec(o).update(hostPID=True)), _deploy(lambda o: pod_spec(o).update(hostPID=False))),
    "pss-baseline/privileged": (
        _deploy(lambda o: _sc(o).update(privileged=True)), _deploy(lambda o: _sc(o).update(privileged=False))),
    "pss-baseline/capabilities": (
        _deploy(lambda o: _sc(o).update(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]})),
        _deploy(lambda o: _sc(o).update(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}))),
    "pss-baseline/host-path": (
        _deploy(lambda o: pod_spec(o).update(volumes=[{"name": "v", "hostPath": {"path": "/var/run"}}])),
        _deploy(lambda o: pod_spec(o).update(volumes=[{"name": "v", "emptyDir": {}}]))),
    "pss-baseline/host-ports": (
        _deploy(lambda o: container(o).update(ports=[{"containerPort": 8080, "hostPort": 80}])),
        _deploy(lambda o: container(o).update(ports=[{"containerPort": 8080, "hostPort": 0}]))),
    "pss-baseline/apparmor": (
        _deploy(lambda o: _sc(o).update(appArmorProfile={"type": "Unconfined"})),
        _deploy(lambda o: _sc(o).update(appArmorProfile={"type": "Localhost", "localhostProfile": "k8s-app"}))),
    "pss-baseline/selinux": (
        _deploy(lambda o: _sc(o).update(seLinuxOptions={"type": "spc_t"})),
        _deploy(lambda o: _sc(o).update(seLinuxOptions={"type": "container_init_t", "level": "s0:c123,c456"}))),
    "pss-baseline/proc-mount": (
        _deploy(lambda o: _sc(o).update(procMount="Unmasked")), _deploy(lambda o: _sc(o).update(procMount="Default"))),
    "pss-baseline/seccomp": (
        _deploy(lambda o: _sc(o).update(seccompProfile={"type": "Unconfined"})),
        _deploy(lambda o: _sc(o).update(seccompProfile={"type": "Localhost", "localhostProfile": "p.json"}))),
    "pss-baseline/sysctls": (
        _deploy(lambda o: _pod_sc(o).update(sysctls=[{"name": "kernel.msgmax", "value": "65536"}])),
        _deploy(lambda o: _pod_sc(o).update(sysctls=[{"name": "net.ipv4.tcp_syncookies", "value": "1"}]))),
    "pss-restricted/volume-types": (
        _deploy(lambda o: pod_spec(o).update(volumes=[{"name": "v", "nfs": {"server": "nfs", "path": "/x"}}])),
        _deploy(lambda o: pod_spec(o).update(volumes=[{"name": "v", "csi": {"driver": "secrets-store"}}]))),
    "pss-restricted/privilege-escalation": (
        _deploy(lambda o: _sc(o).pop("allowPrivilegeEscalation")),
        _deploy(lambda o: (_sc(o).pop("allowPrivilegeEscalation"), pod_spec(o).update(os={"name": "windows"})))),
    "pss-restricted/run-as-non-root": (
        _deploy(lambda o: (_sc(o).pop("runAsNonRoot"), _pod_sc(o).pop("runAsNonRoot"))),
        _deploy(lambda o: _sc(o).pop("runAsNonRoot"))),  # the pod-level setting covers the container
    "pss-restricted/run-as-user": (
        _deploy(lambda o: _sc(o).update(runAsUser=0)), _deploy(lambda o: _sc(o).update(runAsUser=1000))),
    "pss-restricted/seccomp": (
        _deploy(lambda o: _pod_sc(o).pop("seccompProfile")),
        _deploy(lambda o: (_pod_sc(o).pop("seccompProfile"),
                           _sc(o).update(seccompProfile={"type": "RuntimeDefault"})))),
    "pss-restricted/capabilities": (
        _deploy(lambda o: _sc(o).update(capabilities={"drop": ["NET_RAW"]})),
        _deploy(lambda o: _sc(o).update(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}))),
    "misconfig/resources": (
        _deploy(lambda o: container(o)["resources"].pop("limits")), _deploy(lambda o: None)),
    "misconfig/image-tag": (
        _deploy(lambda o: container(o).update(image="nginx")),
        _deploy(lambda o: container(o).update(image="nginx@sha256:2140dad235c130ac861018a4e13a6bc8aea3a35f3a40e20c1b06"
                                                    "0d51a7efd250"))),
    "misconfig/probes": (
        _deploy(lambda o: container(o).pop("readinessProbe")), _deploy(lambda o: None)),
    "misconfig/writable-root-fs": (
        _deploy(lambda o: _sc(o).update(readOnlyRootFilesystem=False)), _deploy(lambda o: None)),
    "misconfig/secret-env": (
        _deploy(lambda o: container(o).update(env=[{"name": "DB_PASSWORD", "value": "hunter2-do-not-leak"}])),
        _deploy(lambda o: container(o).update(env=[
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
            {"name": "DB_PASSWORD_FILE", "value": "/run/secrets/db"}, {"name": "LOG_LEVEL", "value": "info"},
            {"name": "OAUTH_TOKEN_URL", "value": "https://login.example.com/token"},
            {"name": "API_KEY", "value": "$(API_KEY_FROM_SECRET)"}]))),
    "misconfig/automount-token": (
        _deploy(lambda o: pod_spec(o).pop("automountServiceAccountToken")),
        _deploy(lambda o: pod_spec(o).pop("automountServiceAccountToken"),
                clusterroles=[VIEW], rolebindings=[_binding("RoleBinding", "ClusterRole", "view", SA_WEB, NS)])),
    "misconfig/single-replica-no-pdb": (
        lambda: {"deployments": [deployment(replicas=1)]},
        lambda: {"deployments": [deployment(replicas=1)], "poddisruptionbudgets": [
            {"metadata": {"name": "web", "namespace": NS}, "spec": {"selector": {"matchLabels": {"app": "web"}}}}]}),
    "misconfig/registry": (
        _deploy(lambda o: container(o).update(image="docker.io/library/nginx:1.27.2")), _deploy(lambda o: None)),
    "rbac/wildcard": (
        lambda: {"clusterroles": [{"metadata": {"name": "ci"}, "rules": [{"apiGroups": ["apps"], "resources":
                                                                          ["deployments"], "verbs": ["*"]}]}]},
        lambda: {"clusterroles": [{"metadata": {"name": "ci"}, "rules": [
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch"]}]}]}),
    "rbac/admin-service-account": (
        lambda: {"clusterroles": [ADMIN], "clusterrolebindings": [
            _binding("ClusterRoleBinding", "ClusterRole", "cluster-admin", SA_DEFAULT)]},
        lambda: {"clusterroles": [ADMIN], "clusterrolebindings": [_binding(
            "ClusterRoleBinding", "ClusterRole", "cluster-admin", {"kind": "Group", "name": "system:masters"})]}),
    "rbac/secrets-service-account": (
        lambda: {"roles": [{"metadata": {"name": "r", "namespace": NS}, "rules": [
            {"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]}],
                 "rolebindings": [_binding("RoleBinding", "Role", "r", SA_WEB, NS)]},
        lambda: {"roles": [{"metadata": {"name": "r", "namespace": NS}, "rules": [
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]}]}],
                 "rolebindings": [_binding("RoleBinding", "Role", "r", SA_WEB, NS)]}),
    "rbac/anonymous-binding": (
        lambda: {"clusterroles": [VIEW], "clusterrolebindings": [_binding(
            "ClusterRoleBinding", "ClusterRole", "view", {"kind": "User", "name": "system:anonymous"})]},
        lambda: {"clusterroles": [PUBLIC], "clusterrolebindings": [_binding(
            "ClusterRoleBinding", "ClusterRole", "system:public-info-viewer",
            {"kind": "Group", "name": "system:unauthenticated"})]}),
    "rbac/overprivileged-workload": (
        _deploy(lambda o: None, clusterroles=[ADMIN], clusterrolebindings=[
            _binding("ClusterRoleBinding", "ClusterRole", "cluster-admin", SA_WEB)]),
        _deploy(lambda o: None, clusterroles=[VIEW], clusterrolebindings=[
            _binding("ClusterRoleBinding", "ClusterRole", "view", SA_WEB)])),
    "network/no-default-deny": (
        lambda: {"deployments": [deployment()], "networkpolicies": []},
        lambda: {"deployments": [deployment()]}),
    "network/node-port": (
        lambda: {"services": [{"metadata": {"name": "s", "namespace": NS}, "spec": {
            "type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}}]},
        lambda: {"services": [{"metadata": {"name": "s", "namespace": NS}, "spec": {"type": "ClusterIP"}}]}),
    "network/load-balancer": (
        lambda: {"services": [{"metadata": {"name": "s", "namespace": NS}, "spec": {"type": "LoadBalancer"}}]},
        lambda: {"services": [{"metadata": {"name": "s", "namespace": NS}, "spec": {
            "type": "LoadBalancer", "loadBalancerSourceRanges": ["10.0.0.0/8"]}}]}),
    "network/ingress-no-tls": (
        lambda: {"ingresses": [{"metadata": {"name": "i", "namespace": NS}, "spec": {
            "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}],
            "tls": [{"hosts": ["a.example.com"], "secretName": "a"}]}}]},
        lambda: {"ingresses": [{"metadata": {"name": "i", "namespace": NS}, "spec": {
            "rules": [{"host": "a.example.com"}], "tls": [{"hosts": ["a.example.com"], "secretName": "a"}]}}]}),
    "vuln/critical": (
        lambda: {"deployments": [deployment()], "replicasets": [RS], "vulnerabilityreports": [_report(["CRITICAL"])]},
        lambda: {"deployments": [deployment()], "replicasets": [RS], "vulnerabilityreports": [_report(["MEDIUM"])]}),
    "vuln/high": (
        lambda: {"deployments": [deployment()], "replicasets": [RS], "vulnerabilityreports": [_report(["HIGH"])]},
        lambda: {"deployments": [deployment()], "replicasets": [RS], "vulnerabilityreports": [_report(["LOW"])]}),
}
OPTIONS = {"misconfig/registry": {"allowed_registries": ("ghcr.io/acme",)}}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == {rule.id for rule in ALL_RULES}


def test_the_hardened_deployment_passes_everything_and_meets_restricted() -> None:
    report = audit(cluster(deployments=[deployment()]), allowed_registries=("ghcr.io/acme",))
    assert report.findings == []
    assert [w.level for w in report.workloads] == ["restricted"]
    assert report.score == 100


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fails_the_bad_object_and_passes_the_good_one(rule_id: str) -> None:
    failing, passing = CASES[rule_id]
    options = OPTIONS.get(rule_id, {})
    bad = audit(cluster(**failing()), **options)
    found = [f for f in bad.findings if f.rule.id == rule_id]
    assert found, f"{rule_id} not found in {rule_ids(bad)}"
    for f in found:
        assert f.evidence and all(e.path and e.value for e in f.evidence)
        assert f.fix.strip() and f.rule.why and f.rule.reference.startswith("https://")
    good = audit(cluster(**passing()), **options)
    assert rule_id not in rule_ids(good), [f.message for f in good.findings if f.rule.id == rule_id]


@pytest.mark.parametrize("rule_id", sorted(r for r in CASES if r.startswith("pss-")))
def test_pss_levels_follow_the_failed_control(rule_id: str) -> None:
    failing, passing = CASES[rule_id]
    bad = workloads(cluster(**failing()))[0]
    level, _ = evaluate(bad)
    assert level == ("privileged" if rule_id.startswith("pss-baseline/") else "baseline")
    assert evaluate(workloads(cluster(**passing()))[0])[0] == "restricted"


def test_literal_credentials_are_reported_by_name_never_by_value() -> None:
    failing, _ = CASES["misconfig/secret-env"]
    obj = failing()
    container_env = obj["deployments"][0]["spec"]["template"]["spec"]["containers"][0]["env"]
    container_env.append({"name": "UPSTREAM", "value": "https://bot:s3cr3t-token@git.example.com/x"})
    report = audit(cluster(**obj))
    text = json.dumps(report.as_dict())
    assert "hunter2-do-not-leak" not in text and "s3cr3t-token" not in text
    secret = next(f for f in report.findings if f.rule.id == "misconfig/secret-env")
    assert "DB_PASSWORD" in secret.message and "UPSTREAM" in secret.message
    assert "secretKeyRef" in secret.fix


def test_a_wildcard_bound_to_the_default_service_account_is_critical() -> None:
    failing, _ = CASES["rbac/admin-service-account"]
    finding = next(f for f in audit(cluster(**failing())).findings if f.rule.id == "rbac/admin-service-account")
    assert finding.level == "critical" and "default account" in finding.message


def test_fix_is_a_patch_of_the_workload_template() -> None:
    failing, _ = CASES["pss-baseline/privileged"]
    finding = next(f for f in audit(cluster(**failing())).findings if f.rule.id == "pss-baseline/privileged")
    assert finding.evidence[0].path == "spec.template.spec.containers[0].securityContext.privileged"
    assert finding.fix.splitlines()[:3] == ["spec:", "  template:", "    spec:"]
    assert "privileged: false" in finding.fix


def test_workload_filter_and_namespace_scope() -> None:
    other = deployment("api", namespace="payments")
    view = cluster(deployments=[deployment(), other], services=[
        {"metadata": {"name": "s", "namespace": "payments"}, "spec": {"type": "NodePort", "ports": []}}])
    scoped = audit(view, namespace="shop")
    assert {w.object.name for w in scoped.workloads} == {"web"}
    assert "network/node-port" not in rule_ids(scoped)
    only = audit(view, workload=("Deployment", "api"))
    assert [str(w.object) for w in only.workloads] == ["Deployment payments/api"]
