"""Server-side Table rows for apps, batch, networking, storage and other grouped kinds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.snapshot.humanize import (
    NONE,
    age,
    containers_and_images,
    format_label_selector,
    format_labels,
    human_duration,
    since,
)
from app.snapshot.store import parse_time
from app.snapshot.tables_model import Column, Printer, col

Obj = dict[str, Any]

_WIDE_TEMPLATE = [col("Containers", priority=1), col("Images", priority=1), col("Selector", priority=1)]


def _template_cells(obj: Obj) -> list[Any]:
    spec = obj.get("spec") or {}
    containers, images = containers_and_images((spec.get("template") or {}).get("spec"))
    return [containers, images, format_label_selector(spec.get("selector"))]


def _deployment_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            int(status.get("updatedReplicas") or 0), int(status.get("availableReplicas") or 0),
            age(obj, now), *_template_cells(obj)]


def _replicaset_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [obj["metadata"]["name"], int(spec.get("replicas", 1)), int(status.get("replicas") or 0),
            int(status.get("readyReplicas") or 0), age(obj, now), *_template_cells(obj)]


def _statefulset_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            age(obj, now), *_template_cells(obj)[:2]]


def _daemonset_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")
    return [obj["metadata"]["name"], int(status.get("desiredNumberScheduled") or 0),
            int(status.get("currentNumberScheduled") or 0), int(status.get("numberReady") or 0),
            int(status.get("updatedNumberScheduled") or 0), int(status.get("numberAvailable") or 0),
            format_labels(node_selector), age(obj, now), *_template_cells(obj)]


def _job_status(status: Obj, spec: Obj) -> str:
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    for kind in ("Complete", "Failed", "FailureTarget", "SuccessCriteriaMet"):
        if conditions.get(kind) == "True":
            return kind
    if conditions.get("Suspended") == "True" or spec.get("suspend"):
        return "Suspended"
    return "Running"


def _job_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    succeeded = int(status.get("succeeded") or 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif int(spec.get("parallelism") or 1) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    duration = ""
    if status.get("startTime"):
        start = parse_time(status["startTime"])
        end = parse_time(status["completionTime"]) if status.get("completionTime") else now
        duration = human_duration(end - start)
    return [obj["metadata"]["name"], _job_status(status, spec), completions, duration, age(obj, now),
            *_template_cells(obj)]


def _cronjob_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    template = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    containers, images = containers_and_images((template.get("template") or {}).get("spec"))
    last = since(status["lastScheduleTime"], now) if status.get("lastScheduleTime") else NONE
    return [obj["metadata"]["name"], spec.get("schedule", ""), spec.get("timeZone") or NONE,
            "True" if spec.get("suspend") else "False", len(status.get("active") or []), last, age(obj, now),
            containers, images, format_label_selector(template.get("selector"))]


def _ingress_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    hosts = [rule.get("host", "") for rule in spec.get("rules") or [] if rule.get("host")]
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    address = ",".join(i.get("ip") or i.get("hostname") or "" for i in ingress)
    return [obj["metadata"]["name"], spec.get("ingressClassName") or NONE, ",".join(hosts) or "*",
            address, "80, 443" if spec.get("tls") else "80", age(obj, now)]


def _storageclass_row(obj: Obj, now: datetime) -> list[Any]:
    annotations = obj["metadata"].get("annotations") or {}
    name = obj["metadata"]["name"]
    if "true" in (annotations.get("storageclass.kubernetes.io/is-default-class"),
                  annotations.get("storageclass.beta.kubernetes.io/is-default-class")):
        name += " (default)"
    expansion = "true" if obj.get("allowVolumeExpansion") else "false"
    return [name, obj.get("provisioner", ""), obj.get("reclaimPolicy") or "Delete",
            obj.get("volumeBindingMode") or "Immediate", expansion, age(obj, now)]


def _endpointslice_row(obj: Obj, now: datetime) -> list[Any]:
    ports = ",".join(str(p.get("port", "")) for p in obj.get("ports") or []) or "<unset>"
    addresses = [a for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
    cell = ",".join(addresses[:3]) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")
    return [obj["metadata"]["name"], obj.get("addressType", ""), ports, cell or "<unset>", age(obj, now)]


def _hpa_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    return [obj["metadata"]["name"], f"{ref.get('kind')}/{ref.get('name')}", "<unknown>",
            spec.get("minReplicas", 1), spec.get("maxReplicas", 0), status.get("currentReplicas", 0),
            age(obj, now)]


def _rc_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    containers, images = containers_and_images((spec.get("template") or {}).get("spec"))
    return [obj["metadata"]["name"], int(spec.get("replicas", 1)), int(status.get("replicas") or 0),
            int(status.get("readyReplicas") or 0), age(obj, now), containers, images,
            format_labels(spec.get("selector"))]


def _pdb_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [obj["metadata"]["name"], str(spec.get("minAvailable", "N/A")),
            str(spec.get("maxUnavailable", "N/A")), int(status.get("disruptionsAllowed") or 0), age(obj, now)]


WORKLOAD_PRINTERS: dict[str, tuple[list[Column], Printer]] = {
    "Deployment": ([col("Name"), col("Ready"), col("Up-to-date", "integer"), col("Available", "integer"),
                    col("Age"), *_WIDE_TEMPLATE], _deployment_row),
    "ReplicaSet": ([col("Name"), col("Desired", "integer"), col("Current", "integer"),
                    col("Ready", "integer"), col("Age"), *_WIDE_TEMPLATE], _replicaset_row),
    "StatefulSet": ([col("Name"), col("Ready"), col("Age"), *_WIDE_TEMPLATE[:2]], _statefulset_row),
    "DaemonSet": ([col("Name"), col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer"),
                   col("Up-to-date", "integer"), col("Available", "integer"), col("Node Selector"),
                   col("Age"), *_WIDE_TEMPLATE], _daemonset_row),
    "Job": ([col("Name"), col("Status"), col("Completions"), col("Duration"), col("Age"), *_WIDE_TEMPLATE],
            _job_row),
    "CronJob": ([col("Name"), col("Schedule"), col("Timezone"), col("Suspend"), col("Active", "integer"),
                 col("Last Schedule"), col("Age"), *_WIDE_TEMPLATE], _cronjob_row),
    "Ingress": ([col("Name"), col("Class"), col("Hosts"), col("Address"), col("Ports"), col("Age")],
                _ingress_row),
    "IngressClass": ([col("Name"), col("Controller"), col("Parameters"), col("Age")],
                     lambda o, now: [o["metadata"]["name"], (o.get("spec") or {}).get("controller", ""),
                                     NONE, age(o, now)]),
    "StorageClass": ([col("Name"), col("Provisioner"), col("ReclaimPolicy"), col("VolumeBindingMode"),
                      col("AllowVolumeExpansion"), col("Age")], _storageclass_row),
    "EndpointSlice": ([col("Name"), col("AddressType"), col("Ports"), col("Endpoints"), col("Age")],
                      _endpointslice_row),
    "HorizontalPodAutoscaler": ([col("Name"), col("Reference"), col("Targets"), col("MinPods", "integer"),
                                 col("MaxPods", "integer"), col("Replicas", "integer"), col("Age")],
                                _hpa_row),
    "ReplicationController": ([col("Name"), col("Desired", "integer"), col("Current", "integer"),
                               col("Ready", "integer"), col("Age"), *_WIDE_TEMPLATE], _rc_row),
    "PodDisruptionBudget": ([col("Name"), col("Min Available"), col("Max Unavailable"),
                             col("Allowed Disruptions", "integer"), col("Age")], _pdb_row),
}
