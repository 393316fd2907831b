"""Write a kubeconfig that points kubectl and the Python client at a snapshot server."""

from __future__ import annotations

import re
from pathlib import Path

import yaml


def context_name(source_context: str) -> str:
    return "snapshot-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", source_context).strip("-") or "cluster")


def write_kubeconfig(path: Path, server_url: str, source_context: str, namespace: str = "default") -> Path:
    name = context_name(source_context)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server_url}}],
        "users": [{"name": name, "user": {}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}],
        "current-context": name,
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
