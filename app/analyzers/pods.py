"""Pods: crash loops, OOM kills, restarts, probe failures — and, via pods_start, pods that never start."""

from __future__ import annotations

import re

from app.analyzers.common import (
    ContainerStatus,
    clip,
    container_statuses,
    event_line,
    exit_meaning,
    pod_ref,
    pod_targets,
)
from app.analyzers.model import Finding, ReasonSpec, Severity, reasons
from app.analyzers.pods_start import start_findings
from app.analyzers.quantity import format_bytes, parse_quantity
from app.analyzers.view import ClusterView, Obj, name_of, namespace_of

NAME = "pods"
RESTARTS_WARNING = 3
CONFIG_ERRORS = ("CreateContainerConfigError", "CreateContainerError", "RunContainerError", "ContainerCannotRun")
REASONS: dict[str, ReasonSpec] = {
    **reasons(1, ("oom_killed", "pod_crash"), "OOMKilled"),
    **reasons(1, ("image_pull",), "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"),
    **reasons(1, ("pod_crash",), "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
              "ContainerCannotRun"),
    **reasons(2, ("pod_crash",), "ProbeFailed"),
    **reasons(4, ("pod_crash",), "CrashLoopBackOff", "ContainerFailed", "Restarting"),
    **reasons(2, ("pod_pending",), "Unschedulable", symptom=True),
    **reasons(1, ("storage",), "FailedMount", "FailedAttachVolume", "MultiAttach"),
    **reasons(4, ("disk_full",), "Evicted", symptom=True),
    **reasons(0, ("disk_full", "pod_crash"), "EphemeralStorageLimit"),
}


class PodsAnalyzer:
    name = NAME
    kinds = frozenset({"pods", "events", "podmetrics", "replicasets", "services", "nodes"})
    reasons = REASONS
    problem_types = ("pod_crash", "oom_killed", "port_conflict", "disk_full", "image_pull", "pod_pending",
                     "node_not_ready", "network", "storage", "helm_install")

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for pod in view.items("pods"):
            findings += start_findings(view, pod)
            if (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
                continue
            for cs in container_statuses(pod):
                finding = _container_finding(view, pod, cs)
                if finding is not None:
                    findings.append(finding)
            findings += _probe_findings(view, pod)
        return findings


def _container_finding(view: ClusterView, pod: Obj, cs: ContainerStatus) -> Finding | None:
    waiting = cs.waiting.get("reason")
    last = cs.last_terminated
    current = cs.terminated
    if current.get("reason") == "OOMKilled":
        return _oom(view, pod, cs, "state.terminated", "critical")
    if waiting == "CrashLoopBackOff" and last.get("reason") == "OOMKilled":
        return _oom(view, pod, cs, "lastState.terminated", "critical")
    if cs.running and last.get("reason") == "OOMKilled" and cs.restarts > 0:
        return _oom(view, pod, cs, "lastState.terminated", "warning")
    if waiting == "CrashLoopBackOff" or (current and current.get("exitCode") not in (0, None)):
        return _crashloop(view, pod, cs)
    if waiting in CONFIG_ERRORS:
        return _config_error(view, pod, cs, str(waiting))
    if cs.running and cs.restarts >= RESTARTS_WARNING and last:
        return _restarting(view, pod, cs)
    return None


def _terminated_evidence(cs: ContainerStatus, field: str, state: Obj) -> list[str]:
    out = [f"{cs.path}.{field}.reason={state.get('reason')}"]
    if state.get("exitCode") is not None:
        meaning = exit_meaning(state.get("exitCode"))
        out.append(f"{cs.path}.{field}.exitCode={state.get('exitCode')}" + (f" ({meaning})" if meaning else ""))
    if state.get("message"):
        out.append(clip(f"{cs.path}.{field}.message={state['message']}"))
    if state.get("finishedAt"):
        out.append(f"{cs.path}.{field}.finishedAt={state['finishedAt']}")
    return out


def _crashloop(view: ClusterView, pod: Obj, cs: ContainerStatus) -> Finding:
    ref = pod_ref(pod)
    last = cs.last_terminated or cs.terminated
    code = last.get("exitCode")
    why = f", last exit code {code} ({last.get('reason') or exit_meaning(code)})" if last else ""
    evidence = [f"{cs.path}.state.waiting.reason={cs.waiting.get('reason')}" if cs.waiting
                else f"{cs.path}.state.terminated.reason={cs.terminated.get('reason')}",
                f"{cs.path}.restartCount={cs.restarts}"]
    if cs.last_terminated:
        evidence += _terminated_evidence(cs, "lastState.terminated", cs.last_terminated)
    elif cs.terminated:
        evidence += _terminated_evidence(cs, "state.terminated", cs.terminated)
    evidence += [event_line(e) for e in view.events_for("Pod", ref.namespace, ref.name, ("BackOff",))[:1]]
    reason = "CrashLoopBackOff" if cs.waiting.get("reason") == "CrashLoopBackOff" else "ContainerFailed"
    return Finding(
        NAME, "critical", ref, reason,
        f"Container {cs.name} of pod {ref.namespace}/{ref.name} keeps crashing ({reason}): restarted "
        f"{cs.restarts} times{why}.",
        tuple(evidence),
        message_zh=f"Pod {ref.namespace}/{ref.name} 的容器 {cs.name} 反复崩溃（{reason}）：已重启 {cs.restarts} 次"
        + (f"，上次退出码 {code}（{last.get('reason') or exit_meaning(code)}）" if last else "") + "。",
        targets=pod_targets(view, pod, cs.name),
        fix="Read the crashed instance's logs (kubectl logs --previous) and fix the error it reports.",
        fix_zh="查看上一次崩溃实例的日志（kubectl logs --previous），修复其中报告的错误。",
    )


def _usage_evidence(view: ClusterView, pod: Obj, cs: ContainerStatus) -> tuple[str | None, list[str], bool]:
    """Observed memory of this container (own=True), or of the same container in a sibling pod when it is
    down (own=False)."""
    ns, name = namespace_of(pod), name_of(pod)
    usage = view.container_usage(ns, name, cs.name)
    if usage and parse_quantity(usage.get("memory")) is not None:
        shown = format_bytes(parse_quantity(usage.get("memory")) or 0)
        return shown, [f"usage={shown} (metrics.k8s.io, container {cs.name})"], True
    workload = view.workload_of(pod)
    for sibling in view.pods_of(workload) if workload else []:
        other = view.container_usage(ns, name_of(sibling), cs.name)
        if name_of(sibling) != name and other and parse_quantity(other.get("memory")) is not None:
            shown = format_bytes(parse_quantity(other.get("memory")) or 0)
            return shown, [f"usage=n/a (container not running); sibling pod {name_of(sibling)} uses {shown}"], False
    return None, ["usage=n/a (no metrics for this container)"], False


def _oom(view: ClusterView, pod: Obj, cs: ContainerStatus, field: str, severity: Severity) -> Finding:
    ref = pod_ref(pod)
    state = cs.terminated if field == "state.terminated" else cs.last_terminated
    limit = cs.resource("limits", "memory")
    request = cs.resource("requests", "memory")
    usage, usage_lines, own = _usage_evidence(view, pod, cs)
    evidence = [*_terminated_evidence(cs, field, state), f"{cs.path}.restartCount={cs.restarts}",
                f"limits.memory={limit or 'none'}"]
    if request:
        evidence.append(f"requests.memory={request}")
    evidence += usage_lines
    targets = pod_targets(view, pod, cs.name)
    limit_bytes = parse_quantity(limit) if limit else None
    bigger = format_bytes(limit_bytes * 2) if limit_bytes else "<choose a limit above the observed peak>"
    workload = f"deployment/{targets['deployment']}" if "deployment" in targets else f"pod/{ref.name}"
    command = f"kubectl set resources {workload} -n {ref.namespace} -c {cs.name} --limits=memory={bigger}"
    near = (f" ({'observed' if own else 'a sibling pod uses'} {usage} of {limit})" if usage and limit else "")
    near_zh = (f"（{'实测' if own else '同组 Pod 实测'} {usage}，限制 {limit}）" if usage and limit else "")
    return Finding(
        NAME, severity, ref, "OOMKilled",
        f"Container {cs.name} of pod {ref.namespace}/{ref.name} was OOMKilled: it needs more memory than its "
        f"limit {limit or '(none: node memory)'}{near}; restarted {cs.restarts} times.",
        tuple(evidence),
        message_zh=f"Pod {ref.namespace}/{ref.name} 的容器 {cs.name} 因内存超限被 OOMKilled：需要的内存超过了限制 "
        f"{limit or '（无限制：节点内存）'}{near_zh}；已重启 {cs.restarts} 次。",
        targets=targets,
        fix=(f"Raise limits.memory to {bigger} — twice the limit it was killed at: its real peak is above "
             f"{limit} and unknown{f' (it reached {usage} before the kill)' if usage else ''} — or reduce the "
             f"app's memory use: `{command}`") if limit_bytes else
        f"Set a memory limit above the observed peak, or reduce the app's memory use: `{command}`",
        fix_zh=(f"把 limits.memory 调高到 {bigger}——被杀时限制的两倍：真实峰值超过 {limit} 且未知"
                f"{f'（被杀前已达 {usage}）' if usage else ''}——或降低应用内存占用：`{command}`") if limit_bytes else
        f"设置高于实测峰值的内存限制，或降低应用内存占用：`{command}`",
    )


_MISSING_REF = re.compile(r'(secret|configmap)s? "([\w.-]+)" not found', re.I)


def _config_error(view: ClusterView, pod: Obj, cs: ContainerStatus, reason: str) -> Finding:
    ref = pod_ref(pod)
    # `secret "db-password" not found` reads like a secret value to the redactor: name the object plainly.
    message = _MISSING_REF.sub(lambda m: f"{'Secret' if m.group(1).lower() == 'secret' else 'ConfigMap'} "
                               f"{m.group(2)} not found", str(cs.waiting.get("message") or ""))
    return Finding(
        NAME, "critical", ref, reason,
        f"Container {cs.name} of pod {ref.namespace}/{ref.name} cannot be created ({reason}): {clip(message, 160)}",
        (f"{cs.path}.state.waiting.reason={reason}", clip(f"{cs.path}.state.waiting.message: {message}")),
        message_zh=f"Pod {ref.namespace}/{ref.name} 的容器 {cs.name} 无法创建（{reason}）：{clip(message, 160)}",
        targets=pod_targets(view, pod, cs.name),
        fix="Create the missing ConfigMap/Secret (or key) the container references, or fix the reference.",
        fix_zh="创建容器引用但缺失的 ConfigMap/Secret（或键），或修正引用。",
    )


def _restarting(view: ClusterView, pod: Obj, cs: ContainerStatus) -> Finding:
    ref = pod_ref(pod)
    last = cs.last_terminated
    return Finding(
        NAME, "warning", ref, "Restarting",
        f"Container {cs.name} of pod {ref.namespace}/{ref.name} has restarted {cs.restarts} times; it last "
        f"ended with {last.get('reason')} (exit code {last.get('exitCode')}).",
        (f"{cs.path}.restartCount={cs.restarts}", *_terminated_evidence(cs, "lastState.terminated", last)),
        message_zh=f"Pod {ref.namespace}/{ref.name} 的容器 {cs.name} 已重启 {cs.restarts} 次；上次以 "
        f"{last.get('reason')} 结束（退出码 {last.get('exitCode')}）。",
        targets=pod_targets(view, pod, cs.name),
    )


def _probe_findings(view: ClusterView, pod: Obj) -> list[Finding]:
    ref = pod_ref(pod)
    failures = view.events_for("Pod", ref.namespace, ref.name, ("Unhealthy",))
    if not failures:
        return []
    latest = failures[0]
    kinds = sorted({str(e.get("message", "")).split(" ", 1)[0] for e in failures})
    field_path = str((latest.get("involvedObject") or {}).get("fieldPath") or "")
    container = field_path.partition("{")[2].rstrip("}") or None
    severity: Severity = "critical" if "Liveness" in kinds else "warning"
    return [Finding(
        NAME, severity, ref, "ProbeFailed",
        f"{'/'.join(kinds)} probe of pod {ref.namespace}/{ref.name} fails: {clip(str(latest.get('message')), 160)}",
        tuple(event_line(e) for e in failures[:3]),
        message_zh=f"Pod {ref.namespace}/{ref.name} 的{'/'.join(kinds)}探针失败："
        f"{clip(str(latest.get('message')), 160)}",
        targets=pod_targets(view, pod, container),
        fix="Check the probe's path, port and timing against what the app serves (initialDelaySeconds, "
        "timeoutSeconds), or fix the app's health endpoint.",
        fix_zh="核对探针的路径、端口和时间参数（initialDelaySeconds、timeoutSeconds）是否与应用一致，或修复健康检查接口。",
    )]
