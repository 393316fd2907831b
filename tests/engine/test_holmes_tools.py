"""The model's tool arguments → validated typed calls (and clear errors back to the model)."""

from __future__ import annotations

import pytest

from app.engine.holmes_tools import ACTION_PARAMETERS, READ_PARAMETERS, CallError, action_call, read_call
from app.tools import kube_calls as kc


@pytest.mark.parametrize(("params", "shown"), [
    ({"verb": "get", "kind": "pods", "namespace": "shop", "output": "wide"}, "kubectl get pods -n shop -o wide"),
    ({"verb": "logs", "name": "web-0", "namespace": "shop", "previous": True, "tail": 50},
     "kubectl logs web-0 -n shop --previous --tail=50"),
    ({"verb": "events", "kind": "pod", "name": "web-0", "namespace": "shop", "type": "Warning"},
     "kubectl get events -n shop --field-selector=involvedObject.kind=Pod,involvedObject.name=web-0,type=Warning "
     "--sort-by=.lastTimestamp"),
    ({"verb": "top", "kind": "nodes"}, "kubectl top node"),
    ({"verb": "rollout_history", "name": "web", "namespace": "shop"}, "kubectl rollout history deployment/web -n shop"),
    ({"verb": "get", "kind": "nodes", "columns": {"NAME": ".metadata.name"}},
     "kubectl get nodes -o custom-columns=NAME:.metadata.name"),
    ({"verb": "helm_releases", "all_namespaces": True},
     "kubectl get secrets -A -l owner=helm --label-columns=name,status,version"),
    ({"verb": "get", "kind": "pods", "name": None, "namespace": "", "previous": False}, "kubectl get pods"),
])
def test_reads_map_onto_typed_calls(params: dict, shown: str) -> None:
    call, _ = read_call(params)
    assert call.display() == shown
    assert not call.mutating


@pytest.mark.parametrize(("params", "problem"), [
    ({"verb": "exec", "name": "web-0"}, "verb must be one of"),
    ({"verb": "get", "kind": "secrets"}, "Secrets are never read"),
    ({"verb": "get", "kind": "pods", "command": "kubectl delete ns shop"}, "does not take command"),
    ({"verb": "logs", "name": "web-0", "replicas": 3}, "does not take replicas"),
    ({"verb": "get", "kind": "pods", "namespace": "-shttp://127.0.0.1:1"}, "namespace"),
    ({"verb": "get", "kind": "pods", "grep": "(unclosed"}, None),  # compiled when it runs: a tool error then
])
def test_bad_reads_are_refused_with_the_reason(params: dict, problem: str | None) -> None:
    if problem is None:
        _call, shape = read_call(params)
        with pytest.raises(ValueError):
            shape.compile()
        return
    with pytest.raises(CallError, match=problem):
        read_call(params)


def test_actions_map_onto_typed_actions() -> None:
    scale = action_call({"action": "scale", "name": "web", "namespace": "shop", "replicas": 0})
    assert isinstance(scale, kc.Scale) and scale.mutating
    patch = action_call({"action": "patch", "kind": "deployment", "name": "web", "namespace": "shop",
                         "patch": [{"op": "remove", "path": "/spec/x"}]})
    assert isinstance(patch, kc.Patch) and patch.patch_type == "json"
    cordon = action_call({"action": "uncordon", "name": "node-1"})
    assert cordon.display() == "kubectl uncordon node-1"
    with pytest.raises(CallError, match="action must be one of"):
        action_call({"action": "delete_namespace", "name": "shop"})


def test_the_schemas_stay_small() -> None:
    # Sent on every LLM call: a few short parameters, not every field the typed calls accept.
    assert len(READ_PARAMETERS) <= 14 and len(ACTION_PARAMETERS) <= 12
