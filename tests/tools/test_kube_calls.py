"""Typed calls: every value checked against its Kubernetes grammar; the service writes every flag."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.tools import kube_calls as kc

BAD_VALUES = ["-shttp://127.0.0.1:9", "--server=http://x", "a b", "x;id", "$(id)", "`id`", "../etc/passwd",
              "/etc/passwd", "x\n--raw=/api", "", "UPPER", "-v9", "a" * 300]


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("field", ["name", "namespace"])
def test_names_and_namespaces_follow_the_kubernetes_rules(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        kc.Get(kind="pods", **{field: value})


@pytest.mark.parametrize("kind", ["secret", "secrets", "Secrets", "SECRET", "secrets.v1.", "secret.v1", "secrets.",
                                  "pods,secrets", "secrets,pods", "%73ecrets", "ѕecrets", "-shttp://x", "pods -A",
                                  "pods;id", "secrets.v1"])
def test_secrets_and_malformed_kinds_are_refused(kind: str) -> None:
    with pytest.raises(ValidationError):
        kc.Get(kind=kind)


@pytest.mark.parametrize("kind", ["pods", "deployments.apps", "ingress", "pvc", "deploy,rs,svc", "Pod",
                                  "horizontalpodautoscalers.v2.autoscaling", "secretstores.external-secrets.io"])
def test_ordinary_kinds_pass(kind: str) -> None:
    assert kc.Get(kind=kind).kind == kind


@pytest.mark.parametrize(("selector", "ok"), [
    ("app=cart", True), ("app in (web,api),tier!=db", True), ("!canary", True),
    ("app.kubernetes.io/name==web", True), ("app=cart -s http://x", False), ("app=$(id)", False),
    ("a=b,--raw=/x", False), ("app=cart;id", False)])
def test_label_selector_grammar(selector: str, ok: bool) -> None:
    if ok:
        assert kc.Get(kind="pods", selector=selector).args()[-1] == f"--selector={selector}"
    else:
        with pytest.raises(ValidationError):
            kc.Get(kind="pods", selector=selector)


@pytest.mark.parametrize(("field", "value"), [
    ("field_selector", "status.phase=Running --raw=/x"), ("sort_by", ".metadata.name --server=x"),
    ("columns", ["X:/etc/passwd"]), ("columns", ["X:.a --template=/f"]), ("output", "go-template-file=/f"),
    ("output", "jsonpath={.items}")])
def test_other_get_values(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        kc.Get(kind="pods", **{field: value})


def test_argv_is_built_by_the_service_with_attached_values() -> None:
    call = kc.Get(kind="pods", namespace="shop", selector="app=web", field_selector="status.phase!=Running",
                  output="yaml", sort_by=".metadata.name")
    assert call.args() == ["get", "pods", "--namespace=shop", "--selector=app=web",
                           "--field-selector=status.phase!=Running", "--output=json", "--sort-by=.metadata.name"]
    assert call.structured == "yaml"  # fetched as JSON, redacted structurally, rendered as YAML by us
    assert call.display() == ("kubectl get pods -n shop -l app=web --field-selector=status.phase!=Running "
                              "-o yaml --sort-by=.metadata.name")


def test_reads_are_not_actions_and_actions_preview_as_server_dry_runs() -> None:
    assert not any(cls.mutating for cls in kc.READ_CALLS.values())
    assert all(cls.mutating for cls in kc.ACTION_CALLS.values())
    scale = kc.Scale(name="cart", namespace="shop", replicas=3)
    assert scale.preview_args()[-1] == "--dry-run=server"


def test_actions_validate_their_values() -> None:
    with pytest.raises(ValidationError):
        kc.SetImage(name="cart", namespace="shop", container="cart", image="nginx --server=http://x")
    with pytest.raises(ValidationError):
        kc.SetResources(name="cart", namespace="shop", limits={"memory": "1Gi,cpu=9"})
    with pytest.raises(ValidationError):
        kc.Patch(kind="secret", name="x", namespace="shop", patch={})  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        kc.DeletePod(namespace="shop", phase="Running")  # type: ignore[arg-type]
    patch = kc.Patch(kind="deployment", name="cart", namespace="shop", patch={"spec": {"replicas": 0}})
    assert patch.args()[-1] == '--patch={"spec":{"replicas":0}}'  # data, one argv element


def test_helm_releases_read_only_labels_of_helm_secrets() -> None:
    call = kc.HelmReleases(all_namespaces=True, release="web")
    assert call.args() == ["get", "secrets", "--all-namespaces", "--selector=owner=helm,name=web",
                           "--label-columns=name,status,version"]
    assert call.structured is None  # a table: names, types, key counts, labels — never data
