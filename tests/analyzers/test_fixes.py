"""Fix commands: only the steps that apply to the cause, placeholders filled or an explicit choice, the
cause's own namespace, one recommended value."""

from __future__ import annotations

from app.analyzers.fixes import applies, fix_lines
from app.analyzers.model import Finding, ObjectRef
from app.runbooks import RunbookStore
from app.targets import Targets
from tests.analyzers.support import pod, view
from tests.support.app import RUNBOOKS


def _store() -> RunbookStore:
    store = RunbookStore(RUNBOOKS)
    store.refresh()
    return store


def image_finding(why: str) -> Finding:
    return Finding("pods", "critical", ObjectRef("Pod", "shop", "catalog-1"), "ImagePullBackOff",
                   f"Container catalog of pod shop/catalog-1 cannot pull image x:2 (ImagePullBackOff): {why}.",
                   targets={"namespace": "shop", "pod": "catalog-1", "container": "catalog",
                            "deployment": "catalog"}, runbook="image-pull-backoff")


def test_registry_credentials_only_for_a_refused_pull_and_a_new_tag_only_for_a_missing_one() -> None:
    runbooks = _store().current()
    missing = "\n".join(fix_lines([image_finding("the image or tag does not exist in the registry")], runbooks, [],
                                  Targets({"namespace": "other"}), False))
    assert "kubectl set image deployment/catalog catalog=<choose registry/repository:existing tag> -n shop" in missing
    assert "regcred" not in missing and "REGISTRY" not in missing
    refused = "\n".join(fix_lines([image_finding("the registry refused access (check imagePullSecrets)")], runbooks,
                                  [], Targets({}), False))
    assert "kubectl create secret generic regcred -n shop" in refused
    assert "set image" not in refused


def test_placeholders_are_filled_from_the_cluster() -> None:
    cluster = view(pods=[pod("web-1", "shop", containers=[{"name": "web", "image": "w:1",
                                                            "ports": [{"containerPort": 9000}]}])])
    finding = Finding("services", "critical", ObjectRef("Service", "shop", "web"), "NoEndpoints", "no endpoints",
                      targets={"namespace": "shop", "service": "web", "pod": "web-1", "container": "web"},
                      runbook="service-connectivity")
    text = "\n".join(fix_lines([finding], _store().current(), [], Targets({}), False, cluster))
    assert "kubectl port-forward pod/web-1 -n shop 8080:9000" in text


def test_steps_apply_only_to_their_cause() -> None:
    assert not applies("See which process holds the port on the node (ss -ltnp)", "kubectl debug node/n1",
                       "metrics-proxy cannot bind: address already in use; containerPort=8080 (same pod, same "
                       "network namespace)")
    assert applies("See which process holds the port on the node (ss -ltnp)", "kubectl debug node/n1",
                   "spec.hostNetwork=true (the port is on the node's network)")
    assert not applies("Make a cordoned node schedulable again", "kubectl uncordon n1", "Insufficient cpu")
    assert applies("Lower over-sized requests (example values)", "kubectl set resources", "2 Insufficient cpu")
