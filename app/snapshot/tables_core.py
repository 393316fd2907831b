"""Server-side Table rows for core (v1) kinds, matching kube-apiserver's printers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.snapshot.humanize import NONE, access_modes, age, format_labels, since
from app.snapshot.tables_model import Column, Printer, col

Obj = dict[str, Any]


def _pod_row(pod: Obj, now: datetime) -> list[Any]:
    """printPod from pkg/printers/internalversion: READY, STATUS reason and RESTARTS (x ago)."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    meta = pod.get("metadata") or {}
    total = len(spec.get("containers") or [])
    ready = restarts = 0
    last_restart: str | None = None
    reason = status.get("reason") or status.get("phase") or ""

    def note_restart(container: Obj) -> None:
        nonlocal last_restart
        finished = ((container.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        if finished and (last_restart is None or finished > last_restart):
            last_restart = finished

    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    init_specs = spec.get("initContainers") or []
    for index, container in enumerate(init_statuses):
        restarts += int(container.get("restartCount") or 0)
        note_restart(container)
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and int(terminated.get("exitCode") or 0) == 0:
            continue
        if terminated:
            reason = "Init:" + (terminated.get("reason") or f"ExitCode:{terminated.get('exitCode')}")
        elif waiting and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + str(waiting["reason"])
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break
    initialized = any(c.get("type") == "Initialized" and c.get("status") == "True"
                      for c in status.get("conditions") or [])
    if not initializing or initialized:
        restarts = 0
        has_running = False
        for container in reversed(status.get("containerStatuses") or []):
            restarts += int(container.get("restartCount") or 0)
            note_restart(container)
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting") or {}, state.get("terminated")
            if waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated and terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated:
                signal = terminated.get("signal")
                reason = f"Signal:{signal}" if signal else f"ExitCode:{terminated.get('exitCode', 0)}"
            elif container.get("ready") and "running" in state:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            pod_ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                            for c in status.get("conditions") or [])
            reason = "Running" if pod_ready else "NotReady"
    if meta.get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    restarts_cell = str(restarts)
    if restarts and last_restart:
        restarts_cell = f"{restarts} ({since(last_restart, now)} ago)"
    gates = spec.get("readinessGates") or []
    if gates:
        true_conditions = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
        gates_cell = f"{sum(g.get('conditionType') in true_conditions for g in gates)}/{len(gates)}"
    else:
        gates_cell = NONE
    return [meta.get("name"), f"{ready}/{total}", reason, restarts_cell, age(pod, now),
            status.get("podIP") or NONE, spec.get("nodeName") or NONE,
            status.get("nominatedNodeName") or NONE, gates_cell]


POD_COLUMNS = [col("Name"), col("Ready"), col("Status"), col("Restarts"), col("Age"),
               col("IP", priority=1), col("Node", priority=1), col("Nominated Node", priority=1),
               col("Readiness Gates", priority=1)]


def _node_row(node: Obj, now: datetime) -> list[Any]:
    meta, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    state = "Unknown" if ready is None else "Ready" if ready.get("status") == "True" else "NotReady"
    if spec.get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted({key.split("/", 1)[1] for key in meta.get("labels") or {}
                    if key.startswith("node-role.kubernetes.io/") and key.split("/", 1)[1]}
                   | ({(meta.get("labels") or {})["kubernetes.io/role"]}
                      if (meta.get("labels") or {}).get("kubernetes.io/role") else set()))
    addresses = status.get("addresses") or []
    info = status.get("nodeInfo") or {}

    def address(kind: str) -> str:
        return next((a.get("address", "") for a in addresses if a.get("type") == kind), NONE)

    return [meta.get("name"), state, ",".join(roles) or NONE, age(node, now), info.get("kubeletVersion", ""),
            address("InternalIP"), address("ExternalIP"), info.get("osImage", ""),
            info.get("kernelVersion", ""), info.get("containerRuntimeVersion", "")]


NODE_COLUMNS = [col("Name"), col("Status"), col("Roles"), col("Age"), col("Version"),
                col("Internal-IP", priority=1), col("External-IP", priority=1), col("OS-Image", priority=1),
                col("Kernel-Version", priority=1), col("Container-Runtime", priority=1)]


def _service_row(svc: Obj, now: datetime) -> list[Any]:
    spec, status = svc.get("spec") or {}, svc.get("status") or {}
    kind = spec.get("type") or "ClusterIP"
    external = list(spec.get("externalIPs") or [])
    if kind == "LoadBalancer":
        ingress = (status.get("loadBalancer") or {}).get("ingress") or []
        external = [i.get("ip") or i.get("hostname") or "" for i in ingress] + external
        external_cell = ",".join(external) or "<pending>"
    elif kind == "ExternalName":
        external_cell = spec.get("externalName") or NONE
    else:
        external_cell = ",".join(external) or NONE
    ports = []
    for port in spec.get("ports") or []:
        protocol = port.get("protocol", "TCP")
        if port.get("nodePort"):
            ports.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            ports.append(f"{port.get('port')}/{protocol}")
    return [svc["metadata"].get("name"), kind, spec.get("clusterIP") or NONE, external_cell,
            ",".join(ports) or NONE, age(svc, now), format_labels(spec.get("selector"))]


SERVICE_COLUMNS = [col("Name"), col("Type"), col("Cluster-IP"), col("External-IP"), col("Port(s)"),
                   col("Age"), col("Selector", priority=1)]


def _endpoints_row(ep: Obj, now: datetime) -> list[Any]:
    subsets = ep.get("subsets") or []
    if not subsets:
        return [ep["metadata"].get("name"), NONE, age(ep, now)]
    entries: list[str] = []
    count, limit = 0, 3
    for subset in subsets:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:
            count += len(addresses)
            entries.extend(addresses)
        for port in ports:
            count += len(addresses)
            entries.extend(f"{ip}:{port.get('port')}" for ip in addresses)
    cell = ",".join(entries[:limit])
    if count > limit:
        cell += f" + {count - limit} more..."
    return [ep["metadata"].get("name"), cell, age(ep, now)]


def _event_row(event: Obj, now: datetime) -> list[Any]:
    involved, source = event.get("involvedObject") or {}, event.get("source") or {}
    if event.get("series"):
        last_seen = since(event["series"].get("lastObservedTime"), now)
    elif event.get("lastTimestamp"):
        last_seen = since(event.get("lastTimestamp"), now)
    else:
        last_seen = since(event.get("eventTime"), now)
    first_seen = since(event.get("firstTimestamp") or event.get("eventTime"), now)
    component = source.get("component") or event.get("reportingComponent") or ""
    host = source.get("host") or event.get("reportingInstance") or ""
    return [last_seen, event.get("type", ""), event.get("reason", ""),
            f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
            involved.get("fieldPath", ""), f"{component}, {host}" if host else component,
            str(event.get("message", "")).strip(), first_seen, int(event.get("count") or 1),
            event["metadata"].get("name")]


EVENT_COLUMNS = [col("Last Seen"), col("Type"), col("Reason"), col("Object"),
                 col("Subobject", priority=1), col("Source", priority=1), col("Message"),
                 col("First Seen", priority=1), col("Count", "integer", priority=1),
                 col("Name", priority=1)]


def _pvc_row(pvc: Obj, now: datetime) -> list[Any]:
    meta, spec, status = pvc.get("metadata") or {}, pvc.get("spec") or {}, pvc.get("status") or {}
    phase = "Terminating" if meta.get("deletionTimestamp") else status.get("phase", "")
    bound = bool(spec.get("volumeName"))
    capacity = (status.get("capacity") or {}).get("storage", "") if bound else ""
    modes = access_modes(status.get("accessModes")) if bound else ""
    storage_class = spec.get("storageClassName") or (meta.get("annotations") or {}).get(
        "volume.beta.kubernetes.io/storage-class", "")
    return [meta.get("name"), phase, spec.get("volumeName", ""), capacity, modes, storage_class,
            spec.get("volumeAttributesClassName") or "<unset>", age(pvc, now),
            spec.get("volumeMode") or "<unset>"]


PVC_COLUMNS = [col("Name"), col("Status"), col("Volume"), col("Capacity"), col("Access Modes"),
               col("StorageClass"), col("VolumeAttributesClass"), col("Age"),
               col("VolumeMode", priority=1)]


def _pv_row(pv: Obj, now: datetime) -> list[Any]:
    meta, spec, status = pv.get("metadata") or {}, pv.get("spec") or {}, pv.get("status") or {}
    claim = spec.get("claimRef") or {}
    claim_cell = f"{claim.get('namespace')}/{claim.get('name')}" if claim else ""
    phase = "Terminating" if meta.get("deletionTimestamp") else status.get("phase", "")
    return [meta.get("name"), (spec.get("capacity") or {}).get("storage", ""),
            access_modes(spec.get("accessModes")), spec.get("persistentVolumeReclaimPolicy", ""), phase,
            claim_cell, spec.get("storageClassName", ""), spec.get("volumeAttributesClassName") or "<unset>",
            status.get("reason", ""), age(pv, now), spec.get("volumeMode") or "<unset>"]


PV_COLUMNS = [col("Name"), col("Capacity"), col("Access Modes"), col("Reclaim Policy"), col("Status"),
              col("Claim"), col("StorageClass"), col("VolumeAttributesClass"), col("Reason"), col("Age"),
              col("VolumeMode", priority=1)]


CORE_PRINTERS: dict[str, tuple[list[Column], Printer]] = {
    "Pod": (POD_COLUMNS, _pod_row),
    "Node": (NODE_COLUMNS, _node_row),
    "Service": (SERVICE_COLUMNS, _service_row),
    "Endpoints": ([col("Name"), col("Endpoints"), col("Age")], _endpoints_row),
    "Event": (EVENT_COLUMNS, _event_row),
    "PersistentVolumeClaim": (PVC_COLUMNS, _pvc_row),
    "PersistentVolume": (PV_COLUMNS, _pv_row),
    "Namespace": ([col("Name"), col("Status"), col("Age")],
                  lambda o, now: [o["metadata"]["name"], (o.get("status") or {}).get("phase", ""),
                                  age(o, now)]),
    "ConfigMap": ([col("Name"), col("Data", "integer"), col("Age")],
                  lambda o, now: [o["metadata"]["name"],
                                  len(o.get("data") or {}) + len(o.get("binaryData") or {}), age(o, now)]),
    "Secret": ([col("Name"), col("Type"), col("Data", "integer"), col("Age")],
               lambda o, now: [o["metadata"]["name"], o.get("type", ""), len(o.get("data") or {}),
                               age(o, now)]),
    "ServiceAccount": ([col("Name"), col("Secrets", "integer"), col("Age")],
                       lambda o, now: [o["metadata"]["name"], len(o.get("secrets") or []), age(o, now)]),
}
