"""Capture round-trip: record the served demo with the Python client and compare what comes back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.snapshot.capture import CaptureError, CaptureOptions, _clean, capture_cluster, observed_at
from app.snapshot.resources import BUILTIN_RESOURCES, CAPTURED_CUSTOM_RESOURCES
from app.snapshot.server import RunningSnapshot
from app.snapshot.store import REDACTED_B64, load_snapshot
from tests.snapshot.conftest import DEMO


class _Recorder:
    def __init__(self) -> None:
        self.phases: list[tuple[str, int]] = []
        self.steps = 0

    def phase(self, name: str, total: int) -> None:
        self.phases.append((name, total))

    def advance(self, description: str) -> None:
        self.steps += 1


def _index(snapshot_dir: Path) -> dict[tuple[str, str], dict[tuple[str, str], object]]:
    snapshot = load_snapshot(snapshot_dir)
    return {
        key: {(o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in items}
        for key, items in snapshot.objects.items()
    }


def test_capture_round_trip(demo_server: RunningSnapshot, tmp_path: Path) -> None:
    out = tmp_path / "captured"
    recorder = _Recorder()
    result = capture_cluster(
        CaptureOptions(out=out, kubeconfig=demo_server.kubeconfig, log_tail_lines=50), recorder
    )
    assert result.metrics and result.logs >= 25
    assert recorder.phases == [("objects", len(BUILTIN_RESOURCES) + len(CAPTURED_CUSTOM_RESOURCES)), ("logs", 24)]
    original, captured = _index(DEMO), _index(out)
    for key, objects in original.items():
        assert captured[key] == objects, key
    manifest = load_snapshot(out).manifest
    assert manifest.kubernetes_version == "v1.32.3" and manifest.source_context == "snapshot-demo-prod-eu-1"
    # A served snapshot keeps its capture time: every age in the copy reads as in the original.
    assert manifest.captured_at == load_snapshot(DEMO).manifest.captured_at
    cart = next(n for (_, n) in original[("", "pods")] if n.startswith("cart-"))
    previous = (out / "logs" / "shop" / cart / "cart.previous.log").read_text()
    assert "panic: invalid config: missing DATABASE_URL" in previous
    assert previous.startswith("2026-11-18T")  # captured with timestamps so --since keeps working
    frontend = next(n for (_, n) in original[("", "pods")] if n.startswith("frontend-"))
    assert len((out / "logs" / "shop" / frontend / "nginx.log").read_text().splitlines()) == 50
    assert not (out / "logs" / "shop" / frontend / "nginx.previous.log").exists()  # no restarts
    assert load_snapshot(out).pod_metrics == load_snapshot(DEMO).pod_metrics


def test_capture_selected_namespaces(demo_server: RunningSnapshot, tmp_path: Path) -> None:
    out = tmp_path / "payments"
    capture_cluster(
        CaptureOptions(
            out=out, kubeconfig=demo_server.kubeconfig, namespaces=["payments"], include_logs=False
        )
    )
    snapshot = load_snapshot(out)
    assert {p["metadata"]["namespace"] for p in snapshot.items(snapshot.resources[("", "pods")])} == {
        "payments"
    }
    assert [n["metadata"]["name"] for n in snapshot.items(snapshot.resources[("", "namespaces")])] == [
        "payments"
    ]
    assert len(snapshot.items(snapshot.resources[("", "nodes")])) == 3  # cluster-scoped objects still come
    assert not (out / "logs").exists()
    assert {m["metadata"]["namespace"] for m in snapshot.pod_metrics} == {"payments"}


def test_a_live_cluster_is_stamped_with_the_time_of_capture() -> None:
    before = datetime.now(UTC)
    live = {"gitVersion": "v1.32.3", "gitCommit": "32cc146f75aad04beaaa245a7157eb35063a9f99",
            "buildDate": "2025-03-11T19:52:21Z"}
    assert before <= observed_at(live) <= datetime.now(UTC)
    assert observed_at({"gitCommit": "snapshot", "buildDate": "2026-11-18T09:41:27Z"}) == datetime(
        2026, 11, 18, 9, 41, 27, tzinfo=UTC)
    assert before <= observed_at({"gitCommit": "snapshot", "buildDate": "not a time"})


def test_capture_masks_secret_values_before_writing() -> None:
    secret_type = next(rt for rt in BUILTIN_RESOURCES if rt.kind == "Secret")
    cleaned = _clean(
        {"metadata": {"name": "s", "managedFields": [{}]}, "data": {"k": "c2VjcmV0"}}, secret_type
    )
    assert cleaned == {
        "metadata": {"name": "s"},
        "data": {"k": REDACTED_B64},
        "apiVersion": "v1",
        "kind": "Secret",
    }


def test_capture_errors(demo_server: RunningSnapshot, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    with pytest.raises(CaptureError, match="exists and is not empty"):
        capture_cluster(CaptureOptions(out=tmp_path / "busy", kubeconfig=demo_server.kubeconfig))
    with pytest.raises(CaptureError, match="context 'nope' not found"):
        capture_cluster(CaptureOptions(out=tmp_path / "x", kubeconfig=demo_server.kubeconfig, context="nope"))
    with pytest.raises(CaptureError, match="cannot load kubeconfig"):
        capture_cluster(CaptureOptions(out=tmp_path / "y", kubeconfig=tmp_path / "missing-kubeconfig"))
