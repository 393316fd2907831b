"""PersistentVolumeClaims: Pending claims with their provisioning events, missing or no default StorageClass."""

from __future__ import annotations

from app.analyzers.common import clip, event_line
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, Severity, reasons
from app.analyzers.view import ClusterView, Obj, meta, name_of, namespace_of

NAME = "pvcs"
REASONS: dict[str, ReasonSpec] = {
    **reasons(1, ("storage", "pod_pending"), "ProvisioningFailed", "NoStorageClass", "ClaimLost"),
    **reasons(3, ("storage", "pod_pending"), "ClaimPending", "WaitForFirstConsumer"),
}
_DEFAULT = ("storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class")


class PvcsAnalyzer:
    name = NAME
    kinds = frozenset({"persistentvolumeclaims", "storageclasses", "events", "pods"})
    reasons = REASONS
    problem_types = ("pod_pending", "storage")

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for pvc in view.items("persistentvolumeclaims"):
            phase = (pvc.get("status") or {}).get("phase")
            if phase == "Pending":
                findings.append(_pending(view, pvc))
            elif phase == "Lost":
                findings.append(_finding(view, pvc, "critical", "ClaimLost",
                                         "its PersistentVolume is gone (Lost)", "它绑定的 PV 已丢失（Lost）",
                                         ["status.phase=Lost"]))
        return findings


def _classes(view: ClusterView) -> tuple[dict[str, Obj], list[str]]:
    classes = {name_of(c): c for c in view.items("storageclasses")}
    defaults = [n for n, c in classes.items() if any((meta(c).get("annotations") or {}).get(a) == "true"
                                                      for a in _DEFAULT)]
    return classes, defaults


def _consumers(view: ClusterView, pvc: Obj) -> list[str]:
    ns, name = namespace_of(pvc), name_of(pvc)
    return [name_of(p) for p in view.pods_in(ns)
            if any((v.get("persistentVolumeClaim") or {}).get("claimName") == name
                   for v in (p.get("spec") or {}).get("volumes") or [])]


def _finding(view: ClusterView, pvc: Obj, severity: Severity, reason: str, en: str, zh: str,
             evidence: list[str], fix: str = "", fix_zh: str = "") -> Finding:
    ns, name = namespace_of(pvc), name_of(pvc)
    targets = {"namespace": ns or "default", "pvc": name}
    consumers = _consumers(view, pvc)
    if consumers:
        targets["pod"] = consumers[0]
    return Finding(NAME, severity, ObjectRef("PersistentVolumeClaim", ns, name), reason,
                   f"PersistentVolumeClaim {ns}/{name} is not usable: {en}.", tuple(evidence),
                   message_zh=f"PVC {ns}/{name} 不可用：{zh}。", targets=targets,
                   related=tuple(ObjectRef("Pod", ns, c) for c in consumers[:3]), fix=fix, fix_zh=fix_zh)


def _pending(view: ClusterView, pvc: Obj) -> Finding:
    ns, name = namespace_of(pvc), name_of(pvc)
    wanted = (pvc.get("spec") or {}).get("storageClassName")
    classes, defaults = _classes(view)
    events = view.events_for("PersistentVolumeClaim", ns, name)
    evidence = ["status.phase=Pending", f"spec.storageClassName={wanted if wanted is not None else '<unset>'}"]
    if view.has("storageclasses"):
        shown = [f"{n} (default)" if n in defaults else n for n in sorted(classes)]
        evidence.append(f"storageclasses: {', '.join(shown) or 'none'}")
    evidence += [event_line(e) for e in events[:2]]
    provisioning = any(e.get("reason") == "ProvisioningFailed" for e in events)
    consumers = _consumers(view, pvc)
    if consumers:
        evidence.append(f"used by pod(s): {', '.join(consumers[:3])}")
    if wanted and view.has("storageclasses") and wanted not in classes:
        available = ", ".join(sorted(classes)) or "none"
        return _finding(view, pvc, "critical", "ProvisioningFailed",
                        f"StorageClass {wanted} does not exist (available: {available})",
                        f"StorageClass {wanted} 不存在（可用：{available}）", evidence,
                        f"Recreate the claim with an existing class (e.g. {defaults[0] if defaults else available}) "
                        f"or create StorageClass {wanted}; a claim's class cannot be changed in place.",
                        f"用已存在的存储类重建该 PVC（例如 {defaults[0] if defaults else available}），或创建 "
                        f"StorageClass {wanted}；PVC 的存储类不能原地修改。")
    if wanted is None and view.has("storageclasses") and not defaults:
        return _finding(view, pvc, "critical", "NoStorageClass",
                        "it names no StorageClass and the cluster has no default class",
                        "它未指定 StorageClass，集群也没有默认存储类", evidence,
                        "Mark a StorageClass as default or set spec.storageClassName.",
                        "把某个 StorageClass 设为默认，或设置 spec.storageClassName。")
    if provisioning:
        message = next(str(e.get("message")) for e in events if e.get("reason") == "ProvisioningFailed")
        return _finding(view, pvc, "critical", "ProvisioningFailed", f"provisioning fails: {clip(message, 160)}",
                        f"卷供应失败：{clip(message, 160)}", evidence)
    mode = (classes.get(str(wanted or (defaults[0] if defaults else ""))) or {}).get("volumeBindingMode")
    if mode == "WaitForFirstConsumer" and not consumers:
        return _finding(view, pvc, "info", "WaitForFirstConsumer",
                        "it waits for a pod to use it (WaitForFirstConsumer) and none does yet",
                        "它在等待第一个使用它的 Pod（WaitForFirstConsumer），目前还没有", evidence)
    return _finding(view, pvc, "warning", "ClaimPending", "it is still Pending", "它仍处于 Pending", evidence)
