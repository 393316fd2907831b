"""The workloads an audit evaluates: each controller's pod template once, plus pods no controller owns.

Pods made by a controller are not audited one by one: they carry the template's spec, and a finding on
the Deployment (with its fix as a patch of the Deployment) is what a platform team can act on. ReplicaSets
owned by a Deployment and Jobs owned by a CronJob are likewise represented by their owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.analyzers.model import ObjectRef
from app.analyzers.view import ClusterView, meta, name_of, namespace_of
from app.security.model import Workload

# (view kind, Kind, path of the pod spec inside the object)
_CONTROLLERS = (
    ("deployments", "Deployment", "spec.template.spec"),
    ("statefulsets", "StatefulSet", "spec.template.spec"),
    ("daemonsets", "DaemonSet", "spec.template.spec"),
    ("replicasets", "ReplicaSet", "spec.template.spec"),
    ("jobs", "Job", "spec.template.spec"),
    ("cronjobs", "CronJob", "spec.jobTemplate.spec.template.spec"),
)
WORKLOAD_KINDS = ("pods", *(kind for kind, _, _ in _CONTROLLERS))
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def _dig(obj: dict[str, Any], path: str) -> dict[str, Any]:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _owned(obj: dict[str, Any]) -> bool:
    return any(r.get("controller") for r in meta(obj).get("ownerReferences") or [])


def workloads(view: ClusterView) -> list[Workload]:
    out: list[Workload] = []
    for kind, label, path in _CONTROLLERS:
        for obj in view.items(kind):
            if kind in ("replicasets", "jobs") and _owned(obj):
                continue  # audited through its Deployment / CronJob
            template_path = path.rsplit(".", 1)[0]
            replicas = (obj.get("spec") or {}).get("replicas")
            out.append(Workload(
                ObjectRef(label, namespace_of(obj), name_of(obj)), obj, _dig(obj, path),
                _dig(obj, template_path + ".metadata"), path,
                replicas=int(replicas) if isinstance(replicas, int) else (1 if kind in ("deployments", "statefulsets")
                                                                           else None),
                labels=dict(_dig(obj, template_path + ".metadata").get("labels") or {}),
            ))
    for pod in view.items("pods"):
        if _owned(pod):
            continue
        out.append(Workload(ObjectRef("Pod", namespace_of(pod), name_of(pod)), pod, pod.get("spec") or {},
                            meta(pod), "spec", labels=dict(meta(pod).get("labels") or {})))
    return out


def containers(spec: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(list name, index, container) for init, regular and ephemeral containers."""
    for list_name in CONTAINER_LISTS:
        for index, container in enumerate(spec.get(list_name) or []):
            if isinstance(container, dict):
                yield list_name, index, container


def select(found: list[Workload], namespace: str | None, workload: tuple[str, str] | None) -> list[Workload]:
    """Keep the workloads in `namespace` and, with `workload` = (Kind, name), only that one."""
    out = [w for w in found if namespace is None or w.ref.namespace == namespace]
    if workload is not None:
        kind, name = workload
        out = [w for w in out if w.ref.kind.lower() == kind.lower() and w.ref.name == name]
    return out
