"""The registry: built-ins registered like plugins, a broken analyzer reported, runbooks attached."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from app.analyzers.mapping import runbook_for, types_of
from app.analyzers.model import Finding, ObjectRef, reasons
from app.analyzers.registry import Registry, builtin_analyzers, default_registry, run_analyzers
from app.analyzers.view import ClusterView, KindSpec
from app.runbooks import RunbookStore
from tests.support.app import RUNBOOKS


class LabelAnalyzer:
    """A plugin: flags pods without an `owner` label."""

    name = "owner-label"
    kinds = frozenset({"pods"})

    def analyze(self, view: ClusterView) -> list[Finding]:
        return [Finding(self.name, "info", ObjectRef("Pod", p["metadata"].get("namespace"), p["metadata"]["name"]),
                        "MissingOwnerLabel", "no owner label")
                for p in view.items("pods") if "owner" not in (p["metadata"].get("labels") or {})]


class Broken:
    name = "broken"
    kinds = frozenset({"pods"})

    def analyze(self, view: ClusterView) -> list[Finding]:
        return [view.items("pods")[99]]  # IndexError


def test_builtins_cover_every_concern() -> None:
    assert default_registry().names == ["pods", "workloads", "services", "ingresses", "pvcs", "nodes", "jobs", "logs",
                                        "admission", "addons", "netpol", "ports", "hpa", "helm", "events"]
    assert "secrets" not in default_registry().kinds()  # Secret names are fetched on demand, never as a list


def test_a_plugin_registers_like_a_builtin_and_names_are_unique(demo_view: ClusterView) -> None:
    registry = Registry(builtin_analyzers())
    registry.register(LabelAnalyzer())
    with pytest.raises(ValueError, match="already registered"):
        registry.register(LabelAnalyzer())
    runs = {run.name: run for run in run_analyzers(demo_view, registry)}
    assert len(runs["owner-label"].findings) == 24


def test_a_broken_analyzer_is_reported_not_fatal(demo_view: ClusterView) -> None:
    runs = run_analyzers(demo_view, Registry([Broken(), LabelAnalyzer()]))
    assert runs[0].error is not None and runs[0].error.startswith("IndexError")
    assert runs[1].error is None and runs[1].findings


def test_reasons_map_to_problem_types_and_runbooks() -> None:
    store = RunbookStore(RUNBOOKS)
    store.refresh()
    runbooks = store.current()

    def finding(reason: str, cause: str | None = None, message: str = "") -> Finding:
        return Finding("x", "critical", ObjectRef("Pod", "ns", "p"), reason, message, cause=cause)

    assert runbook_for(finding("CrashLoopBackOff"), runbooks) == "crashloop-backoff"
    assert runbook_for(finding("OOMKilled"), runbooks) == "oom-killed"
    assert runbook_for(finding("AddressInUse"), runbooks) == "port-conflict"
    assert runbook_for(finding("NoEndpoints", message="Service has no endpoints"), runbooks) == "service-connectivity"
    assert runbook_for(finding("FailedMount"), runbooks) == "volume-mount-failure"
    assert runbook_for(finding("DiskPressure"), runbooks) == "disk-full"
    assert runbook_for(finding("NodeNotReady"), runbooks) == "node-not-ready"
    assert runbook_for(finding("UnavailableReplicas", cause="ImagePullBackOff"), runbooks) == "image-pull-backoff"
    assert types_of(finding("Evicted", cause="DiskPressure"))[0] == "disk_full"


class QuotaWatch:
    """A plugin in one file: the list it reads (unknown to view.KINDS), its reason and how that ranks."""

    name = "quota-watch"
    kinds = frozenset({"quotawatch-quotas"})
    kind_specs: ClassVar[dict[str, KindSpec]] = {"quotawatch-quotas": KindSpec("/api/v1", "resourcequotas", True)}
    reasons = reasons(0, ("pod_pending",), "QuotaNearlyFull")
    problem_types = ("pod_pending",)

    def analyze(self, view: ClusterView) -> list[Finding]:
        return [Finding(self.name, "warning", ObjectRef("ResourceQuota", q["metadata"]["namespace"],
                                                        q["metadata"]["name"]), "QuotaNearlyFull", "nearly full")
                for q in view.items("quotawatch-quotas")]


def test_one_file_declares_an_analyzers_lists_reasons_and_ranks(tmp_path: Path) -> None:
    from app.analyzers.mapping import cause_rank, shown_analyzers, type_score
    from app.analyzers.reader import ClusterReader
    from app.snapshot.server import start_snapshot_server
    from bench.diagnosis_corpus.clusters import SCENARIOS, build

    registry = Registry([*builtin_analyzers(), QuotaWatch()])
    assert registry.kind_specs()["quotawatch-quotas"].resource == "resourcequotas"
    snapshot = build(next(s for s in SCENARIOS if s.name == "quota")).write(tmp_path / "snap", "test")
    with start_snapshot_server(snapshot, kubeconfig_path=tmp_path / "kc") as running:
        reader = ClusterReader(running.kubeconfig, None)
        view = reader.read(registry.kinds(), None, registry.kind_specs())
        runs = run_analyzers(view, registry)
        reader.close()
    found = next(run.findings for run in runs if run.name == "quota-watch")
    assert [f.object.name for f in found] == ["compute-quota"]
    assert types_of(found[0]) == ("pod_pending",) and cause_rank("QuotaNearlyFull") == 0
    assert type_score(found[0], "pod_pending") == 30
    assert "quota-watch" in shown_analyzers("pod_pending", registry.names, registry.shown_for())
