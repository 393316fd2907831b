"""`python -m app serve`: where it listens by default, and the warning when it listens beyond loopback
without API_TOKEN. Real processes; nothing ever listens beyond 127.0.0.1 (192.0.2.1 is a documentation
address no interface has, so binding it fails after the warning)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.auth import exposure_warning
from app.settings import Settings
from tests.support.app import DEMO_SNAPSHOT, ROOT, RUNBOOKS
from tests.test_lifecycle import ServeProcess

UNREACHABLE_HOST = "192.0.2.1"


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "CLUSTER_SNAPSHOT": str(DEMO_SNAPSHOT), "RUNBOOKS_DIR": str(RUNBOOKS),
            "DATA_DIR": str(tmp_path / "data"), "LOG_FORMAT": "text", **extra}


def test_serve_listens_on_loopback_unless_told(tmp_path: Path) -> None:
    server = ServeProcess(serve_env(tmp_path), args=["--port", "0"])  # no --host
    try:
        assert server.url().startswith("http://127.0.0.1:")
    finally:
        server.proc.send_signal(signal.SIGINT)
        server.proc.wait(30)
    assert not any("without API_TOKEN" in line for line in server.lines)


@pytest.mark.parametrize(("extra", "warned"), [({}, True), ({"API_TOKEN": "t0ken-for-the-test"}, False)])
def test_serve_warns_beyond_loopback_without_a_token(tmp_path: Path, extra: dict[str, str], warned: bool) -> None:
    result = subprocess.run([sys.executable, "-m", "app", "serve", "--host", UNREACHABLE_HOST, "--port", "0"],
                            cwd=ROOT, env=serve_env(tmp_path, **extra), capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode != 0  # the bind fails: nothing listened
    assert (f"listening on {UNREACHABLE_HOST} without API_TOKEN" in output) is warned, output
    assert "t0ken-for-the-test" not in output


@pytest.mark.parametrize(("host", "warned"), [
    ("127.0.0.1", False), ("127.0.0.2", False), ("::1", False), ("[::1]", False), ("localhost", False),
    ("0.0.0.0", True), ("::", True), ("10.1.2.3", True), ("copilot.internal", True),
])
def test_which_hosts_are_beyond_loopback(host: str, warned: bool) -> None:
    assert (exposure_warning(host, Settings()) is not None) is warned
    assert exposure_warning(host, Settings(api_token="x")) is None


def test_the_warning_says_whether_approvals_are_open_too() -> None:
    open_all = exposure_warning("0.0.0.0", Settings())
    guarded = exposure_warning("0.0.0.0", Settings(approver_token="a"))
    assert open_all and "approve changes" in open_all
    assert guarded and "approve changes" not in guarded


def test_the_image_and_manifests_bind_every_interface_explicitly() -> None:
    for path in ("Dockerfile", "deploy/k8s-simple.yaml", "deploy/chart/templates/deployment.yaml"):
        text = (ROOT / path).read_text()
        assert re.search(r'app"?,\s*"?serve"?,\s*"?--host"?,\s*"?0\.0\.0\.0', text), path
