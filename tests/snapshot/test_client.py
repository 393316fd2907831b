"""The `kubernetes` Python client against the served demo: strict models, logs, metrics, version."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client, config
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from app.snapshot.server import RunningSnapshot
from tests.snapshot.conftest import DEMO


@pytest.fixture(scope="module")
def api(demo_server: RunningSnapshot) -> ApiClient:
    return config.new_client_from_config(config_file=str(demo_server.kubeconfig))


def _demo_count(resource: str) -> int:
    return len(json.loads((DEMO / "objects" / f"{resource}.json").read_text())["items"])


def test_every_demo_object_loads_in_the_strict_models(api: ApiClient) -> None:
    core, apps, batch = client.CoreV1Api(api), client.AppsV1Api(api), client.BatchV1Api(api)
    networking, storage = client.NetworkingV1Api(api), client.StorageV1Api(api)
    rbac = client.RbacAuthorizationV1Api(api)
    files = {path.stem for path in (DEMO / "objects").glob("*.json")}
    listings: dict[str, Callable[[], Any]] = {
        "pods": core.list_pod_for_all_namespaces,
        "nodes": core.list_node,
        "namespaces": core.list_namespace,
        "events": core.list_event_for_all_namespaces,
        "configmaps": core.list_config_map_for_all_namespaces,
        "secrets": core.list_secret_for_all_namespaces,
        "services": core.list_service_for_all_namespaces,
        "endpoints": core.list_endpoints_for_all_namespaces,
        "persistentvolumeclaims": core.list_persistent_volume_claim_for_all_namespaces,
        "persistentvolumes": core.list_persistent_volume,
        "serviceaccounts": core.list_service_account_for_all_namespaces,
        "deployments": apps.list_deployment_for_all_namespaces,
        "replicasets": apps.list_replica_set_for_all_namespaces,
        "statefulsets": apps.list_stateful_set_for_all_namespaces,
        "daemonsets": apps.list_daemon_set_for_all_namespaces,
        "jobs": batch.list_job_for_all_namespaces,
        "cronjobs": batch.list_cron_job_for_all_namespaces,
        "ingresses": networking.list_ingress_for_all_namespaces,
        "ingressclasses": networking.list_ingress_class,
        "storageclasses": storage.list_storage_class,
        "leases": client.CoordinationV1Api(api).list_lease_for_all_namespaces,
        "networkpolicies": networking.list_network_policy_for_all_namespaces,
        "roles": rbac.list_role_for_all_namespaces,
        "rolebindings": rbac.list_role_binding_for_all_namespaces,
        "clusterroles": rbac.list_cluster_role,
        "clusterrolebindings": rbac.list_cluster_role_binding,
    }
    # A custom resource (trivy-operator's): no typed model, listed through the generic client.
    reports = client.CustomObjectsApi(api).list_cluster_custom_object("aquasecurity.github.io", "v1alpha1",
                                                                      "vulnerabilityreports")
    assert len(reports["items"]) == _demo_count("vulnerabilityreports")
    files.discard("vulnerabilityreports")
    assert files == set(listings)
    for resource, list_call in listings.items():
        assert len(list_call().items) == _demo_count(resource), resource
    slices = client.DiscoveryV1Api(api).list_namespaced_endpoint_slice(
        "shop", label_selector="kubernetes.io/service-name=frontend"
    )
    assert [e.addresses[0] for e in slices.items[0].endpoints] == ["10.244.1.14", "10.244.2.17"]


def test_typed_reads_selectors_and_errors(api: ApiClient) -> None:
    core = client.CoreV1Api(api)
    pod = core.read_namespaced_pod("ledger-db-0", "payments")
    assert pod.status.phase == "Pending" and pod.status.conditions[0].reason == "Unschedulable"
    node = core.read_node("worker-3")
    assert node.spec.taints[0].key == "node.kubernetes.io/disk-pressure"
    assert node.status.node_info.boot_id
    events = core.list_namespaced_event("payments", field_selector="involvedObject.name=data-ledger-db-0")
    assert [e.reason for e in events.items] == ["ProvisioningFailed"]
    pods = core.list_namespaced_pod("shop", label_selector="app=recommendation")
    assert len(pods.items) == 2
    deployment = client.AppsV1Api(api).read_namespaced_deployment("cart", "shop")
    assert deployment.status.ready_replicas is None and deployment.spec.replicas == 1
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_pod("nope", "shop")
    assert missing.value.status == 404 and json.loads(missing.value.body)["reason"] == "NotFound"


def test_logs_through_the_client(api: ApiClient) -> None:
    core = client.CoreV1Api(api)
    pod = core.list_namespaced_pod("shop", label_selector="app=cart").items[0].metadata.name
    log = core.read_namespaced_pod_log(pod, "shop", previous=True)
    assert "panic: invalid config: missing DATABASE_URL" in log
    gateway = (
        core.list_namespaced_pod("payments", label_selector="app=payment-gateway").items[0].metadata.name
    )
    with pytest.raises(ApiException) as ambiguous:
        core.read_namespaced_pod_log(gateway, "payments")
    assert ambiguous.value.status == 400 and "choose one of: [gateway metrics-proxy]" in ambiguous.value.body
    limited = core.read_namespaced_pod_log(gateway, "payments", container="metrics-proxy", limit_bytes=10)
    assert len(limited) == 10


def test_metrics_and_version(api: ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    pods = custom.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", "shop", "pods")
    usage = {item["metadata"]["name"]: item["containers"][0]["usage"] for item in pods["items"]}
    assert usage["recommendation-2bfxc7tqs6-v7p49"]["memory"] == "124816Ki"  # ~122Mi of a 128Mi limit
    nodes = custom.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")
    assert {item["metadata"]["name"] for item in nodes["items"]} == {"worker-1", "worker-2", "worker-3"}
    version = client.VersionApi(api).get_code()
    assert (version.major, version.minor, version.git_version) == ("1", "32", "v1.32.3")
