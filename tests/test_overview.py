"""GET /api/v1/overview against the demo snapshot, checked against real kubectl on the same snapshot."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from app.analyzers.quantity import parse_quantity
from app.main import create_app
from tests.support.app import service_settings
from tests.support.server import ServerThread


def kubectl(kubeconfig: Path, *args: str) -> list[dict[str, Any]]:
    out = subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), "get", *args, "-o", "json"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    items: list[dict[str, Any]] = json.loads(out)["items"]
    return items


def test_overview_matches_kubectl(tmp_path: Path) -> None:
    with ServerThread(create_app(service_settings(tmp_path))) as server:
        response = httpx.get(f"{server.url}/api/v1/overview", timeout=60)
        kubeconfig = tmp_path / "data" / "snapshot-kubeconfig.yaml"
        pods = kubectl(kubeconfig, "pods", "-A")
        nodes = kubectl(kubeconfig, "nodes")
        namespaces = kubectl(kubeconfig, "namespaces")
        deployments = kubectl(kubeconfig, "deployments", "-A")
        services = kubectl(kubeconfig, "services", "-A")
    assert response.status_code == 200
    overview = response.json()
    counts = overview["counts"]
    assert counts["pods"] == len(pods)
    assert counts["nodes"] == len(nodes)
    assert counts["namespaces"] == len(namespaces)
    assert counts["deployments"] == len(deployments)
    assert counts["services"] == len(services)
    ready = [n for n in nodes if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"])]
    assert counts["nodes_ready"] == len(ready)
    assert overview["pods_by_phase"] == dict(sorted(Counter(p["status"]["phase"] for p in pods).items()))
    # Requests per node: the containers of the pods kubectl shows on it (no init container here is larger).
    for node in overview["nodes"]:
        on_node = [p for p in pods if p["spec"].get("nodeName") == node["name"]
                   and p["status"]["phase"] not in ("Succeeded", "Failed")]
        cpu = sum(parse_quantity(c.get("resources", {}).get("requests", {}).get("cpu", "0")) or 0.0
                  for p in on_node for c in p["spec"]["containers"])
        memory = sum(parse_quantity(c.get("resources", {}).get("limits", {}).get("memory", "0")) or 0.0
                     for p in on_node for c in p["spec"]["containers"])
        assert abs(node["cpu"]["requests"] - cpu) < 1e-9, node["name"]
        assert abs(node["memory"]["limits"] - memory) < 1, node["name"]
        [raw] = [n for n in nodes if n["metadata"]["name"] == node["name"]]
        assert node["cpu"]["allocatable"] == parse_quantity(raw["status"]["allocatable"]["cpu"])
        assert node["pods"] == len(on_node)
    shop = next(n for n in overview["namespaces"] if n["name"] == "shop")
    assert shop["pods"] == sum(1 for p in pods if p["metadata"]["namespace"] == "shop")
    # Problems are the analyzers' findings; the demo's broken cart pod is among them.
    assert any(p["reason"] == "CrashLoopBackOff" and p["object"]["namespace"] == "shop" for p in overview["problems"])
    assert any("DiskPressure" in n["pressure"] for n in overview["nodes"])
    assert overview["unavailable"] == {}
    assert counts["secrets"] is not None and counts["secrets"] >= 0


def test_overview_needs_the_token(tmp_path: Path) -> None:
    with ServerThread(create_app(service_settings(tmp_path, api_token="tok-0123456789abcdef"))) as server:
        response = httpx.get(f"{server.url}/api/v1/overview", timeout=60)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
