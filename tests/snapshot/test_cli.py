"""The `snapshot` typer app: serve (a real process, stopped with Ctrl-C) and capture, and their errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.snapshot.cli import snapshot_app
from app.snapshot.server import RunningSnapshot
from tests.snapshot.conftest import DEMO, Kubectl

REPO = Path(__file__).resolve().parents[2]


def test_serve_bad_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(snapshot_app, ["serve", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a snapshot directory (no manifest.yaml)" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("writable", [False, True], ids=["read-only", "writable"])
def test_serve_until_ctrl_c(tmp_path: Path, writable: bool) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from app.snapshot.cli import snapshot_app; snapshot_app()",
            "serve",
            str(DEMO),
            "--kubeconfig",
            str(kubeconfig),
            *(["--writable"] if writable else []),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(300):
            if kubeconfig.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert kubeconfig.exists(), "serve did not write the kubeconfig"
        out = Kubectl(kubeconfig, tmp_path)("get", "nodes", "-o", "name")
        assert out.stdout.split() == ["node/worker-1", "node/worker-2", "node/worker-3"]
        cordon = Kubectl(kubeconfig, tmp_path)("cordon", "worker-1")  # kubectl exits 0 either way
        assert ("node/worker-1 cordoned" in cordon.stdout) is writable, cordon.stderr
        assert ("read-only snapshot" in cordon.stderr) is not writable
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert f"export KUBECONFIG={kubeconfig}" in output and "kubectl get pods -A" in output
    assert "Traceback" not in output
    assert ("/_snapshot/writes" in output) is writable and ("writable in memory" in output) is writable


def test_capture_command(demo_server: RunningSnapshot, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    runner = CliRunner()
    result = runner.invoke(
        snapshot_app,
        [
            "capture",
            "--kubeconfig",
            str(demo_server.kubeconfig),
            "-n",
            "shop",
            "--log-tail-lines",
            "5",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Captured" in result.output and (out / "manifest.yaml").is_file()
    again = runner.invoke(snapshot_app, ["capture", "--kubeconfig", str(demo_server.kubeconfig), str(out)])
    assert (
        again.exit_code == 2 and "exists and is not empty" in again.output and "Traceback" not in again.output
    )
