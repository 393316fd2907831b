"""The writable snapshot server driven by the real kubectl: every typed action the service offers, server-side
dry runs, the three patch types, Secrets refused, and the record of writes (Python and HTTP)."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.snapshot.server import RunningSnapshot, start_snapshot_server
from app.snapshot.write_log import WriteRecord
from tests.snapshot.conftest import DEMO, Kubectl, row_for

CART_POD = "cart-hgjhk7psnj-x8xw6"
CART_RS = "cart-hgjhk7psnj"


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def snapshot_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("writable") / "snap"
    shutil.copytree(DEMO, target)
    return target


@pytest.fixture(scope="module")
def server(snapshot_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSnapshot]:
    kubeconfig = tmp_path_factory.mktemp("writable-kube") / "kubeconfig"
    with start_snapshot_server(snapshot_copy, kubeconfig_path=kubeconfig, writable=True) as running:
        yield running


@pytest.fixture(scope="module")
def kubectl(server: RunningSnapshot, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(server.kubeconfig, tmp_path_factory.mktemp("writable-home"))


@pytest.fixture(autouse=True)
def fresh(server: RunningSnapshot) -> None:
    server.reset()


def applied(server: RunningSnapshot) -> list[WriteRecord]:
    return [w for w in server.writes if w.applied]


def get_json(kubectl: Kubectl, *args: str) -> dict[str, object]:
    result: dict[str, object] = json.loads(kubectl.ok("get", *args, "-o", "json"))
    return result


def deployment(kubectl: Kubectl, name: str, namespace: str = "shop") -> dict[str, object]:
    return get_json(kubectl, "deploy", name, "-n", namespace)


def containers(obj: dict[str, object]) -> list[dict[str, object]]:
    return obj["spec"]["template"]["spec"]["containers"]  # type: ignore[index,no-any-return]


def test_scale_patches_the_scale_subresource(kubectl: Kubectl, server: RunningSnapshot) -> None:
    before = deployment(kubectl, "cart")
    assert "deployment.apps/cart scaled" in kubectl.ok("scale", "deployment/cart", "-n", "shop", "--replicas=3")
    after = deployment(kubectl, "cart")
    assert after["spec"]["replicas"] == 3  # type: ignore[index]
    assert int(after["metadata"]["resourceVersion"]) > int(before["metadata"]["resourceVersion"])  # type: ignore[index]
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1  # type: ignore[index,operator]
    (write,) = server.writes
    assert (write.method, write.path, write.content_type) == (
        "PATCH", "/apis/apps/v1/namespaces/shop/deployments/cart/scale", "application/merge-patch+json")
    assert write.body == {"spec": {"replicas": 3}} and write.status == 200 and write.applied
    assert get_json(kubectl, "rs", CART_RS, "-n", "shop")["spec"]["replicas"] == 3  # type: ignore[index]


def test_rollout_restart_makes_a_new_revision(kubectl: Kubectl, server: RunningSnapshot) -> None:
    assert "deployment.apps/frontend restarted" in kubectl.ok("rollout", "restart", "deployment/frontend", "-n", "shop")
    template = deployment(kubectl, "frontend")["spec"]["template"]  # type: ignore[index]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    history = kubectl.ok("rollout", "history", "deployment/frontend", "-n", "shop")
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]
    (write,) = server.writes
    assert write.content_type == "application/strategic-merge-patch+json" and write.applied


def test_set_image_then_rollout_undo(kubectl: Kubectl, server: RunningSnapshot) -> None:
    original = containers(deployment(kubectl, "catalog"))[0]["image"]
    kubectl.ok("set", "image", "deployment/catalog", "-n", "shop", "catalog=ghcr.io/acme-shop/catalog:2.13.4")
    assert containers(deployment(kubectl, "catalog"))[0]["image"] == "ghcr.io/acme-shop/catalog:2.13.4"
    assert "rolled back" in kubectl.ok("rollout", "undo", "deployment/catalog", "-n", "shop")
    assert containers(deployment(kubectl, "catalog"))[0]["image"] == original
    history = kubectl.ok("rollout", "history", "deployment/catalog", "-n", "shop")
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]
    replica_sets = kubectl.ok("get", "rs", "-n", "shop", "-l", "app=catalog")
    assert row_for(replica_sets, "catalog-7vbjmd8b9v").split()[1] == "1"  # the old ReplicaSet is current again
    undo = server.writes[-1]
    assert undo.content_type == "application/json-patch+json" and undo.applied
    assert [op["path"] for op in undo.body] == ["/spec/template", "/metadata/annotations"]


def test_rollout_undo_without_a_previous_revision_is_a_clear_error(kubectl: Kubectl,
                                                                     server: RunningSnapshot) -> None:
    result = kubectl("rollout", "undo", "deployment/cart", "-n", "shop")
    assert result.returncode != 0
    assert 'no rollout history found for deployment "cart"' in result.stderr
    assert applied(server) == []


def test_delete_pod_answers_a_status_and_the_replicaset_replaces_it(kubectl: Kubectl,
                                                                     server: RunningSnapshot) -> None:
    assert f'pod "{CART_POD}" deleted' in kubectl.ok("delete", "pod", CART_POD, "-n", "shop")
    pods = kubectl.ok("get", "pods", "-n", "shop", "-l", "app=cart")
    assert CART_POD not in pods
    (replacement,) = pods.strip().splitlines()[1:]
    assert replacement.split()[0].startswith(f"{CART_RS}-") and replacement.split()[2] == "ContainerCreating"
    delete = server.writes[0]
    assert delete.method == "DELETE" and delete.status == 200 and delete.applied
    missing = kubectl("delete", "pod", "nosuch", "-n", "shop")
    assert missing.returncode != 0 and 'pods "nosuch" not found' in missing.stderr
    assert server.writes[-1].status == 404 and not server.writes[-1].applied


def test_delete_answers_a_success_status_over_http(server: RunningSnapshot) -> None:
    response = httpx.delete(f"{server.url}/api/v1/namespaces/shop/configmaps/cart-config")
    body = response.json()
    assert response.status_code == 200
    assert (body["kind"], body["status"], body["details"]["name"], body["details"]["kind"]) == (
        "Status", "Success", "cart-config", "configmaps")
    again = httpx.delete(f"{server.url}/api/v1/namespaces/shop/configmaps/cart-config")
    assert again.status_code == 404 and again.json()["reason"] == "NotFound"


def test_cordon_and_uncordon(kubectl: Kubectl, server: RunningSnapshot) -> None:
    assert "node/worker-1 cordoned" in kubectl.ok("cordon", "worker-1")
    assert row_for(kubectl.ok("get", "nodes"), "worker-1").split()[1] == "Ready,SchedulingDisabled"
    assert "node/worker-1 uncordoned" in kubectl.ok("uncordon", "worker-1")
    assert row_for(kubectl.ok("get", "nodes"), "worker-1").split()[1] == "Ready"
    assert [w.body for w in applied(server)] == [{"spec": {"unschedulable": True}}, {"spec": {"unschedulable": None}}]


def test_set_resources_merges_the_container_by_name(kubectl: Kubectl, server: RunningSnapshot) -> None:
    kubectl.ok("set", "resources", "deployment/recommendation", "-n", "shop", "-c", "recommendation",
               "--limits=memory=1Gi")
    (container,) = containers(deployment(kubectl, "recommendation"))
    assert container["resources"] == {"limits": {"memory": "1Gi"}, "requests": {"cpu": "200m", "memory": "96Mi"}}
    assert container["image"]  # the rest of the container is kept
    assert "$setElementOrder/containers" in json.dumps(server.writes[0].body)


@pytest.mark.parametrize(("patch_type", "patch"), [
    ("merge", '{"spec":{"replicas":4}}'),
    ("json", '[{"op":"replace","path":"/spec/replicas","value":4}]'),
    ("strategic", '{"spec":{"replicas":4}}'),
])
def test_patch_types(kubectl: Kubectl, server: RunningSnapshot, patch_type: str, patch: str) -> None:
    out = kubectl.ok("patch", "deployment", "checkout", "-n", "shop", f"--type={patch_type}", "-p", patch)
    assert "deployment.apps/checkout patched" in out
    assert deployment(kubectl, "checkout")["spec"]["replicas"] == 4  # type: ignore[index]
    expected = {"merge": "application/merge-patch+json", "json": "application/json-patch+json",
                "strategic": "application/strategic-merge-patch+json"}[patch_type]
    assert server.writes[0].content_type == expected


def test_strategic_patch_merges_by_name_and_merge_patch_replaces_lists(kubectl: Kubectl) -> None:
    env = '{"spec":{"template":{"spec":{"containers":[{"name":"checkout","env":[{"name":"MODE","value":"safe"}]}]}}}}'
    kubectl.ok("patch", "deployment", "checkout", "-n", "shop", "--type=strategic", "-p", env)
    (container,) = containers(deployment(kubectl, "checkout"))
    assert {"name": "MODE", "value": "safe"} in container["env"] and container["image"]  # type: ignore[operator]
    # A merge patch replaces the whole list: the container loses its image, which validation refuses.
    replaced = kubectl("patch", "deployment", "checkout", "-n", "shop", "--type=merge", "-p", env)
    assert replaced.returncode != 0 and "spec.template.spec.containers[0].image: Required value" in replaced.stderr


def test_bad_patches_are_4xx_with_the_servers_words(kubectl: Kubectl, server: RunningSnapshot) -> None:
    invalid = kubectl("patch", "deployment", "checkout", "-n", "shop", "--type=merge", "-p",
                      '{"spec":{"replicas":-1}}')
    assert invalid.returncode != 0
    assert 'The Deployment "checkout" is invalid: spec.replicas: Invalid value: -1' in invalid.stderr
    unapplicable = kubectl("patch", "deployment", "checkout", "-n", "shop", "--type=json", "-p",
                           '[{"op":"remove","path":"/spec/nosuch"}]')
    assert unapplicable.returncode != 0 and "could not be applied" in unapplicable.stderr
    assert [w.status for w in server.writes] == [422, 422] and applied(server) == []


def test_label_and_annotate(kubectl: Kubectl, server: RunningSnapshot) -> None:
    assert "pod/redis-0 labeled" in kubectl.ok("label", "pod", "redis-0", "-n", "shop", "triage=yes")
    assert "deployment.apps/cart annotated" in kubectl.ok("annotate", "deploy", "cart", "-n", "shop", "note=hi")
    assert get_json(kubectl, "pod", "redis-0", "-n", "shop")["metadata"]["labels"]["triage"] == "yes"  # type: ignore[index]
    assert deployment(kubectl, "cart")["metadata"]["annotations"]["note"] == "hi"  # type: ignore[index]
    assert {w.content_type for w in server.writes} == {"application/merge-patch+json"}


def test_create_from_stdin(kubectl: Kubectl, server: RunningSnapshot) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: triage-notes\ndata:\n  a: b\n"
    assert "configmap/triage-notes created" in kubectl.ok_input(manifest, "create", "-n", "shop", "-f", "-")
    created = get_json(kubectl, "cm", "triage-notes", "-n", "shop")
    assert created["data"] == {"a": "b"} and created["metadata"]["uid"]  # type: ignore[index]
    again = kubectl.run_input(manifest, "create", "-n", "shop", "-f", "-")
    assert again.returncode != 0 and 'configmaps "triage-notes" already exists' in again.stderr
    elsewhere = kubectl.run_input(manifest, "create", "-n", "nosuch", "-f", "-")
    assert elsewhere.returncode != 0 and 'namespaces "nosuch" not found' in elsewhere.stderr
    assert [(w.method, w.status) for w in server.writes] == [("POST", 201), ("POST", 409), ("POST", 404)]


DRY_RUNS = [
    ("scale", "deployment/cart", "-n", "shop", "--replicas=5"),
    ("rollout", "undo", "deployment/catalog", "-n", "shop"),
    ("delete", "pod", CART_POD, "-n", "shop"),
    ("cordon", "worker-2"),
    ("set", "image", "deployment/cart", "-n", "shop", "cart=x:2"),
    ("set", "resources", "deployment/cart", "-n", "shop", "-c", "cart", "--limits=memory=1Gi"),
    ("patch", "deployment", "cart", "-n", "shop", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas",'
                                                                      '"value":0}]'),
    ("label", "pod", "redis-0", "-n", "shop", "triage=yes"),
    ("annotate", "node", "worker-3", "note=disk"),
]


@pytest.mark.parametrize("command", DRY_RUNS, ids=lambda c: " ".join(c[:2]))
def test_server_side_dry_run_changes_nothing(kubectl: Kubectl, server: RunningSnapshot,
                                             command: tuple[str, ...]) -> None:
    if command[:2] == ("rollout", "undo"):  # give catalog a previous revision first
        kubectl.ok("set", "image", "deployment/catalog", "-n", "shop", "catalog=ghcr.io/acme-shop/catalog:2.13.4")
        server.clear_writes()
    before = copy.deepcopy(server.snapshot.objects)
    out = kubectl.ok(*command, "--dry-run=server")
    assert "(server dry run)" in out or command[0] == "patch"  # kubectl patch prints no suffix
    assert server.snapshot.objects == before
    (write,) = server.writes
    assert write.dry_run and not write.applied and write.status == 200


def test_secrets_are_never_written(kubectl: Kubectl, server: RunningSnapshot) -> None:
    for args in (("delete", "secret", "payments-db-credentials", "-n", "payments"),
                 ("label", "secret", "payments-db-credentials", "-n", "payments", "a=b"),
                 ("patch", "secret", "shop-tls", "-n", "shop", "-p", '{"data":{"x":"eQ=="}}')):
        result = kubectl(*args)
        assert result.returncode != 0 and "Error from server (Forbidden)" in result.stderr, args
    stdin = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: planted\nstringData:\n  a: b\n"
    created = kubectl.run_input(stdin, "create", "-n", "shop", "-f", "-")
    assert created.returncode != 0 and "Forbidden" in created.stderr
    assert [w.status for w in server.writes] == [403, 403, 403, 403] and applied(server) == []
    assert "payments-db-credentials" in kubectl.ok("get", "secrets", "-n", "payments")


def test_write_record_over_http_and_reset(kubectl: Kubectl, server: RunningSnapshot) -> None:
    kubectl.ok("cordon", "worker-3")
    record = httpx.get(f"{server.url}/_snapshot/writes").json()
    assert record["writable"] is True and record["count"] == 1
    (write,) = record["writes"]
    assert (write["method"], write["path"], write["body"], write["applied"]) == (
        "PATCH", "/api/v1/nodes/worker-3", {"spec": {"unschedulable": True}}, True)
    assert write["time"].endswith("Z")
    assert httpx.delete(f"{server.url}/_snapshot/writes").json() == {"cleared": True}
    assert httpx.get(f"{server.url}/_snapshot/writes").json()["count"] == 0
    assert "SchedulingDisabled" in row_for(kubectl.ok("get", "nodes"), "worker-3")
    assert httpx.post(f"{server.url}/_snapshot/reset").json() == {"reset": True}
    assert "SchedulingDisabled" not in row_for(kubectl.ok("get", "nodes"), "worker-3")


def test_http_level_errors(server: RunningSnapshot) -> None:
    url = f"{server.url}/apis/apps/v1/namespaces/shop/deployments/cart"
    current = httpx.get(url).json()
    stale = copy.deepcopy(current)
    stale["metadata"]["resourceVersion"] = "1"
    conflict = httpx.put(url, json=stale)
    assert conflict.status_code == 409 and conflict.json()["reason"] == "Conflict"
    assert "the object has been modified" in conflict.json()["message"]
    assert httpx.put(url, json=current).status_code == 200
    apply = httpx.patch(url, content=b"spec: {}", headers={"content-type": "application/apply-patch+yaml"})
    assert apply.status_code == 415 and apply.json()["reason"] == "UnsupportedMediaType"
    not_json = httpx.patch(url, content=b"{", headers={"content-type": "application/merge-patch+json"})
    assert not_json.status_code == 400
    wrong_dry_run = httpx.patch(url, params={"dryRun": "Some"}, json={},
                                headers={"content-type": "application/merge-patch+json"})
    assert wrong_dry_run.status_code == 400 and "supported values" in wrong_dry_run.json()["message"]
    assert httpx.delete(f"{server.url}/apis/apps/v1/namespaces/shop/deployments").status_code == 405
    assert httpx.post(f"{server.url}/apis/metrics.k8s.io/v1beta1/nodes", json={}).status_code in (404, 405)
    renamed = httpx.patch(url, json={"metadata": {"name": "other"}},
                          headers={"content-type": "application/merge-patch+json"})
    assert renamed.status_code == 400 and "does not match the name on the URL" in renamed.json()["message"]
    assert all(not w.applied for w in server.writes if w.method != "PUT")


def test_scale_subresource_get_and_put(server: RunningSnapshot) -> None:
    url = f"{server.url}/apis/apps/v1/namespaces/shop/deployments/frontend/scale"
    scale = httpx.get(url).json()
    assert (scale["kind"], scale["apiVersion"], scale["spec"]["replicas"]) == ("Scale", "autoscaling/v1", 2)
    assert scale["status"]["selector"] == "app=frontend,tier=web"
    scale["spec"]["replicas"] = 0
    assert httpx.put(url, json=scale).json()["spec"]["replicas"] == 0
    assert httpx.get(url).json()["spec"]["replicas"] == 0
    assert httpx.get(f"{server.url}/api/v1/namespaces/shop/pods/redis-0/scale").status_code == 404


def test_discovery_advertises_write_verbs_and_the_scale_kind(server: RunningSnapshot) -> None:
    apps = {r["name"]: r for r in httpx.get(f"{server.url}/apis/apps/v1").json()["resources"]}
    assert {"create", "patch", "update", "delete"} <= set(apps["deployments"]["verbs"])
    assert (apps["deployments/scale"]["group"], apps["deployments/scale"]["kind"]) == ("autoscaling", "Scale")


def test_the_snapshot_directory_is_never_written(kubectl: Kubectl, snapshot_copy: Path) -> None:
    digest = _tree_digest(snapshot_copy)
    kubectl.ok("delete", "pod", CART_POD, "-n", "shop")
    kubectl.ok("scale", "deployment/cart", "-n", "shop", "--replicas=2")
    kubectl.ok("label", "node", "worker-1", "x=y")
    assert _tree_digest(snapshot_copy) == digest
