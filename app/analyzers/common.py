"""Helpers shared by the analyzers: container statuses with their field paths, events, targets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.analyzers.model import ObjectRef
from app.analyzers.view import ClusterView, Obj, meta, name_of, namespace_of

MAX_LINE = 220
# What a container's exit code usually means (128 + signal number for signals).
EXIT_CODES = {0: "completed", 1: "application error", 2: "application error (misuse / bad config)",
              126: "command not executable", 127: "command not found", 137: "SIGKILL (OOM or killed)",
              139: "SIGSEGV (segmentation fault)", 143: "SIGTERM (terminated)"}


@dataclass(frozen=True)
class ContainerStatus:
    path: str  # e.g. status.containerStatuses[0]
    status: Obj
    spec: Obj

    @property
    def name(self) -> str:
        return str(self.status.get("name", ""))

    @property
    def waiting(self) -> Obj:
        return dict((self.status.get("state") or {}).get("waiting") or {})

    @property
    def terminated(self) -> Obj:
        return dict((self.status.get("state") or {}).get("terminated") or {})

    @property
    def running(self) -> bool:
        return "running" in (self.status.get("state") or {})

    @property
    def last_terminated(self) -> Obj:
        return dict((self.status.get("lastState") or {}).get("terminated") or {})

    @property
    def restarts(self) -> int:
        return int(self.status.get("restartCount") or 0)

    @property
    def image(self) -> str:
        return str(self.spec.get("image") or self.status.get("image") or "")

    def resource(self, kind: str, name: str) -> str | None:
        value = ((self.spec.get("resources") or {}).get(kind) or {}).get(name)
        return str(value) if value is not None else None


def container_statuses(pod: Obj) -> Iterator[ContainerStatus]:
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    for field, spec_field in (("initContainerStatuses", "initContainers"), ("containerStatuses", "containers")):
        specs = {str(c.get("name")): c for c in spec.get(spec_field) or []}
        for index, item in enumerate(status.get(field) or []):
            yield ContainerStatus(f"status.{field}[{index}]", item, specs.get(str(item.get("name")), {}))


def condition(obj: Obj, kind: str) -> Obj | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def clip(text: str, limit: int = MAX_LINE) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_line(event: Obj, limit: int = MAX_LINE) -> str:
    count = int(event.get("count") or (event.get("series") or {}).get("count") or 1)
    times = f" (×{count})" if count > 1 else ""
    return clip(f"event {event.get('reason')}: {event.get('message', '')}{times}", limit)


def exit_meaning(code: Any) -> str:
    try:
        number = int(code)
    except (TypeError, ValueError):
        return ""
    return EXIT_CODES.get(number, "signal" if number > 128 else "application error")


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def labels_of(obj: Obj) -> dict[str, str]:
    return {str(k): str(v) for k, v in (meta(obj).get("labels") or {}).items()}


def pod_ref(pod: Obj) -> ObjectRef:
    return ObjectRef("Pod", namespace_of(pod), name_of(pod))


def pod_targets(view: ClusterView, pod: Obj, container: str | None = None) -> dict[str, str]:
    """Runbook placeholders this pod fills: namespace, pod, container, node, deployment, service, pvc."""
    namespace = namespace_of(pod) or "default"
    spec = pod.get("spec") or {}
    targets = {"namespace": namespace, "pod": name_of(pod)}
    containers = [str(c.get("name")) for c in spec.get("containers") or []]
    unready = [str(s.get("name")) for s in (pod.get("status") or {}).get("containerStatuses") or []
               if not s.get("ready")]
    chosen = container or next(iter(unready), None) or next(iter(containers), None)
    if chosen:
        targets["container"] = chosen
    if spec.get("nodeName"):
        targets["node"] = str(spec["nodeName"])
    workload = view.workload_of(pod)
    if workload is not None and workload.kind == "Deployment":
        targets["deployment"] = workload.name
    labels = labels_of(pod)
    for svc in view.items("services"):
        if namespace_of(svc) == namespace and selects((svc.get("spec") or {}).get("selector") or {}, labels):
            targets["service"] = name_of(svc)
            break
    claims = [v["persistentVolumeClaim"]["claimName"] for v in spec.get("volumes") or []
              if (v.get("persistentVolumeClaim") or {}).get("claimName")]
    if claims:
        targets["pvc"] = str(claims[0])
    release = labels.get("app.kubernetes.io/instance")
    if release and labels.get("app.kubernetes.io/managed-by") == "Helm":
        targets["release"] = release
    return targets


def pod_problem(pod: Obj) -> tuple[str, str] | None:
    """Why a pod is not serving: (reason, a few words), for pointing at it from its controller or Service."""
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase == "Failed":
        reason = str(status.get("reason") or "Failed")
        return reason, f"Failed ({reason})"
    scheduled = condition(pod, "PodScheduled")
    if scheduled is not None and scheduled.get("status") == "False":
        reason = str(scheduled.get("reason") or "Unschedulable")
        if "unbound" in str(scheduled.get("message", "")) and "PersistentVolumeClaim" in str(scheduled.get("message")):
            return "UnboundPVC", f"Pending ({reason}: unbound PersistentVolumeClaim)"
        return reason, f"Pending ({reason})"
    for cs in container_statuses(pod):
        waiting = cs.waiting.get("reason")
        if waiting not in (None, "ContainerCreating", "PodInitializing"):
            last = cs.last_terminated
            detail = f", last exit {last.get('reason')} {last.get('exitCode')}" if last else ""
            reason = "OOMKilled" if last.get("reason") == "OOMKilled" else str(waiting)
            return reason, f"{waiting} (container {cs.name}{detail})"
        code = cs.terminated.get("exitCode")
        if cs.terminated and code not in (0, None) and phase != "Succeeded":
            reason = str(cs.terminated.get("reason") or "Terminated")
            return reason, f"{reason} (container {cs.name}, exit {code})"
    if phase == "Pending":
        return "Pending", "Pending (containers not started)"
    ready = condition(pod, "Ready")
    if phase == "Running" and ready is not None and ready.get("status") != "True":
        return "NotReady", "Running but not Ready"
    return None
