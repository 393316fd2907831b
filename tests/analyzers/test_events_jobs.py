"""Warning events grouped by reason; Jobs and CronJobs that failed or are suspended."""

from __future__ import annotations

from app.analyzers.jobs import JobsAnalyzer
from app.analyzers.model import Finding, ObjectRef
from tests.analyzers.support import CART, meta, only, view


def test_warning_events_grouped_by_reason(findings: list[Finding]) -> None:
    groups = {f.reason: f for f in findings if f.analyzer == "events"}
    assert set(groups) == {"BackOff", "EvictionThresholdMet", "FreeDiskSpaceFailed", "SystemOOM", "FailedScheduling",
                           "ProvisioningFailed", "Evicted", "Failed"}
    backoff = groups["BackOff"]
    assert backoff.severity == "info"
    assert ObjectRef("Pod", "shop", CART) in backoff.related
    assert backoff.message.startswith("313 Warning event(s) BackOff on 3 object(s)")
    assert {r.name for r in groups["SystemOOM"].related} == {"worker-1", "worker-2"}


def test_the_demo_cronjob_is_healthy(findings: list[Finding]) -> None:
    assert [f for f in findings if f.analyzer == "jobs"] == []


def test_failed_job_and_suspended_cronjob() -> None:
    owner = [{"kind": "CronJob", "name": "backup", "controller": True}]
    condition = {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit"}
    failed = {"metadata": meta("backup-1", ownerReferences=owner), "spec": {"backoffLimit": 2},
              "status": {"failed": 3, "conditions": [condition]}}
    standalone = {"metadata": meta("migrate"), "spec": {"suspend": True}, "status": {}}
    cron = {"metadata": meta("report"), "spec": {"suspend": True}}
    found = JobsAnalyzer().analyze(view(jobs=[failed, standalone], cronjobs=[cron]))
    job = only(found, "JobFailed", "backup-1")
    assert job.cause == "BackoffLimitExceeded" and "created by CronJob backup" in job.evidence
    assert only(found, "Suspended", "migrate").object.kind == "Job"
    assert only(found, "Suspended", "report").object.kind == "CronJob"
