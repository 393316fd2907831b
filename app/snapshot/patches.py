"""The three PATCH bodies kubectl sends: JSON Patch (RFC 6902), JSON merge patch (RFC 7386) and
Kubernetes' strategic merge patch.

JSON Patch is the `jsonpatch` library. Strategic merge has no kept Python implementation: the API
server drives it from Go struct tags, so this module carries a table of the list fields that merge by
key (containers by `name`, container ports by `containerPort`, ...) — what kubectl's scale, rollout,
set, label, annotate, cordon and patch send — and the `$patch`, `$setElementOrder`,
`$deleteFromPrimitiveList` and `$retainKeys` directives. A merge patch is a strategic merge with no
keyed lists, so both share one walk.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH)

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
# Field name → merge key, from the `patchMergeKey` tags of k8s.io/api (core, apps, meta).
_MERGE_KEYS = {
    **{name: "name" for name in _CONTAINER_LISTS},
    "env": "name",
    "volumes": "name",
    "imagePullSecrets": "name",
    "resourceClaims": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "hostAliases": "ip",
    "conditions": "type",
    "ownerReferences": "uid",
    "topologySpreadConstraints": "topologyKey",
}
# Lists of scalars whose strategy is `merge` (a union) rather than replace.
_MERGED_SCALAR_LISTS = ("finalizers",)


class PatchError(ValueError):
    """A patch that cannot be decoded (`bad_request`: 400) or cannot be applied (422)."""

    def __init__(self, message: str, bad_request: bool = False) -> None:
        super().__init__(message)
        self.bad_request = bad_request


def apply_patch(content_type: str, document: dict[str, Any], body: bytes) -> Any:
    """Apply a PATCH body of `content_type` to a copy of `document`; PatchError when it can't."""
    try:
        patch = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PatchError(f"the patch is not valid JSON: {exc}", bad_request=True) from exc
    if content_type == JSON_PATCH:
        return apply_json_patch(document, patch)
    if not isinstance(patch, dict):
        raise PatchError("a merge patch must be a JSON object", bad_request=True)
    if content_type == MERGE_PATCH:
        return merge_patch(document, patch)
    return strategic_merge_patch(document, patch)


def apply_json_patch(document: dict[str, Any], patch: Any) -> Any:
    if not isinstance(patch, list) or not all(isinstance(op, dict) for op in patch):
        raise PatchError("a JSON patch must be a list of operations", bad_request=True)
    try:
        return jsonpatch.apply_patch(document, patch)
    except jsonpatch.InvalidJsonPatch as exc:
        raise PatchError(f"invalid JSON patch: {exc}", bad_request=True) from exc
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise PatchError(f"the JSON patch could not be applied: {exc}") from exc


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null removes a member, anything else replaces."""
    return _merge(target, patch, (), strategic=False)


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    return _merge(target, patch, (), strategic=True)


def _merge(target: Any, patch: Any, path: tuple[str, ...], strategic: bool) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if strategic and patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result: dict[str, Any] = copy.deepcopy(target) if isinstance(target, dict) else {}
    order: dict[str, list[Any]] = {}
    removals: dict[str, list[Any]] = {}
    retain: list[str] | None = None
    for key, value in patch.items():
        if not strategic:
            if value is None:
                result.pop(key, None)
            else:
                result[key] = _merge(result.get(key), value, (*path, key), strategic)
            continue
        if key == "$patch":
            if value == "delete":
                return None
            if value != "merge":
                raise PatchError(f"unknown $patch directive {value!r}", bad_request=True)
        elif key == "$retainKeys":
            retain = [str(k) for k in value or []]
        elif key.startswith("$setElementOrder/"):
            order[key.split("/", 1)[1]] = list(value or [])
        elif key.startswith("$deleteFromPrimitiveList/"):
            removals[key.split("/", 1)[1]] = list(value or [])
        elif key.startswith("$"):
            raise PatchError(f"unknown strategic merge directive {key!r}", bad_request=True)
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, (*path, key))
        else:
            merged = _merge(result.get(key), value, (*path, key), strategic)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
    for key, values in removals.items():
        if isinstance(result.get(key), list):
            result[key] = [item for item in result[key] if item not in values]
    for key, wanted in order.items():
        if isinstance(result.get(key), list):
            result[key] = _reorder(result[key], wanted, _merge_key(path, key))
    if retain is not None:
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_key(path: tuple[str, ...], field: str) -> str | None:
    if field == "ports":  # container ports merge by containerPort, a Service's by port
        return "containerPort" if any(part in _CONTAINER_LISTS for part in path) else "port"
    if field == "addresses" and path[-1:] == ("status",):  # a Node's addresses, not an Endpoints'
        return "type"
    return _MERGE_KEYS.get(field)


def _merge_list(target: Any, patch: list[Any], path: tuple[str, ...]) -> list[Any]:
    field = path[-1]
    current = copy.deepcopy(target) if isinstance(target, list) else []
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [copy.deepcopy(item) for item in patch if not (isinstance(item, dict) and "$patch" in item)]
    if field in _MERGED_SCALAR_LISTS:
        return current + [copy.deepcopy(item) for item in patch if item not in current]
    key = _merge_key(path[:-1], field)
    if key is None:
        return [_strip_directives(item) for item in patch]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise PatchError(f"{'.'.join(path)}: every item must have the merge key {key!r}", bad_request=True)
        index = next((i for i, old in enumerate(current) if isinstance(old, dict) and old.get(key) == item[key]),
                     None)
        if item.get("$patch") == "delete":
            if index is not None:
                del current[index]
        elif index is None:
            current.append(_merge(None, item, path, strategic=True))
        else:
            current[index] = _merge(current[index], item, path, strategic=True)
    return current


def _strip_directives(item: Any) -> Any:
    if isinstance(item, dict):
        return {k: _strip_directives(v) for k, v in item.items() if not k.startswith("$")}
    return copy.deepcopy(item)


def _reorder(items: list[Any], wanted: list[Any], key: str | None) -> list[Any]:
    """`$setElementOrder`: the listed items first, in that order; the others keep their relative order."""
    def identity(item: Any) -> Any:
        return item.get(key) if key and isinstance(item, dict) else item

    positions = {json.dumps(identity(w), sort_keys=True): i for i, w in enumerate(wanted)}
    listed = [item for item in items if json.dumps(identity(item), sort_keys=True) in positions]
    listed.sort(key=lambda item: positions[json.dumps(identity(item), sort_keys=True)])
    return listed + [item for item in items if json.dumps(identity(item), sort_keys=True) not in positions]
