"""PrometheusClient against a real Prometheus (Debian's binary, scraping itself every second)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.runbooks import parse_runbook
from app.tools.prometheus import PrometheusClient, PrometheusError, format_labels, format_value, render
from tests.support.app import RUNBOOKS, service_settings
from tests.support.prometheus import PrometheusServer, free_port
from tests.support.server import ServerThread

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.fixture
def client(prometheus: PrometheusServer) -> Iterator[PrometheusClient]:
    with PrometheusClient(prometheus.url, timeout_s=10, max_series=20) as c:
        yield c


def test_instant_query_returns_the_real_up_series(client: PrometheusClient, prometheus: PrometheusServer) -> None:
    result = client.instant('up{job="prometheus"}')
    assert result.result_type == "vector"
    assert [s["metric"]["instance"] for s in result.result] == [f"127.0.0.1:{prometheus.port}"]
    assert result.result[0]["value"][1] == "1"
    assert f'up{{instance="127.0.0.1:{prometheus.port}", job="prometheus"}} 1' in result.text
    assert result.text.startswith("1 series")
    assert not result.truncated and not result.empty


def test_instant_query_at_a_given_time(client: PrometheusClient) -> None:
    result = client.instant("vector(time())", time=1_700_000_000)
    assert result.result[0]["value"][1] == "1700000000"
    assert result.text.endswith("{} 1700000000")


def test_range_query_summarises_each_series(client: PrometheusClient) -> None:
    end = datetime.now(UTC)
    result = client.range('up{job="prometheus"}', end - timedelta(minutes=5), end, "1s")
    assert result.result_type == "matrix"
    assert len(result.result) == 1
    points = len(result.result[0]["values"])
    assert points >= 1
    assert "last=1 min=1 max=1 avg=1" in result.text
    assert f"({points} points)" in result.text
    assert result.text.startswith("1 series (range)")


def test_range_query_accepts_float_times_and_coarsens_a_too_fine_step(client: PrometheusClient) -> None:
    end = time.time()
    result = client.range("vector(1)", end - 86400, end, 1)  # 86,400 points asked: Prometheus allows 11,000
    assert 1 < len(result.result[0]["values"]) <= 2001


def test_output_is_bounded_by_series_and_characters(prometheus: PrometheusServer) -> None:
    with PrometheusClient(prometheus.url, max_series=3) as small:
        result = small.instant('{__name__=~"prometheus_.+"}')
    assert len(result.result) > 3  # the raw result is complete
    lines = result.text.splitlines()
    assert len(lines) == 1 + 3 + 1
    assert lines[-1].startswith(f"… {len(result.result) - 3} more series not shown")
    assert result.truncated
    with PrometheusClient(prometheus.url, max_series=1000, max_chars=500) as tight:
        result = tight.instant('{__name__=~"prometheus_.+"}')
    assert len(result.text) <= 500
    assert result.text.endswith("[output truncated]")


def test_empty_result_is_not_an_error(client: PrometheusClient) -> None:
    result = client.instant('kube_pod_container_status_restarts_total{namespace="nowhere"}')
    assert result.empty
    assert result.text == "no data: the query matched no series"


def test_scalar_and_string_results(client: PrometheusClient) -> None:
    assert client.instant("scalar(vector(2.5))").text == "scalar: 2.5"
    assert client.instant('"hello"').text == "string: hello"


def test_a_parse_error_is_a_clear_prometheus_error(client: PrometheusClient) -> None:
    with pytest.raises(PrometheusError) as caught:
        client.instant("rate(up[5m]")
    assert caught.value.kind == "bad_query"
    assert "rejected the query" in str(caught.value)
    assert "parse error" in str(caught.value)
    assert "Traceback" not in str(caught.value)


@pytest.mark.parametrize(("start", "end", "step"), [(10, 0, 1), (0, 10, 0), (0, 10, "fast")])
def test_bad_range_arguments(client: PrometheusClient, start: float, end: float, step: object) -> None:
    with pytest.raises(PrometheusError) as caught:
        client.range("up", start, end, step)  # type: ignore[arg-type]
    assert caught.value.kind == "bad_query"


def test_unreachable_prometheus() -> None:
    with PrometheusClient(f"http://127.0.0.1:{free_port()}", timeout_s=5) as down, \
            pytest.raises(PrometheusError) as caught:
        down.instant("up")
    assert caught.value.kind == "unreachable"
    assert "cannot reach Prometheus at http://127.0.0.1:" in str(caught.value)


def test_prometheus_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) and never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        with PrometheusClient(f"http://127.0.0.1:{port}", timeout_s=0.5) as slow, \
                pytest.raises(PrometheusError) as caught:
            slow.instant("up")
    assert caught.value.kind == "timeout"
    assert "did not answer within 0.5s" in str(caught.value)


def test_a_url_that_is_not_the_prometheus_api(prometheus: PrometheusServer) -> None:
    with PrometheusClient(prometheus.url + "/not-prometheus") as wrong, pytest.raises(PrometheusError) as caught:
        wrong.instant("up")
    assert caught.value.kind == "http"
    assert "HTTP 404" in str(caught.value)


def test_a_url_without_scheme_is_refused() -> None:
    with pytest.raises(PrometheusError) as caught:
        PrometheusClient("prometheus:9090")
    assert caught.value.kind == "config"


# -- rendering, without a server ------------------------------------------------------------------
def test_values_and_labels_are_compact() -> None:
    assert [format_value(v) for v in ("1", "0.123456", "1234567.8", "NaN", "+Inf", "x")] == [
        "1", "0.1235", "1.235e+06", "NaN", "+Inf", "x"]
    assert format_labels({"__name__": "up", "job": "a"}) == 'up{job="a"}'
    assert format_labels({"__name__": "up"}) == "up"
    assert format_labels({}) == "{}"
    text, truncated = render("matrix", [{"metric": {"a": "b"}, "values": [[1, "NaN"]]}], 5, 1000)
    assert text == '1 series (range)\n{a="b"} (1 points)'
    assert not truncated


# -- every PromQL of every runbook is valid PromQL for a real Prometheus ----------------------------
INLINE_CODE = re.compile(r"`([^`\n]+)`")
PROMQL_OPERATOR = re.compile(r" (/|==|!=|>=|<=|>|<|and|or|unless) ")


def looks_like_promql(snippet: str) -> bool:
    """An inline-code snippet of a runbook body that is a whole PromQL expression (not `rate()`, `kube_*`)."""
    if not re.search(r"[a-z]\w*_\w+", snippet) or "()" in snippet or snippet.startswith(("kubectl", "-")):
        return False
    return "(" in snippet or PROMQL_OPERATOR.search(snippet) is not None


def _runbook_queries() -> list[tuple[str, str]]:
    queries = []
    for path in sorted(Path(RUNBOOKS).glob("*.md")):
        runbook = parse_runbook(path.read_text(encoding="utf-8"), path.name)
        queries += [(f"{runbook.id}: {step.title}", step.promql) for step in runbook.diagnostics if step.promql]
        queries += [(f"{runbook.id}: body `{snippet}`", snippet)
                    for snippet in INLINE_CODE.findall(runbook.body) if looks_like_promql(snippet)]
    return queries


RUNBOOK_QUERIES = _runbook_queries()


def test_the_runbooks_have_promql() -> None:
    steps = [n for n, _ in RUNBOOK_QUERIES if n.startswith("prometheus-metrics") and "body `" not in n]
    in_body = [n for n, _ in RUNBOOK_QUERIES if n.startswith("prometheus-metrics: body")]
    assert len(steps) >= 5
    assert len(in_body) >= 10


def concrete(query: str) -> str:
    """Placeholders (`{namespace}`) become sample values; the prose elision `{...}` is dropped."""
    return PLACEHOLDER.sub(lambda m: f"sample-{m.group(1)}", query.replace("{...}", ""))


@pytest.mark.parametrize(("name", "query"), RUNBOOK_QUERIES, ids=[n for n, _ in RUNBOOK_QUERIES])
def test_runbook_promql_is_accepted_by_prometheus(client: PrometheusClient, name: str, query: str) -> None:
    runnable = concrete(query)
    assert not PLACEHOLDER.search(runnable)
    # A parse or execution error raises PrometheusError (status "error"). Only Prometheus itself is scraped,
    # so kube-state-metrics / node-exporter / cAdvisor series are absent: an empty result is fine.
    result = client.instant(runnable)
    assert result.result_type in ("vector", "scalar")


def test_a_broken_runbook_query_would_fail(client: PrometheusClient) -> None:
    with pytest.raises(PrometheusError, match="parse error"):
        client.instant(concrete("topk(10, rate(kube_pod_container_status_restarts_total{pod=\"{pod}\"}[1h])"))


# -- /tools without an LLM: the runbook engine's Prometheus ----------------------------------------
def test_tools_reports_prometheus_for_the_runbook_engine(tmp_path: Path, prometheus: PrometheusServer) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    for url, status in ((prometheus.url, "enabled"), (down, "failed")):
        with ServerThread(create_app(service_settings(tmp_path, prometheus_url=url))) as service:
            toolsets = {t["name"]: t for t in httpx.get(f"{service.url}/tools", timeout=30).json()["toolsets"]}
        entry = toolsets["prometheus/metrics"]
        assert entry["status"] == status, entry
        if status == "enabled":
            assert entry["error"] is None
            assert entry["tools"] == ["promql_instant", "promql_range"]
        else:
            assert entry["error"] == f"cannot reach Prometheus at {down}: connection refused or host unreachable"
            assert entry["tools"] == []


def test_a_missing_prometheus_binary_is_a_clear_failure(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"apt-get install -y prometheus"):
        PrometheusServer(binary=str(tmp_path / "prometheus")).start()
