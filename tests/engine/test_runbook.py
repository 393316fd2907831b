"""The no-LLM engine over the demo snapshot: analyzers, executable runbook steps, and the answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.analyzers.reader import ClusterReader
from app.engine.runbook import MAX_KUBECTL_STEPS, RunbookEngine, RunbookRequest, plan_steps
from app.events import Event
from app.runbooks import RunbookStore
from app.select import select
from app.snapshot.server import RunningSnapshot, start_snapshot_server
from app.targets import Targets
from app.tools.kubectl import CommandResult, KubectlRunner
from tests.analyzers.test_reader import DEAD_KUBECONFIG
from tests.support.app import DEMO_SNAPSHOT, RUNBOOKS

CART = "cart-hgjhk7psnj-x8xw6"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSnapshot]:
    with start_snapshot_server(DEMO_SNAPSHOT, kubeconfig_path=tmp_path_factory.mktemp("kube") / "kc") as running:
        yield running


@pytest.fixture(scope="module")
def store() -> RunbookStore:
    store = RunbookStore(RUNBOOKS, reload_interval_s=3600)
    store.refresh()
    return store


@pytest.fixture(scope="module")
def engine(demo: RunningSnapshot, store: RunbookStore, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[RunbookEngine]:
    reader = ClusterReader(demo.kubeconfig, None)
    runner = KubectlRunner(demo.kubeconfig, None, home=tmp_path_factory.mktemp("kubectl-home"))
    yield RunbookEngine(reader, runner, store)
    reader.close()


async def investigate(engine: RunbookEngine, store: RunbookStore, question: str, problem_type: str,
                      namespace: str | None = None) -> list[Event]:
    selection = select(problem_type, question, store.current())
    return [e async for e in engine.investigate(RunbookRequest(question, selection, namespace))]


def answer_of(events: list[Event]) -> str:
    answers = [e.data["text"] for e in events if e.type == "answer"]
    assert len(answers) == 1
    return str(answers[0])


def calls(events: list[Event], tool: str | None = None) -> list[dict[str, Any]]:
    return [e.data for e in events if e.type == "tool_call" and (tool is None or e.data["tool"] == tool)]


async def test_crashing_pod_root_cause_evidence_and_fix(engine: RunbookEngine, store: RunbookStore) -> None:
    events = await investigate(engine, store, f"why is {CART} crashing?", "pod_crash")
    tools = [c["tool"] for c in calls(events)]
    assert tools[0] == "cluster/read"
    assert {"analyzer/pods", "analyzer/logs", "analyzer/workloads"} <= set(tools)
    kubectl = [c["args"]["command"] for c in calls(events, "kubectl")]
    assert f"kubectl logs {CART} -n shop --previous --tail=80" in kubectl
    assert f"kubectl describe pod {CART} -n shop" in kubectl
    assert 0 < len(kubectl) <= MAX_KUBECTL_STEPS
    assert all(c.split()[1] in ("get", "describe", "logs", "events", "top") for c in kubectl)  # diagnostics only
    results = {e.data["id"]: e.data for e in events if e.type == "tool_result"}
    logs_call = next(c for c in calls(events, "kubectl") if c["args"]["command"].startswith(f"kubectl logs {CART}"))
    assert results[logs_call["id"]]["status"] == "success"
    assert "panic: invalid config: missing DATABASE_URL" in results[logs_call["id"]]["summary"]
    text = answer_of(events)
    assert text.startswith("**Root cause**\nContainer cart of pod shop/cart-hgjhk7psnj-x8xw6 panics: panic: "
                           "invalid config: missing DATABASE_URL")
    evidence = text.split("**Evidence**", 1)[1].split("**Fix**", 1)[0]
    assert "`panic: invalid config: missing DATABASE_URL`" in evidence
    assert "`status.containerStatuses[0].restartCount=9`" in evidence
    fix = text.split("**Fix**", 1)[1].split("**Also found**", 1)[0]
    assert "Provide DATABASE_URL to container cart" in fix
    assert "rollout undo" not in fix  # cart has one revision (one ReplicaSet): nothing to roll back to
    assert "**safe** (runbook `crashloop-backoff`): `kubectl rollout history deployment/cart -n shop`" in fix
    assert "OOMKilled" in text.split("**Also found**", 1)[1]
    assert not any("rollout undo" in c for c in kubectl)  # fixes are shown, never run


async def test_chinese_question_gets_a_chinese_answer(engine: RunbookEngine, store: RunbookStore) -> None:
    text = answer_of(await investigate(engine, store, "payment-gateway 为什么一直重启？", "pod_crash"))
    assert text.startswith("**根本原因**\nPod payments/payment-gateway-xbm6wv8mwm-zjgm4 的容器 metrics-proxy "
                           "无法绑定端口")
    assert "**证据**" in text and "**修复**" in text and "**其他发现**" in text
    assert "`spec.containers[name=gateway].ports.containerPort=8080 (same pod, same network namespace)`" in text
    assert "以下命令仅供参考，不会自动执行" in text


async def test_without_a_named_object_the_findings_pick_the_target(engine: RunbookEngine, store: RunbookStore) -> None:
    events = await investigate(engine, store, "Pod 一直在重启", "pod_crash")
    message = next(e.data["text"] for e in events if e.type == "message" and e.data["text"].startswith("Targets"))
    assert message.startswith("Targets (from the most relevant finding): namespace=shop, pod=" + CART)
    assert f"kubectl describe pod {CART} -n shop" in [c["args"]["command"] for c in calls(events, "kubectl")]
    assert "missing DATABASE_URL" in answer_of(events).split("**证据**")[0]


async def test_namespace_scopes_the_investigation(engine: RunbookEngine, store: RunbookStore) -> None:
    events = await investigate(engine, store, "Pod 一直在重启", "pod_crash", namespace="payments")
    assert calls(events, "cluster/read")[0]["args"]["namespace"] == "payments"
    text = answer_of(events)
    assert "address already in use" in text.split("**证据**")[0]
    assert "shop/" not in text


@pytest.mark.parametrize(("question", "problem_type", "cause"), [
    ("why is ledger-db pending", "pod_pending", "StorageClass fast-ssd does not exist (available: gp3)"),
    ("fraud-model pod stuck in Pending", "pod_pending", "2 Insufficient cpu; it requests cpu=6"),
    ("recommendation keeps restarting", "pod_crash", "was OOMKilled: it needs more memory than its limit 128Mi"),
    ("checkout returns 503", "network", "no pod matches its selector app=checkout-api"),
    ("catalog can't pull its image", "image_pull", "cannot pull image ghcr.io/acme-shop/catalog:2.14.0-rc1"),
    ("disk full on a node", "disk_full", "Node worker-3 has DiskPressure"),
])
async def test_each_demo_fault_is_the_root_cause_of_its_question(
        engine: RunbookEngine, store: RunbookStore, question: str, problem_type: str, cause: str) -> None:
    text = answer_of(await investigate(engine, store, question, problem_type))
    assert cause in text.split("**Evidence**")[0]


async def test_a_healthy_target_is_said_to_be_healthy(engine: RunbookEngine, store: RunbookStore) -> None:
    text = answer_of(await investigate(engine, store, "why is frontend crashing", "pod_crash"))
    assert text.startswith("**Premise contradicted**\nDeployment shop/frontend is not crashing")
    evidence = text.split("**Evidence**", 1)[1].split("**Also found**", 1)[0]
    assert "replicas ready 2/2" in evidence and "restarts 0" in evidence
    assert "**Root cause**" not in text and "**Fix**" not in text
    text = answer_of(await investigate(engine, store, "is frontend ok?", "general"))
    assert text.startswith("**Healthy**\nDeployment shop/frontend is healthy")


async def test_promql_steps_go_to_the_prometheus_hook(demo: RunningSnapshot, store: RunbookStore,
                                                      tmp_path: Path) -> None:
    queries: list[str] = []

    def prometheus(query: str) -> CommandResult:
        queries.append(query)
        return CommandResult(query, "success", "value 9")

    reader = ClusterReader(demo.kubeconfig, None)
    engine = RunbookEngine(reader, None, store, promql=prometheus)
    try:
        events = await investigate(engine, store, f"why is {CART} crashing?", "pod_crash")
    finally:
        reader.close()
    assert f'increase(kube_pod_container_status_restarts_total{{namespace="shop",pod="{CART}"}}[1h])' in queries
    assert [c["args"]["command"] for c in calls(events, "prometheus")] == queries
    assert not any(e.type == "message" and "PromQL" in e.data["text"] for e in events)


async def test_promql_steps_are_skipped_without_prometheus(engine: RunbookEngine, store: RunbookStore) -> None:
    events = await investigate(engine, store, f"why is {CART} crashing?", "pod_crash")
    assert not calls(events, "prometheus")
    assert any(e.type == "message" and e.data["text"].startswith("Skipped 3 PromQL step(s)") for e in events)


async def test_unreachable_cluster_falls_back_to_runbook_guidance(store: RunbookStore, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text(DEAD_KUBECONFIG)
    engine = RunbookEngine(ClusterReader(kubeconfig, None, timeout_s=3), None, store)
    events = await investigate(engine, store, "Pod 一直在重启", "pod_crash")
    result = next(e.data for e in events if e.type == "tool_result")
    assert result["status"] == "error" and "cannot reach the Kubernetes API" in result["summary"]
    text = answer_of(events)
    assert "无法读取集群" in text and "(runbook `crashloop-backoff`)" in text


def test_plan_steps_fill_what_they_can_targeted_first(store: RunbookStore) -> None:
    crashloop = store.current().runbooks["crashloop-backoff"]
    kubectl, promql = plan_steps([crashloop], Targets({"namespace": "shop", "pod": CART}, (), "question"))
    commands = [s.command for s in kubectl]
    assert commands[:3] == [f"kubectl get pod {CART} -n shop -o wide", f"kubectl describe pod {CART} -n shop",
                            f"kubectl logs {CART} -n shop --previous --tail=80"]
    assert not any("{" in c for c in commands if c)  # the {container} step is left out: no container known
    assert commands[-2:] == ["kubectl get events -A --field-selector=reason=BackOff --sort-by=.lastTimestamp",
                             "kubectl get pods -A -o wide --sort-by=.status.containerStatuses[0].restartCount"]
    assert len(promql) == 3
    nothing, _ = plan_steps([crashloop], Targets())
    assert [s.command for s in nothing] == commands[-2:]


async def test_max_steps_bounds_the_investigation(engine: RunbookEngine, store: RunbookStore) -> None:
    question = f"why is {CART} crashing?"
    selection = select("pod_crash", question, store.current())
    for bound in (1, 3, 8):
        events = [e async for e in engine.investigate(RunbookRequest(question, selection, None, max_steps=bound))]
        assert sum(e.type == "tool_result" for e in events) <= bound
        assert "missing DATABASE_URL" in answer_of(events).split("**Evidence**")[0]  # the same answer


async def test_a_cluster_question_gets_every_problem_grouped_by_root_cause(engine: RunbookEngine,
                                                                           store: RunbookStore) -> None:
    text = answer_of(await investigate(engine, store, "what's wrong with my cluster?", "cluster_health"))
    report = text.split("**Evidence**")[0]
    assert report.startswith("**Health report of the cluster**\n")
    for cause in ("StorageClass fast-ssd does not exist", "no pod matches its selector app=checkout-api",
                  "address already in use", "missing DATABASE_URL", "cannot pull image", "OOMKilled",
                  "Insufficient cpu", "Node worker-3 has DiskPressure"):
        assert cause in report
    assert "more (" not in report  # nothing hidden behind a pointer
    zh = answer_of(await investigate(engine, store, "集群有什么问题？", "cluster_health"))
    assert zh.startswith("**整个集群健康报告**") and "修复" in zh


async def test_absent_and_contradicted_subjects_are_said_so(engine: RunbookEngine, store: RunbookStore) -> None:
    text = answer_of(await investigate(engine, store, "disk full on node-2", "disk_full"))
    assert text.startswith("**Not found**\nNo Node named `node-2` exists in the cluster. Nearest real names: Node "
                           "worker-2")
    assert "**Root cause**" not in text
    text = answer_of(await investigate(engine, store, "worker-2 is NotReady, what happened?", "node_not_ready"))
    assert text.startswith("**Premise contradicted**\nNode worker-2 is not NotReady")
    assert "`status.conditions[Ready]=True (KubeletReady; since 2026-10-08T09:41:27Z)`" in text
    text = answer_of(await investigate(engine, store, "is node worker-1 ok?", "node_not_ready"))
    assert text.startswith("**Healthy**\nNode worker-1 is healthy") and "cordon" not in text


async def test_chinese_fix_titles(engine: RunbookEngine, store: RunbookStore) -> None:
    text = answer_of(await investigate(engine, store, f"{CART} 为什么一直崩溃？", "pod_crash"))
    fix = text.split("**修复**", 1)[1].split("**其他发现**", 1)[0]
    assert "查看是哪个版本引入了崩溃 — **safe** (runbook `crashloop-backoff`)" in fix
    assert "See which revision" not in fix


@pytest.mark.parametrize(("question", "problem_type", "start"), [
    # "in shop" names the namespace, though an Ingress is called shop too.
    ("which pods are failing in shop?", "general", "**Health report of namespace shop**"),
    ("shop 命名空间有什么问题", "cluster_health", "**命名空间 shop健康报告**"),
    # "the nightly job" is CronJob nightly-report, whose last run succeeded.
    ("why did the nightly job fail", "pod_crash", "**Premise contradicted**\nCronJob shop/nightly-report is not"),
    ("what happened to worker-3?", "node_not_ready", "**Root cause**\nNode worker-3 has DiskPressure"),
    ("is coredns ok", "network", "**Healthy**\nDeployment kube-system/coredns is healthy"),
    ("my deployment api-server keeps crashing", "pod_crash", "**Not found**\nNo Deployment named `api-server`"),
    ("what's wrong in namespace prod?", "cluster_health", "**Not found**\nNo Namespace named `prod`"),
])
async def test_the_answer_has_the_shape_the_question_asks_for(engine: RunbookEngine, store: RunbookStore,
                                                              question: str, problem_type: str, start: str) -> None:
    assert answer_of(await investigate(engine, store, question, problem_type)).startswith(start)


async def test_a_wrong_claim_about_a_broken_subject_is_noted(engine: RunbookEngine, store: RunbookStore) -> None:
    text = answer_of(await investigate(engine, store, "why is cart OOMKilled", "oom_killed"))
    root = text.split("**Evidence**")[0]
    assert root.startswith("**Root cause**\nContainer cart of pod shop/cart-hgjhk7psnj-x8xw6 panics")
    assert "_(Deployment shop/cart is not out of memory, as the question assumes: its actual problem is above.)_" \
        in root


async def test_a_question_of_one_kind_is_not_answered_by_another_kind(engine: RunbookEngine,
                                                                      store: RunbookStore) -> None:
    text = answer_of(await investigate(engine, store, "helm install failed: cannot re-use a name that is still in use",
                                       "helm_install"))
    assert text.startswith("**Root cause**\nThe analyzers found nothing related to the question")
    assert "address already in use" not in text.split("**Also found**")[0]
