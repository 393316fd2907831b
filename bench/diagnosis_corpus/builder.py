"""A compact builder of snapshot clusters (docs/snapshots.md): a few calls describe a cluster, `write` makes
the directory — consistent ReplicaSets, pods, Endpoints (from pod readiness), events and logs.

    c = Cluster()
    c.node("worker-1")
    c.deploy("shop", "api", state="crash", prev_log="panic: boom")
    c.service("shop", "api", {"app": "api"}, [(80, 8080)])
    c.write(Path("snap"))
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

Obj = dict[str, Any]
CAPTURED = "2026-11-18T09:41:27Z"
EARLIER = "2026-11-18T08:00:00Z"


def _hash(*parts: str, size: int = 10) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return "".join("bcdfghjklmnpqrstvwxz2456789"[int(digest[i:i + 2], 16) % 27] for i in range(0, size * 2, 2))


def meta(name: str, namespace: str | None = None, **extra: Any) -> Obj:
    out: Obj = {"name": name, "uid": _hash("uid", namespace or "", name, size=16), "creationTimestamp": EARLIER,
                **extra}
    if namespace:
        out["namespace"] = namespace
    return out


def condition(kind: str, status: str, reason: str = "", message: str = "") -> Obj:
    out: Obj = {"type": kind, "status": status, "lastTransitionTime": EARLIER}
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


class Cluster:
    def __init__(self) -> None:
        self.objects: list[Obj] = []
        self.logs: dict[tuple[str, str, str, bool], str] = {}
        self.pod_metrics: list[Obj] = []
        self.node_metrics: list[Obj] = []
        self._event = 0

    def add(self, obj: Obj) -> Obj:
        self.objects.append(obj)
        return obj

    # -- cluster-scoped --------------------------------------------------------------------------------
    def node(self, name: str, ready: bool = True, pressure: str | None = None, labels: dict[str, str] | None = None,
             taints: list[Obj] | None = None, unschedulable: bool = False, message: str = "") -> Obj:
        conditions = [condition(kind, "True" if kind == pressure else "False",
                                f"Kubelet{'Has' if kind == pressure else 'HasNo'}{kind}")
                      for kind in ("MemoryPressure", "DiskPressure", "PIDPressure")]
        conditions.append(condition("Ready", "True" if ready else "Unknown", "KubeletReady" if ready else
                                    "NodeStatusUnknown", message or ("kubelet is posting ready status" if ready else
                                                                     "Kubelet stopped posting node status.")))
        spec: Obj = {"taints": taints} if taints else {}
        if unschedulable:
            spec["unschedulable"] = True
        self.node_metrics.append({"metadata": {"name": name}, "timestamp": CAPTURED, "window": "30s",
                                  "usage": {"cpu": "420m", "memory": "3120Mi"}})
        return self.add({"apiVersion": "v1", "kind": "Node",
                         "metadata": meta(name, labels={"kubernetes.io/hostname": name, **(labels or {})}),
                         "spec": spec,
                         "status": {"conditions": conditions, "capacity": {"cpu": "4", "memory": "16Gi",
                                                                             "pods": "110",
                                                                             "ephemeral-storage": "100Gi"},
                                    "allocatable": {"cpu": "3920m", "memory": "15Gi", "pods": "110",
                                                    "ephemeral-storage": "95Gi"}}})

    def storage_class(self, name: str, default: bool = False, binding: str = "Immediate") -> Obj:
        annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
        return self.add({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                         "metadata": meta(name, annotations=annotations), "provisioner": "ebs.csi.aws.com",
                         "volumeBindingMode": binding, "reclaimPolicy": "Delete"})

    # -- events -----------------------------------------------------------------------------------------
    def event(self, kind: str, namespace: str | None, name: str, reason: str, message: str, count: int = 3,
              warning: bool = True, field_path: str | None = None) -> Obj:
        self._event += 1
        involved: Obj = {"kind": kind, "name": name}
        if namespace:
            involved["namespace"] = namespace
        if field_path:
            involved["fieldPath"] = field_path
        return self.add({"apiVersion": "v1", "kind": "Event",
                         "metadata": meta(f"{name}.{self._event:04x}", namespace or "default"),
                         "involvedObject": involved, "reason": reason, "message": message,
                         "type": "Warning" if warning else "Normal", "count": count,
                         "firstTimestamp": EARLIER, "lastTimestamp": CAPTURED})

    # -- pods -------------------------------------------------------------------------------------------
    def pod(self, namespace: str, name: str, labels: dict[str, str], state: str = "running", *,
            owner: Obj | None = None, containers: list[Obj] | None = None, node: str = "worker-1",
            restarts: int = 0, exit_code: int = 1, message: str = "", log: str = "", prev_log: str = "",
            volumes: list[Obj] | None = None, node_selector: dict[str, str] | None = None,
            memory_usage: str | None = None) -> Obj:
        containers = containers or [{"name": labels.get("app", name), "image": f"registry.example.com/{name}:1.0"}]
        main = containers[0]
        restart = "Never" if owner and owner["kind"] == "Job" else "Always"
        spec: Obj = {"containers": containers, "restartPolicy": restart}
        if volumes:
            spec["volumes"] = volumes
        if node_selector:
            spec["nodeSelector"] = node_selector
        status: Obj = {"phase": "Running", "startTime": EARLIER}
        ready = state == "running"
        cstatus: Obj = {"name": main["name"], "image": main["image"], "ready": ready, "restartCount": restarts,
                        "state": {"running": {"startedAt": EARLIER}}}
        scheduled = True
        if state in ("crash", "oom"):
            reason = "OOMKilled" if state == "oom" else "Error"
            cstatus["state"] = {"waiting": {"reason": "CrashLoopBackOff",
                                            "message": f"back-off 5m0s restarting failed container={main['name']}"}}
            cstatus["lastState"] = {"terminated": {"exitCode": 137 if state == "oom" else exit_code, "reason": reason,
                                                   "startedAt": EARLIER, "finishedAt": CAPTURED}}
            cstatus["restartCount"] = restarts or 7
            self.event("Pod", namespace, name, "BackOff", "Back-off restarting failed container", 20)
        elif state == "unready":
            cstatus["restartCount"] = restarts
            self.event("Pod", namespace, name, "Unhealthy", message or "Readiness probe failed: HTTP probe failed with "
                       "statuscode: 503", 40, field_path=f"spec.containers{{{main['name']}}}")
        elif state == "imagepull":
            status["phase"] = "Pending"
            cstatus["state"] = {"waiting": {"reason": "ImagePullBackOff", "message": f"Back-off pulling image "
                                                                                     f"\"{main['image']}\""}}
            self.event("Pod", namespace, name, "Failed", message or f"Failed to pull image \"{main['image']}\": "
                       f"rpc error: code = NotFound desc = failed to pull and unpack image \"{main['image']}\": "
                       f"not found", 6)
        elif state == "configerror":
            status["phase"] = "Pending"
            cstatus["state"] = {"waiting": {"reason": "CreateContainerConfigError", "message": message}}
        elif state == "pending":
            status["phase"] = "Pending"
            scheduled = False
            cstatus = {}
            status["conditions"] = [condition("PodScheduled", "False", "Unschedulable", message)]
            self.event("Pod", namespace, name, "FailedScheduling", message, 12)
        elif state == "creating":
            status["phase"] = "Pending"
            cstatus["state"] = {"waiting": {"reason": "ContainerCreating"}}
        elif state == "evicted":
            status.update({"phase": "Failed", "reason": "Evicted", "message": message})
            cstatus = {}
        elif state in ("failed", "succeeded"):
            status["phase"] = "Failed" if state == "failed" else "Succeeded"
            cstatus["state"] = {"terminated": {"exitCode": exit_code if state == "failed" else 0,
                                               "reason": "Error" if state == "failed" else "Completed",
                                               "startedAt": EARLIER, "finishedAt": CAPTURED}}
        if scheduled:
            spec["nodeName"] = node
            status.setdefault("conditions", [condition("PodScheduled", "True")])
            status["conditions"].append(condition("Ready", "True" if ready else "False",
                                                  "" if ready else "ContainersNotReady"))
        if cstatus:
            status["containerStatuses"] = [cstatus] + [
                {"name": c["name"], "image": c["image"], "ready": True, "restartCount": 0,
                 "state": {"running": {"startedAt": EARLIER}}} for c in containers[1:]]
        metadata = meta(name, namespace, labels=labels)
        if owner:
            metadata["ownerReferences"] = [{"apiVersion": owner["apiVersion"], "kind": owner["kind"],
                                            "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
                                            "controller": True}]
        if log:
            self.logs[(namespace, name, main["name"], False)] = log
        if prev_log:
            self.logs[(namespace, name, main["name"], True)] = prev_log
        if memory_usage and state == "running":
            self.pod_metrics.append({"metadata": {"name": name, "namespace": namespace}, "timestamp": CAPTURED,
                                     "window": "30s", "containers": [{"name": main["name"],
                                                                      "usage": {"cpu": "50m",
                                                                                "memory": memory_usage}}]})
        return self.add({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status})

    def deploy(self, namespace: str, name: str, replicas: int = 1, state: str = "running", *,
               containers: list[Obj] | None = None, revisions: int = 1, labels: dict[str, str] | None = None,
               pods: int | None = None, kind: str = "Deployment", annotations: dict[str, str] | None = None,
               rs_failure: str = "", **pod_args: Any) -> Obj:
        """A workload with its ReplicaSet(s) and pods; `pods` defaults to `replicas` (0 for FailedCreate)."""
        labels = labels or {"app": name}
        containers = containers or [{"name": name, "image": f"registry.example.com/{namespace}/{name}:1.{revisions}",
                                     "ports": [{"name": "http", "containerPort": 8080}],
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                                   "limits": {"memory": "256Mi"}}}]
        count = replicas if pods is None else pods
        ready = count if state == "running" else 0
        workload_meta = meta(name, namespace, labels=labels, annotations=annotations or {})
        api = "apps/v1"
        spec = {"replicas": replicas, "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}}}
        status: Obj = {"replicas": count, "readyReplicas": ready, "availableReplicas": ready,
                       "conditions": [condition("Available", "True" if ready >= replicas else "False",
                                                "MinimumReplicasAvailable" if ready >= replicas else
                                                "MinimumReplicasUnavailable")]}
        if kind == "DaemonSet":
            spec.pop("replicas")
            status = {"desiredNumberScheduled": replicas, "numberReady": ready, "numberAvailable": ready,
                      "currentNumberScheduled": count}
        workload = self.add({"apiVersion": api, "kind": kind, "metadata": workload_meta, "spec": spec,
                             "status": status})
        owner = workload
        if kind == "Deployment":
            for revision in range(1, revisions + 1):
                rs_name = f"{name}-{_hash(namespace, name, str(revision))}"
                current = revision == revisions
                rs_status: Obj = {"replicas": count if current else 0, "readyReplicas": ready if current else 0}
                if current and rs_failure:
                    rs_status["conditions"] = [condition("ReplicaFailure", "True", "FailedCreate", rs_failure)]
                    self.event("ReplicaSet", namespace, rs_name, "FailedCreate", rs_failure, 9)
                rs = self.add({"apiVersion": api, "kind": "ReplicaSet",
                               "metadata": meta(rs_name, namespace, labels=labels,
                                                annotations={"deployment.kubernetes.io/revision": str(revision)},
                                                ownerReferences=[{"apiVersion": api, "kind": "Deployment",
                                                                  "name": name, "uid": workload_meta["uid"],
                                                                  "controller": True}]),
                               "spec": {"replicas": replicas if current else 0, "selector": {"matchLabels": labels}},
                               "status": rs_status})
                if current:
                    owner = rs
        elif rs_failure:
            self.event(kind, namespace, name, "FailedCreate", rs_failure, 9)
        prefix = owner["metadata"]["name"]
        for i in range(count):
            pod_name = f"{name}-{i}" if kind == "StatefulSet" else f"{prefix}-{_hash(prefix, str(i), size=5)}"
            self.pod(namespace, pod_name, labels, state, owner=owner, containers=containers, **pod_args)
        return workload

    def service(self, namespace: str, name: str, selector: dict[str, str], ports: list[tuple[int, Any]]) -> Obj:
        return self.add({"apiVersion": "v1", "kind": "Service", "metadata": meta(name, namespace),
                         "spec": {"selector": selector, "type": "ClusterIP",
                                  "clusterIP": f"10.96.{len(self.objects) % 250}.10",
                                  "ports": [{"name": f"p{port}", "port": port, "targetPort": target, "protocol": "TCP"}
                                            for port, target in ports]}})

    def job(self, namespace: str, name: str, failed: bool, log: str = "", cronjob: str | None = None,
            annotations: dict[str, str] | None = None, labels: dict[str, str] | None = None) -> Obj:
        metadata = meta(name, namespace, labels=labels or {}, annotations=annotations or {})
        if cronjob:
            metadata["ownerReferences"] = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": cronjob,
                                            "uid": meta(cronjob, namespace)["uid"], "controller": True}]
        conditions = [condition("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff "
                                "limit")] if failed else [condition("Complete", "True")]
        job = self.add({"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
                        "spec": {"backoffLimit": 2, "template": {"spec": {"containers": [
                            {"name": "main", "image": f"registry.example.com/{name}:1"}]}}},
                        "status": {"failed": 3 if failed else 0, "succeeded": 0 if failed else 1,
                                   "conditions": conditions}})
        self.pod(namespace, f"{name}-{_hash(name, size=5)}", {"job-name": name}, "failed" if failed else "succeeded",
                 owner=job, containers=[{"name": "main", "image": f"registry.example.com/{name}:1"}], log=log)
        return job

    def cronjob(self, namespace: str, name: str, schedule: str = "*/15 * * * *") -> Obj:
        return self.add({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta(name, namespace),
                         "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
                             "containers": [{"name": "main", "image": f"registry.example.com/{name}:1"}]}}}}},
                         "status": {"lastScheduleTime": EARLIER}})

    def helm_release(self, namespace: str, release: str, status: str, version: int = 1) -> None:
        for v in range(1, version + 1):
            self.add({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
                      "metadata": meta(f"sh.helm.release.v1.{release}.v{v}", namespace,
                                       labels={"owner": "helm", "name": release, "version": str(v),
                                               "status": status if v == version else "superseded"}),
                      "data": {"release": "SDRzSUFBQUFBQUFBLzZ4VWJXL2JOaFAr"}})

    # -- output -----------------------------------------------------------------------------------------
    def _endpoints(self) -> list[Obj]:
        pods = [o for o in self.objects if o["kind"] == "Pod"]
        out = []
        for svc in (o for o in self.objects if o["kind"] == "Service"):
            selector = svc["spec"].get("selector") or {}
            ns = svc["metadata"]["namespace"]
            matching = [p for p in pods if p["metadata"].get("namespace") == ns and selector and all(
                (p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())
                and p["status"].get("phase") in ("Running", "Pending") and p["spec"].get("nodeName")]
            ready = [p for p in matching if any(c["type"] == "Ready" and c["status"] == "True"
                                                for c in p["status"].get("conditions") or [])]
            addresses = [{"ip": f"10.244.0.{i + 10}", "nodeName": p["spec"]["nodeName"],
                          "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": ns}}
                         for i, p in enumerate(ready)]
            not_ready = [{"ip": f"10.244.1.{i + 10}", "targetRef": {"kind": "Pod", "name": p["metadata"]["name"],
                                                                    "namespace": ns}}
                         for i, p in enumerate(p for p in matching if p not in ready)]
            subset: Obj = {"ports": [{"name": p["name"], "port": p["targetPort"] if isinstance(p["targetPort"], int)
                                      else 8080, "protocol": "TCP"} for p in svc["spec"]["ports"]]}
            if addresses:
                subset["addresses"] = addresses
            if not_ready:
                subset["notReadyAddresses"] = not_ready
            out.append({"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(svc["metadata"]["name"], ns),
                        "subsets": [subset] if addresses or not_ready else []})
        return out

    def write(self, root: Path, description: str) -> Path:
        (root / "objects").mkdir(parents=True, exist_ok=True)
        (root / "manifest.yaml").write_text(f"capturedAt: {CAPTURED}\nkubernetesVersion: v1.32.3\nsourceContext: "
                                            f"{root.name}\ndescription: {json.dumps(description)}\n")
        items = [*self.objects, *self._endpoints()]
        (root / "objects" / "all.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
        for (ns, pod, container, previous), text in self.logs.items():
            path = root / "logs" / ns / pod / f"{container}{'.previous' if previous else ''}.log"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text if text.endswith("\n") else text + "\n")
        (root / "metrics").mkdir(exist_ok=True)
        (root / "metrics" / "pods.json").write_text(json.dumps({"kind": "PodMetricsList", "apiVersion":
                                                                 "metrics.k8s.io/v1beta1", "items": self.pod_metrics}))
        (root / "metrics" / "nodes.json").write_text(json.dumps({"kind": "NodeMetricsList", "apiVersion":
                                                                  "metrics.k8s.io/v1beta1",
                                                                  "items": self.node_metrics}))
        return root
