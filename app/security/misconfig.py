"""Misconfiguration checks beyond the Pod Security Standards (which already cover privileged, capabilities,
host namespaces / paths / ports and running as root).

References, cited per rule: the Kubernetes configuration good practices
(https://kubernetes.io/docs/concepts/configuration/overview/), resource management
(https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/), probes
(https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/), Secrets good practices
(https://kubernetes.io/docs/concepts/security/secrets-good-practices/), service account tokens
(https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting),
disruptions (https://kubernetes.io/docs/concepts/workloads/pods/disruptions/) and the pod security context
(https://kubernetes.io/docs/tasks/configure-pod-container/security-context/).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.analyzers.view import ClusterView, namespace_of
from app.security.model import Evidence, Rule, SecurityFinding, Workload, show, to_yaml
from app.security.rbac import RbacIndex
from app.security.workloads import containers

_DOCS = "https://kubernetes.io/docs/"
RESOURCES = Rule("misconfig/resources", "Missing resource requests or limits", "low", "misconfiguration",
                 "Without requests the scheduler overcommits nodes; without a memory limit one container can "
                 "exhaust the node's memory.", _DOCS + "concepts/configuration/manage-resources-containers/")
IMAGE_TAG = Rule("misconfig/image-tag", "Image uses :latest or no tag", "medium", "misconfiguration",
                 "A moving tag makes rollouts unreproducible and can silently pull a different (or malicious) "
                 "image.", _DOCS + "concepts/containers/images/#image-names")
PROBES = Rule("misconfig/probes", "No liveness or readiness probe", "low", "misconfiguration",
              "Without probes a hung container keeps receiving traffic and is never restarted.",
              _DOCS + "concepts/configuration/liveness-readiness-startup-probes/")
READ_ONLY_ROOT = Rule("misconfig/writable-root-fs", "Writable root filesystem", "low", "misconfiguration",
                      "A writable root filesystem lets an attacker drop tools and persist changes in the container.",
                      _DOCS + "tasks/configure-pod-container/security-context/")
AUTOMOUNT = Rule("misconfig/automount-token", "Service account token mounted but not needed", "low",
                 "misconfiguration",
                 "The token is mounted into every container; this service account has no RBAC bindings, so the "
                 "token only helps an attacker.",
                 _DOCS + "tasks/configure-pod-container/configure-service-account/"
                         "#opt-out-of-api-credential-automounting")
SECRET_ENV = Rule("misconfig/secret-env", "Credential as a literal env value", "high", "misconfiguration",
                  "A literal credential is readable by anyone who can read the workload (and sits in git and "
                  "the last-applied annotation); it cannot be rotated without a redeploy.",
                  _DOCS + "concepts/security/secrets-good-practices/")
NO_PDB = Rule("misconfig/single-replica-no-pdb", "Single replica without a PodDisruptionBudget", "low",
              "misconfiguration", "A node drain or upgrade takes the only replica down with nothing to stop it.",
              _DOCS + "concepts/workloads/pods/disruptions/")
REGISTRY = Rule("misconfig/registry", "Image from a registry outside the allow-list", "medium", "misconfiguration",
                "Images from unvetted registries bypass the organisation's scanning and signing.",
                _DOCS + "concepts/containers/images/")
RULES = (RESOURCES, IMAGE_TAG, PROBES, READ_ONLY_ROOT, AUTOMOUNT, SECRET_ENV, NO_PDB, REGISTRY)

# Names that say the value is a credential (as app.redact reads them), unless they name a reference.
_SECRET_NAME = re.compile(
    r"(?i)(passw(or)?d|passwd|\bpwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential"
    r"|client[_-]?secret|signing[_-]?key|encryption[_-]?key|auth[_-]?(key|token))")
_REFERENCE_NAME = re.compile(r"(?i)(_file|_path|_name|_ref|_id|_kind|_type|_url|_uri|_endpoint|_host|_ttl|_expiry"
                             r"|_length|_header)$")
# Values that are credentials whatever the name: cloud / SaaS key formats and URLs with a password.
_SECRET_VALUE = re.compile(
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_\-]{35}\b|\bgh[pousr]_[A-Za-z0-9]{36,}\b"
    r"|\bxox[abposr]-[A-Za-z0-9\-]{10,}\b|\bsk[-_](?:live_|proj-|ant-)?[A-Za-z0-9_\-]{20,}\b|\bglpat-[A-Za-z0-9_\-]{20,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----|\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:[^/\s@]+@")
_LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def image_parts(image: str) -> tuple[str, str, str | None, str | None]:
    """(registry, repository, tag, digest) of an image reference; Docker Hub when no registry is named."""
    rest, _, digest = image.partition("@")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = "docker.io", rest
    repo, colon, tag = path.rpartition(":") if ":" in path else (path, "", "")
    return registry, repo if colon else path, tag or None, digest or None


def _literal_secret(env: dict[str, Any]) -> bool:
    value = env.get("value")
    if not isinstance(value, str) or not value.strip() or value.startswith("$("):
        return False
    name = str(env.get("name", ""))
    if _SECRET_NAME.search(name) and not _REFERENCE_NAME.search(name):
        return True
    return bool(_SECRET_VALUE.search(value))


def container_findings(w: Workload, allowed_registries: Iterable[str]) -> list[SecurityFinding]:
    allowed = [r.rstrip("/") for r in allowed_registries if r.strip()]
    out: list[SecurityFinding] = []
    for ln, i, c in containers(w.pod_spec):
        name = str(c.get("name", ""))
        base = f"{w.spec_path}.{ln}[{i}]"
        image = str(c.get("image", ""))
        registry, repo, tag, digest = image_parts(image)
        if not digest and (tag is None or tag == "latest"):
            out.append(SecurityFinding(IMAGE_TAG, w.ref, f"{w.ref} container {name} runs {image} (no fixed version)",
                                       (Evidence(f"{base}.image", image),),
                                       w.container_patch(name, {"image": f"{repo}:<version>@sha256:<digest>"}, ln),
                                       container=name))
        if allowed and not any(f"{registry}/{repo}".startswith(a) or registry == a for a in allowed):
            out.append(SecurityFinding(REGISTRY, w.ref, f"{w.ref} container {name} pulls from {registry}, not in "
                                       f"the allow-list ({', '.join(allowed)})", (Evidence(f"{base}.image", image),),
                                       w.container_patch(name, {"image": f"{allowed[0]}/{repo.rsplit('/', 1)[-1]}:"
                                                                         f"{tag or '<version>'}"}, ln),
                                       container=name))
        secret_envs = [(j, str(e.get("name"))) for j, e in enumerate(c.get("env") or [])
                       if isinstance(e, dict) and _literal_secret(e)]
        if secret_envs:
            secret = f"{w.ref.name}-credentials"
            out.append(SecurityFinding(
                SECRET_ENV, w.ref, f"{w.ref} container {name} has credentials as literal env values: "
                + ", ".join(n for _, n in secret_envs),
                tuple(Evidence(f"{base}.env[{j}].value", f"literal value of {n} (not shown)") for j, n in secret_envs),
                f"# kubectl create secret generic {secret} -n {w.ref.namespace} --from-literal=... (then rotate)\n"
                + w.container_patch(name, {"env": [{"name": n, "value": None, "valueFrom": {
                    "secretKeyRef": {"name": secret, "key": n}}} for _, n in secret_envs]}, ln),
                container=name))
        if ln != "containers":
            continue
        out += _resources(w, c, base, name)
        if w.ref.kind in _LONG_RUNNING:
            missing = [p for p in ("livenessProbe", "readinessProbe") if not c.get(p)]
            if missing:
                port = next((p.get("containerPort") for p in c.get("ports") or [] if isinstance(p, dict)), None)
                probe = {"tcpSocket": {"port": port}} if port else {"exec": {"command": ["<health check>"]}}
                out.append(SecurityFinding(
                    PROBES, w.ref, f"{w.ref} container {name} has no {' or '.join(missing)}",
                    tuple(Evidence(f"{base}.{p}", "<unset>") for p in missing),
                    w.container_patch(name, {p: {**probe, "periodSeconds": 10} for p in missing}), container=name))
        if (c.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
            out.append(SecurityFinding(
                READ_ONLY_ROOT, w.ref, f"{w.ref} container {name} can write to its root filesystem",
                (Evidence(f"{base}.securityContext.readOnlyRootFilesystem",
                          show((c.get("securityContext") or {}).get("readOnlyRootFilesystem"))),),
                "# mount an emptyDir where the app writes (e.g. /tmp)\n"
                + w.container_patch(name, {"securityContext": {"readOnlyRootFilesystem": True}}), container=name))
    return out


def _resources(w: Workload, c: dict[str, Any], base: str, name: str) -> list[SecurityFinding]:
    resources = c.get("resources") or {}
    missing = [f"requests.{r}" for r in ("cpu", "memory") if not (resources.get("requests") or {}).get(r)]
    if not (resources.get("limits") or {}).get("memory"):
        missing.append("limits.memory")
    if not missing:
        return []
    defaults = {"requests.cpu": "100m", "requests.memory": "128Mi", "limits.memory": "256Mi"}
    fix: dict[str, dict[str, str]] = {}
    for item in missing:
        group, res = item.split(".")
        fix.setdefault(group, {})[res] = defaults[item]
    return [SecurityFinding(RESOURCES, w.ref, f"{w.ref} container {name} has no {', '.join(missing)}",
                            tuple(Evidence(f"{base}.resources.{m}", "<unset>") for m in missing),
                            "# size from observed usage (kubectl top pod)\n"
                            + w.container_patch(name, {"resources": fix}), container=name)]


def automount_finding(w: Workload, view: ClusterView, rbac: RbacIndex) -> list[SecurityFinding]:
    """Flag the token mount only where it is demonstrably not needed: the account has no RBAC binding."""
    if w.pod_spec.get("automountServiceAccountToken") is False:
        return []
    account = view.get("serviceaccounts", w.ref.namespace, w.service_account)
    if account is not None and account.get("automountServiceAccountToken") is False:
        return []
    if not view.has("rolebindings") or (w.ref.namespace or "", w.service_account) in rbac.bound:
        return []
    return [SecurityFinding(
        AUTOMOUNT, w.ref, f"{w.ref} mounts the token of ServiceAccount {w.service_account}, which has no RBAC "
        "bindings", (Evidence(f"{w.spec_path}.automountServiceAccountToken",
                              show(w.pod_spec.get("automountServiceAccountToken"))),),
        w.patch({"automountServiceAccountToken": False}))]


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    match = selector.get("matchLabels") or {}
    if any(labels.get(k) != v for k, v in match.items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and labels.get(key) in values) \
                or (op == "Exists" and key not in labels) or (op == "DoesNotExist" and key in labels):
            return False
    return bool(match or selector.get("matchExpressions"))


def pdb_finding(w: Workload, view: ClusterView) -> list[SecurityFinding]:
    if w.ref.kind not in ("Deployment", "StatefulSet") or w.replicas != 1 or not view.has("poddisruptionbudgets"):
        return []
    pdbs = [p for p in view.items("poddisruptionbudgets") if namespace_of(p) == w.ref.namespace]
    if any(_selects((p.get("spec") or {}).get("selector") or {}, w.labels) for p in pdbs):
        return []
    labels = ((w.obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or w.labels
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": {"name": w.ref.name, "namespace": w.ref.namespace},
           "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels}}}
    return [SecurityFinding(NO_PDB, w.ref, f"{w.ref} has 1 replica and no PodDisruptionBudget",
                            (Evidence("spec.replicas", "1"), Evidence("PodDisruptionBudget", "<none selects it>")),
                            to_yaml({"spec": {"replicas": 2}}) + "\n---\n" + to_yaml(pdb))]

