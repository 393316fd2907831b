"""The checks a write must pass before the snapshot server stores it, worded as kube-apiserver words them.

Not the full API validation: the rules a remediation is likely to break (names, labels, replicas,
containers, resource quantities, a Deployment's selector), so a bad patch is a 422 rather than a
silently stored object.
"""

from __future__ import annotations

import re
from typing import Any

from app.snapshot.errors import ApiError
from app.snapshot.resources import ResourceType

Obj = dict[str, Any]

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$")
_REPLICATED = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")


def _label_key_ok(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return False
    return len(name) <= 63 and bool(_LABEL_NAME.match(name))


def _string_map(value: Any, field: str, causes: list[tuple[str, str]], labels: bool) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        causes.append((field, "Invalid value: must be a map of strings"))
        return
    for key, item in value.items():
        if not isinstance(item, str):
            causes.append((f"{field}.{key}", f"Invalid value: {item!r}: must be a string"))
        elif labels and (len(item) > 63 or not _LABEL_VALUE.match(item)):
            causes.append((field, f"Invalid value: {item!r}: a valid label must be an empty string or "
                                  "consist of alphanumeric characters, '-', '_' or '.'"))
        if labels and not _label_key_ok(str(key)):
            causes.append((field, f"Invalid value: {key!r}: name part must consist of alphanumeric characters, "
                                  "'-', '_' or '.'"))


def _pod_spec(spec: Any, field: str, causes: list[tuple[str, str]]) -> None:
    if not isinstance(spec, dict):
        causes.append((field, "Required value"))
        return
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        causes.append((f"{field}.containers", "Required value"))
        return
    seen: set[str] = set()
    for index, container in enumerate(containers):
        where = f"{field}.containers[{index}]"
        if not isinstance(container, dict):
            causes.append((where, "Invalid value: must be an object"))
            continue
        name = container.get("name")
        if not isinstance(name, str) or not _DNS_LABEL.match(name):
            causes.append((f"{where}.name", f"Invalid value: {name!r}: a lowercase RFC 1123 label is required"))
        elif name in seen:
            causes.append((f"{where}.name", f"Duplicate value: {name!r}"))
        else:
            seen.add(name)
        image = container.get("image")
        if not isinstance(image, str) or not image.strip():
            causes.append((f"{where}.image", "Required value"))
        resources = container.get("resources") or {}
        for section in ("limits", "requests"):
            for resource, quantity in (resources.get(section) or {}).items():
                if not isinstance(quantity, str | int | float) or not _QUANTITY.match(str(quantity)):
                    causes.append((f"{where}.resources.{section}[{resource}]",
                                   f"Invalid value: {quantity!r}: must be a quantity such as 512Mi or 250m"))


def validate(resource: ResourceType, obj: Obj) -> None:
    """Raise ApiError 422 `Invalid` listing every rule `obj` breaks."""
    causes: list[tuple[str, str]] = []
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        causes.append(("metadata", "Required value"))
        meta = {}
    name = meta.get("name")
    if not isinstance(name, str) or len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        causes.append(("metadata.name", f"Invalid value: {name!r}: a lowercase RFC 1123 subdomain is required"))
    _string_map(meta.get("labels"), "metadata.labels", causes, labels=True)
    _string_map(meta.get("annotations"), "metadata.annotations", causes, labels=False)
    spec = obj.get("spec")
    if resource.kind in _REPLICATED and isinstance(spec, dict):
        replicas = spec.get("replicas", 1)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            causes.append(("spec.replicas", f"Invalid value: {replicas!r}: must be greater than or equal to 0"))
        template = spec.get("template")
        if not isinstance(template, dict):
            causes.append(("spec.template", "Required value"))
        else:
            _pod_spec(template.get("spec"), "spec.template.spec", causes)
            wanted = ((spec.get("selector") or {}).get("matchLabels") or {}) if resource.kind != "StatefulSet" \
                else {}
            labels = (template.get("metadata") or {}).get("labels") or {}
            if isinstance(wanted, dict) and any(labels.get(k) != v for k, v in wanted.items()):
                causes.append(("spec.template.metadata.labels",
                               f"Invalid value: {labels!r}: `selector` does not match template `labels`"))
    elif resource.kind == "Pod":
        _pod_spec(spec, "spec", causes)
    if causes:
        qualified = f"{resource.kind}.{resource.group}" if resource.group else resource.kind
        message = f'{qualified} "{name}" is invalid: ' + ", ".join(f"{f}: {m}" for f, m in causes)
        details: dict[str, object] = {
            "name": str(name), "kind": resource.kind,
            "causes": [{"reason": "FieldValueInvalid", "message": m, "field": f} for f, m in causes]}
        if resource.group:
            details["group"] = resource.group
        raise ApiError(422, "Invalid", message, details)
