"""The real kubectl against the served demo snapshot (tests/snapshot/conftest.py starts it once)."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
import yaml

from app.snapshot.server import start_snapshot_server
from tests.snapshot.conftest import DEMO, Kubectl, row_for, rows

CART = "cart-hgjhk7psnj-x8xw6"
CATALOG = "catalog-7vbjmd8b9v-8np6c"
OOM = "recommendation-2bfxc7tqs6-fm8pc"
GATEWAY = "payment-gateway-xbm6wv8mwm-zjgm4"
FRAUD = "fraud-model-hzsnr26sgl-n5lzz"
EVICTED = "image-resizer-c7wsxm8zf8-nspf7"


def test_get_pods_all_namespaces_shows_real_columns_and_statuses(kubectl: Kubectl) -> None:
    out = kubectl.ok("get", "pods", "-A")
    assert rows(out)[0] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    statuses = {cells[1]: cells[3] for cells in rows(out)[1:]}
    assert statuses[CART] == "CrashLoopBackOff"
    assert statuses[OOM] == "OOMKilled"
    assert statuses[CATALOG] == "ImagePullBackOff"
    assert statuses[FRAUD] == "Pending"
    assert statuses["ledger-db-0"] == "Pending"
    assert statuses[EVICTED] == "ContainerStatusUnknown"
    assert statuses["redis-0"] == "Running"
    assert statuses[GATEWAY] == "CrashLoopBackOff"
    assert len(statuses) == 24
    # ages and restart times are rendered relative to the capture time, so they are stable
    assert row_for(out, CART).split()[2:] == ["0/1", "CrashLoopBackOff", "9", "(2m30s", "ago)", "38m"]
    assert row_for(out, GATEWAY).split()[2] == "1/2"


def test_get_wide_json_yaml_name_and_jsonpath(kubectl: Kubectl) -> None:
    wide = kubectl.ok("get", "pods", "-n", "shop", "-o", "wide")
    assert rows(wide)[0] == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED",
        "NODE",
        "READINESS",
        "GATES",
    ]
    assert "10.244.2.31" in row_for(wide, CART) and "worker-2" in row_for(wide, CART)
    as_json = json.loads(kubectl.ok("get", "pod", CART, "-n", "shop", "-o", "json"))
    assert as_json["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 2
    as_yaml = yaml.safe_load(kubectl.ok("get", "deploy", "cart", "-n", "shop", "-o", "yaml"))
    assert (
        as_yaml["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"]
        == "cart-config"
    )
    names = kubectl.ok("get", "pods", "-n", "payments", "-o", "name").split()
    assert names == [f"pod/{FRAUD}", "pod/ledger-db-0", f"pod/{GATEWAY}"]
    reason = kubectl.ok(
        "get",
        "pod",
        OOM,
        "-n",
        "shop",
        "-o",
        "jsonpath={.status.containerStatuses[0].lastState.terminated.reason}",
    )
    assert reason == "OOMKilled"
    limit = kubectl.ok(
        "get", "pod", OOM, "-n", "shop", "-o", "jsonpath={.spec.containers[0].resources.limits.memory}"
    )
    assert limit == "128Mi"


def test_label_and_field_selectors(kubectl: Kubectl) -> None:
    out = kubectl.ok("get", "pods", "-A", "-l", "app in (cart,catalog)", "-o", "name")
    assert sorted(out.split()) == [f"pod/{CART}", f"pod/{CATALOG}"]
    out = kubectl.ok("get", "pods", "-n", "shop", "-l", "tier!=backend,app", "-o", "name")
    assert f"pod/{CART}" not in out and "pod/redis-0" in out
    pending = kubectl.ok("get", "pods", "-A", "--field-selector", "status.phase=Pending", "-o", "name")
    assert sorted(pending.split()) == sorted([f"pod/{CATALOG}", f"pod/{FRAUD}", "pod/ledger-db-0"])
    on_node = kubectl.ok("get", "pods", "-A", "--field-selector", "spec.nodeName=worker-3", "-o", "name")
    assert f"pod/{EVICTED}" in on_node and f"pod/{CART}" not in on_node
    bad = kubectl("get", "pods", "--field-selector", "spec.bogus=1")
    assert bad.returncode != 0 and "field label not supported: spec.bogus" in bad.stderr


def test_get_all_and_short_names(kubectl: Kubectl) -> None:
    out = kubectl.ok("get", "all", "-n", "shop")
    for expected in (
        f"pod/{CART}",
        "service/checkout",
        "deployment.apps/cart",
        "replicaset.apps/cart-hgjhk7psnj",
        "statefulset.apps/redis",
        "job.batch/nightly-report-29916120",
        "cronjob.batch/nightly-report",
    ):
        assert expected in out
    deploy = kubectl.ok("get", "deploy", "-n", "shop")
    assert rows(deploy)[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row_for(deploy, "recommendation").split()[1:4] == ["1/2", "2", "1"]
    svc = kubectl.ok("get", "svc", "-n", "kube-system")
    assert "10.96.0.10" in svc and "53/UDP,53/TCP,9153/TCP" in svc
    nodes = kubectl.ok("get", "no")
    assert rows(nodes)[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert row_for(nodes, "worker-3").split()[1:] == ["Ready", "<none>", "41d", "v1.32.3"]
    for short, header in (
        ("rs", "DESIRED"),
        ("sts", "READY"),
        ("ds", "NODE SELECTOR"),
        ("cj", "SCHEDULE"),
        ("ep", "ENDPOINTS"),
        ("ing", "HOSTS"),
        ("ns", "STATUS"),
        ("cm", "DATA"),
        ("pvc", "STORAGECLASS"),
        ("pv", "RECLAIM POLICY"),
        ("sc", "PROVISIONER"),
        ("ev", "REASON"),
        ("secrets", "TYPE"),
        ("jobs", "COMPLETIONS"),
    ):
        out = kubectl.ok("get", short, "-A")
        assert header in out.splitlines()[0], (short, out)
    pvc = kubectl.ok("get", "pvc", "-n", "payments")
    assert row_for(pvc, "data-ledger-db-0").split()[1:3] == ["Pending", "fast-ssd"]
    ep = kubectl.ok("get", "endpoints", "-n", "shop", "checkout")
    assert row_for(ep, "checkout").split()[1] == "<none>"
    ing = kubectl.ok("get", "ingress", "-n", "shop")
    assert row_for(ing, "shop").split()[1:5] == ["nginx", "shop.example.com", "203.0.113.10", "80,"]
    sc = kubectl.ok("get", "storageclass")
    assert "gp3 (default)" in sc


def test_describe_pod_shows_events(kubectl: Kubectl) -> None:
    out = kubectl.ok("describe", "pod", CATALOG, "-n", "shop")
    assert "ImagePullBackOff" in out
    events = out.split("Events:", 1)[1]
    assert "manifest unknown" in events and "Back-off pulling image" in events
    out = kubectl.ok("describe", "pod", FRAUD, "-n", "payments")
    assert "FailedScheduling" in out and "Insufficient cpu" in out
    out = kubectl.ok("describe", "pod", OOM, "-n", "shop")
    assert "OOMKilled" in out and "137" in out


def test_describe_deploy_node_service(kubectl: Kubectl) -> None:
    deploy = kubectl.ok("describe", "deploy", "cart", "-n", "shop")
    assert "NewReplicaSet:   cart-hgjhk7psnj (1/1 replicas created)" in deploy
    assert "MinimumReplicasUnavailable" in deploy
    node = kubectl.ok("describe", "node", "worker-3")
    assert "DiskPressure     True" in node
    assert "node.kubernetes.io/disk-pressure:NoSchedule" in node
    assert "EvictionThresholdMet" in node.split("Events:", 1)[1]
    assert "kube-proxy-" in node  # non-terminated pods on the node
    assert EVICTED not in node  # Failed pods are excluded by the field selector
    svc = kubectl.ok("describe", "svc", "checkout", "-n", "shop")
    assert "Selector:                 app=checkout-api" in svc
    assert "Endpoints:                <none>" in svc
    svc = kubectl.ok("describe", "svc", "frontend", "-n", "shop")
    assert "10.244.1.14:80" in svc


def test_logs_previous_container_tail(kubectl: Kubectl) -> None:
    previous = kubectl.ok("logs", CART, "-n", "shop", "--previous")
    assert "panic: invalid config: missing DATABASE_URL" in previous
    assert not previous.startswith("20")  # timestamps stripped unless asked for
    stamped = kubectl.ok("logs", CART, "-n", "shop", "--previous", "--timestamps", "--tail", "1")
    assert stamped.startswith("2026-11-18T09:33:27") and stamped.count("\n") == 1
    sidecar = kubectl.ok("logs", GATEWAY, "-n", "payments", "-c", "metrics-proxy")
    assert "listen tcp 0.0.0.0:8080: bind: address already in use" in sidecar
    gateway = kubectl.ok("logs", GATEWAY, "-n", "payments", "-c", "gateway")
    assert "address already in use" not in gateway and "payment authorized" in gateway
    tail = kubectl.ok("logs", "deploy/frontend", "-n", "shop", "--tail", "3")
    assert len(tail.splitlines()) == 3
    waiting = kubectl("logs", CATALOG, "-n", "shop")
    assert (
        waiting.returncode != 0 and "is waiting to start: trying and failing to pull image" in waiting.stderr
    )
    missing = kubectl("logs", "redis-0", "-n", "shop", "--previous")
    assert missing.returncode != 0 and 'previous terminated container "redis"' in missing.stderr


def test_top_pods_and_nodes(kubectl: Kubectl) -> None:
    pods = kubectl.ok("top", "pods", "-n", "shop")
    assert rows(pods)[0] == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert row_for(pods, "recommendation-2bfxc7tqs6-v7p49").split()[1:] == ["188m", "121Mi"]
    assert CART not in pods  # crash-looping containers report no usage
    nodes = kubectl.ok("top", "nodes")
    assert row_for(nodes, "worker-1").split()[1:] == ["1386m", "35%", "6417Mi", "43%"]


def test_kubectl_events(kubectl: Kubectl) -> None:
    out = kubectl.ok("events", "-n", "payments", "--for", "pvc/data-ledger-db-0")
    assert 'storageclass.storage.k8s.io "fast-ssd" not found' in out
    assert "FailedScheduling" not in out
    warnings = kubectl.ok("events", "-A", "--types", "Warning")
    assert "EvictionThresholdMet" in warnings and "Scheduled" not in warnings.split()


def test_secrets_are_masked(kubectl: Kubectl) -> None:
    secret = yaml.safe_load(
        kubectl.ok("get", "secret", "payments-db-credentials", "-n", "payments", "-o", "yaml")
    )
    assert set(secret["data"]) == {"DATABASE_URL", "POSTGRES_PASSWORD"}
    assert {base64.b64decode(v).decode() for v in secret["data"].values()} == {"***REDACTED***"}
    everything = kubectl.ok("get", "secrets", "-A", "-o", "json")
    assert "S3cr3t" not in everything and "UzNjcjN0" not in everything
    described = kubectl.ok("describe", "secret", "payments-db-credentials", "-n", "payments")
    assert "DATABASE_URL:" in described and "POSTGRES_PASSWORD:" in described


def test_writes_are_refused_with_read_only_message(kubectl: Kubectl) -> None:
    result = kubectl("delete", "pod", CART, "-n", "shop")
    assert result.returncode != 0
    assert "read-only snapshot captured at 2026-11-18T09:41:27Z" in result.stderr
    result = kubectl("scale", "deploy/cart", "-n", "shop", "--replicas", "0")
    assert result.returncode != 0 and "read-only snapshot" in result.stderr
    assert kubectl.ok("get", "pod", CART, "-n", "shop", "-o", "name").strip() == f"pod/{CART}"


def test_not_found_is_a_status(kubectl: Kubectl) -> None:
    result = kubectl("get", "pod", "nope", "-n", "shop")
    assert result.returncode != 0
    assert 'Error from server (NotFound): pods "nope" not found' in result.stderr
    result = kubectl("get", "deploy", "nope", "-n", "shop")
    assert 'deployments.apps "nope" not found' in result.stderr


@pytest.mark.parametrize("version", ["v1.27.16", "v1.33.1"])
def test_other_kubectl_versions(version: str, tmp_path: Path) -> None:
    """The dispatcher runs the kubectl matching /version; the oldest and newest both work."""
    snapshot = tmp_path / "snap"
    shutil.copytree(DEMO, snapshot)
    manifest = (snapshot / "manifest.yaml").read_text().replace("v1.32.3", version)
    (snapshot / "manifest.yaml").write_text(manifest)
    with start_snapshot_server(snapshot, kubeconfig_path=tmp_path / "kubeconfig") as running:
        kubectl = Kubectl(running.kubeconfig, tmp_path)
        assert json.loads(kubectl.ok("version", "-o", "json"))["serverVersion"]["gitVersion"] == version
        assert row_for(kubectl.ok("get", "pods", "-A"), CART).split()[3] == "CrashLoopBackOff"
        assert "Back-off restarting failed container cart" in kubectl.ok(
            "describe", "pod", CART, "-n", "shop"
        )
        assert "worker-1" in kubectl.ok("top", "nodes")
        assert "address already in use" in kubectl.ok(
            "logs", GATEWAY, "-n", "payments", "-c", "metrics-proxy"
        )
