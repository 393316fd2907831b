"""PersistentVolumeClaims: Pending with its provisioning events, missing or no default StorageClass."""

from __future__ import annotations

from app.analyzers.model import Finding
from app.analyzers.pvcs import PvcsAnalyzer
from tests.analyzers.support import meta, only, view


def test_pending_claim_with_a_storage_class_that_does_not_exist(findings: list[Finding]) -> None:
    claim = only([f for f in findings if f.analyzer == "pvcs"], "ProvisioningFailed", "data-ledger-db-0")
    assert claim.severity == "critical"
    assert "spec.storageClassName=fast-ssd" in claim.evidence
    assert "storageclasses: gp3 (default)" in claim.evidence
    assert 'event ProvisioningFailed: storageclass.storage.k8s.io "fast-ssd" not found (×126)' in claim.evidence
    assert "fast-ssd does not exist" in claim.message
    assert claim.targets == {"namespace": "payments", "pvc": "data-ledger-db-0", "pod": "ledger-db-0"}
    assert claim.runbook == "pvc-pending"


def test_bound_claims_are_fine(findings: list[Finding]) -> None:
    assert [f.object.name for f in findings if f.analyzer == "pvcs"] == ["data-ledger-db-0"]  # not data-redis-0


def test_no_default_class_and_waiting_for_a_consumer() -> None:
    unset = {"metadata": meta("a"), "spec": {}, "status": {"phase": "Pending"}}
    waiting = {"metadata": meta("b"), "spec": {"storageClassName": "local"}, "status": {"phase": "Pending"}}
    local = {"metadata": meta("local", None), "volumeBindingMode": "WaitForFirstConsumer"}
    found = PvcsAnalyzer().analyze(view(persistentvolumeclaims=[unset, waiting], storageclasses=[local]))
    assert only(found, "NoStorageClass", "a").severity == "critical"
    assert only(found, "WaitForFirstConsumer", "b").severity == "info"
