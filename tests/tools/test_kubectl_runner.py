"""The runner: real kubectl against a (writable) snapshot API server; redaction at the source; no orphans."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.snapshot.server import RunningSnapshot, start_snapshot_server
from app.tools import kube_calls as kc
from app.tools.kubectl import KubectlRunner
from app.tools.shaping import Shape
from tests.safety.seed import SEEDED, seed_snapshot

CART = "cart-hgjhk7psnj-x8xw6"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSnapshot]:
    tmp = tmp_path_factory.mktemp("runner")
    running = start_snapshot_server(seed_snapshot(tmp / "snap"), kubeconfig_path=tmp / "kubeconfig", writable=True)
    yield running
    running.stop()


@pytest.fixture
def runner(cluster: RunningSnapshot, tmp_path: Path) -> KubectlRunner:
    return KubectlRunner(cluster.kubeconfig, None, tmp_path / "home", timeout_s=30)


def test_a_read_runs_and_is_shaped_in_process(runner: KubectlRunner) -> None:
    result = runner.run(kc.Get(kind="pods", namespace="shop"), Shape(grep="CrashLoopBackOff"))
    assert result.status == "success"
    assert CART in result.output and all("CrashLoopBackOff" in line for line in result.output.splitlines())
    assert result.command == "kubectl get pods -n shop"


def test_structured_output_is_redacted_before_it_is_rendered(runner: KubectlRunner) -> None:
    for call in (kc.Get(kind="pod", name=CART, namespace="shop", output="yaml"),
                 kc.Get(kind="configmap", name="cart-settings", namespace="shop", output="json"),
                 kc.Describe(kind="pod", name=CART, namespace="shop")):
        result = runner.run(call)
        assert result.status == "success" and "***REDACTED***" in result.output
        assert not [name for name, value in SEEDED.items() if value in result.output], call.display()
    filtered = runner.run(kc.Get(kind="pods", namespace="shop", output="json"),
                          Shape(filter="items[].metadata.name"))
    assert CART in filtered.output and "apiVersion" not in filtered.output


def test_kubectl_gets_no_service_secrets_and_a_private_empty_workdir(runner: KubectlRunner,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_API_KEY", "sk-must-not-leak")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-must-not-leak-2")
    env = runner.env()
    assert "LLM_API_KEY" not in env and "DEEPSEEK_API_KEY" not in env
    assert env["KUBECTL_KUBERC"] == "false" and env["HOME"] == str(runner.home)
    assert runner.run(kc.Version()).status == "success"
    assert list((runner.home / "work").iterdir()) == []


def test_an_action_waits_for_approval_and_its_preview_changes_nothing(cluster: RunningSnapshot,
                                                                      runner: KubectlRunner) -> None:
    before = len(cluster.writes)
    scale = kc.Scale(name="checkout", namespace="shop", replicas=1)
    assert runner.run(scale).status == "needs-approval"
    assert len(cluster.writes) == before  # nothing reached the API server
    preview = runner.preview(scale)
    assert preview.status == "success", preview.output
    assert [w.dry_run for w in cluster.writes[before:]] == [True]
    done = runner.run(scale, approved=True)
    assert done.status == "success", done.output
    assert [(w.dry_run, w.applied) for w in cluster.writes[before + 1:]] == [(False, True)]


def _black_hole() -> tuple[socket.socket, int]:
    """A server that accepts connections and never answers: kubectl hangs on it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    return listener, listener.getsockname()[1]


def test_cancelling_kills_kubectl_and_its_children(tmp_path: Path) -> None:
    listener, port = _black_hole()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: hole, cluster: {{server: "http://127.0.0.1:{port}"}}}}]
contexts: [{{name: hole, context: {{cluster: hole, user: u}}}}]
users: [{{name: u, user: {{}}}}]
current-context: hole
""")
    runner = KubectlRunner(kubeconfig, None, tmp_path / "home", timeout_s=120)
    cancel = threading.Event()
    results = []
    worker = threading.Thread(target=lambda: results.append(runner.run(kc.Get(kind="pods"), cancel=cancel)))
    worker.start()
    deadline = time.monotonic() + 30
    while not runner.live_pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    [pid] = runner.live_pids()
    cancel.set()
    worker.join(30)
    listener.close()
    assert results[0].status == "cancelled"
    assert runner.live_pids() == []
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole process group is gone: no orphaned kubectl
