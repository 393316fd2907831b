"""Helm releases: status from the release Secret's *labels* (owner=helm, name, status, version), read as a
metadata-only Table so the release data never leaves the API server; failed hook Jobs and workloads."""

from __future__ import annotations

from typing import ClassVar

from app.analyzers.common import condition
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, reasons
from app.analyzers.view import ClusterView, KindSpec, Obj, meta, name_of, namespace_of

NAME = "helm"
REASONS: dict[str, ReasonSpec] = reasons(2, ("helm_install",), "HelmReleaseFailed", "HelmReleasePending",
                                         symptom=True)
_PENDING = ("pending-install", "pending-upgrade", "pending-rollback")


class HelmAnalyzer:
    name = NAME
    kinds = frozenset({"helmreleases", "jobs", "deployments", "statefulsets"})
    kind_specs: ClassVar[dict[str, KindSpec]] = {
        "helmreleases": KindSpec("/api/v1", "secrets", True, (("labelSelector", "owner=helm"),), metadata_only=True),
    }
    reasons = REASONS
    problem_types = ("helm_install",)

    def analyze(self, view: ClusterView) -> list[Finding]:
        latest: dict[tuple[str | None, str], tuple[int, Obj]] = {}
        for secret in view.items("helmreleases"):
            labels = meta(secret).get("labels") or {}
            if labels.get("owner") != "helm" or not labels.get("name"):
                continue
            version = int(str(labels.get("version"))) if str(labels.get("version")).isdigit() else 0
            key = (namespace_of(secret), str(labels["name"]))
            if key not in latest or version > latest[key][0]:
                latest[key] = (version, secret)
        findings = []
        for (ns, release), (version, secret) in sorted(latest.items(), key=lambda item: str(item[0])):
            status = str((meta(secret).get("labels") or {}).get("status"))
            if status == "failed" or status in _PENDING:
                findings.append(_release(view, ns, release, version, status, name_of(secret)))
        return findings


def _belongs(obj: Obj, release: str) -> bool:
    labels = meta(obj).get("labels") or {}
    annotations = meta(obj).get("annotations") or {}
    return release in (labels.get("app.kubernetes.io/instance"), labels.get("release"),
                       annotations.get("meta.helm.sh/release-name"))


def _release(view: ClusterView, ns: str | None, release: str, version: int, status: str, secret: str) -> Finding:
    hooks, failed_hooks, broken = [], [], []
    for job in view.items("jobs"):
        annotations = meta(job).get("annotations") or {}
        if namespace_of(job) != ns or not (annotations.get("helm.sh/hook") and (_belongs(job, release)
                                                                               or name_of(job).startswith(release))):
            continue
        ref = ObjectRef("Job", ns, name_of(job))
        hooks.append(ref)
        failed = condition(job, "Failed")
        if failed is not None and failed.get("status") == "True":
            failed_hooks.append((ref, str(annotations.get("helm.sh/hook"))))
    for lst, kind in (("deployments", "Deployment"), ("statefulsets", "StatefulSet")):
        for obj in view.items(lst):
            status_ = obj.get("status") or {}
            desired = int((obj.get("spec") or {}).get("replicas", 1) or 0)
            if namespace_of(obj) == ns and _belongs(obj, release) and int(status_.get("readyReplicas") or 0) < desired:
                broken.append(ObjectRef(kind, ns, name_of(obj)))
    evidence = [f"Secret {secret} labels: owner=helm, name={release}, status={status}, version={version} "
                "(labels only; the release data is never read)"]
    evidence += [f"hook Job {ref.name} ({hook}) failed" for ref, hook in failed_hooks]
    evidence += [f"{ref} of the release is not ready" for ref in broken]
    pending = status in _PENDING
    why = (f"; its {failed_hooks[0][1]} hook Job {failed_hooks[0][0].name} failed" if failed_hooks else
           f"; {broken[0]} is not ready" if broken else "")
    why_zh = (f"；它的 {failed_hooks[0][1]} 钩子 Job {failed_hooks[0][0].name} 失败" if failed_hooks else
              f"；{broken[0]} 未就绪" if broken else "")
    state = "is stuck in " + status if pending else "failed"
    state_zh = f"卡在 {status}" if pending else "失败"
    rollback = f"helm rollback {release} {version - 1} -n {ns}" if version > 1 else f"helm uninstall {release} -n {ns}"
    return Finding(
        NAME, "critical", ObjectRef("HelmRelease", ns, release),
        "HelmReleasePending" if pending else "HelmReleaseFailed",
        f"Helm release {ns}/{release} (revision {version}) {state}{why}.",
        tuple(evidence),
        message_zh=f"Helm 发布 {ns}/{release}（版本 {version}）{state_zh}{why_zh}。",
        cause="JobFailed" if failed_hooks else None,
        targets={"namespace": ns or "default", "release": release},
        related=(*(r for r, _ in failed_hooks), *broken),
        fix=f"Fix what the {'hook Job' if failed_hooks else 'release'} reports, then upgrade again; to go back: "
            f"`{rollback}`" + (" (first install: uninstall, fix, install)" if version <= 1 else ""),
        fix_zh=f"修复{'钩子 Job' if failed_hooks else '发布'}报告的问题后重新升级；回退：`{rollback}`",
    )
