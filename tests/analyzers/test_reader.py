"""ClusterReader: the lists, logs and Secret names through the kubernetes client, against the served demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.analyzers.reader import ClusterReader, ClusterUnreachable
from app.analyzers.view import ClusterView, LogRequest
from tests.analyzers.support import CART

DEAD_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: dead, cluster: {server: "http://127.0.0.1:1"}}]
users: [{name: dead, user: {}}]
contexts: [{name: dead, context: {cluster: dead, user: dead}}]
current-context: dead
"""


def test_reads_every_list_once(demo_view: ClusterView) -> None:
    counts = demo_view.counts()
    assert counts["pods"] == 24
    assert counts["nodes"] == 3
    assert counts["podmetrics"] > 0 and counts["nodemetrics"] == 3
    assert demo_view.unavailable == {}
    assert {e["type"] for e in demo_view.items("events")} == {"Warning"}  # only warnings are fetched


def test_namespace_scope_keeps_cluster_scoped_lists(reader: ClusterReader) -> None:
    view = reader.read(["pods", "nodes", "storageclasses", "secrets-are-not-a-kind"], "shop")
    assert {p["metadata"]["namespace"] for p in view.items("pods")} == {"shop"}
    assert len(view.items("nodes")) == 3
    assert set(view.objects) == {"pods", "nodes", "storageclasses"}


def test_previous_logs_are_bounded(demo: Any) -> None:
    short = ClusterReader(demo.kubeconfig, None, log_tail_lines=3)
    try:
        text = short.log(LogRequest("shop", CART, "cart", previous=True))
    finally:
        short.close()
    assert text is not None
    assert text.splitlines() == ["main.mustLoadConfig()", "\t/src/cmd/cart/main.go:48 +0x1c5", "main.main()",
                                 "\t/src/cmd/cart/main.go:23 +0x25"][-3:]


def test_logs_of_a_container_without_a_previous_instance(reader: ClusterReader) -> None:
    assert reader.log(LogRequest("shop", "redis-0", "redis", previous=True)) is None


def test_secret_names_only_never_the_data(reader: ClusterReader, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, list[tuple[str, str]], str]] = []
    original = reader._get

    def recording(path: str, query: list[tuple[str, str]], accept: str = "application/json") -> bytes:
        calls.append((path, query, accept))
        body = original(path, query, accept)
        table = json.loads(body)
        assert table["kind"] == "Table"
        assert all(set(row) == {"cells"} for row in table["rows"])  # no objects, so no data or annotations
        assert b"tls.crt" not in body and b"LS0t" not in body
        return body

    monkeypatch.setattr(reader, "_get", recording)
    assert reader.secret_names("shop") == {"shop-tls"}
    assert calls == [("/api/v1/namespaces/shop/secrets", [("includeObject", "None")],
                      "application/json;as=Table;v=v1;g=meta.k8s.io")]


def test_unreachable_cluster_is_one_clear_error(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(DEAD_KUBECONFIG)
    reader = ClusterReader(kubeconfig, None, timeout_s=3)
    with pytest.raises(ClusterUnreachable, match=r"cannot reach the Kubernetes API at http://127.0.0.1:1"):
        reader.read(["pods", "nodes"])
    with pytest.raises(ClusterUnreachable, match="cannot load kubeconfig"):
        ClusterReader(tmp_path / "missing", None).read(["pods"])


def test_concurrent_investigations_share_one_read(demo: Any) -> None:
    reader = ClusterReader(demo.kubeconfig, None, view_ttl_s=3600)
    first = reader.read(["pods", "nodes"], "shop")
    assert reader.read(["nodes", "pods"], "shop") is first  # same moment, same lists: one read
    assert reader.read(["pods"], "shop") is not first  # other lists: a read of their own
    assert reader.read(["pods", "nodes"], None) is not first  # other scope too
    fresh = ClusterReader(demo.kubeconfig, None, view_ttl_s=0)
    assert fresh.read(["pods"]) is not fresh.read(["pods"])  # no sharing once the moment has passed
    reader.close()
    fresh.close()


def test_a_failed_read_is_not_shared(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "dead.yaml"
    kubeconfig.write_text(DEAD_KUBECONFIG)
    reader = ClusterReader(kubeconfig, None, timeout_s=3, view_ttl_s=3600)
    for _ in range(2):  # the second attempt really tries again
        with pytest.raises(ClusterUnreachable):
            reader.read(["pods"])
    assert reader._views == {}
