"""`python -m app analyze`: findings as a table or JSON, and a one-line error when the cluster is unreachable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.analyzers.test_reader import DEAD_KUBECONFIG
from tests.support.app import DEMO_SNAPSHOT, RUNBOOKS


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"runbooks_dir: {RUNBOOKS}\ndata_dir: {tmp_path / 'data'}\n")
    return path


def test_json_lists_every_finding_with_its_runbook(config: Path) -> None:
    result = CliRunner().invoke(cli, ["analyze", "--json", "--snapshot", str(DEMO_SNAPSHOT), "--config", str(config)])
    assert result.exit_code == 0, result.output
    findings = json.loads(result.output)
    reasons = {(f["reason"], f["object"]["name"]) for f in findings}
    assert ("Panic", "cart-hgjhk7psnj-x8xw6") in reasons
    assert ("NoEndpoints", "checkout") in reasons
    assert ("DiskPressure", "worker-3") in reasons
    panic = next(f for f in findings if f["reason"] == "Panic")
    assert panic["runbook"] == "crashloop-backoff"
    assert "panic: invalid config: missing DATABASE_URL" in panic["evidence"]
    assert [f["severity"] for f in findings] == sorted((f["severity"] for f in findings),
                                                       key=["critical", "warning", "info"].index)


def test_table_grouped_by_severity_for_one_namespace(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(cli, ["analyze", "-n", "payments", "--snapshot", str(DEMO_SNAPSHOT),
                                      "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "CRITICAL (" in result.output and "WARNING (" in result.output
    assert "AddressInUse" in result.output and "ProvisioningFailed" in result.output
    assert "cart-hgjhk7psnj" not in result.output  # another namespace
    assert "in namespace payments" in result.output


def test_unreachable_cluster_is_one_line_without_traceback(config: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    kubeconfig = tmp_path / "dead"
    kubeconfig.write_text(DEAD_KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    result = CliRunner().invoke(cli, ["analyze", "--config", str(config)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot reach the Kubernetes API at http://127.0.0.1:1: ")
    assert "Traceback" not in result.output


def test_bad_snapshot_directory(config: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["analyze", "--snapshot", str(tmp_path), "--config", str(config)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: cannot serve snapshot {tmp_path}")
    assert "Traceback" not in result.output
