"""Targets: namespaces and object names pulled out of questions, matched against the demo cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.analyzers.model import Finding, ObjectRef
from app.analyzers.reader import ClusterReader
from app.analyzers.registry import default_registry
from app.analyzers.view import ClusterView
from app.snapshot.server import start_snapshot_server
from app.targets import Targets, explicit_namespace, extract_targets, fill
from tests.support.app import DEMO_SNAPSHOT

CART = "cart-hgjhk7psnj-x8xw6"


@pytest.fixture(scope="module")
def demo_view(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterView]:
    with start_snapshot_server(DEMO_SNAPSHOT, kubeconfig_path=tmp_path_factory.mktemp("t") / "kc") as snap:
        reader = ClusterReader(snap.kubeconfig, None)
        yield reader.read(default_registry().kinds())
        reader.close()


@pytest.mark.parametrize(("question", "namespace"), [
    ("kubectl get pods -n shop is all red", "shop"),
    ("pods in --namespace=payments crash", "payments"),
    ("what is wrong in namespace monitoring?", "monitoring"),
    ("命名空间 shop 里的 Pod 一直重启", "shop"),
    ("命名空间：payments 有问题", "payments"),
    ("look at ns/kube-system", "kube-system"),
    ("why is my pod crashing", None),
    ("in production the api fails", None),  # a loose form: only taken when the namespace exists
])
def test_explicit_namespaces(question: str, namespace: str | None) -> None:
    assert explicit_namespace(question) == namespace


def test_loose_namespace_forms_need_an_existing_namespace(demo_view: ClusterView) -> None:
    assert extract_targets("why do pods crash in shop", demo_view).namespace == "shop"
    assert extract_targets("shop 命名空间的服务访问不了", demo_view).namespace == "shop"
    assert extract_targets("the payments namespace is broken", demo_view).namespace == "payments"
    assert extract_targets("why do pods crash in production", demo_view).namespace is None
    assert extract_targets("pods crash in shop", demo_view, namespace="payments").namespace == "payments"


def test_a_pod_named_in_the_question(demo_view: ClusterView) -> None:
    targets = extract_targets(f"why is {CART} crashing?", demo_view)
    assert targets.named == (ObjectRef("Pod", "shop", CART),)
    assert targets.source == "question"
    assert dict(targets.values) == {"namespace": "shop", "pod": CART, "container": "cart", "node": "worker-2",
                                    "deployment": "cart", "service": "cart"}


def test_a_workload_named_in_the_question_picks_its_failing_pod(demo_view: ClusterView) -> None:
    targets = extract_targets("recommendation 为什么一直重启", demo_view)
    assert ObjectRef("Deployment", "shop", "recommendation") in targets.named
    assert ObjectRef("Service", "shop", "recommendation") in targets.named
    assert targets.values["pod"] == "recommendation-2bfxc7tqs6-fm8pc"  # the one that is down, not the healthy one
    assert targets.values["deployment"] == "recommendation"


def test_statefulset_service_pvc_and_node_names(demo_view: ClusterView) -> None:
    ledger = extract_targets("why is ledger-db pending", demo_view)
    assert ledger.values["pod"] == "ledger-db-0" and ledger.values["pvc"] == "data-ledger-db-0"
    assert ObjectRef("StatefulSet", "payments", "ledger-db") in ledger.named
    claim = extract_targets("PVC data-ledger-db-0 stuck", demo_view)
    assert claim.values == {"namespace": "payments", "pvc": "data-ledger-db-0", "pod": "ledger-db-0",
                            "container": "postgres", "service": "ledger-db"}
    node = extract_targets("worker-3 磁盘满了", demo_view)
    assert node.named == (ObjectRef("Node", None, "worker-3"),) and node.values == {"node": "worker-3"}
    svc = extract_targets("service checkout returns 503", demo_view)
    assert svc.values["service"] == "checkout" and svc.values["namespace"] == "shop"


def test_common_words_and_unknown_names_are_not_targets(demo_view: ClusterView) -> None:
    assert extract_targets("why is my kubernetes pod crashing on the default node", demo_view).named == ()
    assert extract_targets("Pod 一直在重启", demo_view) == Targets({}, (), "none")


def test_targets_from_a_finding_keep_the_question_values() -> None:
    finding = Finding("pods", "critical", ObjectRef("Pod", "shop", CART), "CrashLoopBackOff", "m",
                      targets={"namespace": "shop", "pod": CART, "container": "cart"})
    merged = Targets({"namespace": "shop"}, (), "question").with_finding(finding)
    assert merged.source == "findings" and merged.values["pod"] == CART


def test_fill_placeholders_only_with_valid_names() -> None:
    values = {"namespace": "shop", "pod": CART}
    assert fill("kubectl logs {pod} -n {namespace} --previous", values) == f"kubectl logs {CART} -n shop --previous"
    assert fill("kubectl describe node {node}", values) is None
    assert fill('increase(x{namespace="{namespace}",pod="{pod}"}[1h])', values) == (
        f'increase(x{{namespace="shop",pod="{CART}"}}[1h])')
    assert fill("kubectl get pod {pod}", {"pod": "x; rm -rf /"}) is None  # never a shell string
