"""RBAC: wildcard roles, cluster-admin / secrets access bound to service accounts, anonymous bindings,
and which workloads run under an over-privileged service account.

References: the RBAC good practices (https://kubernetes.io/docs/concepts/security/rbac-good-practices/:
"least privilege", "avoid wildcards", "secrets access", "system:anonymous / system:unauthenticated") and the
RBAC API (https://kubernetes.io/docs/reference/access-authn-authz/rbac/).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from app.analyzers.model import ObjectRef
from app.analyzers.view import ClusterView, name_of, namespace_of
from app.security.model import Evidence, Rule, SecurityFinding, Workload, show, to_yaml

_GOOD = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"
WILDCARD = Rule("rbac/wildcard", "Wildcard in a role", "high", "rbac",
                "A wildcard grants every verb or resource, including ones added later (CRDs, subresources).",
                _GOOD + "#wildcard-use-in-role-definitions")
ADMIN_TO_SA = Rule("rbac/admin-service-account", "cluster-admin or wildcard role bound to a service account",
                   "high", "rbac",
                   "Any pod running as this service account (or anyone who can create pods in its namespace) "
                   "controls the cluster.", _GOOD + "#least-privilege")
SECRETS_TO_SA = Rule("rbac/secrets-service-account", "Secrets readable by a service account", "medium", "rbac",
                     "Reading Secrets exposes every credential in scope, including other service accounts' tokens.",
                     _GOOD + "#listing-secrets")
ANONYMOUS = Rule("rbac/anonymous-binding", "Role bound to system:anonymous / system:unauthenticated", "critical",
                 "rbac", "Anyone who can reach the API server gets these permissions without credentials.",
                 _GOOD + "#escalation-paths")
OVERPRIVILEGED_WORKLOAD = Rule("rbac/overprivileged-workload", "Workload runs under an over-privileged service account",
                               "high", "rbac",
                               "A compromise of this workload (an RCE, a leaked token) inherits those permissions.",
                               _GOOD + "#least-privilege")
RULES = (WILDCARD, ADMIN_TO_SA, SECRETS_TO_SA, ANONYMOUS, OVERPRIVILEGED_WORKLOAD)
RBAC_KINDS = ("roles", "clusterroles", "rolebindings", "clusterrolebindings", "serviceaccounts")
_ANONYMOUS = {("User", "system:anonymous"), ("Group", "system:unauthenticated")}
_READ = {"get", "list", "watch", "*"}


@dataclass(frozen=True)
class Grant:
    """A dangerous permission a service account holds, and the binding that gives it."""

    danger: str  # "admin" or "secrets"
    binding: ObjectRef
    role: ObjectRef

    def describe(self) -> str:
        what = "cluster-admin / wildcard" if self.danger == "admin" else "read Secrets"
        return f"{what} via {self.binding} → {self.role}"


def _system(name: str) -> bool:
    return name.startswith("system:")


def _wildcards(rules: list[dict[str, Any]]) -> list[tuple[int, str, list[Any]]]:
    return [(i, field, r.get(field) or []) for i, r in enumerate(rules) for field in ("verbs", "resources")
            if "*" in (r.get(field) or [])]


def _is_admin(role: ObjectRef, rules: list[dict[str, Any]]) -> bool:
    return (role.kind == "ClusterRole" and role.name == "cluster-admin") or bool(_wildcards(rules))


def _reads_secrets(rules: list[dict[str, Any]]) -> bool:
    return any(set(r.get("verbs") or []) & _READ and ({"secrets", "*"} & set(r.get("resources") or []))
               and ({"", "*"} & set(r.get("apiGroups") or [""])) for r in rules)


class RbacIndex:
    """Roles and bindings of the view, with the dangerous grants per service account."""

    def __init__(self, view: ClusterView) -> None:
        self.view = view
        self.grants: dict[tuple[str, str], list[Grant]] = defaultdict(list)
        self.bound: set[tuple[str, str]] = set()  # service accounts with any binding at all
        for kind, label in (("rolebindings", "RoleBinding"), ("clusterrolebindings", "ClusterRoleBinding")):
            for binding in view.items(kind):
                self._index(binding, label)

    def role(self, ref: dict[str, Any], namespace: str | None) -> tuple[ObjectRef, list[dict[str, Any]]]:
        kind = str(ref.get("kind", "ClusterRole"))
        name = str(ref.get("name", ""))
        if kind == "Role":
            obj = self.view.get("roles", namespace, name)
            return ObjectRef("Role", namespace, name), list((obj or {}).get("rules") or [])
        obj = self.view.get("clusterroles", None, name)
        return ObjectRef("ClusterRole", None, name), list((obj or {}).get("rules") or [])

    def _index(self, binding: dict[str, Any], label: str) -> None:
        namespace = namespace_of(binding)
        ref = ObjectRef(label, namespace, name_of(binding))
        role, rules = self.role(binding.get("roleRef") or {}, namespace)
        danger = "admin" if _is_admin(role, rules) else "secrets" if _reads_secrets(rules) else None
        for subject in binding.get("subjects") or []:
            if subject.get("kind") != "ServiceAccount":
                continue
            key = (str(subject.get("namespace") or namespace or ""), str(subject.get("name", "")))
            self.bound.add(key)
            if danger and not _system(ref.name):
                self.grants[key].append(Grant(danger, ref, role))


def rbac_findings(view: ClusterView, index: RbacIndex, namespace: str | None) -> list[SecurityFinding]:
    out: list[SecurityFinding] = []
    for kind, label in (("roles", "Role"), ("clusterroles", "ClusterRole")):
        for role in view.items(kind):
            name = name_of(role)
            ns = namespace_of(role)
            if _system(name) or name == "cluster-admin" or (namespace and ns not in (None, namespace)):
                continue
            if namespace and label == "ClusterRole":
                continue  # cluster-scoped: reported in a cluster-wide audit
            wild = _wildcards(list(role.get("rules") or []))
            if wild:
                ref = ObjectRef(label, ns, name)
                fix = ("# list the verbs and resources this role needs instead of '*', e.g.\n" + to_yaml(
                    {"rules": [{"apiGroups": ["apps"], "resources": ["deployments"],
                                "verbs": ["get", "list", "watch", "patch"]}]}))
                out.append(SecurityFinding(
                    WILDCARD, ref, f"{ref} grants '*' in {len(wild)} rule field(s)",
                    tuple(Evidence(f"rules[{i}].{field}", show(value)) for i, field, value in wild), fix,
                    severity="high" if label == "ClusterRole" else "medium"))
    for kind, label in (("rolebindings", "RoleBinding"), ("clusterrolebindings", "ClusterRoleBinding")):
        for binding in view.items(kind):
            out += _binding_findings(index, binding, label, namespace)
    return out


def _binding_findings(index: RbacIndex, binding: dict[str, Any], label: str,
                      namespace: str | None) -> list[SecurityFinding]:
    ns = namespace_of(binding)
    ref = ObjectRef(label, ns, name_of(binding))
    if _system(ref.name):
        return []
    role, rules = index.role(binding.get("roleRef") or {}, ns)
    out: list[SecurityFinding] = []
    for i, subject in enumerate(binding.get("subjects") or []):
        kind, name = str(subject.get("kind", "")), str(subject.get("name", ""))
        path = f"subjects[{i}]"
        if (kind, name) in _ANONYMOUS and any(r.get("resources") for r in rules):
            if namespace and ns != namespace:
                continue
            out.append(SecurityFinding(
                ANONYMOUS, ref, f"{ref} gives {role} to {name}",
                (Evidence(path, show(subject)), Evidence("roleRef", f"{role.kind}/{role.name}")),
                f"# remove the anonymous subject\nkubectl patch {label.lower()} {ref.name} --type=json "
                f"-p '[{{\"op\":\"remove\",\"path\":\"/subjects/{i}\"}}]'" + (f" -n {ns}" if ns else "")))
            continue
        if kind != "ServiceAccount":
            continue
        sa_ns = str(subject.get("namespace") or ns or "")
        if namespace and sa_ns != namespace:
            continue
        default = name == "default"
        evidence = (Evidence(path, f"ServiceAccount {sa_ns}/{name}"), Evidence("roleRef", f"{role.kind}/{role.name}"))
        narrow = ("# bind a namespaced Role with only the verbs this account needs, then delete this binding\n" +
                  to_yaml({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                           "metadata": {"name": f"{name}-narrow", "namespace": sa_ns},
                           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                       "name": f"{name}-minimal"},
                           "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": sa_ns}]}))
        if _is_admin(role, rules):
            out.append(SecurityFinding(
                ADMIN_TO_SA, ref, f"{ref} gives {role} (full control) to ServiceAccount {sa_ns}/{name}"
                + (", the namespace's default account every pod gets" if default else ""),
                evidence, narrow, severity="critical" if default else "high"))
        elif _reads_secrets(rules):
            out.append(SecurityFinding(
                SECRETS_TO_SA, ref, f"{ref} lets ServiceAccount {sa_ns}/{name} read Secrets", evidence, narrow,
                severity="high" if default else "medium"))
    return out


def workload_findings(index: RbacIndex, workload: Workload) -> list[SecurityFinding]:
    grants = index.grants.get((workload.ref.namespace or "", workload.service_account), [])
    if not grants:
        return []
    admin = any(g.danger == "admin" for g in grants)
    path = f"{workload.spec_path}.serviceAccountName"
    evidence = (Evidence(path, workload.service_account),
                *(Evidence(f"{g.binding.kind} {g.binding.name}", g.describe()) for g in grants[:4]))
    fix = ("# run the workload under its own service account with only the permissions it needs\n" +
           workload.patch({"serviceAccountName": f"{workload.ref.name}", "automountServiceAccountToken": False}))
    return [SecurityFinding(
        OVERPRIVILEGED_WORKLOAD, workload.ref,
        f"{workload.ref} runs as ServiceAccount {workload.service_account}, which can "
        + ("control the cluster" if admin else "read Secrets"), evidence, fix,
        severity="high" if admin else "medium")]
