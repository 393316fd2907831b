"""`python -m app policy check`: users test their commands against the policy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.app import ROOT


@pytest.mark.parametrize(
    ("args", "verdict", "code"),
    [
        (["kubectl get pods -A -o wide"], "allowed", 0),
        (["kubectl get pods -A | grep -v Running"], "denied", 4),
        (["kubectl rollout restart deploy/web"], "needs-approval", 3),
        (["--unsafe-allow-all", "kubectl rollout restart deploy/web"], "allowed", 0),
        (["kubectl get secret -A -o yaml"], "denied", 4),
        (["--", "kubectl", "get", "pods", "-l", "app in (web,api)"], "allowed", 0),
        (["kubectl get pods --context=staging"], "denied", 4),
        (["kubectl --profile get delete namespace shop --profile=none"], "denied", 4),
    ],
)
def test_policy_check(args: list[str], verdict: str, code: int) -> None:
    result = subprocess.run([sys.executable, "-m", "app", "policy", "check", *args], capture_output=True,
                            text=True, cwd=ROOT, timeout=60, check=False)
    assert result.returncode == code, result.stderr
    assert result.stdout.startswith(f"{verdict}: ")
