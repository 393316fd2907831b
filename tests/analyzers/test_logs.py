"""The logs analyzer: error lines from the previous instance of crashing containers, bounded."""

from __future__ import annotations

from app.analyzers.logs import MAX_LINES, LogsAnalyzer, error_lines
from app.analyzers.model import Finding
from app.analyzers.view import ClusterView, LogRequest
from tests.analyzers.support import CART, GATEWAY, only, pod


def test_crashloop_pod_panic_line_and_the_missing_setting(findings: list[Finding]) -> None:
    panic = only([f for f in findings if f.analyzer == "logs"], "Panic", CART)
    assert panic.severity == "critical"
    assert "panic: invalid config: missing DATABASE_URL" in panic.evidence
    assert any("--previous" in e for e in panic.evidence)
    assert "spec.containers[name=cart].env: DATABASE_URL is not set; envFrom: ConfigMap cart-config" in panic.evidence
    assert "DATABASE_URL" in panic.fix and "cart-config" in panic.fix


def test_address_already_in_use_and_who_holds_the_port(findings: list[Finding]) -> None:
    bind = only([f for f in findings if f.analyzer == "logs"], "AddressInUse", GATEWAY)
    assert bind.targets["container"] == "metrics-proxy"
    assert any(e.endswith("listen tcp 0.0.0.0:8080: bind: address already in use") for e in bind.evidence)
    assert "spec.containers[name=gateway].ports.containerPort=8080 (same pod, same network namespace)" in bind.evidence
    assert bind.runbook == "port-conflict"


def test_only_crashing_containers_are_read_and_healthy_ones_have_no_log_findings(findings: list[Finding]) -> None:
    objects = {f.object.name for f in findings if f.analyzer == "logs"}
    assert objects == {CART, GATEWAY}  # the OOMKilled pods log nothing wrong: they are killed silently


def test_error_lines_by_category_bounded_and_without_timestamps() -> None:
    text = "\n".join([
        "2026-11-18T09:00:00.000000123Z starting",
        "2026-11-18T09:00:01.000000123Z Traceback (most recent call last):",
        '  File "app.py", line 3, in <module>',
        "ValueError: bad port",
        *(f"write /data/x{i}: no space left on device" for i in range(10)),
    ])
    found = error_lines(text)
    assert found["Exception"] == ["Traceback (most recent call last):", "ValueError: bad port"]
    assert len(found["NoSpaceLeft"]) == MAX_LINES


class _Logs:
    def __init__(self, text: str) -> None:
        self.text = text
        self.requests: list[LogRequest] = []

    def log(self, request: LogRequest) -> str | None:
        self.requests.append(request)
        return self.text

    def secret_names(self, namespace: str) -> set[str] | None:
        return None


def test_reads_the_previous_instance_of_restarting_containers_only() -> None:
    crashing = [{"name": "app", "ready": False, "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}]
    healthy = [{"name": "app", "ready": True, "restartCount": 0, "state": {"running": {}}}]
    source = _Logs("open /var/lib/app/db: no space left on device\n")
    view = ClusterView({"pods": [pod("a", statuses=crashing), pod("b", statuses=healthy)]}, source=source)
    found = LogsAnalyzer().analyze(view)
    assert source.requests == [LogRequest("ns", "a", "app", previous=True)]
    disk = only(found, "NoSpaceLeft", "a")
    assert disk.severity == "critical"
