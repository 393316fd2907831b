"""Fix commands a senior SRE would sign: placeholders filled from the cluster (or an explicit "choose X"),
only the steps that apply to this cause, one recommended value, the cause's own namespace, and a rollback
only when there is a revision to go back to."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.analyzers.model import Finding
from app.analyzers.view import ClusterView, controller_ref, meta, name_of, namespace_of
from app.runbooks import Runbook, RunbookSet
from app.targets import Targets

MAX_FIX_COMMANDS = 4
# Upper-case placeholders in runbook commands (REGISTRY/REPOSITORY:EXISTING_TAG, CONTAINER_PORT...), not the
# column headers of -o custom-columns (NAME:.metadata.name).
_CAPS = re.compile(r"(?<![\w.])([A-Z][A-Z0-9_]{2,}(?:[/:][A-Z][A-Z0-9_]{2,})*)(?!:\.|[\w])")
# A step applies only when the cause's text says so: (step text pattern, required cause text pattern).
_NOT_APPLIES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(step, re.I), re.compile(unless, re.I)) for step, unless in (
        (r"provisioner|csi", r"does not exist"),
        (r"ss -ltnp|which process holds", r"same pod"),
    ))
_APPLIES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(step, re.I), re.compile(needs, re.I)) for step, needs in (
        (r"credentials|imagepullsecrets|regcred", r"refused access|unauthori[sz]ed|denied|authentication|forbidden"),
        (r"tag that exists|set image", r"does not exist|not found|manifest unknown|invalid"),
        (r"uncordon|make a cordoned", r"cordon|unschedulable: true|spec\.unschedulable=true"),
        (r"taint", r"taint"),
        (r"nodeselector|affinity", r"selector|affinity|didn't match"),
        (r"over-sized requests", r"insufficient"),
        (r"ss -ltnp|which process holds", r"hostnetwork|hostport|on the node's network"),
        (r"default", r"no default|names no storageclass|NoStorageClass"),
        (r"provisioner|csi", r"provision"),
        (r"delete pvc|wrongly specified claim", r"does not exist"),
        (r"drain|delete node|instance that no longer exists", r"NotReady"),
        (r"evicted pods", r"evict"),
        (r"cordon|stop new pods", r"pressure|NotReady|evict"),
        (r"scale coredns|cpu-bound", r"cpu|throttl"),
        (r"restart coredns", r"coredns|kube-dns"),
    ))


def fix_targets(group: list[Finding], targets: Targets) -> Targets:
    """The root cause's own values (its namespace, pod, deployment) first; the question fills the rest."""
    if not group:
        return targets
    values = dict(targets.values)
    values.update({k: v for k, v in group[0].targets.items() if v})
    return Targets(values, targets.named, targets.source)


def _revisions(view: ClusterView | None, namespace: str | None, deployment: str) -> int:
    if view is None or not view.has("replicasets"):
        return 2  # cannot tell: keep the step
    return sum(1 for rs in view.items("replicasets") if namespace_of(rs) == namespace
               and (controller_ref(rs) or {}).get("name") == deployment)


def _release_versions(view: ClusterView | None, namespace: str | None, release: str) -> int:
    if view is None or not view.has("helmreleases"):
        return 2
    return sum(1 for s in view.items("helmreleases") if namespace_of(s) == namespace
               and (meta(s).get("labels") or {}).get("name") == release)


def _choices(view: ClusterView | None, group: list[Finding], targets: Targets) -> dict[str, str]:
    """Values for upper-case placeholders that the cluster knows."""
    out: dict[str, str] = {}
    if view is None:
        return out
    ns, pod_name = targets.values.get("namespace"), targets.values.get("pod")
    pod = view.get("pods", ns, pod_name) if pod_name else None
    if pod is not None:
        container = targets.values.get("container")
        ports = [str(p.get("containerPort")) for c in (pod.get("spec") or {}).get("containers") or []
                 if container in (None, c.get("name")) for p in c.get("ports") or []]
        if ports:
            out["CONTAINER_PORT"] = ports[0]
        node = view.get("nodes", None, str((pod.get("spec") or {}).get("nodeName") or ""))
        taints = [str(t.get("key")) for t in ((node or {}).get("spec") or {}).get("taints") or []]
        if taints:
            out["TAINT_KEY"] = taints[0]
    classes = [name_of(c) for c in view.items("storageclasses")]
    if len(classes) == 1:
        out["STORAGE_CLASS"] = classes[0]
    return out


def _choose(placeholder: str, view: ClusterView | None, chinese: bool) -> str:
    what = placeholder.replace("_", " ").lower()
    if placeholder == "STORAGE_CLASS" and view is not None and view.items("storageclasses"):
        what += " (one of: " + ", ".join(sorted(name_of(c) for c in view.items("storageclasses"))) + ")"
    return f"<选择 {what}>" if chinese else f"<choose {what}>"


def applies(title: str, command: str, cause_text: str) -> bool:
    step = f"{title} {command}"
    return all(needs.search(cause_text) for pattern, needs in _APPLIES if pattern.search(step)) and not any(
        unless.search(cause_text) for pattern, unless in _NOT_APPLIES if pattern.search(step))


def fix_lines(group: list[Finding], runbooks: RunbookSet, extra: Iterable[Runbook], targets: Targets,
              chinese: bool, view: ClusterView | None = None) -> list[str]:
    lines = []
    hint = next((f.fix_text(chinese) for f in group if f.fix), "")
    if hint:
        lines.append(hint)
    chosen: list[Runbook] = []
    for runbook_id in dict.fromkeys(f.runbook for f in group if f.runbook):
        runbook = runbooks.runbooks.get(runbook_id or "")
        if runbook is not None:
            chosen.append(runbook)
    if not chosen:  # the question's runbooks only when the cause has none of its own
        chosen = list(extra)
    filled = fix_targets(group, targets)
    cause_text = " ".join([f.message + " " + " ".join(f.evidence) + " " + (f.cause or "") + " " + f.reason
                           for f in group[:3]])
    known = _choices(view, group, filled)
    fix_verbs = {" ".join(c.split()[:3]) for c in re.findall(r"`(kubectl [^`]+)`", " ".join(f.fix for f in group))}
    commands: list[str] = []
    for runbook in chosen:
        for step in runbook.remediation:
            command = filled.fill(step.command)
            if command is None or len(commands) >= MAX_FIX_COMMANDS or any(command in c for c in commands):
                continue
            if group and not applies(step.title, command, cause_text):
                continue
            if " ".join(command.split()[:3]) in fix_verbs:
                continue  # the finding's own command carries the recommended value
            deployment, release = filled.values.get("deployment"), filled.values.get("release")
            if "rollout undo" in command and deployment and _revisions(view, filled.namespace, deployment) < 2:
                continue  # no previous revision to go back to
            if "helm rollback" in command and release and _release_versions(view, filled.namespace, release) < 2:
                continue
            command = _CAPS.sub(lambda m: known.get(m.group(1)) or _choose(m.group(1), view, chinese), command)
            title = step.title_zh if chinese else ""
            commands.append(f"- {title or step.title} — **{step.safety}** (runbook `{runbook.id}`): "
                            + "`" + command.replace("`", "'") + "`")
    if commands:
        lines.append("以下命令仅供参考，不会自动执行：" if chinese else "Commands (shown, never run by the copilot):")
        lines += commands
    return lines
