"""Load a snapshot directory into memory and answer list/get/log/metrics lookups over it.

Layout (see docs/snapshots.md):
    manifest.yaml                      capturedAt, kubernetesVersion, sourceContext
    objects/**/*.json|yaml             `kubectl get ... -o json` output: v1 Lists or single objects
    logs/<ns>/<pod>/<container>.log    current container log (optionally `--timestamps` prefixed)
    logs/<ns>/<pod>/<container>.previous.log
    metrics/pods.json, metrics/nodes.json   PodMetricsList / NodeMetricsList
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from app.snapshot.errors import SnapshotError
from app.snapshot.resources import BUILTIN_RESOURCES, ResourceType, plural_of, split_api_version
from app.snapshot.selectors import LabelMatcher, matches_fields, parse_field_selector

Obj = dict[str, Any]

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.json")
REDACTED = "***REDACTED***"
REDACTED_B64 = base64.b64encode(REDACTED.encode()).decode()
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_OBJECT_SUFFIXES = (".json", ".yaml", ".yml")


def parse_time(value: str) -> datetime:
    """Parse an RFC 3339 timestamp (`2026-11-18T09:41:27Z`, with or without fractional seconds)."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Manifest:
    captured_at: datetime
    kubernetes_version: str
    source_context: str
    raw: dict[str, Any]

    @property
    def minor(self) -> str:
        parts = self.kubernetes_version.lstrip("v").split(".")
        return parts[1] if len(parts) > 1 else "0"

    @property
    def major(self) -> str:
        return self.kubernetes_version.lstrip("v").split(".")[0]


def mask_secret(obj: Obj) -> Obj:
    """Replace every secret value (data, stringData, last-applied annotation) keeping the keys."""
    masked = copy.deepcopy(obj)
    data: dict[str, Any] = dict(masked.get("data") or {})
    for key in (masked.pop("stringData", None) or {}):
        data[key] = None
    if data:
        masked["data"] = {key: REDACTED_B64 for key in data}
    annotations = (masked.get("metadata") or {}).get("annotations") or {}
    if _LAST_APPLIED in annotations:
        annotations[_LAST_APPLIED] = REDACTED
    return masked


@dataclass
class Snapshot:
    """An in-memory, read-only view over one snapshot directory."""

    root: Path
    manifest: Manifest
    resources: dict[tuple[str, str], ResourceType]
    objects: dict[tuple[str, str], list[Obj]]
    pod_metrics: list[Obj] = field(default_factory=list)
    node_metrics: list[Obj] = field(default_factory=list)
    logs: dict[tuple[str, str, str, bool], Path] = field(default_factory=dict)

    # -- lookups ---------------------------------------------------------------------------------
    def resource(self, group: str, name: str) -> ResourceType | None:
        return self.resources.get((group, name))

    def items(self, resource: ResourceType) -> list[Obj]:
        return self.objects.get((resource.group, resource.name), [])

    def list(
        self,
        resource: ResourceType,
        namespace: str | None = None,
        label_selector: LabelMatcher | None = None,
        field_selector: str | None = None,
    ) -> list[Obj]:
        """Objects of one resource, filtered like the API server filters a list call."""
        requirements = parse_field_selector(field_selector, resource) if field_selector else []
        result = []
        for obj in self.items(resource):
            meta = obj.get("metadata") or {}
            if namespace is not None and meta.get("namespace", "") != namespace:
                continue
            if label_selector is not None and not label_selector(meta.get("labels") or {}):
                continue
            if requirements and not matches_fields(obj, requirements):
                continue
            result.append(obj)
        return result

    def get(self, resource: ResourceType, namespace: str | None, name: str) -> Obj | None:
        for obj in self.items(resource):
            meta = obj.get("metadata") or {}
            if meta.get("name") == name and (namespace is None or meta.get("namespace", "") == namespace):
                return obj
        return None

    def log_file(self, namespace: str, pod: str, container: str, previous: bool) -> Path | None:
        """The stored log, if any; checked again at read time in case a symlink was planted since loading."""
        path = self.logs.get((namespace, pod, container, previous))
        return path if path is not None and inside(self.root, path) else None


def inside(root: Path, path: Path) -> bool:
    """Whether `path`, with every symlink followed, stays inside the snapshot directory `root`."""
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError):  # missing, or a symlink loop
        return False


def _checked(root: Path, path: Path) -> Path:
    if not inside(root, path):
        raise SnapshotError(f"{path}: leads out of the snapshot directory (a symlink?); refusing to read it")
    return path


# -- loading ---------------------------------------------------------------------------------------


def _read_structured(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: cannot read: {exc}") from exc
    try:
        if path.suffix == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SnapshotError(f"{path}: not valid {path.suffix.lstrip('.').upper()}: {exc}") from exc


def load_manifest(root: Path) -> Manifest:
    path = next((root / name for name in MANIFEST_NAMES if (root / name).is_file()), None)
    if path is None:
        raise SnapshotError(f"{root}: not a snapshot directory (no manifest.yaml)")
    _checked(root, path)
    raw = _read_structured(path)
    if not isinstance(raw, dict):
        raise SnapshotError(f"{path}: expected a mapping with capturedAt and kubernetesVersion")
    captured = raw.get("capturedAt")
    if not captured:
        raise SnapshotError(f"{path}: missing capturedAt (RFC 3339 time, e.g. 2026-11-18T09:41:27Z)")
    try:
        captured_at = captured if isinstance(captured, datetime) else parse_time(str(captured))
    except ValueError as exc:
        raise SnapshotError(f"{path}: capturedAt {captured!r} is not an RFC 3339 time") from exc
    if captured_at.tzinfo is None:
        captured_at = captured_at.replace(tzinfo=UTC)
    version = str(raw.get("kubernetesVersion") or "v1.32.0")
    if not version.startswith("v"):
        version = "v" + version
    if len(version.lstrip("v").split(".")) < 2:
        raise SnapshotError(f"{path}: kubernetesVersion {version!r} should look like v1.32.3")
    return Manifest(captured_at, version, str(raw.get("sourceContext") or "snapshot"), raw)


def _objects_in(path: Path, document: Any) -> Iterator[Obj]:
    if not isinstance(document, dict):
        raise SnapshotError(f"{path}: expected a JSON object (a List or a single Kubernetes object)")
    items = document.get("items")
    kind = str(document.get("kind") or "")
    if isinstance(items, list) and (kind.endswith("List") or not kind):
        item_kind = kind[: -len("List")] if kind not in ("", "List") else ""
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise SnapshotError(f"{path}: items[{index}] is not an object")
            item = dict(item)
            item.setdefault("kind", item_kind)
            item.setdefault("apiVersion", document.get("apiVersion", ""))
            _check_object(path, item, f"items[{index}]")
            yield item
    else:
        _check_object(path, document, "document")
        yield document


def _check_object(path: Path, obj: Obj, where: str) -> None:
    if not obj.get("kind") or not obj.get("apiVersion"):
        raise SnapshotError(f"{path}: {where} has no kind/apiVersion")
    if not isinstance(obj.get("metadata"), dict) or not obj["metadata"].get("name"):
        raise SnapshotError(f"{path}: {where} ({obj['kind']}) has no metadata.name")


def _object_files(root: Path) -> list[Path]:
    directory = root / "objects"
    if not directory.is_dir():
        raise SnapshotError(f"{root}: no objects/ directory (put `kubectl get ... -o json` files there)")
    _checked(root, directory)
    return sorted(_checked(root, p) for p in directory.rglob("*") if p.is_file() and p.suffix in _OBJECT_SUFFIXES)


def _resource_type(known: dict[tuple[str, str], ResourceType], obj: Obj) -> ResourceType:
    group, version = split_api_version(str(obj["apiVersion"]))
    kind = str(obj["kind"])
    for rt in known.values():
        if rt.group == group and rt.kind == kind:
            return rt
    rt = ResourceType(group, version, plural_of(kind), kind, bool(obj["metadata"].get("namespace")))
    known[(group, rt.name)] = rt
    return rt


def _sort_key(obj: Obj) -> tuple[str, str]:
    meta = obj["metadata"]
    return (str(meta.get("namespace", "")), str(meta["name"]))


def _synthesize_namespaces(snapshot: Snapshot, captured_at: datetime) -> None:
    """Hand-assembled snapshots often lack namespaces.json: invent the namespaces objects live in."""
    ns_type = snapshot.resources[("", "namespaces")]
    have = {obj["metadata"]["name"] for obj in snapshot.items(ns_type)}
    wanted = {
        str(obj["metadata"]["namespace"])
        for objs in snapshot.objects.values()
        for obj in objs
        if obj["metadata"].get("namespace")
    }
    earliest: dict[str, str] = {}
    for objs in snapshot.objects.values():
        for obj in objs:
            namespace, created = obj["metadata"].get("namespace"), obj["metadata"].get("creationTimestamp")
            if namespace and created and (namespace not in earliest or created < earliest[namespace]):
                earliest[namespace] = str(created)
    for name in sorted(wanted - have):
        snapshot.objects.setdefault(("", "namespaces"), []).append({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ns/{name}")),
                         "creationTimestamp": earliest.get(name, format_time(captured_at)),
                         "labels": {"kubernetes.io/metadata.name": name}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
        })
    snapshot.objects.get(("", "namespaces"), []).sort(key=_sort_key)


def _derive_endpoint_slices(snapshot: Snapshot) -> None:
    """describe svc reads EndpointSlices; derive them from Endpoints when the snapshot has none."""
    if snapshot.objects.get(("discovery.k8s.io", "endpointslices")):
        return
    slices: list[Obj] = []
    for ep in snapshot.items(snapshot.resources[("", "endpoints")]):
        meta = ep["metadata"]
        endpoints: list[Obj] = []
        ports: list[Obj] = []
        for subset in ep.get("subsets") or []:
            for address, ready in [(a, True) for a in subset.get("addresses") or []] + [
                (a, False) for a in subset.get("notReadyAddresses") or []
            ]:
                entry: Obj = {"addresses": [address["ip"]], "conditions": {"ready": ready}}
                if address.get("nodeName"):
                    entry["nodeName"] = address["nodeName"]
                if address.get("targetRef"):
                    entry["targetRef"] = address["targetRef"]
                endpoints.append(entry)
            ports.extend(dict(port) for port in subset.get("ports") or [] if port not in ports)
        if not endpoints:  # kubectl describe then prints `Endpoints: <none>`, which reads clearer
            continue
        slices.append({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {
                "name": f"{meta['name']}-snap", "namespace": meta.get("namespace", "default"),
                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"eps/{meta.get('namespace')}/{meta['name']}")),
                "creationTimestamp": meta.get("creationTimestamp"),
                "labels": {"kubernetes.io/service-name": meta["name"],
                           "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
            },
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports,
        })
    if slices:
        snapshot.objects[("discovery.k8s.io", "endpointslices")] = sorted(slices, key=_sort_key)


def _load_metrics(root: Path, name: str, kind: str) -> list[Obj]:
    path = root / "metrics" / name
    if not path.is_file():
        return []
    _checked(root, path)
    document = _read_structured(path)
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise SnapshotError(f"{path}: expected a {kind}List with items")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not (item.get("metadata") or {}).get("name"):
            raise SnapshotError(f"{path}: items[{index}] has no metadata.name")
        item.setdefault("kind", kind)
        item.setdefault("apiVersion", "metrics.k8s.io/v1beta1")
    return sorted(items, key=_sort_key)


def _index_logs(root: Path) -> dict[tuple[str, str, str, bool], Path]:
    logs: dict[tuple[str, str, str, bool], Path] = {}
    directory = root / "logs"
    if not directory.is_dir():
        return logs
    for path in directory.glob("*/*/*.log"):
        _checked(root, path)
        namespace, pod = path.parent.parent.name, path.parent.name
        previous = path.name.endswith(".previous.log")
        container = path.name[: -len(".previous.log")] if previous else path.name[: -len(".log")]
        logs[(namespace, pod, container, previous)] = path
    return logs


def _iter_loaded(root: Path) -> Iterable[tuple[Path, Obj]]:
    for path in _object_files(root):
        document = _read_structured(path)
        if document is None:
            continue
        for obj in _objects_in(path, document):
            yield path, obj


def load_snapshot(root: Path) -> Snapshot:
    """Read and index a snapshot directory; raise SnapshotError saying what is wrong and where."""
    root = Path(root)
    if not root.is_dir():
        raise SnapshotError(f"{root}: snapshot directory does not exist")
    manifest = load_manifest(root)
    resources = {(rt.group, rt.name): rt for rt in BUILTIN_RESOURCES}
    objects: dict[tuple[str, str], list[Obj]] = {}
    seen: set[tuple[str, str, str, str]] = set()
    for _path, obj in _iter_loaded(root):
        rt = _resource_type(resources, obj)
        meta = obj["metadata"]
        key = (rt.group, rt.name, str(meta.get("namespace", "")), str(meta["name"]))
        if key in seen:  # the same object dumped twice (e.g. pods.json and all.json): keep the first
            continue
        seen.add(key)
        if rt.kind == "Secret":
            obj = mask_secret(obj)
        objects.setdefault((rt.group, rt.name), []).append(obj)
    for items in objects.values():
        items.sort(key=_sort_key)
    snapshot = Snapshot(root, manifest, resources, objects)
    _synthesize_namespaces(snapshot, manifest.captured_at)
    _derive_endpoint_slices(snapshot)
    snapshot.pod_metrics = _load_metrics(root, "pods.json", "PodMetrics")
    snapshot.node_metrics = _load_metrics(root, "nodes.json", "NodeMetrics")
    pods = {(p["metadata"].get("namespace"), p["metadata"]["name"]): p for p in snapshot.items(
        resources[("", "pods")])}
    for metric in snapshot.pod_metrics:
        meta = metric["metadata"]
        pod = pods.get((meta.get("namespace"), meta["name"]))
        if pod is not None and "labels" not in meta:
            meta["labels"] = dict(pod["metadata"].get("labels") or {})
    snapshot.logs = _index_logs(root)
    return snapshot
