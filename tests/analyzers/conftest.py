"""The demo snapshot served once per session, read once by the real ClusterReader, analyzed once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.analyzers.model import Finding
from app.analyzers.reader import ClusterReader
from app.analyzers.registry import AnalyzerRun, default_registry, run_analyzers
from app.analyzers.view import ClusterView
from app.runbooks import RunbookStore
from app.snapshot.server import RunningSnapshot, start_snapshot_server
from tests.support.app import DEMO_SNAPSHOT, RUNBOOKS


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSnapshot]:
    kubeconfig = tmp_path_factory.mktemp("analyzers-kube") / "kubeconfig"
    with start_snapshot_server(DEMO_SNAPSHOT, kubeconfig_path=kubeconfig) as running:
        yield running


@pytest.fixture(scope="session")
def reader(demo: RunningSnapshot) -> Iterator[ClusterReader]:
    reader = ClusterReader(demo.kubeconfig, None, timeout_s=10)
    yield reader
    reader.close()


@pytest.fixture(scope="session")
def demo_view(reader: ClusterReader) -> ClusterView:
    return reader.read(default_registry().kinds())


@pytest.fixture(scope="session")
def demo_runs(demo_view: ClusterView) -> list[AnalyzerRun]:
    store = RunbookStore(RUNBOOKS)
    store.refresh()
    return run_analyzers(demo_view, default_registry(), store.current())


@pytest.fixture(scope="session")
def findings(demo_runs: list[AnalyzerRun]) -> list[Finding]:
    return [f for run in demo_runs for f in run.findings]
