"""Writes applied to a loaded snapshot, in memory only: create, replace, patch, delete and scale.

Each write is validated, bumps the cluster's resourceVersion and, unless it is a dry run, replaces the
object in the Snapshot's lists (the files on disk are never touched). After a stored write the small
controller simulation in controllers.py keeps what kubectl reads back coherent (ReplicaSet revisions,
replacement pods, owner cascades).
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from typing import Any

from app.snapshot import controllers
from app.snapshot.errors import ApiError
from app.snapshot.patches import PatchError, apply_patch
from app.snapshot.resources import ResourceType
from app.snapshot.store import Obj, Snapshot, format_time
from app.snapshot.validation import validate

SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")


def qualified(resource: ResourceType) -> str:
    """`deployments.apps` / `pods`: how the API server names a resource in messages."""
    return f"{resource.name}.{resource.group}" if resource.group else resource.name


def _details(resource: ResourceType, name: str, **extra: object) -> dict[str, object]:
    details: dict[str, object] = {"name": name, "kind": resource.name, **extra}
    if resource.group:
        details["group"] = resource.group
    return details


def not_found(resource: ResourceType, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{qualified(resource)} "{name}" not found', _details(resource, name))


def conflict(resource: ResourceType, name: str) -> ApiError:
    return ApiError(409, "Conflict", f'Operation cannot be fulfilled on {qualified(resource)} "{name}": the object '
                    "has been modified; please apply your changes to the latest version and try again",
                    _details(resource, name))


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def _int_version(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


class ClusterState:
    """The in-memory cluster behind a writable snapshot server; methods run under one lock."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.lock = threading.RLock()
        self._initial = copy.deepcopy((snapshot.objects, snapshot.pod_metrics))
        self.revision = self._max_version()

    def _max_version(self) -> int:
        versions = [_int_version((obj.get("metadata") or {}).get("resourceVersion"))
                    for items in self.snapshot.objects.values() for obj in items]
        return max(versions, default=0) + 1

    @property
    def now(self) -> str:
        """Objects written to a snapshot are stamped with its capture time: the cluster's frozen clock."""
        return format_time(self.snapshot.manifest.captured_at)

    def reset(self) -> None:
        """Back to the snapshot as loaded (the record of writes is kept elsewhere)."""
        with self.lock:
            objects, pod_metrics = copy.deepcopy(self._initial)
            self.snapshot.objects.clear()
            self.snapshot.objects.update(objects)
            self.snapshot.pod_metrics[:] = pod_metrics
            self.revision = self._max_version()

    # -- storage helpers used by the controller simulation too -----------------------------------
    def next_version(self) -> str:
        self.revision += 1
        return str(self.revision)

    def store(self, resource: ResourceType, obj: Obj) -> None:
        """Insert or replace `obj` (matched by namespace and name), keeping lists sorted."""
        items = self.snapshot.objects.setdefault((resource.group, resource.name), [])
        meta = obj["metadata"]
        key = (str(meta.get("namespace", "")), str(meta["name"]))
        items[:] = [o for o in items if (str(o["metadata"].get("namespace", "")), o["metadata"]["name"]) != key]
        items.append(obj)
        items.sort(key=lambda o: (str(o["metadata"].get("namespace", "")), str(o["metadata"]["name"])))

    def remove(self, resource: ResourceType, obj: Obj) -> None:
        items = self.snapshot.objects.get((resource.group, resource.name), [])
        items[:] = [o for o in items if o is not obj]
        if resource.kind == "Pod":
            meta = obj["metadata"]
            self.snapshot.pod_metrics[:] = [
                m for m in self.snapshot.pod_metrics
                if (m["metadata"].get("namespace"), m["metadata"]["name"]) != (meta.get("namespace"), meta["name"])]

    def existing(self, resource: ResourceType, namespace: str | None, name: str) -> Obj:
        obj = self.snapshot.get(resource, namespace if resource.namespaced else None, name)
        if obj is None:
            raise not_found(resource, name)
        return obj

    # -- the verbs ----------------------------------------------------------------------------------
    def create(self, resource: ResourceType, namespace: str | None, body: Any, dry_run: bool) -> Obj:
        obj = _body_object(body, resource)
        meta = obj.setdefault("metadata", {})
        if resource.namespaced:
            if meta.get("namespace") not in (None, "", namespace):
                raise bad_request("the namespace of the provided object does not match the namespace sent on "
                                  "the request")
            meta["namespace"] = namespace or "default"
        else:
            meta.pop("namespace", None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = str(meta["generateName"]) + controllers.random_suffix()
        with self.lock:
            if meta.get("name") and self.snapshot.get(resource, meta.get("namespace"), str(meta["name"])):
                raise ApiError(409, "AlreadyExists", f'{qualified(resource)} "{meta["name"]}" already exists',
                               _details(resource, str(meta["name"])))
            meta.update(uid=str(uuid.uuid4()), creationTimestamp=self.now, resourceVersion=str(self.revision))
            if isinstance(obj.get("spec"), dict):
                meta["generation"] = 1
            for key in ("deletionTimestamp", "managedFields"):
                meta.pop(key, None)
            validate(resource, obj)
            if not dry_run:
                meta["resourceVersion"] = self.next_version()
                self.store(resource, obj)
            return copy.deepcopy(obj)

    def replace(self, resource: ResourceType, namespace: str | None, name: str, body: Any, dry_run: bool,
                subresource: str | None = None) -> Obj:
        with self.lock:
            current = self.existing(resource, namespace, name)
            if subresource == "scale":
                return self._rescale(resource, current, _body_object(body, None), dry_run)
            new = _body_object(body, resource)
            return self._update(resource, current, new, dry_run, subresource)

    def patch(self, resource: ResourceType, namespace: str | None, name: str, content_type: str, body: bytes,
              dry_run: bool, subresource: str | None = None) -> Obj:
        with self.lock:
            current = self.existing(resource, namespace, name)
            document = scale_of(resource, current) if subresource == "scale" else current
            try:
                patched = apply_patch(content_type, copy.deepcopy(document), body)
            except PatchError as exc:
                raise ApiError(400 if exc.bad_request else 422, "BadRequest" if exc.bad_request else "Invalid",
                               str(exc)) from exc
            if not isinstance(patched, dict):
                raise ApiError(422, "Invalid", "the patched object is not a JSON object")
            patched = drop_nulls(patched)
            if subresource == "scale":
                return self._rescale(resource, current, patched, dry_run)
            return self._update(resource, current, patched, dry_run, subresource)

    def delete(self, resource: ResourceType, namespace: str | None, name: str, options: Obj,
               dry_run: bool) -> Obj:
        with self.lock:
            obj = self.existing(resource, namespace, name)
            meta = obj["metadata"]
            preconditions = options.get("preconditions") or {}
            if preconditions.get("uid") not in (None, meta.get("uid")):
                raise conflict(resource, name)
            if preconditions.get("resourceVersion") not in (None, meta.get("resourceVersion")):
                raise conflict(resource, name)
            if not dry_run:
                self.next_version()
                self.remove(resource, obj)
                controllers.after_delete(self, resource, obj, str(options.get("propagationPolicy") or ""))
            return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                    "details": _details(resource, name, uid=meta.get("uid"))}

    def scale(self, resource: ResourceType, namespace: str | None, name: str) -> Obj:
        with self.lock:
            return scale_of(resource, self.existing(resource, namespace, name))

    # -- shared steps -------------------------------------------------------------------------------
    def _update(self, resource: ResourceType, current: Obj, new: Obj, dry_run: bool,
                subresource: str | None) -> Obj:
        meta, new_meta = current["metadata"], new.get("metadata")
        if not isinstance(new_meta, dict):
            raise ApiError(422, "Invalid", "metadata: Required value")
        if new_meta.get("name") != meta["name"]:
            raise bad_request(f"the name of the object ({new_meta.get('name')}) does not match the name on the URL "
                              f"({meta['name']})")
        if new_meta.get("resourceVersion") not in (None, "", meta.get("resourceVersion")):
            raise conflict(resource, meta["name"])
        if new.get("kind") != current.get("kind") or new.get("apiVersion") != current.get("apiVersion"):
            raise bad_request(f"the object's kind/apiVersion ({new.get('kind')}/{new.get('apiVersion')}) does "
                              f"not match {current.get('kind')}/{current.get('apiVersion')}")
        if subresource == "status":  # the status subresource changes status only
            new = {**copy.deepcopy(current), "status": new.get("status")}
        elif subresource is not None:
            raise ApiError(405, "MethodNotAllowed", f"the server does not allow writes to {subresource}")
        else:  # the main resource ignores status changes, as the API server does
            new["status"] = copy.deepcopy(current.get("status"))
            if new["status"] is None:
                del new["status"]
        new_meta = new["metadata"]
        for key in ("uid", "creationTimestamp", "namespace", "generation", "resourceVersion"):
            if key in meta:
                new_meta[key] = meta[key]
            else:
                new_meta.pop(key, None)
        if "generation" in meta and _canonical(new.get("spec")) != _canonical(current.get("spec")):
            new_meta["generation"] = int(meta["generation"]) + 1
        validate(resource, new)
        if dry_run or _canonical(new) == _canonical(current):
            return copy.deepcopy(new)
        new_meta["resourceVersion"] = self.next_version()
        self.store(resource, new)
        controllers.after_update(self, resource, current, new)
        return copy.deepcopy(new)

    def _rescale(self, resource: ResourceType, current: Obj, scale: Obj, dry_run: bool) -> Obj:
        replicas = (scale.get("spec") or {}).get("replicas")
        version = (scale.get("metadata") or {}).get("resourceVersion")
        if version not in (None, "", current["metadata"].get("resourceVersion")):
            raise conflict(resource, current["metadata"]["name"])
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise ApiError(422, "Invalid", f'Scale.autoscaling "{current["metadata"]["name"]}" is invalid: '
                           f"spec.replicas: Invalid value: {replicas!r}: must be greater than or equal to 0")
        new = copy.deepcopy(current)
        new.setdefault("spec", {})["replicas"] = replicas
        result = self._update(resource, current, new, dry_run, None)
        return scale_of(resource, result)


def drop_nulls(value: Any) -> Any:
    """What decoding into Go structs does to `"creationTimestamp": null` and the like: the key goes."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _body_object(body: Any, resource: ResourceType | None) -> Obj:
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    obj: Obj = drop_nulls(body)
    if resource is not None:
        if obj.get("kind") not in (None, resource.kind) or obj.get("apiVersion") not in (None,
                                                                                         resource.group_version):
            raise bad_request(f"the body is a {obj.get('apiVersion')}/{obj.get('kind')}, not a "
                              f"{resource.group_version}/{resource.kind}")
        obj["kind"], obj["apiVersion"] = resource.kind, resource.group_version
    return obj


def scale_of(resource: ResourceType, obj: Obj) -> Obj:
    """The autoscaling/v1 Scale view of a Deployment, ReplicaSet or StatefulSet."""
    if resource.kind not in SCALABLE:
        raise not_found(resource, str(obj["metadata"]["name"]))
    meta = obj["metadata"]
    selector = (obj.get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels") if "matchLabels" in selector or "matchExpressions" in selector \
        else selector
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {key: meta[key] for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if key in meta},
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                   "selector": ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items()))},
    }
