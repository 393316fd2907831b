"""Loading snapshot directories: hand-assembled input, masking, and clear errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from app.snapshot.errors import SnapshotError
from app.snapshot.selectors import SelectorError, parse_field_selector, parse_label_selector
from app.snapshot.store import REDACTED, load_snapshot, mask_secret
from tests.snapshot.conftest import DEMO


def _snapshot(
    tmp_path: Path, manifest: str = "capturedAt: 2026-01-02T03:04:05Z\nkubernetesVersion: v1.30.2\n"
) -> Path:
    (tmp_path / "objects").mkdir(parents=True)
    (tmp_path / "manifest.yaml").write_text(manifest)
    return tmp_path


def test_demo_loads(tmp_path: Path) -> None:
    snapshot = load_snapshot(DEMO)
    assert snapshot.manifest.kubernetes_version == "v1.32.3"
    assert snapshot.manifest.source_context == "demo-prod-eu-1"
    pods = snapshot.items(snapshot.resources[("", "pods")])
    assert len(pods) == 24 and snapshot.pod_metrics and snapshot.node_metrics


def test_hand_assembled_kubectl_output(tmp_path: Path) -> None:
    root = _snapshot(tmp_path)
    # `kubectl get pods,secrets -A -o json`: a v1 List whose items carry kind/apiVersion
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "a", "namespace": "team-x", "creationTimestamp": "2026-01-01T00:00:00Z"},
            },
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "s", "namespace": "team-x"},
                "data": {"token": base64.b64encode(b"hunter2").decode()},
                "stringData": {"extra": "plain"},
            },
        ],
    }
    (root / "objects" / "dump.json").write_text(json.dumps(listing))
    # a typed list without per-item kind (as the API returns it), in YAML, and a CRD instance
    (root / "objects" / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata: {name: web, namespace: team-x}\n"
    )
    (root / "objects" / "widget.json").write_text(
        json.dumps(
            {
                "apiVersion": "example.com/v1",
                "kind": "Widget",
                "metadata": {"name": "w", "namespace": "team-x"},
            }
        )
    )
    snapshot = load_snapshot(root)
    assert snapshot.manifest.minor == "30"
    secret = snapshot.get(snapshot.resources[("", "secrets")], "team-x", "s")
    assert secret is not None and set(secret["data"]) == {"token", "extra"} and "stringData" not in secret
    assert {base64.b64decode(v).decode() for v in secret["data"].values()} == {REDACTED}
    deploy = snapshot.get(snapshot.resources[("apps", "deployments")], "team-x", "web")
    assert deploy is not None and deploy["kind"] == "Deployment"
    widgets = snapshot.resource("example.com", "widgets")
    assert widgets is not None and widgets.namespaced and len(snapshot.items(widgets)) == 1
    namespace = snapshot.get(snapshot.resources[("", "namespaces")], None, "team-x")
    assert namespace is not None and namespace["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"


def test_mask_secret_covers_last_applied_annotation() -> None:
    secret = {
        "kind": "Secret",
        "metadata": {
            "name": "x",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"stringData":{"pw":"hunter2"}}'
            },
        },
        "data": {"pw": "aHVudGVyMg=="},
    }
    masked = mask_secret(secret)
    assert "hunter2" not in json.dumps(masked) and "aHVudGVyMg" not in json.dumps(masked)
    assert secret["data"]["pw"] == "aHVudGVyMg=="  # the input is not modified


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "no manifest.yaml"),
        (lambda p: (p / "manifest.yaml").write_text("kubernetesVersion: v1.32.0\n"), "missing capturedAt"),
        (lambda p: (p / "manifest.yaml").write_text("capturedAt: yesterday\n"), "is not an RFC 3339 time"),
        (
            lambda p: (p / "manifest.yaml").write_text("capturedAt: 2026-01-01T00:00:00Z\n"),
            "no objects/ directory",
        ),
    ],
)
def test_bad_snapshot_directories(tmp_path: Path, setup: object, message: str) -> None:
    setup(tmp_path)  # type: ignore[operator]
    with pytest.raises(SnapshotError, match=message):
        load_snapshot(tmp_path)


def test_bad_object_files(tmp_path: Path) -> None:
    root = _snapshot(tmp_path)
    (root / "objects" / "pods.json").write_text("{not json")
    with pytest.raises(SnapshotError, match=r"pods.json: not valid JSON"):
        load_snapshot(root)
    (root / "objects" / "pods.json").write_text(json.dumps({"kind": "List", "items": [{"kind": "Pod"}]}))
    with pytest.raises(SnapshotError, match=r"items\[0\] has no kind/apiVersion"):
        load_snapshot(root)
    with pytest.raises(SnapshotError, match="does not exist"):
        load_snapshot(tmp_path / "missing")


def test_selectors() -> None:
    match = parse_label_selector("app in (a, b),tier!=db,env,!legacy")
    assert match({"app": "a", "env": "prod"}) and not match({"app": "c", "env": "prod"})
    assert not match({"app": "a", "env": "x", "legacy": "1"}) and not match(
        {"app": "b", "tier": "db", "env": ""}
    )
    with pytest.raises(SelectorError):
        parse_label_selector("app in (a")
    pods = load_snapshot(DEMO).resources[("", "pods")]
    with pytest.raises(SelectorError, match=r"field label not supported: spec\.bogus"):
        parse_field_selector("spec.bogus=1", pods)
    assert [r.path for r in parse_field_selector("status.phase!=Failed,spec.nodeName=n", pods)] == [
        "status.phase",
        "spec.nodeName",
    ]


def _outside_file(tmp_path: Path, text: str) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    target = outside / "secret.txt"
    target.write_text(text)
    return target


@pytest.mark.parametrize("where", ["objects/evil.json", "metrics/pods.json", "logs/shop/web/app.log",
                                   "manifest.yaml"])
def test_symlinks_out_of_the_snapshot_are_refused(tmp_path: Path, where: str) -> None:
    root = _snapshot(tmp_path / "snap")
    target = _outside_file(tmp_path, '{"kind": "List", "apiVersion": "v1", "items": []}')
    link = root / where
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(target)
    with pytest.raises(SnapshotError, match="leads out of the snapshot directory"):
        load_snapshot(root)


def test_symlinked_directories_out_of_the_snapshot_are_refused(tmp_path: Path) -> None:
    root = _snapshot(tmp_path / "snap")
    target = _outside_file(tmp_path, "line\n")
    (root / "logs" / "shop").mkdir(parents=True)
    (root / "logs" / "shop" / "web").symlink_to(target.parent)  # logs/shop/web/secret.txt is not *.log
    (target.parent / "app.log").write_text("outside\n")
    with pytest.raises(SnapshotError, match="leads out of the snapshot directory"):
        load_snapshot(root)


def test_symlinks_inside_the_snapshot_are_fine(tmp_path: Path) -> None:
    root = _snapshot(tmp_path / "snap")
    (root / "logs" / "shop" / "web").mkdir(parents=True)
    (root / "logs" / "shop" / "web" / "app.log").write_text("hello\n")
    (root / "logs" / "shop" / "web" / "app.previous.log").symlink_to(root / "logs" / "shop" / "web" / "app.log")
    snapshot = load_snapshot(root)
    assert snapshot.log_file("shop", "web", "app", previous=True) is not None


def test_a_log_swapped_for_a_symlink_after_loading_is_not_served(tmp_path: Path) -> None:
    root = _snapshot(tmp_path / "snap")
    log = root / "logs" / "shop" / "web" / "app.log"
    log.parent.mkdir(parents=True)
    log.write_text("hello\n")
    snapshot = load_snapshot(root)
    assert snapshot.log_file("shop", "web", "app", previous=False) == log
    log.unlink()
    log.symlink_to(_outside_file(tmp_path, "S3CRET\n"))
    assert snapshot.log_file("shop", "web", "app", previous=False) is None
