"""Just enough of the controllers that a remediation's effect reads true through kubectl afterwards.

- Deployment: a new pod template gets a ReplicaSet and the next revision (or, for `rollout undo`, the
  old ReplicaSet whose template matches is promoted), so `rollout history` / `rollout undo` work; the
  current ReplicaSet carries the Deployment's replicas, the others none.
- A deleted pod owned by a ReplicaSet or StatefulSet is replaced by a Pending one.
- Deleting an owner deletes what it owns (background cascade), never Secrets.
Pods are not started and statuses not advanced: the snapshot's clock stays at its capture time.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets as random_source
import uuid
from typing import TYPE_CHECKING, Any

from app.snapshot.store import Obj

if TYPE_CHECKING:
    from app.snapshot.mutations import ClusterState
    from app.snapshot.resources import ResourceType

REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
# kube's rand.SafeEncodeString alphabet: no vowels, no look-alike digits.
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def random_suffix(length: int = 5) -> str:
    return "".join(random_source.choice(_ALPHABET) for _ in range(length))


def template_hash(template: Obj) -> str:
    digest = hashlib.sha256(json.dumps(_without_hash(template), sort_keys=True).encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:10])


def _without_hash(template: Any) -> Any:
    clean = copy.deepcopy(template) or {}
    labels = (clean.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return clean


def _controller_uid(obj: Obj) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref.get("uid"))
    return None


def _revision(obj: Obj) -> int:
    try:
        return int(((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def after_update(state: ClusterState, resource: ResourceType, old: Obj, new: Obj) -> None:
    if resource.kind == "Deployment":
        old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
        if (_without_hash(old_spec.get("template")) != _without_hash(new_spec.get("template"))
                or old_spec.get("replicas") != new_spec.get("replicas")):
            _sync_deployment(state, new)


def _sync_deployment(state: ClusterState, deployment: Obj) -> None:
    rs_type = state.snapshot.resource("apps", "replicasets")
    if rs_type is None:
        return
    meta, spec = deployment["metadata"], deployment.get("spec") or {}
    owned = [rs for rs in state.snapshot.list(rs_type, meta.get("namespace"))
             if _controller_uid(rs) == meta.get("uid")]
    template = spec.get("template") or {}
    current = next((rs for rs in owned
                    if _without_hash((rs.get("spec") or {}).get("template")) == _without_hash(template)), None)
    newest = max((_revision(rs) for rs in owned), default=0)
    # A new template, or an old one promoted by `rollout undo`, takes the next revision.
    revision = newest if current is not None and _revision(current) == newest else newest + 1
    replicas = int(spec.get("replicas", 1))
    for rs in owned:
        if rs is not current and (rs.get("spec") or {}).get("replicas", 0) != 0:
            updated = copy.deepcopy(rs)
            updated["spec"]["replicas"] = 0
            updated["metadata"]["resourceVersion"] = state.next_version()
            state.store(rs_type, updated)
    current = _new_replica_set(deployment, template) if current is None else copy.deepcopy(current)
    current["metadata"].setdefault("annotations", {})[REVISION] = str(revision)
    current["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = str(replicas)
    current["spec"]["replicas"] = replicas
    current["metadata"]["resourceVersion"] = state.next_version()
    state.store(rs_type, current)
    annotations = deployment["metadata"].setdefault("annotations", {})
    if annotations.get(REVISION) != str(revision):
        annotations[REVISION] = str(revision)
        deployment["metadata"]["resourceVersion"] = state.next_version()


def _new_replica_set(deployment: Obj, template: Obj) -> Obj:
    meta, spec = deployment["metadata"], deployment.get("spec") or {}
    pod_hash = template_hash(template)
    rs_template = _without_hash(template)
    rs_template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
    selector = copy.deepcopy(spec.get("selector") or {})
    selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta['name']}-{pod_hash}", "namespace": meta.get("namespace"), "uid": str(uuid.uuid4()),
            "generation": 1, "creationTimestamp": meta.get("creationTimestamp"),
            "labels": dict(rs_template["metadata"]["labels"]),
            "annotations": {"deployment.kubernetes.io/max-replicas": str(int(spec.get("replicas", 1)) + 1)},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": meta["name"],
                                 "uid": meta.get("uid"), "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {"replicas": 0, "selector": selector, "template": rs_template},
        "status": {"replicas": 0, "observedGeneration": 1},
    }


def after_delete(state: ClusterState, resource: ResourceType, obj: Obj, propagation: str) -> None:
    if propagation != "Orphan":
        _cascade(state, str(obj["metadata"].get("uid")))
    if resource.kind == "Pod":
        _replace_pod(state, obj)


def _cascade(state: ClusterState, owner_uid: str) -> None:
    for (group, name), items in list(state.snapshot.objects.items()):
        rt = state.snapshot.resource(group, name)
        if rt is None or rt.kind == "Secret":
            continue
        for child in list(items):
            refs = (child.get("metadata") or {}).get("ownerReferences") or []
            if any(str(ref.get("uid")) == owner_uid for ref in refs):
                state.remove(rt, child)
                _cascade(state, str(child["metadata"].get("uid")))


def _replace_pod(state: ClusterState, pod: Obj) -> None:
    """What the ReplicaSet / StatefulSet controller does next: a new, not yet started pod."""
    meta = pod["metadata"]
    owner = next((ref for ref in meta.get("ownerReferences") or [] if ref.get("controller")), None)
    kinds = {"ReplicaSet": ("apps", "replicasets"), "StatefulSet": ("apps", "statefulsets")}
    if owner is None or owner.get("kind") not in kinds:
        return
    owner_type = state.snapshot.resource(*kinds[owner["kind"]])
    pod_type = state.snapshot.resource("", "pods")
    if owner_type is None or pod_type is None:
        return
    parent = state.snapshot.get(owner_type, meta.get("namespace"), str(owner.get("name")))
    if parent is None or (parent.get("spec") or {}).get("replicas", 1) == 0:
        return
    name = meta["name"] if owner["kind"] == "StatefulSet" else f"{owner['name']}-{random_suffix()}"
    spec = copy.deepcopy(pod.get("spec") or {})
    spec.pop("nodeName", None)
    waiting = {"waiting": {"reason": "ContainerCreating"}}
    new_meta: Obj = {key: copy.deepcopy(meta[key]) for key in ("namespace", "labels", "annotations",
                                                               "ownerReferences", "generateName") if key in meta}
    new_meta.update(name=name, uid=str(uuid.uuid4()), creationTimestamp=state.now,
                    resourceVersion=state.next_version())
    replacement: Obj = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": new_meta,
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": (pod.get("status") or {}).get("qosClass", "BestEffort"),
                   "containerStatuses": [
                       {"name": c.get("name"), "image": c.get("image"), "imageID": "", "ready": False,
                        "restartCount": 0, "started": False, "state": waiting, "lastState": {}}
                       for c in spec.get("containers") or []]},
    }
    state.store(pod_type, replacement)
