"""Jobs and CronJobs: failed runs (backoff limit, deadline), suspended schedules, a last run that failed."""

from __future__ import annotations

from app.analyzers.common import clip, condition
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, reasons
from app.analyzers.view import ClusterView, Obj, controller_ref, name_of, namespace_of

NAME = "jobs"
REASONS: dict[str, ReasonSpec] = {
    **reasons(2, ("cluster_health", "pod_crash"), "JobFailed", symptom=True),
    **reasons(3, ("cluster_health",), "Suspended"),
}


class JobsAnalyzer:
    name = NAME
    kinds = frozenset({"jobs", "cronjobs", "pods"})
    reasons = REASONS
    problem_types = ("helm_install",)

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        failed_by_cronjob: dict[tuple[str | None, str], Obj] = {}
        for job in view.items("jobs"):
            failed = condition(job, "Failed")
            owner = controller_ref(job)
            if failed is not None and failed.get("status") == "True":
                findings.append(_failed(view, job, failed))
                if owner is not None and owner.get("kind") == "CronJob":
                    failed_by_cronjob[(namespace_of(job), str(owner.get("name")))] = job
            elif (job.get("spec") or {}).get("suspend") and (owner is None or owner.get("kind") != "CronJob"):
                findings.append(_info(job, "Job", "Suspended", "is suspended: no pods run", "已暂停：不会运行 Pod",
                                      "spec.suspend=true"))
        for cronjob in view.items("cronjobs"):
            if (cronjob.get("spec") or {}).get("suspend"):
                findings.append(_info(cronjob, "CronJob", "Suspended", "is suspended: no new runs are scheduled",
                                      "已暂停：不会调度新的运行", "spec.suspend=true"))
        return findings


def _failed(view: ClusterView, job: Obj, failed: Obj) -> Finding:
    ns, name = namespace_of(job), name_of(job)
    status = job.get("status") or {}
    reason = str(failed.get("reason") or "Failed")
    pods = [p for p in view.pods_in(ns) if (controller_ref(p) or {}).get("name") == name]
    owner = controller_ref(job)
    evidence = [clip(f"status.conditions[Failed]=True ({reason}: {failed.get('message')})"),
                f"status.failed={status.get('failed', 0)}",
                f"spec.backoffLimit={(job.get('spec') or {}).get('backoffLimit')}"]
    if owner is not None and owner.get("kind") == "CronJob":
        evidence.append(f"created by CronJob {owner.get('name')}")
    targets = {"namespace": ns or "default"}
    if pods:
        targets["pod"] = name_of(pods[-1])
        evidence.append(f"pods: {', '.join(name_of(p) for p in pods[:3])}")
    return Finding(
        NAME, "critical" if owner is None else "warning", ObjectRef("Job", ns, name), "JobFailed",
        f"Job {ns}/{name} failed ({reason}): {clip(str(failed.get('message') or ''), 160)}",
        tuple(evidence),
        message_zh=f"Job {ns}/{name} 失败（{reason}）：{clip(str(failed.get('message') or ''), 160)}",
        cause=reason, targets=targets,
        fix="Read the failed pods' logs (kubectl logs job/<name>), fix the cause, then re-run the Job.",
        fix_zh="查看失败 Pod 的日志（kubectl logs job/<name>），修复原因后重新运行 Job。",
    )


def _info(obj: Obj, kind: str, reason: str, en: str, zh: str, evidence: str) -> Finding:
    ns, name = namespace_of(obj), name_of(obj)
    return Finding(NAME, "info", ObjectRef(kind, ns, name), reason, f"{kind} {ns}/{name} {en}.", (evidence,),
                   message_zh=f"{kind} {ns}/{name} {zh}。", targets={"namespace": ns or "default"})
