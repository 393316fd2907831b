"""The audit on a live snapshot server through the real client path, the CLI, SARIF validity, the project's own
manifests (restricted), the trivy parser, and the question path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from app.analyzers.reader import ClusterReader
from app.analyzers.view import ClusterView
from app.cli import cli
from app.engine.runbook import RunbookEngine
from app.runbooks import RunbookStore
from app.security.answer import audit_for_question, render_answer
from app.security.console import audit_with_reader
from app.security.engine import AUDIT_KINDS, AuditOptions, AuditReport, run_audit
from app.security.render import to_sarif
from app.security.trivy import ImageScan, parse_trivy_json, scan_image, scan_images
from app.snapshot.server import RunningSnapshot, start_snapshot_server
from deploy.render_chart import render
from tests.support.app import DEMO_SNAPSHOT, ROOT, RUNBOOKS

DATA = Path(__file__).parent / "data"
STRIPE_KEY = "sk_live_51QdemoR7xKp2Lw9vTz3YbN8cVf4Hj6Mq"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSnapshot]:
    with start_snapshot_server(DEMO_SNAPSHOT, kubeconfig_path=tmp_path_factory.mktemp("kube") / "kc") as running:
        yield running


@pytest.fixture(scope="module")
def reader(demo: RunningSnapshot) -> Iterator[ClusterReader]:
    reader = ClusterReader(demo.kubeconfig, None)
    yield reader
    reader.close()


@pytest.fixture(scope="module")
def report(reader: ClusterReader) -> AuditReport:
    return audit_with_reader(reader, AuditOptions())


def _find(report: AuditReport, rule: str, obj: str) -> list[Any]:
    return [f for f in report.findings if f.rule.id == rule and str(f.object) == obj]


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


# -- the demo cluster, read through the kubernetes client ------------------------------------------------------
def test_every_audited_kind_is_read_from_the_snapshot_server(reader: ClusterReader) -> None:
    view = reader.read(AUDIT_KINDS)
    assert view.unavailable == {}
    assert {"ci-deployer", "cluster-admin"} <= {o["metadata"]["name"] for o in view.items("clusterroles")}
    assert len(view.items("vulnerabilityreports")) == 3 and view.items("networkpolicies")


def test_the_demo_security_problems_are_found(report: AuditReport) -> None:
    privileged = _find(report, "pss-baseline/privileged", "DaemonSet monitoring/node-exporter")
    assert privileged and privileged[0].level == "critical"
    assert _find(report, "pss-baseline/host-path", "DaemonSet monitoring/node-exporter")
    assert _find(report, "rbac/wildcard", "ClusterRole ci-deployer")
    binding = _find(report, "rbac/admin-service-account", "ClusterRoleBinding shop-ci-deployer")
    assert binding and binding[0].level == "critical"
    assert _find(report, "rbac/overprivileged-workload", "Deployment shop/frontend")
    assert _find(report, "rbac/secrets-service-account", "RoleBinding payments/gateway-config-reader")
    secret = _find(report, "misconfig/secret-env", "Deployment payments/payment-gateway")
    assert secret and "STRIPE_API_KEY" in secret[0].message and "LEDGER_DB_PASSWORD" in secret[0].message
    critical = _find(report, "vuln/critical", "Deployment shop/frontend")
    assert critical and "CVE-2024-45491" in str(critical[0].evidence) and "2.5.0-1+deb12u1" in critical[0].fix
    assert _find(report, "network/no-default-deny", "Namespace shop")
    assert report.vulnerability_source == "trivy-operator"
    levels = {str(w.object): w.level for w in report.workloads}
    assert levels["DaemonSet monitoring/node-exporter"] == "privileged"
    assert levels["Deployment shop/frontend"] == "baseline"


def test_no_false_positives_on_what_the_demo_does_right(report: AuditReport) -> None:
    assert not _find(report, "network/no-default-deny", "Namespace payments")  # it has a default-deny
    assert not [f for f in report.findings if f.rule.id == "rbac/admin-service-account"
                and "system:masters" in str(f.evidence)]
    assert not [f for f in report.findings if f.rule.id == "rbac/anonymous-binding"]  # public-info-viewer only
    assert not _find(report, "vuln/critical", "Deployment kube-system/coredns")  # its report is clean
    assert not _find(report, "misconfig/secret-env", "Deployment shop/recommendation")  # MODEL_PATH is no secret
    assert STRIPE_KEY not in json.dumps(report.as_dict())


def test_namespace_and_workload_scopes(reader: ClusterReader) -> None:
    payments = audit_with_reader(reader, AuditOptions(namespace="payments"))
    assert {w.object.namespace for w in payments.workloads} == {"payments"}
    assert set(payments.by_namespace()) <= {"payments"}
    one = audit_with_reader(reader, AuditOptions(workload=("DaemonSet", "node-exporter")))
    assert [str(w.object) for w in one.workloads] == ["DaemonSet monitoring/node-exporter"]
    assert {str(f.object) for f in one.findings} == {"DaemonSet monitoring/node-exporter"}


def test_sarif_of_the_demo_is_valid(report: AuditReport, sarif_validator: jsonschema.protocols.Validator) -> None:
    document = to_sarif(report)
    sarif_validator.validate(document)
    run = document["runs"][0]
    assert len(run["results"]) == len(report.findings)
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}


# -- the CLI ---------------------------------------------------------------------------------------------------
def _cli(*args: str, tmp_path: Path) -> Any:
    config = tmp_path / "config.yaml"
    config.write_text(f"runbooks_dir: {RUNBOOKS}\ndata_dir: {tmp_path / 'data'}\n")
    return CliRunner().invoke(cli, ["audit", "--snapshot", str(DEMO_SNAPSHOT), "--config", str(config), *args])


def test_cli_table_fits_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = _cli("-n", "monitoring", tmp_path=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Security audit of namespace monitoring: score" in result.output
    assert "Findings by namespace" in result.output and "CRITICAL (1)" in result.output
    assert "node-exporter: Privileged" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_cli_json_and_sarif(tmp_path: Path, sarif_validator: jsonschema.protocols.Validator) -> None:
    result = _cli("--format", "json", "--workload", "deploy/payment-gateway", tmp_path=tmp_path)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["scope"] == {"namespace": None, "workload": "Deployment/payment-gateway"}
    assert "misconfig/secret-env" in {f["rule_id"] for f in body["findings"]}
    assert STRIPE_KEY not in result.output
    sarif = _cli("-o", "sarif", tmp_path=tmp_path)
    assert sarif.exit_code == 0
    sarif_validator.validate(json.loads(sarif.output))


@pytest.mark.parametrize(("args", "message"), [
    (("--format", "xml"), "--format must be table, json or sarif"),
    (("--workload", "web"), "must be KIND/NAME"),
    (("--namespace", "Not_A_Namespace"), "not a valid namespace name"),
])
def test_cli_bad_filters_are_one_line_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = _cli(*args, tmp_path=tmp_path)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


# -- the project's own manifests meet restricted ---------------------------------------------------------------
def _level_of(docs: list[dict[str, Any]]) -> dict[str, str]:
    deployments = [d for d in docs if d and d.get("kind") == "Deployment"]
    assert deployments
    report = run_audit(ClusterView({"deployments": deployments}), AuditOptions())
    assert not [f for f in report.findings if f.rule.category == "pod-security"]
    return {str(w.object): w.level for w in report.workloads}


def test_deploy_manifests_meet_restricted() -> None:
    docs = list(yaml.safe_load_all((ROOT / "deploy" / "k8s-simple.yaml").read_text()))
    assert set(_level_of(docs).values()) == {"restricted"}


def test_helm_chart_render_meets_restricted() -> None:
    assert set(_level_of(list(yaml.safe_load_all(render()))).values()) == {"restricted"}


# -- trivy -----------------------------------------------------------------------------------------------------
def test_trivy_json_report_is_parsed() -> None:
    scan = parse_trivy_json(json.loads((DATA / "trivy-image-nginx.json").read_text()))
    assert scan.image == "nginx:1.27.2" and scan.source == "trivy"
    assert [v.id for v in scan.at("CRITICAL")] == ["CVE-2024-45491"]  # the duplicate entry counted once
    high = scan.at("HIGH")[0]
    assert (high.package, high.installed, high.fixed) == ("libssl3", "3.0.14-1~deb12u2", None)
    assert scan.at("MEDIUM")[0].fixed == "3.0.14-1~deb12u2+deb12u1"


def test_a_failing_trivy_run_is_skipped_not_fatal(tmp_path: Path) -> None:
    assert scan_image(str(tmp_path / "no-trivy-here"), "nginx:1.27.2") is None  # cannot start
    assert scan_images("/bin/false", ["nginx:1.27.2", "redis:7.4.1"]) == {}  # exits non-zero


def test_trivy_scans_feed_findings_when_the_cluster_has_no_reports(reader: ClusterReader) -> None:
    parsed = parse_trivy_json(json.loads((DATA / "trivy-image-nginx.json").read_text()))
    asked: list[str] = []

    def scan(images: list[str]) -> dict[str, ImageScan]:
        asked.extend(images)
        return {"nginx:1.27.2": parsed}

    view = reader.read(AUDIT_KINDS)
    view.objects["vulnerabilityreports"] = []
    report = run_audit(view, AuditOptions(namespace="shop", scan=scan))
    assert "nginx:1.27.2" in asked and report.vulnerability_source == "trivy"
    assert _find(report, "vuln/critical", "Deployment shop/frontend")
    without = run_audit(view, AuditOptions(namespace="shop"))
    assert any("install trivy-operator" in n for n in without.notes)


# -- the question path -----------------------------------------------------------------------------------------
def test_question_scope_and_compliance_verdict(reader: ClusterReader) -> None:
    report = audit_for_question(reader, "is namespace shop compliant with restricted?", None)
    assert report.namespace == "shop"
    text = render_answer("is namespace shop compliant with restricted?", report)
    assert "**Not compliant with restricted**" in text and "rbac/admin-service-account" in text
    zh = render_answer("这个集群安全吗？", audit_for_question(reader, "这个集群安全吗？", None))
    assert "整个集群的安全审计" in zh and "优先修复" in zh and STRIPE_KEY not in zh


def test_llm_evidence_carries_the_audit(reader: ClusterReader) -> None:
    store = RunbookStore(RUNBOOKS)
    store.refresh()
    collected = RunbookEngine(reader, None, store).collect_sync("这个集群安全吗？", "security", None)
    evidence = collected.evidence()
    assert evidence.startswith("<security_audit>\n") and evidence.endswith("</security_audit>")
    assert "Security audit of all namespaces: score" in evidence and len(evidence) <= 2000
    assert "rbac/admin-service-account" in evidence and STRIPE_KEY not in evidence
    other = RunbookEngine(reader, None, store).collect_sync("pod 一直重启", "pod_crash", None)
    assert "Security audit" not in other.evidence()


def test_cli_cluster_option_picks_the_kube_context(demo: RunningSnapshot, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(demo.kubeconfig))
    config = tmp_path / "config.yaml"
    config.write_text(f"runbooks_dir: {RUNBOOKS}\ndata_dir: {tmp_path / 'data'}\n")
    ok = CliRunner().invoke(cli, ["audit", "--cluster", "snapshot-demo-prod-eu-1", "-n", "payments", "-o", "json",
                                  "--config", str(config)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["scope"]["namespace"] == "payments"
    bad = CliRunner().invoke(cli, ["audit", "--cluster", "no-such-context", "--config", str(config)])
    assert bad.exit_code == 1 and "no-such-context" in bad.output and "Traceback" not in bad.output
