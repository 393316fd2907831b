"""Jobs and CronJobs: failed runs (backoff limit, deadline), suspended schedules, a last run that failed."""

from __future__ import annotations

from app.analyzers.common import clip, condition
from app.analyzers.logs import error_lines, headline
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, Severity, reasons
from app.analyzers.view import ClusterView, LogRequest, Obj, controller_ref, name_of, namespace_of

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
    said, said_zh, cause = "", "", reason
    if pods:
        last = sorted(pods, key=lambda p: str((p.get("status") or {}).get("startTime") or ""))[-1]
        targets["pod"] = name_of(last)
        evidence.append(f"pods: {', '.join(name_of(p) for p in pods[:3])}")
        containers = [str(c.get("name")) for c in (last.get("spec") or {}).get("containers") or []]
        if containers:
            targets["container"] = containers[0]
            request = LogRequest(ns or "default", name_of(last), containers[0], False)
            text = view.logs([request]).get(request) or ""
            lines = error_lines(text)
            if lines:
                category = next(iter(lines))
                evidence += [f"logs (kubectl logs {name_of(last)} -n {ns}):", *lines[category][:2]]
                line = headline(lines[category])
                said, said_zh, cause = f"; its pod logs: {line}", f"；Pod 日志：{line}", category
    kind: Severity = "critical" if owner is None or owner.get("kind") != "CronJob" else "warning"
    return Finding(
        NAME, kind, ObjectRef("Job", ns, name), "JobFailed",
        f"Job {ns}/{name} failed ({reason}): {clip(str(failed.get('message') or ''), 120)}{clip(said, 200)}",
        tuple(evidence),
        message_zh=f"Job {ns}/{name} 失败（{reason}）：{clip(str(failed.get('message') or ''), 120)}"
        f"{clip(said_zh, 200)}",
        cause=cause, targets=targets,
        related=tuple(ObjectRef("Pod", ns, name_of(p)) for p in pods[:3]),
        fix=f"Fix what the pod reports (above; `kubectl logs job/{name} -n {ns}`), then run it again "
            "(a Job's template is immutable: delete and re-create it"
            f"{' or wait for the next schedule' if owner else ''}).",
        fix_zh=f"修复 Pod 日志中报告的问题（`kubectl logs job/{name} -n {ns}`），然后重新运行（Job 模板不可修改："
               f"删除后重建{'，或等待下一次调度' if owner else ''}）。",
    )


def _info(obj: Obj, kind: str, reason: str, en: str, zh: str, evidence: str) -> Finding:
    ns, name = namespace_of(obj), name_of(obj)
    return Finding(NAME, "info", ObjectRef(kind, ns, name), reason, f"{kind} {ns}/{name} {en}.", (evidence,),
                   message_zh=f"{kind} {ns}/{name} {zh}。", targets={"namespace": ns or "default"})
