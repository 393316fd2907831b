"""Small builders for hand-made cluster objects (for cases the demo snapshot does not contain)."""

from __future__ import annotations

from typing import Any

from app.analyzers.model import Finding
from app.analyzers.view import ClusterView

Obj = dict[str, Any]

CART = "cart-hgjhk7psnj-x8xw6"
RECOMMENDATION_DOWN = "recommendation-2bfxc7tqs6-fm8pc"
RECOMMENDATION_UP = "recommendation-2bfxc7tqs6-v7p49"
CATALOG = "catalog-7vbjmd8b9v-8np6c"
GATEWAY = "payment-gateway-xbm6wv8mwm-zjgm4"
FRAUD = "fraud-model-hzsnr26sgl-n5lzz"
EVICTED = "image-resizer-c7wsxm8zf8-nspf7"


def meta(name: str, namespace: str | None = "ns", **extra: Any) -> Obj:
    out: Obj = {"name": name, **extra}
    if namespace:
        out["namespace"] = namespace
    return out


def pod(name: str, namespace: str = "ns", statuses: list[Obj] | None = None, phase: str = "Running",
        labels: dict[str, str] | None = None, containers: list[Obj] | None = None, **status: Any) -> Obj:
    spec_containers = containers or [{"name": s["name"], "image": s.get("image", "img:1")} for s in statuses or []]
    return {"metadata": meta(name, namespace, labels=labels or {}),
            "spec": {"containers": spec_containers or [{"name": "app", "image": "img:1"}], "nodeName": "n1"},
            "status": {"phase": phase, "containerStatuses": statuses or [], **status}}


def event(kind: str, name: str, reason: str, message: str, namespace: str | None = "ns", count: int = 1,
          field_path: str | None = None, last: str = "2026-11-18T09:40:00Z") -> Obj:
    involved: Obj = {"kind": kind, "name": name}
    if namespace:
        involved["namespace"] = namespace
    if field_path:
        involved["fieldPath"] = field_path
    return {"metadata": meta(f"{name}.{reason}", namespace or "default"), "involvedObject": involved,
            "reason": reason, "message": message, "type": "Warning", "count": count, "lastTimestamp": last}


def view(**objects: list[Obj]) -> ClusterView:
    secret_names = objects.pop("secret_names", None)
    names = {str(s["namespace"]): set(s["names"]) for s in secret_names or []}
    return ClusterView(objects, secret_names=names)


def only(findings: list[Finding], reason: str, name: str | None = None) -> Finding:
    found = [f for f in findings if f.reason == reason and (name is None or f.object.name == name)]
    seen = [(f.reason, str(f.object)) for f in findings]
    assert len(found) == 1, f"expected one {reason} finding for {name}, got {seen}"
    return found[0]
