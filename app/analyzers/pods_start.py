"""Pods that never start: unschedulable, image pull errors, volume mount failures, evictions."""

from __future__ import annotations

import re

from app.analyzers.common import (
    ContainerStatus,
    clip,
    condition,
    container_statuses,
    event_line,
    pod_ref,
    pod_targets,
)
from app.analyzers.model import Finding, ObjectRef
from app.analyzers.quantity import format_bytes, format_cpu, parse_quantity
from app.analyzers.view import ClusterView, Obj, name_of

NAME = "pods"
IMAGE_REASONS = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull")
_SCHEDULER_PARTS = re.compile(r"nodes are available: (.*?)(?:\. preemption:|\.?$)")
_INSUFFICIENT = re.compile(r"Insufficient ([\w./-]+)")
_PULL_CAUSES = (
    (re.compile(r"not found|manifest unknown|does not exist", re.I),
     "the image or tag does not exist in the registry", "镜像或标签在仓库中不存在"),
    (re.compile(r"unauthorized|denied|authentication required|forbidden", re.I),
     "the registry refused access (check imagePullSecrets)", "镜像仓库拒绝访问（检查 imagePullSecrets）"),
    (re.compile(r"no such host|i/o timeout|dial tcp|connection refused|TLS handshake", re.I),
     "the registry cannot be reached from the node", "节点无法连接镜像仓库"),
)


def start_findings(view: ClusterView, pod: Obj) -> list[Finding]:
    status = pod.get("status") or {}
    if status.get("phase") == "Failed" and status.get("reason") == "Evicted":
        return [_evicted(view, pod)]
    if status.get("phase") in ("Failed", "Succeeded"):
        return []
    scheduled = condition(pod, "PodScheduled")
    if scheduled is not None and scheduled.get("status") == "False":
        return [_unschedulable(view, pod, scheduled)]
    out = [_image_pull(view, pod, cs) for cs in container_statuses(pod) if cs.waiting.get("reason") in IMAGE_REASONS]
    if not out and status.get("phase") == "Pending":
        mount = _mount_failure(view, pod)
        out += [mount] if mount else []
    return out


def _requested(pod: Obj, resource: str) -> float:
    return sum(parse_quantity(((c.get("resources") or {}).get("requests") or {}).get(resource)) or 0.0
               for c in (pod.get("spec") or {}).get("containers") or [])


def _largest_allocatable(view: ClusterView, resource: str) -> tuple[str, float] | None:
    sizes = [(name_of(n), parse_quantity(((n.get("status") or {}).get("allocatable") or {}).get(resource)) or 0.0)
             for n in view.items("nodes")]
    return max(sizes, key=lambda item: item[1]) if sizes else None


def _show(resource: str, value: float) -> str:
    return format_cpu(value) if resource == "cpu" else format_bytes(value) if resource == "memory" else f"{value:g}"


def _unschedulable(view: ClusterView, pod: Obj, scheduled: Obj) -> Finding:
    ref = pod_ref(pod)
    message = str(scheduled.get("message") or "")
    match = _SCHEDULER_PARTS.search(message)
    parts = [p.strip() for p in (match.group(1) if match else message).split(", ") if p.strip()]
    evidence = [f"status.conditions[PodScheduled].reason={scheduled.get('reason')}",
                clip(f"status.conditions[PodScheduled].message={message}", 400)]
    cause = "Unschedulable"
    detail, detail_zh = "", ""
    if "unbound immediate PersistentVolumeClaims" in message or "unbound PersistentVolumeClaims" in message:
        cause = "UnboundPVC"
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            pvc = view.get("persistentvolumeclaims", ref.namespace, str(claim)) if claim else None
            if claim:
                phase = (pvc.get("status") or {}).get("phase") if pvc else "missing"
                evidence.append(f"volume {volume.get('name')}: persistentVolumeClaim {claim} is {phase}")
        detail, detail_zh = "; its PersistentVolumeClaim is not bound", "；它的 PVC 尚未绑定"
    elif "free ports" in message:
        cause = "HostPortConflict"
    elif "affinity/selector" in message or "node selector" in message:
        cause = "NodeSelectorMismatch"
        evidence += _selector_evidence(view, pod)
        labels = ",".join(f"{k}={v}" for k, v in sorted(((pod.get("spec") or {}).get("nodeSelector") or {}).items()))
        detail = f"; no node carries the labels its nodeSelector asks for ({labels or 'node affinity'})"
        detail_zh = f"；没有节点带有其 nodeSelector 要求的标签（{labels or 'node affinity'}）"
    for resource in dict.fromkeys(r.rstrip(".") for r in _INSUFFICIENT.findall(message)):
        cause = "InsufficientResources" if cause == "Unschedulable" else cause
        wanted = _requested(pod, resource)
        largest = _largest_allocatable(view, resource)
        evidence.append(f"requests.{resource}={_show(resource, wanted)} (sum over containers)")
        if largest is not None:
            evidence.append(f"largest node allocatable {resource}={_show(resource, largest[1])} ({largest[0]})")
            if wanted > largest[1]:
                detail = f"; it requests {resource}={_show(resource, wanted)}, more than any node can offer " \
                         f"(largest: {_show(resource, largest[1])})"
                detail_zh = f"；它请求 {resource}={_show(resource, wanted)}，超过任何节点的可分配量" \
                            f"（最大 {_show(resource, largest[1])}）"
    evidence += [event_line(e) for e in view.events_for("Pod", ref.namespace, ref.name, ("FailedScheduling",))[:1]]
    summary = "; ".join(parts) or message
    return Finding(
        NAME, "critical", ref, "Unschedulable",
        f"Pod {ref.namespace}/{ref.name} cannot be scheduled: {clip(summary, 200)}{detail}.",
        tuple(evidence),
        message_zh=f"Pod {ref.namespace}/{ref.name} 无法调度：{clip(summary, 200)}{detail_zh}。",
        cause=cause,
        targets=pod_targets(view, pod),
        fix="Lower the pod's requests to fit a node, add capacity, or fix the constraint the scheduler names."
        if cause != "UnboundPVC" else "Fix the PersistentVolumeClaim so it can bind (see its events).",
        fix_zh="降低 Pod 的资源请求以适配节点、扩容节点，或修正调度器指出的约束。"
        if cause != "UnboundPVC" else "修复 PVC 使其能够绑定（查看它的事件）。",
    )


def _image_pull(view: ClusterView, pod: Obj, cs: ContainerStatus) -> Finding:
    ref = pod_ref(pod)
    reason = str(cs.waiting.get("reason"))
    failed = [e for e in view.events_for("Pod", ref.namespace, ref.name, ("Failed",))
              if "pull" in str(e.get("message")).lower()]
    failed.sort(key=lambda e: "Failed to pull image" not in str(e.get("message")))  # the registry's answer first
    pull_error = next((str(e.get("message")) for e in failed if "Failed to pull image" in str(e.get("message"))), "")
    why, why_zh = "the pull fails", "拉取失败"
    for pattern, en, zh in _PULL_CAUSES:
        if pattern.search(pull_error or str(cs.waiting.get("message") or "")):
            why, why_zh = en, zh
            break
    evidence = [f"{cs.path}.state.waiting.reason={reason}", f"{cs.path}.image={cs.image}"]
    if cs.waiting.get("message"):
        evidence.append(clip(f"{cs.path}.state.waiting.message={cs.waiting['message']}"))
    evidence += [event_line(e, 400) for e in failed[:2]]
    return Finding(
        NAME, "critical", ref, reason,
        f"Container {cs.name} of pod {ref.namespace}/{ref.name} cannot pull image {cs.image} ({reason}): {why}.",
        tuple(evidence),
        message_zh=f"Pod {ref.namespace}/{ref.name} 的容器 {cs.name} 无法拉取镜像 {cs.image}（{reason}）：{why_zh}。",
        targets=pod_targets(view, pod, cs.name),
        fix=f"Point the workload at an image that exists and the node may pull (now: {cs.image}).",
        fix_zh=f"把工作负载的镜像改为存在且节点有权限拉取的镜像（当前：{cs.image}）。",
    )


def _mount_failure(view: ClusterView, pod: Obj) -> Finding | None:
    ref = pod_ref(pod)
    events = view.events_for("Pod", ref.namespace, ref.name, ("FailedMount", "FailedAttachVolume"))
    if not events:
        return None
    multi = next((e for e in events if "Multi-Attach" in str(e.get("message"))), None)
    if multi is not None:
        return _multi_attach(view, pod, str(multi.get("message")), [event_line(e) for e in events[:2]])
    return Finding(
        NAME, "critical", ref, str(events[0].get("reason")),
        f"Pod {ref.namespace}/{ref.name} is stuck starting: {clip(str(events[0].get('message')), 200)}",
        tuple(event_line(e) for e in events[:3]),
        message_zh=f"Pod {ref.namespace}/{ref.name} 卡在启动阶段：{clip(str(events[0].get('message')), 200)}",
        targets=pod_targets(view, pod),
    )


def _evicted(view: ClusterView, pod: Obj) -> Finding:
    ref = pod_ref(pod)
    status = pod.get("status") or {}
    message = str(status.get("message") or "")
    node = str((pod.get("spec") or {}).get("nodeName") or "?")
    own = _OWN_LIMIT.search(message)
    if own:  # the pod exceeded its own ephemeral-storage limit: not the node's fault
        limit = (own.group(1) or own.group(2) or own.group(3) or "").rstrip(".")
        return _over_own_limit(view, pod, message, node, limit)
    resource = re.search(r"low on resource: ([\w-]+)", message)
    low = resource.group(1) if resource else "resources"
    cause = "DiskPressure" if low == "ephemeral-storage" else "MemoryPressure" if low == "memory" else None
    return Finding(
        NAME, "warning", ref, "Evicted",
        f"Pod {ref.namespace}/{ref.name} was evicted from node {node}: the node was low on {low}.",
        ("status.phase=Failed", "status.reason=Evicted", clip(f"status.message={message}", 300),
         f"spec.nodeName={node}"),
        message_zh=f"Pod {ref.namespace}/{ref.name} 被节点 {node} 驱逐：节点的 {low} 不足。",
        cause=cause,
        targets=pod_targets(view, pod),
        fix="Free space on the node and cap the workload's ephemeral-storage; delete the Failed pod record after.",
        fix_zh="清理节点空间并限制该工作负载的 ephemeral-storage；之后删除 Failed 状态的 Pod 记录。",
    )


_OWN_LIMIT = re.compile(r"exceeds the total limit of containers ([\w.]+)|exceeded its local ephemeral storage limit "
                        r"\"?([\w.]+)|usage of ephemeral local storage exceeds|usage of emptydir volume \"?[\w.-]+\"? "
                        r"exceeds the limit \"?([\w.]+)", re.I)


def _over_own_limit(view: ClusterView, pod: Obj, message: str, node: str, limit: str) -> Finding:
    ref = pod_ref(pod)
    targets = pod_targets(view, pod)
    limit_bytes = parse_quantity(limit) if limit else None
    bigger = format_bytes(limit_bytes * 2) if limit_bytes else "<choose a size above the observed scratch use>"
    workload = f"deployment/{targets['deployment']}" if "deployment" in targets else f"pod/{ref.name}"
    container = targets.get("container", "")
    command = (f"kubectl set resources {workload} -n {ref.namespace}" + (f" -c {container}" if container else "")
               + f" --limits=ephemeral-storage={bigger}")
    return Finding(
        NAME, "warning", ref, "Evicted",
        f"Pod {ref.namespace}/{ref.name} was evicted for exceeding its own ephemeral-storage limit {limit or ''} "
        f"(node {node} was not under pressure).",
        ("status.phase=Failed", "status.reason=Evicted", clip(f"status.message={message}", 300),
         f"spec.nodeName={node}"),
        message_zh=f"Pod {ref.namespace}/{ref.name} 因超出自身的 ephemeral-storage 限制 {limit or ''} 被驱逐"
        f"（节点 {node} 并无压力）。",
        cause="EphemeralStorageLimit",
        targets=targets,
        fix=f"The pod writes more scratch data than its limit: move it to a volume, clean it up, or raise the limit "
            f"(twice the current one, {bigger}, if the usage is legitimate): `{command}`",
        fix_zh=f"Pod 写入的临时数据超过了限制：改用卷、及时清理，或提高限制（若用量合理，可设为当前的两倍 {bigger}）："
        f"`{command}`",
    )


_USED_BY = re.compile(r"already used by pod\(s\) ([\w.,\s-]+)", re.I)


def _multi_attach(view: ClusterView, pod: Obj, message: str, evidence: list[str]) -> Finding:
    ref = pod_ref(pod)
    used_by = _USED_BY.search(message)
    users = [u.strip() for u in (used_by.group(1).split(",") if used_by else []) if u.strip()]
    claims = [str(v["persistentVolumeClaim"]["claimName"]) for v in (pod.get("spec") or {}).get("volumes") or []
              if (v.get("persistentVolumeClaim") or {}).get("claimName")]
    holders = []
    for user in users:
        other = view.get("pods", ref.namespace, user)
        if other is not None:
            holders.append(f"pod {user} on node {(other.get('spec') or {}).get('nodeName')}")
    evidence = [*evidence, *(f"volume held by {h}" for h in holders)]
    if claims:
        evidence.append(f"persistentVolumeClaim: {', '.join(claims)} (ReadWriteOnce: one node at a time)")
    return Finding(
        NAME, "critical", ref, "MultiAttach",
        f"Pod {ref.namespace}/{ref.name} cannot start: its ReadWriteOnce volume is still attached to another node"
        + (f" ({holders[0]})" if holders else "") + ".",
        tuple(evidence),
        message_zh=f"Pod {ref.namespace}/{ref.name} 无法启动：它的 ReadWriteOnce 卷仍挂载在另一个节点上"
        + (f"（{holders[0]}）" if holders else "") + "。",
        targets=pod_targets(view, pod),
        related=(*(ObjectRef("Pod", ref.namespace, u) for u in users),
                 *(ObjectRef("PersistentVolumeClaim", ref.namespace, c) for c in claims)),
        fix="Let one pod own the volume: use strategy Recreate (or a StatefulSet) for workloads with a "
            "ReadWriteOnce claim, or delete the old pod so the volume detaches.",
        fix_zh="让卷只被一个 Pod 使用：带 ReadWriteOnce PVC 的工作负载使用 Recreate 策略（或 StatefulSet），"
        "或删除旧 Pod 以卸载卷。",
    )


def _selector_evidence(view: ClusterView, pod: Obj) -> list[str]:
    wanted = {str(k): str(v) for k, v in ((pod.get("spec") or {}).get("nodeSelector") or {}).items()}
    if not wanted:
        return ["spec.affinity.nodeAffinity does not match any node"]
    out = [f"spec.nodeSelector={','.join(f'{k}={v}' for k, v in sorted(wanted.items()))}"]
    for key, value in sorted(wanted.items()):
        have = sorted({str((n.get("metadata") or {}).get("labels", {}).get(key)) for n in view.items("nodes")
                       if key in ((n.get("metadata") or {}).get("labels") or {})})
        out.append(f"nodes with label {key}: {', '.join(have) if have else 'none'} (wanted {value})")
    return out
