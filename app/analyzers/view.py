"""ClusterView: the lists one investigation reads, fetched once, with the lookups analyzers need.

The lists come from `app.analyzers.reader.ClusterReader` (or, in tests, straight from objects). Logs and
Secret names are not lists: they are fetched on demand, bounded, through the view's `source`.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from app.analyzers.model import ObjectRef

Obj = dict[str, Any]


@dataclass(frozen=True)
class KindSpec:
    """Where a list lives in the API: `{prefix}/[namespaces/{ns}/]{resource}`."""

    prefix: str
    resource: str
    namespaced: bool
    query: tuple[tuple[str, str], ...] = ()
    # Ask for a server-side Table of object metadata only (names, labels, annotations): how Helm release
    # Secrets are read, so their data never leaves the API server.
    metadata_only: bool = False


KINDS: dict[str, KindSpec] = {
    "pods": KindSpec("/api/v1", "pods", True),
    "services": KindSpec("/api/v1", "services", True),
    "endpoints": KindSpec("/api/v1", "endpoints", True),
    # Only warnings: Normal events are most of the volume and no analyzer needs them.
    "events": KindSpec("/api/v1", "events", True, (("fieldSelector", "type=Warning"),)),
    "persistentvolumeclaims": KindSpec("/api/v1", "persistentvolumeclaims", True),
    "nodes": KindSpec("/api/v1", "nodes", False),
    "namespaces": KindSpec("/api/v1", "namespaces", False),
    "storageclasses": KindSpec("/apis/storage.k8s.io/v1", "storageclasses", False),
    "deployments": KindSpec("/apis/apps/v1", "deployments", True),
    "replicasets": KindSpec("/apis/apps/v1", "replicasets", True),
    "statefulsets": KindSpec("/apis/apps/v1", "statefulsets", True),
    "daemonsets": KindSpec("/apis/apps/v1", "daemonsets", True),
    "jobs": KindSpec("/apis/batch/v1", "jobs", True),
    "cronjobs": KindSpec("/apis/batch/v1", "cronjobs", True),
    "ingresses": KindSpec("/apis/networking.k8s.io/v1", "ingresses", True),
    "ingressclasses": KindSpec("/apis/networking.k8s.io/v1", "ingressclasses", False),
    "podmetrics": KindSpec("/apis/metrics.k8s.io/v1beta1", "pods", True),
    "nodemetrics": KindSpec("/apis/metrics.k8s.io/v1beta1", "nodes", False),
    # Read by the security audit (app/security/).
    "serviceaccounts": KindSpec("/api/v1", "serviceaccounts", True),
    "roles": KindSpec("/apis/rbac.authorization.k8s.io/v1", "roles", True),
    "clusterroles": KindSpec("/apis/rbac.authorization.k8s.io/v1", "clusterroles", False),
    "rolebindings": KindSpec("/apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "clusterrolebindings": KindSpec("/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", False),
    "networkpolicies": KindSpec("/apis/networking.k8s.io/v1", "networkpolicies", True),
    "poddisruptionbudgets": KindSpec("/apis/policy/v1", "poddisruptionbudgets", True),
    "vulnerabilityreports": KindSpec("/apis/aquasecurity.github.io/v1alpha1", "vulnerabilityreports", True),
}


@dataclass(frozen=True)
class LogRequest:
    namespace: str
    pod: str
    container: str
    previous: bool


class ViewSource(Protocol):
    """On-demand reads behind a view: bounded logs and the *names* of Secrets (never their data)."""

    def log(self, request: LogRequest) -> str | None: ...

    def secret_names(self, namespace: str) -> set[str] | None: ...


def meta(obj: Obj) -> Obj:
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def name_of(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def namespace_of(obj: Obj) -> str | None:
    value = meta(obj).get("namespace")
    return str(value) if value else None


def controller_ref(obj: Obj) -> Obj | None:
    refs = meta(obj).get("ownerReferences") or []
    return next((r for r in refs if r.get("controller")), refs[0] if refs else None)


class ClusterView:
    def __init__(
        self,
        objects: Mapping[str, list[Obj]],
        namespace: str | None = None,
        unavailable: Mapping[str, str] | None = None,
        source: ViewSource | None = None,
        secret_names: Mapping[str, set[str]] | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.objects = dict(objects)
        self.executor = executor  # the reader's long-lived pool: fetch logs concurrently without new threads
        self.namespace = namespace
        self.unavailable = dict(unavailable or {})
        self.source = source
        self._secret_names: dict[str, set[str] | None] = dict(secret_names or {})
        self._logs: dict[LogRequest, str | None] = {}
        self._lock = threading.Lock()

    def items(self, kind: str) -> list[Obj]:
        return self.objects.get(kind, [])

    def has(self, kind: str) -> bool:
        return kind in self.objects and kind not in self.unavailable

    # -- lookups ------------------------------------------------------------------------------------
    @cached_property
    def _index(self) -> dict[tuple[str, str | None, str], Obj]:
        return {(kind, namespace_of(o), name_of(o)): o for kind, items in self.objects.items() for o in items}

    def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        return self._index.get((kind, namespace, name))

    @cached_property
    def _pods_by_namespace(self) -> dict[str, list[Obj]]:
        out: dict[str, list[Obj]] = defaultdict(list)
        for pod in self.items("pods"):
            out[namespace_of(pod) or ""].append(pod)
        return out

    def pods_in(self, namespace: str | None) -> list[Obj]:
        return self._pods_by_namespace.get(namespace or "", [])

    @cached_property
    def namespaces(self) -> list[str]:
        found = {namespace_of(o) for items in self.objects.values() for o in items}
        return sorted(ns for ns in found if ns)

    @cached_property
    def _events(self) -> dict[tuple[str, str | None, str], list[Obj]]:
        out: dict[tuple[str, str | None, str], list[Obj]] = defaultdict(list)
        for event in self.items("events"):
            involved = event.get("involvedObject") or {}
            kind = str(involved.get("kind", ""))
            namespace = None if kind == "Node" else involved.get("namespace")
            out[(kind, namespace, str(involved.get("name", "")))].append(event)
        for events in out.values():
            events.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""), reverse=True)
        return out

    def events_for(self, kind: str, namespace: str | None, name: str, reasons: Iterable[str] = ()) -> list[Obj]:
        """Warning events about one object, newest first (optionally only these reasons)."""
        wanted = set(reasons)
        found = self._events.get((kind, None if kind == "Node" else namespace, name), [])
        return [e for e in found if not wanted or e.get("reason") in wanted]

    @cached_property
    def _pod_usage(self) -> dict[tuple[str | None, str], dict[str, Obj]]:
        return {
            (namespace_of(m), name_of(m)): {str(c.get("name")): c.get("usage") or {} for c in m.get("containers") or []}
            for m in self.items("podmetrics")
        }

    def container_usage(self, namespace: str | None, pod: str, container: str) -> Obj | None:
        return self._pod_usage.get((namespace, pod), {}).get(container)

    def workload_of(self, obj: Obj) -> ObjectRef | None:
        """The top-level controller of a pod: ReplicaSet → Deployment, Job → CronJob."""
        ref = controller_ref(obj)
        if ref is None:
            return None
        namespace = namespace_of(obj)
        kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
        if kind in ("ReplicaSet", "Job"):
            parent = self.get("replicasets" if kind == "ReplicaSet" else "jobs", namespace, name)
            parent_ref = controller_ref(parent) if parent is not None else None
            if parent_ref is not None:
                return ObjectRef(str(parent_ref.get("kind")), namespace, str(parent_ref.get("name")))
            if kind == "ReplicaSet" and parent is None and "-" in name:
                # The ReplicaSet list was not read: its name is <deployment>-<pod-template-hash>.
                return ObjectRef("Deployment", namespace, name.rsplit("-", 1)[0])
        return ObjectRef(kind, namespace, name)

    def pods_of(self, workload: ObjectRef) -> list[Obj]:
        return [p for p in self.pods_in(workload.namespace) if self.workload_of(p) == workload]

    # -- on demand ----------------------------------------------------------------------------------
    def secret_names(self, namespace: str) -> set[str] | None:
        """Names of the Secrets in a namespace (never their data); None when they cannot be listed."""
        with self._lock:
            if namespace in self._secret_names:
                return self._secret_names[namespace]
        names = self.source.secret_names(namespace) if self.source is not None else None
        with self._lock:
            self._secret_names[namespace] = names
        return names

    def logs(self, requests: list[LogRequest]) -> dict[LogRequest, str | None]:
        """Fetch the (bounded) logs of several containers concurrently; cached for the view's life."""
        missing = [r for r in dict.fromkeys(requests) if r not in self._logs]
        if missing and self.source is not None:
            source = self.source
            if self.executor is not None:
                fetched = list(self.executor.map(source.log, missing))
            else:
                fetched = [source.log(r) for r in missing]
            with self._lock:
                self._logs.update(zip(missing, fetched, strict=True))
        return {r: self._logs.get(r) for r in requests}

    def counts(self) -> dict[str, int]:
        return {kind: len(items) for kind, items in self.objects.items()}
