"""Strategic merge, merge and JSON patches on plain documents (kubectl's bodies are covered in test_writable)."""

from __future__ import annotations

import json

import pytest

from app.snapshot.patches import (
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    PatchError,
    apply_patch,
    merge_patch,
    strategic_merge_patch,
)

POD_SPEC = {
    "containers": [
        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
         "ports": [{"containerPort": 80, "name": "http"}]},
        {"name": "sidecar", "image": "side:1"},
    ],
    "volumes": [{"name": "data", "emptyDir": {}}],
    "tolerations": [{"key": "a"}],
}


def test_merge_patch_is_rfc_7386() -> None:
    assert merge_patch({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}, "f": [1]}) == {
        "a": 1, "b": {"d": 3, "e": 4}, "f": [1]}
    assert merge_patch({"l": [1, 2]}, {"l": [3]}) == {"l": [3]}


def test_strategic_merges_containers_env_and_ports_by_key() -> None:
    patched = strategic_merge_patch(POD_SPEC, {"containers": [
        {"name": "app", "env": [{"name": "B", "value": "x"}, {"name": "C", "value": "3"}],
         "ports": [{"containerPort": 80, "protocol": "TCP"}]}]})
    app, sidecar = patched["containers"]
    assert app["image"] == "app:1" and sidecar == POD_SPEC["containers"][1]
    assert app["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "x"}, {"name": "C", "value": "3"}]
    assert app["ports"] == [{"containerPort": 80, "name": "http", "protocol": "TCP"}]


def test_strategic_directives() -> None:
    deleted = strategic_merge_patch(POD_SPEC, {"containers": [{"name": "sidecar", "$patch": "delete"}]})
    assert [c["name"] for c in deleted["containers"]] == ["app"]
    replaced = strategic_merge_patch(POD_SPEC, {"volumes": [{"name": "new", "emptyDir": {}}, {"$patch": "replace"}]})
    assert replaced["volumes"] == [{"name": "new", "emptyDir": {}}]
    ordered = strategic_merge_patch(POD_SPEC, {"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
                                               "containers": [{"name": "app", "image": "app:2"}]})
    assert [(c["name"], c["image"]) for c in ordered["containers"]] == [("sidecar", "side:1"), ("app", "app:2")]
    retained = strategic_merge_patch({"a": 1, "b": 2}, {"$retainKeys": ["b"], "b": 3})
    assert retained == {"b": 3}
    primitive = strategic_merge_patch({"finalizers": ["a", "b"]}, {"$deleteFromPrimitiveList/finalizers": ["a"]})
    assert primitive == {"finalizers": ["b"]}
    assert strategic_merge_patch({"finalizers": ["a"]}, {"finalizers": ["b"]}) == {"finalizers": ["a", "b"]}
    assert strategic_merge_patch({"m": {"x": 1}}, {"m": {"$patch": "replace", "y": 2}}) == {"m": {"y": 2}}
    assert strategic_merge_patch(POD_SPEC, {"tolerations": [{"key": "b"}]})["tolerations"] == [{"key": "b"}]


def test_service_ports_merge_by_port() -> None:
    service = {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}}
    patched = strategic_merge_patch(service, {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}})
    assert patched["spec"]["ports"] == [{"port": 80, "targetPort": 9090}, {"port": 443}]


def test_json_patch_and_errors() -> None:
    doc = {"spec": {"replicas": 1}}
    ops = json.dumps([{"op": "replace", "path": "/spec/replicas", "value": 3}]).encode()
    assert apply_patch(JSON_PATCH, doc, ops) == {"spec": {"replicas": 3}} and doc == {"spec": {"replicas": 1}}
    with pytest.raises(PatchError) as unapplicable:
        apply_patch(JSON_PATCH, doc, b'[{"op": "remove", "path": "/nope"}]')
    assert not unapplicable.value.bad_request
    with pytest.raises(PatchError) as malformed:
        apply_patch(JSON_PATCH, doc, b'{"op": "remove"}')
    assert malformed.value.bad_request
    for content_type, body in ((MERGE_PATCH, b"[1]"), (STRATEGIC_MERGE_PATCH, b"{"),
                               (STRATEGIC_MERGE_PATCH, b'{"$patch": "explode"}'),
                               (STRATEGIC_MERGE_PATCH, b'{"containers": [{"image": "no-name"}]}')):
        with pytest.raises(PatchError) as bad:
            apply_patch(content_type, POD_SPEC, body)
        assert bad.value.bad_request, body
