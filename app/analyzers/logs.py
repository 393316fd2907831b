"""Logs: the error lines of crashing containers, from the previous (crashed) instance, bounded."""

from __future__ import annotations

import difflib
import re

from app.analyzers.common import ContainerStatus, clip, container_statuses, pod_ref, pod_targets
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, Severity, reasons
from app.analyzers.view import ClusterView, LogRequest, Obj, name_of, namespace_of

NAME = "logs"
MAX_CONTAINERS = 12
MAX_LINES = 3
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\s")
_PORTS = (re.compile(r":(\d{2,5}):\s*bind"), re.compile(r"\bport\s+(\d{2,5})\b", re.I),
          re.compile(r"(?:0\.0\.0\.0|\[::\]|127\.0\.0\.1|localhost):(\d{2,5})\b"))
# Most specific first: a line is filed under the first category it matches.
PATTERNS: tuple[tuple[str, re.Pattern[str], str, str], ...] = (
    ("AddressInUse", re.compile(r"address already in use|EADDRINUSE|port is already allocated|Errno 98", re.I),
     "cannot bind its port: address already in use", "无法绑定端口：地址已被占用"),
    ("NoSpaceLeft", re.compile(r"no space left on device|ENOSPC|disk quota exceeded", re.I),
     "runs out of disk: no space left on device", "磁盘空间耗尽：no space left on device"),
    ("OutOfMemory", re.compile(r"OutOfMemoryError|out of memory|Cannot allocate memory|\bMemoryError\b", re.I),
     "runs out of memory", "内存不足"),
    ("Panic", re.compile(r"^panic:|^fatal error:|SIGSEGV|segmentation fault|^thread '.*' panicked"),
     "panics", "发生 panic"),
    ("Exception", re.compile(r"^Traceback \(most recent call last\)|^(Exception in thread|Caused by:)|"
                             r"^[\w.$]+(Error|Exception)(:|$)|Unhandled(Promise)?Rejection"),
     "throws an exception", "抛出异常"),
    ("PermissionDenied", re.compile(r"permission denied|EACCES|read-only file system", re.I),
     "is denied access to a file or resource", "访问文件或资源被拒绝"),
    ("DNSFailure", re.compile(r"no such host|temporary failure in name resolution|(?:could not|couldn't|can't|"
                              r"cannot|unable to) resolve|"
                              r"name or service not known|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|NXDOMAIN|"
                              r"server misbehaving|lookup \S+ on [\d.]+:53", re.I),
     "cannot resolve a host name (DNS)", "无法解析主机名（DNS）"),
    ("ConnectionFailed", re.compile(r"connection refused|ECONNREFUSED|i/o timeout|"
                                    r"could not connect|connection timed out", re.I),
     "cannot reach a dependency", "无法连接依赖服务"),
    ("Fatal", re.compile(r"\bFATAL\b|level=fatal|\"level\":\s*\"fatal\"|^F\d{4} |\bCRITICAL\b"),
     "logs a fatal error", "记录了致命错误"),
    ("LogError", re.compile(r"level=error|\"level\":\s*\"error\"|^E\d{4} |\bERROR\b|^(?:Error|error|ERR)\b[:\s]"),
     "logs errors", "记录了错误"),
)
_ENV_NAME = re.compile(r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b")
CRASH_CAUSES = ("AddressInUse", "NoSpaceLeft", "OutOfMemory", "Panic", "Exception", "PermissionDenied")
REASONS: dict[str, ReasonSpec] = {
    **reasons(0, ("port_conflict", "pod_crash"), "AddressInUse"),
    **reasons(0, ("disk_full",), "NoSpaceLeft"),
    **reasons(1, ("oom_killed", "pod_crash"), "OutOfMemory"),
    **reasons(1, ("pod_crash",), "Panic", "Exception", "PermissionDenied"),
    **reasons(2, ("network", "pod_crash"), "DNSFailure", symptom=True),
    **reasons(2, ("pod_crash", "network"), "ConnectionFailed"),
    **reasons(2, ("pod_crash",), "Fatal"),
    **reasons(3, ("pod_crash",), "LogError"),
}


class LogsAnalyzer:
    name = NAME
    kinds = frozenset({"pods", "replicasets", "services", "deployments"})
    reasons = REASONS
    problem_types = ("pod_crash", "port_conflict", "disk_full", "network")

    def analyze(self, view: ClusterView) -> list[Finding]:
        wanted = _crashing_containers(view)
        fetched = view.logs([request for request, _, _ in wanted])
        findings = []
        for request, pod, cs in wanted:
            text = fetched.get(request)
            if text:
                finding = _finding(view, pod, cs, request, text)
                if finding is not None:
                    findings.append(finding)
        return findings


def _crashing_containers(view: ClusterView) -> list[tuple[LogRequest, Obj, ContainerStatus]]:
    """Restarting or failed containers, worst first: the previous instance when there is one."""
    found: list[tuple[int, LogRequest, Obj, ContainerStatus]] = []
    for pod in view.items("pods"):
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        ref = pod_ref(pod)
        for cs in container_statuses(pod):
            failed_now = cs.terminated.get("exitCode") not in (None, 0)
            unready = cs.running and not cs.status.get("ready")
            if not (cs.last_terminated and cs.restarts > 0) and not failed_now and not unready:
                continue
            previous = bool(cs.last_terminated) and not failed_now and not unready
            priority = 0 if cs.waiting.get("reason") == "CrashLoopBackOff" or failed_now else 2 if unready else 1
            found.append((priority, LogRequest(ref.namespace or "default", ref.name, cs.name, previous), pod, cs))
    found.sort(key=lambda item: (item[0], -item[3].restarts, item[1].namespace, item[1].pod))
    return [(request, pod, cs) for _, request, pod, cs in found[:MAX_CONTAINERS]]


def error_lines(text: str) -> dict[str, list[str]]:
    """Log lines by category (AddressInUse, Panic, ...), at most MAX_LINES each, in log order."""
    out: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = _TIMESTAMP.sub("", raw).rstrip()
        for category, pattern, *_ in PATTERNS:
            if pattern.search(line.strip() if category in ("Panic", "Exception") else line):
                lines = out.setdefault(category, [])
                if len(lines) < MAX_LINES and clip(line) not in lines:
                    lines.append(clip(line))
                break
    return out


def _finding(view: ClusterView, pod: Obj, cs: ContainerStatus, request: LogRequest, text: str) -> Finding | None:
    found = error_lines(text)
    if not found:
        return None
    category = next(c for c, *_ in PATTERNS if c in found)
    en, zh = next((p[2], p[3]) for p in PATTERNS if p[0] == category)
    ref = pod_ref(pod)
    source = f"kubectl logs {ref.name} -n {ref.namespace} -c {cs.name}" + (" --previous" if request.previous else "")
    evidence = [f"logs ({source}):", *found[category]]
    for other, lines in found.items():
        if other != category and other != "LogError" and len(evidence) < 6:
            evidence.append(lines[0])
    crashing = cs.waiting.get("reason") == "CrashLoopBackOff" or bool(cs.terminated)
    severity: Severity = "critical" if crashing and category in CRASH_CAUSES else "warning"
    fix, fix_zh = "", ""
    if category == "AddressInUse":
        evidence += _port_owners(pod, cs, found[category][0])
        fix = "Give the containers of the pod distinct ports (or drop the duplicate listener / hostPort)."
        fix_zh = "让 Pod 内各容器使用不同端口（或去掉重复的监听 / hostPort）。"
    elif category in ("Panic", "Exception", "Fatal"):
        fix, fix_zh, more = _config_fix(cs, found[category])
        evidence += more
    related: tuple[ObjectRef, ...] = ()
    if category == "DNSFailure":
        more, related, fix, fix_zh = _dns_context(view, pod, found[category][0])
        evidence += more
    first = headline(found[category])
    return Finding(
        NAME, severity, ref, category,
        f"Container {cs.name} of pod {ref.namespace}/{ref.name} {en}: {clip(first, 160)}",
        tuple(evidence),
        message_zh=f"Pod {ref.namespace}/{ref.name} 的容器 {cs.name} {zh}：{clip(first, 160)}",
        targets=pod_targets(view, pod, cs.name),
        related=related,
        fix=fix, fix_zh=fix_zh,
    )


_LOOKUP = re.compile(r"lookup ([\w.-]+)|host ([\w.-]+)|getaddrinfo \w+ ([\w.-]+)|resolve(?: host)?:? '?([\w.-]+)", re.I)


def _dns_context(view: ClusterView, pod: Obj, line: str) -> tuple[list[str], tuple[ObjectRef, ...], str, str]:
    """Is it the cluster DNS (CoreDNS down) or the name the app asks for (no such Service)?"""
    from app.analyzers.addons import dns_workload

    evidence: list[str] = []
    dns = dns_workload(view)
    related: tuple[ObjectRef, ...] = ()
    if dns is not None:
        deployment = view.get("deployments", dns.namespace, dns.name) or {}
        status, spec = deployment.get("status") or {}, deployment.get("spec") or {}
        available, desired = int(status.get("availableReplicas") or 0), int(spec.get("replicas", 1) or 0)
        evidence.append(f"cluster DNS {dns}: {available}/{desired} available")
        if available < desired:
            related = (dns,)
            return (evidence, related, "Bring the cluster DNS back (see its pods), then the app resolves again.",
                    "先恢复集群 DNS（查看其 Pod），应用即可恢复解析。")
    match = _LOOKUP.search(line)
    host = next((g for g in match.groups() if g), "") if match else ""
    ns = namespace_of(pod)
    short = host.split(".")[0] if host.endswith((".svc", ".svc.cluster.local")) or "." not in host else ""
    if short and view.has("services"):
        names = [name_of(s) for s in view.items("services") if namespace_of(s) == (host.split(".")[1]
                 if host.count(".") >= 2 else ns)]
        if short not in names:
            near = difflib.get_close_matches(short, names, n=2, cutoff=0.5)
            evidence.append(f"no Service named {short} in namespace {ns}" + (f" (nearest: {', '.join(near)})"
                                                                                if near else ""))
            return (evidence, related,
                    f"Point the app at an existing Service name{f' (e.g. {near[0]})' if near else ''}, or create "
                    f"Service {short}.",
                    f"把应用配置的地址改成存在的 Service 名称{f'（例如 {near[0]}）' if near else ''}，或创建 Service "
                    f"{short}。")
    return evidence, related, "", ""


def headline(lines: list[str]) -> str:
    """The line that says what went wrong: a Python traceback's exception, not its "Traceback" header."""
    return next((line for line in lines if not line.startswith("Traceback")), lines[0])


def _port_owners(pod: Obj, cs: ContainerStatus, line: str) -> list[str]:
    """Which other container of the same pod (they share one network namespace) declares that port."""
    match = next((m for m in (p.search(line) for p in _PORTS) if m), None)
    if match is None:
        return []
    port = int(match.group(1))
    spec = pod.get("spec") or {}
    out = []
    for container in spec.get("containers") or []:
        ports = [int(p.get("containerPort", 0)) for p in container.get("ports") or []]
        if port in ports and container.get("name") != cs.name:
            out.append(f"spec.containers[name={container.get('name')}].ports.containerPort={port} "
                       f"(same pod, same network namespace)")
    if spec.get("hostNetwork"):
        out.append("spec.hostNetwork=true (the port is on the node's network)")
    return out


def _config_fix(cs: ContainerStatus, lines: list[str]) -> tuple[str, str, list[str]]:
    """When the error names an environment variable the container does not set, say where to set it."""
    env = {str(e.get("name")) for e in cs.spec.get("env") or []}
    names = [n for line in lines for n in _ENV_NAME.findall(line) if n not in env]
    sources = [f"{kind} {ref.get('name')}" for item in cs.spec.get("envFrom") or []
               for kind, ref in (("ConfigMap", item.get("configMapRef")), ("Secret", item.get("secretRef"))) if ref]
    if not names:
        return ("Fix the error the container reports at start-up (above), then restart the rollout.",
                "修复容器启动时报告的错误（见上），然后重启发布。", [])
    name = names[0]
    where = f" (it takes its environment from {', '.join(sources)})" if sources else ""
    where_zh = f"（它的环境变量来自 {', '.join(sources)}）" if sources else ""
    evidence = [f"spec.containers[name={cs.name}].env: {name} is not set"
                + (f"; envFrom: {', '.join(sources)}" if sources else "")]
    return (f"Provide {name} to container {cs.name}{where} — add the key there or an env entry / Secret "
            "reference — then restart the rollout.",
            f"为容器 {cs.name} 提供 {name}{where_zh}——在其中添加该键，或添加 env / Secret 引用——然后重启发布。",
            evidence)
