"""The API resources a snapshot server knows: names, kinds, scope, short names and categories."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceType:
    """One API resource as discovery describes it (`pods` in `v1`, `deployments` in `apps/v1`...)."""

    group: str
    version: str
    name: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = field(default=())

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()


_ALL = ("all",)

BUILTIN_RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("", "v1", "pods", "Pod", True, ("po",), _ALL, ("log", "status")),
    ResourceType("", "v1", "services", "Service", True, ("svc",), _ALL, ("status",)),
    ResourceType("", "v1", "endpoints", "Endpoints", True, ("ep",)),
    ResourceType("", "v1", "namespaces", "Namespace", False, ("ns",), (), ("status",)),
    ResourceType("", "v1", "nodes", "Node", False, ("no",), (), ("status",)),
    ResourceType("", "v1", "events", "Event", True, ("ev",)),
    ResourceType("", "v1", "configmaps", "ConfigMap", True, ("cm",)),
    ResourceType("", "v1", "secrets", "Secret", True),
    ResourceType("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",)),
    ResourceType("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",), (),
                 ("status",)),
    ResourceType("", "v1", "persistentvolumes", "PersistentVolume", False, ("pv",), (), ("status",)),
    ResourceType("", "v1", "replicationcontrollers", "ReplicationController", True, ("rc",), _ALL),
    ResourceType("", "v1", "resourcequotas", "ResourceQuota", True, ("quota",)),
    ResourceType("", "v1", "limitranges", "LimitRange", True, ("limits",)),
    ResourceType("apps", "v1", "deployments", "Deployment", True, ("deploy",), _ALL, ("status", "scale")),
    ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), _ALL, ("status", "scale")),
    ResourceType("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), _ALL, ("status", "scale")),
    ResourceType("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), _ALL, ("status",)),
    ResourceType("batch", "v1", "jobs", "Job", True, (), _ALL, ("status",)),
    ResourceType("batch", "v1", "cronjobs", "CronJob", True, ("cj",), _ALL, ("status",)),
    ResourceType("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True,
                 ("hpa",), _ALL, ("status",)),
    ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",), (), ("status",)),
    ResourceType("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False),
    ResourceType("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",)),
    ResourceType("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ("sc",)),
    ResourceType("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    ResourceType("coordination.k8s.io", "v1", "leases", "Lease", True),
    ResourceType("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ("pdb",), (),
                 ("status",)),
    ResourceType("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    ResourceType("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    ResourceType("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    ResourceType("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
)

# Custom resources a capture takes when the cluster serves them (the security audit reads them);
# a snapshot serves them only when it holds such objects.
CAPTURED_CUSTOM_RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("aquasecurity.github.io", "v1alpha1", "vulnerabilityreports", "VulnerabilityReport", True,
                 ("vuln", "vulns")),
)

METRICS_GROUP = "metrics.k8s.io"
METRICS_VERSION = "v1beta1"
METRICS_RESOURCES: tuple[ResourceType, ...] = (
    ResourceType(METRICS_GROUP, METRICS_VERSION, "pods", "PodMetrics", True),
    ResourceType(METRICS_GROUP, METRICS_VERSION, "nodes", "NodeMetrics", False),
)


def split_api_version(api_version: str) -> tuple[str, str]:
    """`apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`)."""
    group, _, version = api_version.rpartition("/")
    return group, version


def plural_of(kind: str) -> str:
    """The conventional lower-case plural of a kind, for kinds the server has no entry for (CRDs)."""
    lower = kind.lower()
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u"):
        return lower[:-1] + "ies"
    return lower + "s"
