"""K8s AIOps Copilot: ask about your Kubernetes cluster, get a streamed, evidence-backed investigation.

Pipeline, one module per stage: classify → select → investigate → stream.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path


def get_version() -> str:
    """The installed package version (the VERSION file drives it), or VERSION read directly."""
    try:
        return metadata.version("k8s-aiops-copilot")
    except metadata.PackageNotFoundError:
        version_file = Path(__file__).resolve().parent.parent / "VERSION"
        return version_file.read_text().strip() if version_file.exists() else "0.0.0"
