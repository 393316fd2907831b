"""Subject resolution: the objects a question names (found / absent with the nearest names), its claims, its
scope; and the verdicts on a corpus cluster served by the real snapshot server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.analyzers.model import ObjectRef
from app.analyzers.reader import ClusterReader
from app.analyzers.registry import all_findings, default_registry, run_analyzers
from app.analyzers.subject import claims_of, resolve
from app.analyzers.verdict import judge, report_groups
from app.analyzers.view import ClusterView
from app.snapshot.server import start_snapshot_server
from bench.diagnosis_corpus.clusters import SCENARIOS, build


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterView]:
    """The corpus's cluster-report cluster: a crash, an exhausted quota, a PVC without its class, a decoy."""
    root = tmp_path_factory.mktemp("subject")
    snapshot = build(next(s for s in SCENARIOS if s.name == "cluster-report")).write(root / "snap", "test")
    with start_snapshot_server(snapshot, kubeconfig_path=root / "kc") as running:
        reader = ClusterReader(running.kubeconfig, None)
        registry = default_registry()
        yield reader.read(registry.kinds(), None, registry.kind_specs())
        reader.close()


@pytest.mark.parametrize(("question", "found", "absent"), [
    ("why is checkout crashing?", [ObjectRef("Deployment", "shop", "checkout")], []),
    ("checkout 为什么一直崩溃？", [ObjectRef("Deployment", "shop", "checkout")], []),
    ("is node worker-1 ok?", [ObjectRef("Node", None, "worker-1")], []),
    ("节点 worker-2 为什么 NotReady", [ObjectRef("Node", None, "worker-2")], []),
    ("deploy/orders-api is slow", [ObjectRef("Deployment", "shop", "orders-api")], []),
    ("the vault-0 pod never starts", [ObjectRef("Pod", "payments", "vault-0")], []),
    ("disk full on node-2", [], ["node-2"]),
    ("why does pod orders-api-5d8f9-abcde keep crashing?", [], ["orders-api-5d8f9-abcde"]),
    ("what is wrong with deployment ledgr?", [], ["ledgr"]),  # a typo of a real name
    # Plain words next to a kind word, version strings and image references are not names.
    ("my checkout service returns 500 errors", [ObjectRef("Service", "shop", "checkout")], []),
    ("store.example.com gives 502 through ingress nothing-here", [], ["nothing-here"]),
    ("pull of ghcr.io/acme/catalog:2.14.0-rc9 fails", [], []),
    ("what's wrong with my cluster?", [], []),
])
def test_names_in_questions(view: ClusterView, question: str, found: list[ObjectRef], absent: list[str]) -> None:
    resolution = resolve(question, view, None, broad=False)
    assert list(resolution.found[:len(found)]) == found
    assert [a.name for a in resolution.absent] == absent


def test_absent_names_come_with_the_nearest_real_ones(view: ClusterView) -> None:
    node = resolve("disk full on node-2", view, None, broad=False).absent[0]
    assert node.kind == "Node" and node.nearest[0] == ObjectRef("Node", None, "worker-2")
    pod = resolve("pod orders-api-5d8f9-abcde crashes", view, None, broad=False).absent[0]
    assert ObjectRef("Deployment", "shop", "orders-api") in pod.nearest


@pytest.mark.parametrize(("question", "claims"), [
    ("worker-2 is NotReady, what happened?", ("not_ready",)),
    ("worker-2 宕机了", ("not_ready",)),
    ("disk full on worker-3", ("disk",)),
    ("why is frontend crashing", ("crashing",)),
    ("orders-api pods are stuck pending", ("pending",)),
    ("is frontend ok?", ()),
])
def test_claims(question: str, claims: tuple[str, ...]) -> None:
    assert claims_of(question) == claims


def test_scope(view: ClusterView) -> None:
    assert resolve("what's wrong with my cluster?", view, None, broad=True).scope == "cluster"
    assert resolve("check the health of namespace payments", view, "payments", broad=True).scope == "namespace"
    assert resolve("Pod 一直在重启", view, None, broad=False).scope == "problem"
    assert resolve("is frontend ok?", view, None, broad=True).scope == "subject"


def test_verdicts(view: ClusterView) -> None:
    findings = all_findings(run_analyzers(view, default_registry()))

    def verdict(question: str, broad: bool = False) -> str:
        return judge(view, resolve(question, view, None, broad), findings, []).kind

    assert verdict("why is checkout crashing?") == "broken"
    assert verdict("why is frontend crashing?") == "contradicted"
    assert verdict("worker-2 is NotReady") == "contradicted"
    assert verdict("is frontend ok?", broad=True) == "healthy"
    assert verdict("why is pod nope-7c9d-x2x crashing") == "absent"
    assert verdict("what's wrong with my cluster?", broad=True) == "report"
    chain = judge(view, resolve("exporter has no pods", view, None, False), findings, []).group
    assert [f.reason for f in chain][:2] == ["QuotaExceeded", "FailedCreate"]  # the cause, then the symptoms
    assert not any("batch-worker" in str(f.object) for f in chain)  # the decoy is not in the chain


def test_the_report_groups_every_problem_by_root_cause(view: ClusterView) -> None:
    findings = all_findings(run_analyzers(view, default_registry()))
    groups = report_groups(findings, None)
    causes = [g[0].reason for g in groups]
    assert sorted(causes) == ["Panic", "Panic", "ProvisioningFailed", "QuotaExceeded"]
    shown = sorted(id(f) for g in groups for f in g)
    assert shown == sorted(id(f) for f in findings if f.analyzer != "events")  # nothing hidden, nothing twice
    checkout = next(g for g in groups if "checkout" in str(g[0].object))
    assert {f.reason for f in checkout} >= {"Panic", "CrashLoopBackOff", "UnavailableReplicas", "NoReadyEndpoints"}
    assert [g[0].reason for g in report_groups(findings, "payments")] == ["ProvisioningFailed"]


def test_a_namespace_is_a_scope_not_a_subject(view: ClusterView) -> None:
    resolution = resolve("is everything ok in payments?", view, None, broad=True)
    assert resolution.scope == "namespace" and resolution.namespace == "payments"
