"""Helm releases: their status from the release Secrets' labels, read as metadata only; the failed hook."""

from __future__ import annotations

from pathlib import Path

from app.analyzers.reader import ClusterReader
from app.analyzers.registry import default_registry, run_analyzers
from app.snapshot.server import start_snapshot_server
from bench.diagnosis_corpus.clusters import SCENARIOS, build


def test_release_status_comes_from_labels_and_the_data_is_never_fetched(tmp_path: Path) -> None:
    snapshot = build(next(s for s in SCENARIOS if s.name == "helm-hook")).write(tmp_path / "snap", "test")
    registry = default_registry()
    with start_snapshot_server(snapshot, kubeconfig_path=tmp_path / "kc") as running:
        reader = ClusterReader(running.kubeconfig, None)
        view = reader.read(registry.kinds(), None, registry.kind_specs())
        runs = run_analyzers(view, registry)
        reader.close()
    secrets = view.items("helmreleases")
    assert sorted(s["metadata"]["name"] for s in secrets) == ["sh.helm.release.v1.billing.v1",
                                                              "sh.helm.release.v1.billing.v2"]
    assert all(set(s) <= {"kind", "apiVersion", "metadata"} for s in secrets)  # no data, no type
    assert "secrets" not in view.objects  # Secrets themselves are never listed
    helm = next(run.findings for run in runs if run.name == "helm")
    assert [(f.reason, str(f.object)) for f in helm] == [("HelmReleaseFailed", "HelmRelease shop/billing")]
    assert "hook Job billing-db-migrate (pre-upgrade) failed" in helm[0].evidence
    assert "helm rollback billing 1 -n shop" in helm[0].fix
    job = next(f for run in runs for f in run.findings if f.reason == "JobFailed")
    assert 'column "plan_id" does not exist' in job.message  # the hook pod's own log line
