"""Shared fixtures: the demo snapshot served once per session, and an isolated kubectl runner."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.snapshot.server import RunningSnapshot, start_snapshot_server

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-snapshot"


@dataclass
class Kubectl:
    kubeconfig: Path
    home: Path

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run_input(None, *args)

    def run_input(self, stdin: str | None, *args: str) -> subprocess.CompletedProcess[str]:
        """kubectl with `stdin` as its standard input (`-f -`)."""
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env["HOME"] = str(self.home)
        command = [
            "kubectl",
            "--kubeconfig",
            str(self.kubeconfig),
            "--cache-dir",
            str(self.home / "cache"),
            *args,
        ]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=60, env=env,
                              check=False)

    def ok(self, *args: str) -> str:
        return self.ok_input(None, *args)

    def ok_input(self, stdin: str | None, *args: str) -> str:
        result = self.run_input(stdin, *args)
        assert result.returncode == 0, f"kubectl {' '.join(args)} failed: {result.stderr}"
        return result.stdout


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSnapshot]:
    kubeconfig = tmp_path_factory.mktemp("snapshot-kube") / "kubeconfig"
    with start_snapshot_server(DEMO, kubeconfig_path=kubeconfig) as running:
        yield running


@pytest.fixture(scope="session")
def kubectl(demo_server: RunningSnapshot, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(demo_server.kubeconfig, tmp_path_factory.mktemp("kubectl-home"))


def rows(output: str) -> list[list[str]]:
    """Split kubectl's table output into whitespace-separated cells (header first)."""
    return [line.split() for line in output.strip().splitlines()]


def row_for(output: str, name: str) -> str:
    line = next((line for line in output.splitlines() if name in line.split()), None)
    assert line is not None, f"{name} not in:\n{output}"
    return line


KubectlRunner = Callable[..., subprocess.CompletedProcess[str]]
