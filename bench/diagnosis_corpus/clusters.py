"""The diagnosis corpus: fault clusters built from public incident material, each with questions in English
and Chinese and what a right answer must say. Every cluster shares a small healthy base (three nodes,
kube-system add-ons, a shop and a payments app) and an unrelated decoy fault (legacy/batch-worker panics), so
an answer that presents the decoy as the asked subject's root cause is caught.

Sources (cited per scenario in `source`):
- HolmesGPT eval fixtures: github.com/robusta-dev/holmesgpt, tests/llm/fixtures/test_ask_holmes/<case>
- k8s-ai-bench: github.com/GoogleCloudPlatform/kubectl-ai, k8s-bench/tasks/<task>
- k8sgpt analyzers: github.com/k8sgpt-ai/k8sgpt, pkg/analyzer/<file>.go
- Kubernetes and Helm documentation pages (kubernetes.io, helm.sh) describing the failure and its message
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bench.diagnosis_corpus.builder import Cluster, meta

Expect = Literal["broken", "healthy", "absent", "contradicted", "report"]
HOLMES = "robusta-dev/holmesgpt tests/llm/fixtures/test_ask_holmes/"
BENCH = "GoogleCloudPlatform/kubectl-ai k8s-bench/tasks/"
K8SGPT = "k8sgpt-ai/k8sgpt pkg/analyzer/"
DECOY = "batch-worker"


@dataclass(frozen=True)
class Question:
    text: str
    expect: Expect
    markers: tuple[str, ...]  # must appear in the verdict section (case-insensitive)


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    build: Callable[[Cluster], None]
    questions: tuple[Question, ...]
    finds: tuple[tuple[str, str], ...] = ()  # (reason, object name) `analyze` must report
    description: str = ""
    namespace_of_decoy: str = "legacy"


def q(text: str, expect: Expect, *markers: str) -> Question:
    return Question(text, expect, markers)


def base(c: Cluster) -> None:
    for i in (1, 2, 3):
        c.node(f"worker-{i}")
    c.storage_class("gp3", default=True)
    c.deploy("kube-system", "coredns", 2, labels={"k8s-app": "kube-dns"})
    c.deploy("kube-system", "metrics-server", 1, labels={"k8s-app": "metrics-server"})
    c.deploy("kube-system", "kube-proxy", 3, kind="DaemonSet", labels={"k8s-app": "kube-proxy"})
    c.deploy("shop", "frontend", 2, memory_usage="96Mi")
    c.service("shop", "frontend", {"app": "frontend"}, [(80, 8080)])
    c.deploy("shop", "orders-api", 2, memory_usage="140Mi")
    c.service("shop", "orders-api", {"app": "orders-api"}, [(80, 8080)])
    c.deploy("payments", "ledger", 1)
    c.service("payments", "ledger", {"app": "ledger"}, [(80, 8080)])
    # The decoy: a real fault, unrelated to every question but the cluster-wide ones.
    c.deploy("legacy", DECOY, 1, "crash", exit_code=2,
             prev_log="starting worker\npanic: assignment to entry in nil map")


def _res(cpu: str = "100m", memory: str = "128Mi", limit: str = "256Mi") -> dict[str, dict[str, str]]:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": limit}}


def container(name: str, image: str | None = None, port: int | None = 8080, port_name: str = "http",
              resources: dict[str, dict[str, str]] | None = None, **extra: object) -> dict[str, object]:
    out: dict[str, object] = {"name": name, "image": image or f"registry.example.com/{name}:2.1",
                              "resources": resources or _res(), **extra}
    if port:
        out["ports"] = [{"name": port_name, "containerPort": port}]
    return out


# -- fault builders ------------------------------------------------------------------------------------------
def crash_panic(c: Cluster) -> None:
    c.deploy("shop", "checkout", 2, "crash", exit_code=2, prev_log="loading config\npanic: runtime error: invalid "
             "memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation]")
    c.service("shop", "checkout", {"app": "checkout"}, [(80, 8080)])


def image_missing_tag(c: Cluster) -> None:
    c.deploy("shop", "catalog", 1, "imagepull", containers=[container("catalog", "ghcr.io/acme/catalog:2.14.0-rc9")])


def image_unauthorized(c: Cluster) -> None:
    image = "registry.internal.example.com/payments/fraud:3.2"
    c.deploy("payments", "fraud-scorer", 1, "imagepull", containers=[container("fraud-scorer", image)],
             message=f"Failed to pull image \"{image}\": rpc error: code = Unknown desc = failed to authorize: "
                     "401 Unauthorized")


def oom(c: Cluster) -> None:
    c.deploy("shop", "recommender", 2, "oom", containers=[container("recommender", resources=_res(limit="128Mi"))])


def missing_secret(c: Cluster) -> None:
    c.deploy("shop", "billing", 1, "configerror", message='secret "billing-db" not found')


def env_var_error(c: Cluster) -> None:
    c.deploy("shop", "mailer", 1, "crash", prev_log='time="2026-11-18T09:30:00Z" level=fatal msg="required '
             'environment variable SMTP_HOST is not set"')


def insufficient_cpu(c: Cluster) -> None:
    c.deploy("shop", "ml-trainer", 1, "pending", containers=[container("ml-trainer", resources={
        "requests": {"cpu": "8", "memory": "4Gi"}, "limits": {"memory": "8Gi"}})],
        message="0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No "
                "preemption victims found for incoming pod.")


def node_selector(c: Cluster) -> None:
    c.deploy("shop", "search-indexer", 1, "pending", node_selector={"disktype": "ssd"},
             message="0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: "
                     "0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


def taint(c: Cluster) -> None:
    c.deploy("shop", "gpu-render", 1, "pending", message="0/3 nodes are available: 3 node(s) had untolerated taint "
             "{dedicated: gpu}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


def pvc_missing_class(c: Cluster) -> None:
    c.add({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("data-vault-0", "payments"),
           "spec": {"storageClassName": "fast-ssd", "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "20Gi"}}}, "status": {"phase": "Pending"}})
    c.event("PersistentVolumeClaim", "payments", "data-vault-0", "ProvisioningFailed",
            'storageclass.storage.k8s.io "fast-ssd" not found', 40)
    c.deploy("payments", "vault", 1, "pending", kind="StatefulSet",
             volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-vault-0"}}],
             message="0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 "
                     "nodes are available: 3 Preemption is not helpful for scheduling.")


def multi_attach(c: Cluster) -> None:
    c.add({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("reports-data", "shop"),
           "spec": {"storageClassName": "gp3", "accessModes": ["ReadWriteOnce"], "volumeName": "pvc-7f3a",
                    "resources": {"requests": {"storage": "10Gi"}}}, "status": {"phase": "Bound"}})
    volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "reports-data"}}]
    old = c.deploy("shop", "reports-old", 1, volumes=volumes, node="worker-1", labels={"app": "reports-old"})
    del old
    c.deploy("shop", "reports", 1, "creating", volumes=volumes, node="worker-2")
    pod = next(o for o in c.objects if o["kind"] == "Pod" and o["metadata"]["name"].startswith("reports-")
               and not o["metadata"]["name"].startswith("reports-old"))
    other = next(o for o in c.objects if o["kind"] == "Pod" and o["metadata"]["name"].startswith("reports-old"))
    c.event("Pod", "shop", pod["metadata"]["name"], "FailedAttachVolume",
            'Multi-Attach error for volume "pvc-7f3a" Volume is already used by pod(s) '
            f'{other["metadata"]["name"]}', 15)


def selector_mismatch(c: Cluster) -> None:
    c.deploy("shop", "search", 2)
    c.service("shop", "search", {"app": "search-api"}, [(80, 8080)])


def target_port(c: Cluster) -> None:
    c.deploy("shop", "inventory", 2)
    c.service("shop", "inventory", {"app": "inventory"}, [(80, 9090)])


def named_port(c: Cluster) -> None:
    c.deploy("shop", "reviews", 2)
    c.service("shop", "reviews", {"app": "reviews"}, [(80, "web")])


def readiness(c: Cluster) -> None:
    c.deploy("shop", "profile", 2, "unready",
             message="Readiness probe failed: Get \"http://10.244.0.12:8080/healthz\": dial tcp 10.244.0.12:8080: "
                     "connect: connection refused",
             containers=[container("profile", readinessProbe={"httpGet": {"path": "/healthz", "port": 8080}})])
    c.service("shop", "profile", {"app": "profile"}, [(80, 8080)])


def ingress(c: Cluster, name: str, service: str, klass: str = "nginx") -> None:
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": meta("nginx"),
           "spec": {"controller": "k8s.io/ingress-nginx"}})
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta(name, "shop"),
           "spec": {"ingressClassName": klass, "rules": [{"host": f"{name}.example.com", "http": {"paths": [
               {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": service,
                                                                            "port": {"number": 80}}}}]}}]}})


def ingress_missing_service(c: Cluster) -> None:
    ingress(c, "web", "web-svc")


def ingress_crashing_backend(c: Cluster) -> None:
    c.deploy("shop", "store", 2, "crash", exit_code=1, prev_log="Traceback (most recent call last):\n  File "
             "\"/app/main.py\", line 12\nKeyError: 'STRIPE_KEY_ID'")
    c.service("shop", "store", {"app": "store"}, [(80, 8080)])
    ingress(c, "store", "store")


def ingress_class(c: Cluster) -> None:
    c.deploy("shop", "docs", 1)
    c.service("shop", "docs", {"app": "docs"}, [(80, 8080)])
    ingress(c, "docs", "docs", klass="nginx-internal")


def quota(c: Cluster) -> None:
    c.add({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("compute-quota", "shop"),
           "spec": {"hard": {"limits.memory": "8Gi", "pods": "20"}},
           "status": {"hard": {"limits.memory": "8Gi", "pods": "20"}, "used": {"limits.memory": "7Gi", "pods": "9"}}})
    c.deploy("shop", "exporter", 3, pods=0, rs_failure='pods "exporter-5c7b9-" is forbidden: exceeded quota: '
             "compute-quota, requested: limits.memory=2Gi, used: limits.memory=7Gi, limited: limits.memory=8Gi")


def quota_limits(c: Cluster) -> None:
    c.add({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("mem-quota", "payments"),
           "spec": {"hard": {"limits.memory": "16Gi"}}, "status": {"hard": {"limits.memory": "16Gi"},
                                                                   "used": {"limits.memory": "2Gi"}}})
    c.deploy("payments", "settlement", 2, pods=0, rs_failure='pods "settlement-7d9f-" is forbidden: failed quota: '
             "mem-quota: must specify limits.memory for: settlement")


def limit_range(c: Cluster) -> None:
    c.add({"apiVersion": "v1", "kind": "LimitRange", "metadata": meta("container-limits", "shop"),
           "spec": {"limits": [{"type": "Container", "max": {"memory": "1Gi"}}]}})
    c.deploy("shop", "cache", 1, pods=0, rs_failure='pods "cache-6f8d-x" is forbidden: maximum memory usage per '
             "Container is 1Gi, but limit is 2Gi")


def webhook_denied(c: Cluster) -> None:
    c.deploy("shop", "promo", 1, pods=0, rs_failure='admission webhook "validation.gatekeeper.sh" denied the '
             "request: [require-team-label] you must provide labels: {\"team\"}")


def webhook_down(c: Cluster) -> None:
    c.deploy("kyverno", "kyverno", 1, "crash", containers=[container("kyverno", port=9443, port_name="https")],
             prev_log="panic: failed to load certificates: open /tls/tls.crt: "
             "no such file or directory")
    c.service("kyverno", "kyverno-svc", {"app": "kyverno"}, [(443, 9443)])
    c.deploy("shop", "coupons", 2, pods=0, rs_failure='Internal error occurred: failed calling webhook '
             '"mutate.kyverno.svc-fail": failed to call webhook: Post "https://kyverno-svc.kyverno.svc:443/mutate?'
             'timeout=10s": no endpoints available for service "kyverno/kyverno-svc"')


def coredns_down(c: Cluster) -> None:
    c.objects[:] = [o for o in c.objects if not o["metadata"]["name"].startswith("coredns")]
    c.deploy("kube-system", "coredns", 2, "crash", labels={"k8s-app": "kube-dns"},
             prev_log="[FATAL] plugin/loop: Loop (127.0.0.1:53 -> :53) detected for zone \".\"")
    c.deploy("shop", "notifier", 1, "crash", prev_log="dial tcp: lookup orders-api.shop.svc.cluster.local on "
             "10.96.0.10:53: read udp 10.244.1.7:41234->10.96.0.10:53: i/o timeout")


def dns_wrong_name(c: Cluster) -> None:
    c.deploy("shop", "orders-database", 1)
    c.service("shop", "orders-database", {"app": "orders-database"}, [(5432, 5432)])
    c.deploy("shop", "order-sync", 1, "crash", prev_log="connecting to database\nfailed to connect to `host="
             "orders-db user=app database=orders`: hostname resolving error (lookup orders-db on 10.96.0.10:53: no "
             "such host)")


def netpol_deny_all(c: Cluster) -> None:
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta("lockdown", "payments"),
           "spec": {"podSelector": {"matchLabels": {"app": "ledger"}}, "policyTypes": ["Ingress"]}})


def netpol_wrong_peer(c: Cluster) -> None:
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": meta("orders-api-allow", "shop"),
           "spec": {"podSelector": {"matchLabels": {"app": "orders-api"}}, "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "frontend-web"}}}]}]}})


def hpa(c: Cluster, name: str, target: str, conditions: list[dict[str, str]], current: int = 2, desired: int = 2,
        maximum: int = 10) -> None:
    c.add({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(name, "shop"),
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                    "minReplicas": 2, "maxReplicas": maximum,
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                        "type": "Utilization", "averageUtilization": 70}}}]},
           "status": {"currentReplicas": current, "desiredReplicas": desired, "conditions": [
               {"type": k["type"], "status": k["status"], "reason": k["reason"], "message": k["message"],
                "lastTransitionTime": "2026-11-18T08:00:00Z"} for k in conditions]}})


def hpa_missing_requests(c: Cluster) -> None:
    c.deploy("shop", "api-gateway", 2, containers=[container("api-gateway", resources={"limits": {"memory": "512Mi"}})])
    message = "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for " \
              "cpu in container api-gateway of Pod api-gateway-7c9d"
    hpa(c, "api-gateway", "api-gateway", [{"type": "ScalingActive", "status": "False",
                                          "reason": "FailedGetResourceMetric", "message": message}])
    c.event("HorizontalPodAutoscaler", "shop", "api-gateway", "FailedGetResourceMetric", message, 90)


def hpa_no_metrics_server(c: Cluster) -> None:
    c.objects[:] = [o for o in c.objects if not o["metadata"]["name"].startswith("metrics-server")]
    c.deploy("kube-system", "metrics-server", 1, "crash", labels={"k8s-app": "metrics-server"},
             prev_log="E1118 09:30:00 1 run.go:74] \"command failed\" err=\"unable to load configmap based "
                      "request-header-client-ca-file: configmaps \\\"extension-apiserver-authentication\\\" is "
                      "forbidden\"")
    message = "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get " \
              "metrics for resource cpu: unable to fetch metrics from resource metrics API: the server is " \
              "currently unable to handle the request (get pods.metrics.k8s.io)"
    hpa(c, "frontend", "frontend", [{"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric",
                                     "message": message}])


def hpa_pinned(c: Cluster) -> None:
    hpa(c, "orders-api", "orders-api", [
        {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound", "message": "ok"},
        {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
         "message": "the desired replica count is more than the maximum replica count"}],
        current=5, desired=9, maximum=5)


def cronjob_failing(c: Cluster) -> None:
    c.cronjob("shop", "nightly-report")
    c.job("shop", "nightly-report-29123", True, cronjob="nightly-report",
          log="Traceback (most recent call last):\n  File \"/app/report.py\", line 40, in <module>\n"
              "psycopg2.OperationalError: could not connect to server: Connection refused")


def job_failed(c: Cluster) -> None:
    c.job("payments", "migrate-ledger", True, log='applying migration 0042\nERROR: relation "ledger_entries" already '
                                                  "exists")


def helm_hook(c: Cluster) -> None:
    c.helm_release("shop", "billing", "failed", version=2)
    c.job("shop", "billing-db-migrate", True, annotations={"helm.sh/hook": "pre-upgrade"},
          labels={"app.kubernetes.io/instance": "billing", "app.kubernetes.io/managed-by": "Helm"},
          log="Error: migration 0042 failed: column \"plan_id\" does not exist")


def helm_pending(c: Cluster) -> None:
    c.helm_release("monitoring", "grafana", "pending-install", version=1)
    c.deploy("monitoring", "grafana", 1, "imagepull", labels={"app.kubernetes.io/instance": "grafana",
                                                              "app": "grafana"},
             containers=[container("grafana", "docker.io/grafana/grafana:99.0.0")])


def evicted_own_limit(c: Cluster) -> None:
    c.deploy("shop", "thumbnailer", 1)
    rs = next(o for o in c.objects if o["kind"] == "ReplicaSet" and o["metadata"]["name"].startswith("thumbnailer-"))
    c.pod("shop", f"{rs['metadata']['name']}-q2x9z", {"app": "thumbnailer"}, "evicted", owner=rs,
          message="Pod ephemeral local storage usage exceeds the total limit of containers 500Mi.")


def node_disk_pressure(c: Cluster) -> None:
    c.objects[:] = [o for o in c.objects if not (o["kind"] == "Node" and o["metadata"]["name"] == "worker-3")]
    c.node("worker-3", pressure="DiskPressure", taints=[{"key": "node.kubernetes.io/disk-pressure",
                                                         "effect": "NoSchedule"}])
    c.event("Node", None, "worker-3", "EvictionThresholdMet", "Attempting to reclaim ephemeral-storage", 12)
    c.pod("shop", "log-shipper-5d7f-zz8k1", {"app": "log-shipper"}, "evicted", node="worker-3",
          message="The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 4Gi.")


def node_not_ready(c: Cluster) -> None:
    c.objects[:] = [o for o in c.objects if not (o["kind"] == "Node" and o["metadata"]["name"] == "worker-2")]
    c.node("worker-2", ready=False, taints=[{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}])


def cni_down(c: Cluster) -> None:
    c.deploy("kube-system", "calico-node", 3, "crash", kind="DaemonSet", labels={"k8s-app": "calico-node"},
             prev_log="[FATAL][1] startup/startup.go: Failed to create or update node: Unauthorized")


def liveness(c: Cluster) -> None:
    c.deploy("shop", "sessions", 1, "crash", exit_code=143,
             containers=[container("sessions", livenessProbe={"httpGet": {"path": "/health", "port": 8081}})])
    pod = next(o for o in c.objects if o["kind"] == "Pod" and o["metadata"]["name"].startswith("sessions-"))
    c.event("Pod", "shop", pod["metadata"]["name"], "Unhealthy", "Liveness probe failed: Get "
            "\"http://10.244.2.9:8081/health\": dial tcp 10.244.2.9:8081: connect: connection refused", 30,
            field_path="spec.containers{sessions}")


def port_conflict(c: Cluster) -> None:
    c.deploy("shop", "gateway", 1, "crash", containers=[
        container("proxy", port=8080, port_name="proxy"), container("gateway", port=8080)],
        prev_log="2026/11/18 09:34:27 listen tcp 0.0.0.0:8080: bind: address already in use")


def several(c: Cluster) -> None:
    crash_panic(c)
    quota(c)
    pvc_missing_class(c)


def nothing(c: Cluster) -> None:
    del c


def _s(name: str, source: str, build: Callable[[Cluster], None], finds: tuple[tuple[str, str], ...],
       *questions: Question) -> Scenario:
    return Scenario(name, source, build, tuple(questions), finds)


SCENARIOS: tuple[Scenario, ...] = (
    _s("crash-panic", HOLMES + "09_crashpod", crash_panic, (("Panic", "checkout"),),
       q("why is checkout crashing?", "broken", "panic", "checkout"),
       q("checkout 为什么一直崩溃？", "broken", "panic", "checkout")),
    _s("image-missing-tag", HOLMES + "10_image_pull_backoff", image_missing_tag, (("ImagePullBackOff", "catalog"),),
       q("catalog pod won't start", "broken", "cannot pull image", "does not exist"),
       q("catalog 的 Pod 起不来", "broken", "无法拉取镜像", "不存在")),
    _s("image-unauthorized", HOLMES + "110_k8s_events_image_pull", image_unauthorized,
       (("ImagePullBackOff", "fraud-scorer"),),
       q("fraud-scorer is stuck in ImagePullBackOff", "broken", "refused access"),
       q("fraud-scorer 一直拉不下镜像", "broken", "拒绝访问")),
    _s("oom", BENCH + "fix-oomkilled", oom, (("OOMKilled", "recommender"),),
       q("recommender keeps restarting", "broken", "oomkilled", "128mi"),
       q("recommender 为什么反复重启", "broken", "oomkilled")),
    _s("missing-secret", K8SGPT + "pod.go (CreateContainerConfigError)", missing_secret,
       (("CreateContainerConfigError", "billing"),),
       q("billing deployment is not starting", "broken", "billing-db"),
       q("billing 启动不了是什么原因", "broken", "billing-db")),
    _s("env-var", BENCH + "debug-app-logs", env_var_error, (("Fatal", "mailer"),),
       q("what's wrong with the mailer deployment?", "broken", "smtp_host"),
       q("mailer 出了什么问题？", "broken", "smtp_host")),
    _s("insufficient-cpu", K8SGPT + "pod.go (FailedScheduling)", insufficient_cpu, (("Unschedulable", "ml-trainer"),),
       q("why is ml-trainer pending?", "broken", "insufficient cpu"),
       q("ml-trainer 为什么一直 Pending", "broken", "insufficient cpu")),
    _s("node-selector", HOLMES + "04_related_k8s_events", node_selector, (("Unschedulable", "search-indexer"),),
       q("search-indexer pod is not scheduled", "broken", "nodeselector", "disktype"),
       q("search-indexer 调度不上", "broken", "nodeselector")),
    _s("taint", K8SGPT + "pod.go (untolerated taint)", taint, (("Unschedulable", "gpu-render"),),
       q("gpu-render stuck in pending", "broken", "untolerated taint"),
       q("gpu-render 一直挂起", "broken", "untolerated taint")),
    _s("pvc-missing-class", K8SGPT + "pvc.go", pvc_missing_class, (("ProvisioningFailed", "data-vault-0"),),
       q("why is the vault statefulset pending?", "broken", "fast-ssd"),
       q("vault 为什么起不来", "broken", "fast-ssd")),
    _s("multi-attach", "kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes (Multi-Attach error)",
       multi_attach, (("MultiAttach", "reports"),),
       q("reports pod is stuck in ContainerCreating", "broken", "readwriteonce"),
       q("reports 的 Pod 卡在 ContainerCreating", "broken", "readwriteonce")),
    _s("selector-mismatch", BENCH + "fix-service-with-no-endpoints", selector_mismatch, (("NoEndpoints", "search"),),
       q("service search has no endpoints", "broken", "app=search-api"),
       q("search 服务访问不了", "broken", "app=search-api")),
    _s("target-port", K8SGPT + "service.go", target_port, (("TargetPortMismatch", "inventory"),),
       q("requests to the inventory service time out", "broken", "targetport 9090"),
       q("inventory 服务请求超时", "broken", "targetport 9090")),
    _s("named-port", "kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports (named targetPort)",
       named_port, (("TargetPortMismatch", "reviews"),),
       q("reviews service returns connection refused", "broken", "targetport web"),
       q("reviews 服务连接被拒绝", "broken", "targetport web")),
    _s("readiness", K8SGPT + "pod.go (Unhealthy events)", readiness, (("ProbeFailed", "profile"),),
       q("the profile service has no ready endpoints", "broken", "readiness probe"),
       q("profile 服务没有可用的后端", "broken", "readiness")),
    _s("ingress-missing-service", K8SGPT + "ingress.go", ingress_missing_service,
       (("MissingBackendService", "web"),),
       q("ingress web returns 503", "broken", "web-svc", "does not exist"),
       q("web 这个 ingress 返回 503", "broken", "web-svc")),
    _s("ingress-crashing-backend", HOLMES + "08_sock_shop_frontend", ingress_crashing_backend,
       (("Exception", "store"),),
       q("store.example.com gives 502 through ingress store", "broken", "stripe_key_id"),
       q("ingress store 返回 502", "broken", "stripe_key_id")),
    _s("ingress-class", K8SGPT + "ingress.go (ingress class)", ingress_class, (("MissingIngressClass", "docs"),),
       q("ingress docs is not served", "broken", "nginx-internal"),
       q("ingress docs 访问不到", "broken", "nginx-internal")),
    _s("quota", "kubernetes.io/docs/concepts/policy/resource-quotas/ (exceeded quota)", quota,
       (("QuotaExceeded", "compute-quota"),),
       q("exporter deployment has 0/3 replicas, no failing pod", "broken", "compute-quota"),
       q("exporter 的副本一个都没起来", "broken", "compute-quota")),
    _s("quota-limits", "kubernetes.io/docs/concepts/policy/resource-quotas/ (must specify limits)", quota_limits,
       (("QuotaExceeded", "mem-quota"),),
       q("why does settlement have no pods?", "broken", "mem-quota"),
       q("settlement 为什么没有 Pod", "broken", "mem-quota")),
    _s("limit-range", "kubernetes.io/docs/concepts/policy/limit-range/", limit_range,
       (("LimitRangeViolation", "container-limits"),),
       q("cache deployment is not creating pods", "broken", "limitrange", "1gi"),
       q("cache 创建不了 Pod", "broken", "limitrange")),
    _s("webhook-denied", K8SGPT + "validating_webhook.go", webhook_denied, (("WebhookDenied", "validation"),),
       q("promo deployment is unavailable", "broken", "validation.gatekeeper.sh"),
       q("promo 部署不可用", "broken", "validation.gatekeeper.sh")),
    _s("webhook-down", K8SGPT + "mutating_webhook.go", webhook_down, (("WebhookUnavailable", "mutate"),),
       q("coupons has no pods", "broken", "mutate.kyverno.svc-fail"),
       q("coupons 没有任何 Pod", "broken", "kyverno")),
    _s("coredns-down", "kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/", coredns_down,
       (("AddonDown", "coredns"),),
       q("notifier can't resolve orders-api", "broken", "coredns"),
       q("notifier 解析不了域名", "broken", "coredns")),
    _s("dns-wrong-name", HOLMES + "111_pod_names_contain_service", dns_wrong_name, (("DNSFailure", "order-sync"),),
       q("why does order-sync crash?", "broken", "orders-db"),
       q("order-sync 为什么崩溃", "broken", "orders-db")),
    _s("netpol-deny-all", K8SGPT + "netpol.go", netpol_deny_all, (("IngressDenied", "lockdown"),),
       q("calls to the ledger service time out", "broken", "lockdown"),
       q("访问 ledger 服务超时", "broken", "lockdown")),
    _s("netpol-wrong-peer", K8SGPT + "netpol.go (peer selector)", netpol_wrong_peer,
       (("IngressDenied", "orders-api-allow"),),
       q("frontend cannot reach orders-api", "broken", "orders-api-allow"),
       q("frontend 连不上 orders-api", "broken", "orders-api-allow")),
    _s("hpa-missing-requests", BENCH + "horizontal-pod-autoscaler", hpa_missing_requests,
       (("HPAMissingRequests", "api-gateway"),),
       q("why doesn't the api-gateway hpa scale?", "broken", "requests.cpu"),
       q("api-gateway 的 HPA 为什么不扩容", "broken", "requests.cpu")),
    _s("hpa-no-metrics", K8SGPT + "hpa.go", hpa_no_metrics_server, (("AddonDown", "metrics-server"),),
       q("hpa frontend shows unknown targets", "broken", "metrics-server"),
       q("frontend 的 hpa 拿不到指标", "broken", "metrics-server")),
    _s("hpa-pinned", K8SGPT + "hpa.go (ScalingLimited)", hpa_pinned, (("HPAPinnedAtMax", "orders-api"),),
       q("is the orders-api hpa ok?", "broken", "maxreplicas"),
       q("orders-api 的 hpa 正常吗", "broken", "maxreplicas")),
    _s("cronjob-failing", K8SGPT + "cronjob.go", cronjob_failing, (("JobFailed", "nightly-report"),),
       q("why does the nightly-report cronjob fail?", "broken", "operationalerror"),
       q("nightly-report 定时任务为什么失败", "broken", "operationalerror")),
    _s("job-failed", BENCH + "fix-failed-job", job_failed, (("JobFailed", "migrate-ledger"),),
       q("job migrate-ledger failed, why?", "broken", "ledger_entries"),
       q("migrate-ledger 任务失败了", "broken", "ledger_entries")),
    _s("helm-hook", "helm.sh/docs/topics/charts_hooks/ (failed pre-upgrade hook)", helm_hook,
       (("HelmReleaseFailed", "billing"),),
       q("helm upgrade of release billing failed", "broken", "plan_id"),
       q("发布 billing 升级失败", "broken", "plan_id")),
    _s("helm-pending", "helm.sh/docs/faq/ (pending-install)", helm_pending, (("HelmReleasePending", "grafana"),),
       q("helm install grafana hangs in pending-install, release grafana", "broken", "cannot pull image"),
       q("grafana 的 helm 安装一直卡住", "broken", "无法拉取镜像")),
    _s("evicted-own-limit", "kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/",
       evicted_own_limit,
       (("Evicted", "thumbnailer"),),
       q("thumbnailer pod was evicted, is the node out of disk?", "broken", "its own ephemeral-storage limit"),
       q("thumbnailer 被驱逐了，是节点磁盘满了吗", "broken", "自身的 ephemeral-storage")),
    _s("node-disk-pressure", K8SGPT + "node.go (DiskPressure)", node_disk_pressure, (("DiskPressure", "worker-3"),),
       q("disk full on worker-3", "broken", "diskpressure"),
       q("worker-3 磁盘满了", "broken", "diskpressure")),
    _s("node-not-ready", K8SGPT + "node.go (NotReady)", node_not_ready, (("NodeNotReady", "worker-2"),),
       q("why is node worker-2 NotReady?", "broken", "notready", "worker-2"),
       q("节点 worker-2 为什么 NotReady", "broken", "worker-2")),
    _s("cni-down", "kubernetes.io/docs/concepts/extend-kubernetes/compute-storage-net/network-plugins/", cni_down,
       (("AddonDown", "calico-node"),),
       q("is calico-node healthy?", "broken", "cni"),
       q("calico-node 正常吗", "broken", "cni")),
    _s("liveness", K8SGPT + "pod.go (Liveness probe)", liveness, (("ProbeFailed", "sessions"),),
       q("sessions keeps restarting", "broken", "liveness"),
       q("sessions 一直在重启", "broken", "liveness")),
    _s("port-conflict", BENCH + "multi-container-pod-communication", port_conflict, (("AddressInUse", "gateway"),),
       q("gateway pod crashes on start", "broken", "address already in use"),
       q("gateway 启动就崩溃", "broken", "地址已被占用")),
    _s("healthy-workload", HOLMES + "01_how_many_pods", nothing, (("Panic", DECOY),),
       q("is frontend ok?", "healthy", "frontend"),
       q("frontend 运行正常吗？", "healthy", "frontend")),
    _s("healthy-node", HOLMES + "06_explain_issue", nothing, (),
       q("is node worker-1 ok?", "healthy", "worker-1"),
       q("节点 worker-1 健康吗", "healthy", "worker-1")),
    _s("absent-pod", HOLMES + "02_what_is_wrong_with_pod", nothing, (),
       q("why does pod orders-api-5d8f9-abcde keep crashing?", "absent", "orders-api-5d8f9-abcde", "orders-api"),
       q("Pod orders-api-5d8f9-abcde 为什么一直崩溃", "absent", "orders-api-5d8f9-abcde")),
    _s("absent-node", K8SGPT + "node.go", nothing, (),
       q("disk full on node-2", "absent", "node-2", "worker-2"),
       q("node-2 磁盘满了", "absent", "node-2", "worker-2")),
    _s("absent-workload", HOLMES + "05_image_version", nothing, (),
       q("what image does deployment ledgr run and why is it failing?", "absent", "ledgr", "ledger"),
       q("部署 ledgr 为什么失败", "absent", "ledgr", "ledger")),
    _s("contradicted-node", K8SGPT + "node.go", nothing, (),
       q("worker-2 is NotReady, what happened?", "contradicted", "worker-2", "ready=true"),
       q("worker-2 宕机了，怎么回事", "contradicted", "worker-2")),
    _s("contradicted-crash", HOLMES + "09_crashpod", nothing, (),
       q("why is orders-api crashing?", "contradicted", "orders-api", "restarts 0"),
       q("orders-api 为什么崩溃", "contradicted", "orders-api")),
    _s("contradicted-pending", K8SGPT + "pod.go", nothing, (),
       q("orders-api pods are stuck pending", "contradicted", "orders-api"),
       q("orders-api 的 Pod 卡在 Pending", "contradicted", "orders-api")),
    _s("cluster-report", HOLMES + "06_explain_issue", several,
       (("Panic", "checkout"), ("QuotaExceeded", "compute-quota"), ("ProvisioningFailed", "data-vault-0")),
       q("what's wrong with my cluster?", "report", "checkout", "compute-quota", "fast-ssd", DECOY),
       q("集群有什么问题？", "report", "checkout", "compute-quota", "fast-ssd", DECOY)),
    _s("namespace-report", K8SGPT + "analyzer.go", several, (("ProvisioningFailed", "data-vault-0"),),
       q("check the health of namespace payments", "report", "fast-ssd"),
       q("检查命名空间 payments 的健康状况", "report", "fast-ssd")),
)


def build(scenario: Scenario) -> Cluster:
    cluster = Cluster()
    base(cluster)
    scenario.build(cluster)
    return cluster

