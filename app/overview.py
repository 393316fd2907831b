"""`GET /api/v1/overview`: the cluster at a glance, for the web UI's dashboard.

Computed from the same in-process read the no-LLM investigation uses (`ClusterReader`, shared for a
couple of seconds between callers) and the same analyzers: counts, pods by phase and by problem reason,
CPU / memory requests and limits against allocatable (cluster-wide and per node), a nodes table, a
namespaces table and the analyzers' findings as the problems list. Secrets are counted by name only (a
server-side Table, never their data). A kind the cluster does not serve degrades that part (listed under
`unavailable`) instead of failing the whole.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from app.analyzers.common import condition, pod_problem
from app.analyzers.quantity import parse_quantity
from app.analyzers.reader import ClusterReader, ClusterUnreachable
from app.analyzers.registry import all_findings, run_analyzers
from app.analyzers.view import ClusterView, Obj, meta, name_of, namespace_of
from app.services import Services

router = APIRouter()

OVERVIEW_KINDS = ("nodes", "pods", "deployments", "statefulsets", "daemonsets", "jobs", "cronjobs", "services",
                  "persistentvolumeclaims")
WORKLOAD_KINDS = ("deployments", "statefulsets", "daemonsets", "jobs", "cronjobs")
MAX_PROBLEMS = 100
_PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
_ROLE_LABEL = "node-role.kubernetes.io/"


def _containers_total(containers: Iterable[Obj], field: str, resource: str) -> float:
    total = 0.0
    for container in containers:
        value = parse_quantity(((container.get("resources") or {}).get(field) or {}).get(resource))
        total += value or 0.0
    return total


def pod_resource(pod: Obj, field: str, resource: str) -> float:
    """What the scheduler counts for a pod: max(sum of containers, largest init container) + overhead."""
    spec = pod.get("spec") or {}
    regular = _containers_total(spec.get("containers") or [], field, resource)
    init = max((_containers_total([c], field, resource) for c in spec.get("initContainers") or []), default=0.0)
    overhead = parse_quantity((spec.get("overhead") or {}).get(resource)) or 0.0
    return max(regular, init) + overhead


def _active(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def _node_row(node: Obj, pods: list[Obj]) -> dict[str, Any]:
    status = node.get("status") or {}
    info = status.get("nodeInfo") or {}
    ready = condition(node, "Ready")
    is_ready = ready is not None and ready.get("status") == "True"
    labels = meta(node).get("labels") or {}
    roles = sorted(k[len(_ROLE_LABEL):] for k in labels if k.startswith(_ROLE_LABEL)) or ["<none>"]
    unschedulable = bool((node.get("spec") or {}).get("unschedulable"))
    active = [p for p in pods if _active(p)]
    resources: dict[str, dict[str, float | None]] = {}
    for resource in ("cpu", "memory"):
        resources[resource] = {
            "capacity": parse_quantity((status.get("capacity") or {}).get(resource)),
            "allocatable": parse_quantity((status.get("allocatable") or {}).get(resource)),
            "requests": sum(pod_resource(p, "requests", resource) for p in active),
            "limits": sum(pod_resource(p, "limits", resource) for p in active),
        }
    return {
        "name": name_of(node),
        "ready": is_ready,
        "status": ("Ready" if is_ready else "NotReady") + (",SchedulingDisabled" if unschedulable else ""),
        "roles": roles,
        "kubelet_version": info.get("kubeletVersion"),
        "os_image": info.get("osImage"),
        "kernel_version": info.get("kernelVersion"),
        "container_runtime": info.get("containerRuntimeVersion"),
        "cpu": resources["cpu"],
        "memory": resources["memory"],
        "pods": len(active),
        "pods_allocatable": parse_quantity((status.get("allocatable") or {}).get("pods")),
        "pressure": [c.get("type") for c in status.get("conditions") or []
                     if c.get("type") in _PRESSURE and c.get("status") == "True"],
    }


def _namespace_rows(namespaces: list[Obj] | None, view: ClusterView) -> list[dict[str, Any]]:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for kind in ("pods", "services", *WORKLOAD_KINDS):
        for obj in view.items(kind):
            bucket = "workloads" if kind in WORKLOAD_KINDS else kind
            per[namespace_of(obj) or ""][bucket] += 1
    rows: list[dict[str, Any]]
    if namespaces is None:  # the namespace list was refused: those that hold objects
        rows = [{"name": ns, "status": None, "created": None} for ns in view.namespaces]
    else:
        rows = [{"name": name_of(ns), "status": (ns.get("status") or {}).get("phase"),
                 "created": meta(ns).get("creationTimestamp")} for ns in namespaces]
    for row in rows:
        counts = per.get(str(row["name"]), Counter())
        row.update(pods=counts["pods"], workloads=counts["workloads"], services=counts["services"])
    return sorted(rows, key=lambda r: str(r["name"]))


def _namespaces(reader: ClusterReader) -> list[Obj] | None:
    """Namespaces are no analyzer's list: one GET through the reader's client (None when refused)."""
    from kubernetes.client import CoreV1Api
    from kubernetes.client.exceptions import ApiException

    try:
        response = CoreV1Api(reader.client()).list_namespace(_preload_content=False,
                                                             _request_timeout=reader.timeout_s)
        items: list[Obj] = json.loads(response.data).get("items") or []
    except (ApiException, ValueError):
        return None
    return items


def _sum(rows: list[dict[str, Any]], resource: str, key: str) -> float:
    return sum(float(r[resource][key] or 0.0) for r in rows)


def build_overview(services: Services) -> dict[str, Any]:
    """The overview, read now (blocking: call from a worker thread)."""
    engine = services.investigator.runbook_engine
    reader = engine.reader
    if reader is None:
        raise ClusterUnreachable("no cluster reader is configured")
    started = time.monotonic()
    view = reader.read(set(OVERVIEW_KINDS) | engine.registry.kinds())
    namespaces = _namespaces(reader)
    pods_by_node: dict[str, list[Obj]] = defaultdict(list)
    for pod in view.items("pods"):
        pods_by_node[str((pod.get("spec") or {}).get("nodeName") or "")].append(pod)
    nodes = sorted((_node_row(n, pods_by_node.get(name_of(n), [])) for n in view.items("nodes")),
                   key=lambda r: str(r["name"]))
    phases = Counter(str((p.get("status") or {}).get("phase") or "Unknown") for p in view.items("pods"))
    problems = Counter(found[0] for p in view.items("pods") if (found := pod_problem(p)) is not None)
    namespace_rows = _namespace_rows(namespaces, view)
    secrets: int | None = 0
    for row in namespace_rows:
        names = reader.secret_names(str(row["name"]))
        if names is None:
            secrets = None
            break
        assert secrets is not None
        secrets += len(names)
    runs = run_analyzers(view, engine.registry, services.runbooks.current())
    findings = all_findings(runs)
    counts: dict[str, int | None] = {kind: len(view.items(kind)) if view.has(kind) else None
                                     for kind in OVERVIEW_KINDS}
    counts.update(nodes_ready=sum(1 for n in nodes if n["ready"]), namespaces=len(namespace_rows), secrets=secrets)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "elapsed_ms": int((time.monotonic() - started) * 1000),
        "counts": counts,
        "pods_by_phase": dict(sorted(phases.items())),
        "pods_by_problem": dict(problems.most_common()),
        "resources": {
            resource: {key: _sum(nodes, resource, key) for key in ("allocatable", "requests", "limits")}
            for resource in ("cpu", "memory")
        },
        "nodes": nodes,
        "namespaces": namespace_rows,
        "problems": [{**f.as_dict(), "message_zh": f.message_zh or None} for f in findings[:MAX_PROBLEMS]],
        "problems_total": len(findings),
        "analyzer_errors": {run.name: run.error for run in runs if run.error},
        "unavailable": {**view.unavailable, **({"namespaces": "the namespace list was refused"}
                                               if namespaces is None else {})},
    }


@router.get("/api/v1/overview", summary="The cluster at a glance: counts, capacity, nodes, namespaces, problems")
async def overview(request: Request) -> dict[str, Any]:
    services: Services = request.app.state.services
    return await asyncio.to_thread(build_overview, services)
