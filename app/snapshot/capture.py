"""Record a live cluster into the snapshot format with the `kubernetes` Python client.

Objects are fetched as raw JSON (exactly what `kubectl get -o json` shows, minus managedFields),
Secret values are masked before anything touches the disk, and logs are bounded by lines and bytes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml
from kubernetes import config as kube_config
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.exceptions import HTTPError

from app.snapshot.errors import SnapshotError
from app.snapshot.resources import BUILTIN_RESOURCES, CAPTURED_CUSTOM_RESOURCES, ResourceType
from app.snapshot.store import Obj, format_time, mask_secret, parse_time

SERVED_SNAPSHOT_COMMIT = "snapshot"


class CaptureError(SnapshotError):
    """The cluster could not be reached or read; the message says why."""


class CaptureReporter(Protocol):
    """Progress callbacks (the CLI renders them with rich)."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self, description: str) -> None: ...


@dataclass
class CaptureOptions:
    out: Path
    context: str | None = None
    kubeconfig: Path | None = None
    namespaces: list[str] = field(default_factory=list)
    log_tail_lines: int = 1000
    log_limit_bytes: int = 256 * 1024
    include_logs: bool = True
    overwrite: bool = False


@dataclass
class CaptureResult:
    out: Path
    objects: int
    logs: int
    metrics: bool
    skipped: list[str]


class _Cluster:
    """Thin raw-JSON access over an ApiClient (no model round-trip, so nothing is dropped)."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.client.call_api(
            path, "GET", query_params=list((params or {}).items()),
            header_params={"Accept": "application/json"}, auth_settings=["BearerToken"],
            _preload_content=False, _return_http_data_only=True)
        return response.data

    def json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return json.loads(self._get(path, params))

    def text(self, path: str, params: dict[str, Any]) -> str:
        data = self._get(path, params)
        return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else str(data)


def _connect(options: CaptureOptions) -> tuple[_Cluster, str]:
    try:
        contexts, active = kube_config.list_kube_config_contexts(
            config_file=str(options.kubeconfig) if options.kubeconfig else None)
        context = options.context or str(active["name"])
        if options.context and options.context not in {c["name"] for c in contexts}:
            raise CaptureError(f"context {options.context!r} not found in kubeconfig")
        client = kube_config.new_client_from_config(
            config_file=str(options.kubeconfig) if options.kubeconfig else None, context=context)
    except ConfigException as exc:
        raise CaptureError(f"cannot load kubeconfig: {exc}") from exc
    return _Cluster(client), context


def _resource_path(rt: ResourceType, namespace: str | None) -> str:
    base = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
    return f"{base}/namespaces/{namespace}/{rt.name}" if namespace else f"{base}/{rt.name}"


def _clean(item: Obj, rt: ResourceType) -> Obj:
    item.setdefault("apiVersion", rt.group_version)
    item.setdefault("kind", rt.kind)
    item.get("metadata", {}).pop("managedFields", None)
    return mask_secret(item) if rt.kind == "Secret" else item


def _list(cluster: _Cluster, rt: ResourceType, namespaces: list[str]) -> list[Obj]:
    scopes: list[str | None] = list(namespaces) if rt.namespaced and namespaces else [None]
    items: list[Obj] = []
    for namespace in scopes:
        document = cluster.json(_resource_path(rt, namespace))
        items.extend(_clean(item, rt) for item in document.get("items") or [])
    if rt.kind == "Namespace" and namespaces:
        items = [item for item in items if item["metadata"]["name"] in namespaces]
    return items


def _write_json(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _capture_logs(cluster: _Cluster, pods: list[Obj], options: CaptureOptions,
                  reporter: CaptureReporter | None) -> int:
    written = 0
    params: dict[str, Any] = {"timestamps": "true", "tailLines": options.log_tail_lines,
                              "limitBytes": options.log_limit_bytes}
    for pod in pods:
        meta, status = pod["metadata"], pod.get("status") or {}
        namespace, name = meta.get("namespace", "default"), meta["name"]
        statuses = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
        for container in statuses:
            wanted = [False] if container.get("containerID") else []
            if container.get("restartCount") or (container.get("lastState") or {}).get("terminated"):
                wanted.append(True)
            for previous in wanted:
                path = f"/api/v1/namespaces/{namespace}/pods/{name}/log"
                query = dict(params, container=container["name"], previous=str(previous).lower())
                try:
                    text = cluster.text(path, query)
                except ApiException:
                    continue  # the kubelet has no such log (rotated, never started): nothing to keep
                suffix = ".previous.log" if previous else ".log"
                target = options.out / "logs" / namespace / name / f"{container['name']}{suffix}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                written += 1
        if reporter:
            reporter.advance(f"logs {namespace}/{name}")
    return written


def _capture_metrics(cluster: _Cluster, out: Path, namespaces: list[str]) -> bool:
    try:
        if namespaces:
            pods: list[Obj] = []
            for namespace in namespaces:
                pods.extend(cluster.json(f"/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods")["items"])
        else:
            pods = cluster.json("/apis/metrics.k8s.io/v1beta1/pods")["items"]
        nodes = cluster.json("/apis/metrics.k8s.io/v1beta1/nodes")["items"]
    except ApiException:
        return False  # no metrics-server: the snapshot simply has no metrics
    for name, kind, items in (("pods.json", "PodMetricsList", pods),
                              ("nodes.json", "NodeMetricsList", nodes)):
        _write_json(out / "metrics" / name,
                    {"kind": kind, "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items})
    return True


def observed_at(version: Obj) -> datetime:
    """When the captured state was observed: now for a live cluster. A served snapshot says so in its /version
    (gitCommit "snapshot", buildDate its capture time, app/snapshot/discovery.py): re-capturing it keeps that
    time, or every age (`5m`, `3d`) in the copy would be wrong."""
    if version.get("gitCommit") == SERVED_SNAPSHOT_COMMIT:
        try:
            return parse_time(str(version.get("buildDate")))
        except ValueError:
            pass
    return datetime.now(UTC)


def capture_cluster(options: CaptureOptions, reporter: CaptureReporter | None = None) -> CaptureResult:
    """Capture the cluster `options` point at into `options.out`; raise CaptureError if unreachable."""
    out = options.out
    if out.exists() and any(out.iterdir()):
        if not options.overwrite:
            raise CaptureError(f"{out} exists and is not empty (choose a new directory)")
        shutil.rmtree(out)
    cluster, context = _connect(options)
    try:
        version = cluster.json("/version")
    except (ApiException, HTTPError, OSError) as exc:
        raise CaptureError(f"cannot reach the cluster of context {context!r}: {exc}") from exc
    captured_at = observed_at(version)
    out.mkdir(parents=True, exist_ok=True)
    skipped: list[str] = []
    total = 0
    pods: list[Obj] = []
    if reporter:
        reporter.phase("objects", len(BUILTIN_RESOURCES) + len(CAPTURED_CUSTOM_RESOURCES))
    for rt in (*BUILTIN_RESOURCES, *CAPTURED_CUSTOM_RESOURCES):
        try:
            items = _list(cluster, rt, options.namespaces)
        except ApiException as exc:
            if exc.status in (403, 404, 405):
                skipped.append(f"{rt.name}.{rt.group}" if rt.group else rt.name)
                continue
            raise CaptureError(f"listing {rt.name} failed: {exc.status} {exc.reason}") from exc
        except (HTTPError, OSError) as exc:
            raise CaptureError(f"listing {rt.name} failed: {exc}") from exc
        if rt.kind == "Pod":
            pods = items
        if items:
            name = f"{rt.name}.{rt.group}" if rt.group else rt.name
            document = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
                        "items": items}
            _write_json(out / "objects" / f"{name}.json", document)
            total += len(items)
        if reporter:
            reporter.advance(f"{rt.name}: {len(items)}")
    (out / "objects").mkdir(exist_ok=True)
    has_metrics = _capture_metrics(cluster, out, options.namespaces)
    logs = 0
    if options.include_logs:
        if reporter:
            reporter.phase("logs", len(pods))
        logs = _capture_logs(cluster, pods, options, reporter)
    manifest = {"capturedAt": format_time(captured_at), "kubernetesVersion": version.get("gitVersion", ""),
                "sourceContext": context, "namespaces": options.namespaces or "all",
                "logs": {"tailLines": options.log_tail_lines, "limitBytes": options.log_limit_bytes},
                "secrets": "values masked at capture"}
    (out / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return CaptureResult(out, total, logs, has_metrics, skipped)
