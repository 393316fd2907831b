"""Structured logs and /metrics, through a real uvicorn (and the scripted LLM where named)."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import events
from app.events import Event
from app.lifecycle import Lifecycle
from app.main import create_app
from app.observability import HANDLER_NAME, Metrics, configure_logging, investigation_id, observe_investigation
from tests.support.app import service_settings
from tests.support.fake_llm import FakeLLM, error, text, tool_call
from tests.support.server import ServerThread


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state: put it back after each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


# -- logs -------------------------------------------------------------------------------------------
def test_json_logs_one_object_per_line_with_extra_and_investigation_id() -> None:
    out = io.StringIO()
    configure_logging("json", "info", stream=out)
    log = logging.getLogger("app.test")
    log.info("outside")
    token = investigation_id.set("abc123")
    try:
        log.warning("inside %s", "an investigation", extra={"tool": "kubectl", "steps": 3})
    finally:
        investigation_id.reset(token)
    outside, inside = json_lines(out)
    assert list(outside)[:4] == ["time", "level", "logger", "message"]
    assert outside["level"] == "INFO" and outside["logger"] == "app.test" and outside["message"] == "outside"
    assert "investigation_id" not in outside
    assert outside["time"].endswith("+00:00")
    assert inside["message"] == "inside an investigation"
    assert inside["investigation_id"] == "abc123"
    assert inside["tool"] == "kubectl" and inside["steps"] == 3


def test_text_logs_for_local_runs() -> None:
    out = io.StringIO()
    configure_logging("text", "info", stream=out)
    token = investigation_id.set("abc123")
    try:
        logging.getLogger("app.test").info("readable")
    finally:
        investigation_id.reset(token)
    line = out.getvalue().strip()
    assert " INFO app.test: readable [investigation abc123]" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_configuring_twice_keeps_one_handler_and_replaces_basic_config() -> None:
    logging.basicConfig(force=True)
    configure_logging("json", stream=io.StringIO())
    out = io.StringIO()
    configure_logging("json", stream=out)
    root = logging.getLogger()
    assert [h.get_name() for h in root.handlers].count(HANDLER_NAME) == 1
    assert not [h for h in root.handlers if type(h) is logging.StreamHandler]
    root.setLevel(logging.INFO)
    logging.getLogger("uvicorn.access").info("GET /health")  # the server's loggers come through too
    assert json_lines(out)[-1]["logger"] == "uvicorn.access"


def test_secrets_are_masked_in_logs() -> None:
    out = io.StringIO()
    configure_logging("json", "info", stream=out)
    secret = "sk-proj-" + "a1B2c3D4" * 5
    logging.getLogger("app.test").info("calling with %s", secret, extra={"headers": {"Authorization": secret}})
    line = out.getvalue()
    assert secret not in line
    assert json.loads(line)["message"].startswith("calling with")


async def test_lines_logged_inside_the_investigation_carry_its_id() -> None:
    """The investigation runs in the guard's own task: the id must travel there with the context."""
    out = io.StringIO()
    configure_logging("json", "info", stream=out)

    async def investigation() -> AsyncIterator[Event]:
        logging.getLogger("app.engine.test").info("inside the engine")
        yield events.answer("done")
        yield events.done(1, 0)

    metrics = Metrics("test")
    stream = observe_investigation(Lifecycle(exit_requested=lambda: False).guard(investigation()), metrics,
                                   "inv-42", {"mode": "runbook"})
    assert [event.type async for event in stream] == ["answer", "done"]
    assert investigation_id.get() is None  # restored afterwards
    lines = json_lines(out)
    assert [line["message"] for line in lines] == ["investigation started", "inside the engine",
                                                   "investigation finished"]
    assert all(line["investigation_id"] == "inv-42" for line in lines)
    assert lines[-1]["outcome"] == "answered"


def test_every_line_of_a_served_investigation_carries_its_id(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    settings = service_settings(tmp_path, log_format="json", log_level="info")
    with ServerThread(create_app(settings)) as server:
        response = httpx.post(f"{server.url}/ask", data={"q": "disk full on node-2", "stream": "false"}, timeout=60)
        inv_id = response.headers["X-Investigation-Id"]
    assert response.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("investigation_id") == inv_id]
    messages = [line["message"] for line in mine]
    assert messages[0] == "investigation started" and messages[-1] == "investigation finished"
    started, finished = mine[0], mine[-1]
    assert started["question"] == "disk full on node-2" and started["mode"] == "auto"
    assert finished["outcome"] == "answered" and finished["problem_type"] == "disk_full"
    assert finished["duration_ms"] >= 0 and finished["tool_calls"] >= 0
    assert {"service started"} <= {line["message"] for line in lines}


# -- metrics ----------------------------------------------------------------------------------------
def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"{url}/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_template_method_and_status(service: str) -> None:
    httpx.get(f"{service}/health", timeout=30)
    httpx.get(f"{service}/runbooks/disk-full", timeout=30)
    httpx.get(f"{service}/runbooks/no-such-runbook", timeout=30)
    httpx.get(f"{service}/nowhere/at/all", timeout=30)
    samples = scrape(service)
    assert value(samples, "copilot_http_requests_total", route="/health", method="GET", status="200") == 1
    assert value(samples, "copilot_http_requests_total", route="/runbooks/{runbook_id}", method="GET",
                 status="200") == 1
    assert value(samples, "copilot_http_requests_total", route="/runbooks/{runbook_id}", method="GET",
                 status="404") == 1
    assert value(samples, "copilot_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert value(samples, "copilot_http_request_duration_seconds_count", route="/health", method="GET") == 1
    assert value(samples, "copilot_runbooks_loaded") >= 10
    assert value(samples, "copilot_build_info", version=httpx.get(f"{service}/health").json()["version"]) == 1
    assert not any(labels and dict(labels).get("route") == "/nowhere/at/all" for _, labels in samples)


def test_investigations_without_llm(service: str) -> None:
    doc = httpx.post(f"{service}/ask", json={"q": "disk full on node-2", "stream": False}, timeout=60).json()
    with httpx.stream("GET", f"{service}/ask", params={"q": "port already in use"}, timeout=60) as response:
        "".join(response.iter_text())
    samples = scrape(service)
    assert value(samples, "copilot_investigations_total", problem_type="disk_full", outcome="answered") == 1
    assert value(samples, "copilot_investigations_total", problem_type="port_conflict", outcome="answered") == 1
    assert value(samples, "copilot_investigation_duration_seconds_count", outcome="answered") == 2
    assert value(samples, "copilot_investigation_first_event_seconds_count") == 2
    assert value(samples, "copilot_investigations_in_progress") == 0
    statuses = [call["status"] for call in doc["tool_calls"]]
    counted = sum(v for (name, _), v in samples.items() if name == "copilot_tool_calls_total")
    assert counted >= len(statuses)
    assert value(samples, "copilot_http_requests_total", route="/ask", method="POST", status="200") == 1
    assert value(samples, "copilot_http_requests_total", route="/ask", method="GET", status="200") == 1


def test_llm_tool_calls_and_tokens(llm_service: str, fake_llm: FakeLLM) -> None:
    fake_llm.classify = lambda _q: "pod_crash"
    fake_llm.script(tool_call("kubectl", {"verb": "get", "kind": "pods", "namespace": "shop"}),
                    text("the config is wrong"))
    doc = httpx.post(f"{llm_service}/ask", json={"q": "Pod 一直在重启", "stream": False, "mode": "llm"},
                     timeout=120).json()
    samples = scrape(llm_service)
    assert value(samples, "copilot_investigations_total", problem_type="pod_crash", outcome="answered") == 1
    assert value(samples, "copilot_tool_calls_total", tool="kubectl", status="success") == 1
    usage = doc["usage"]
    assert usage["prompt_tokens"] > 0
    assert value(samples, "copilot_llm_tokens_total", kind="prompt") == usage["prompt_tokens"]
    assert value(samples, "copilot_llm_tokens_total", kind="completion") == usage["completion_tokens"]
    assert value(samples, "copilot_llm_calls_total") == usage["llm_calls"] == 2


def test_a_failed_llm_investigation_counts_as_error(llm_service: str, fake_llm: FakeLLM) -> None:
    fake_llm.classify = lambda _q: "pod_crash"
    fake_llm.script(*[error(500) for _ in range(10)])
    doc = httpx.post(f"{llm_service}/ask", json={"q": "pod keeps restarting", "stream": False, "mode": "llm"},
                     timeout=120).json()
    assert doc["answer"] is None and doc["errors"]
    samples = scrape(llm_service)
    assert value(samples, "copilot_investigations_total", problem_type="pod_crash", outcome="error") == 1
    assert value(samples, "copilot_investigation_duration_seconds_count", outcome="error") == 1


def test_a_client_that_leaves_counts_as_cancelled(llm_service: str, fake_llm: FakeLLM) -> None:
    fake_llm.script(text("too late", delay_s=5))
    with httpx.Client(timeout=60) as client, client.stream(
        "GET", f"{llm_service}/ask", params={"q": "why is checkout down", "format": "sse", "mode": "llm"}
    ) as response:
        for line in response.iter_lines():
            if line == "event: runbooks":
                break  # the user hits Ctrl-C
    deadline = time.monotonic() + 60
    while True:
        samples = scrape(llm_service)
        cancelled = sum(v for (name, labels), v in samples.items()
                        if name == "copilot_investigations_total" and ("outcome", "cancelled") in labels)
        if cancelled == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert cancelled == 1
    assert value(samples, "copilot_investigations_in_progress") == 0


def test_each_app_has_its_own_registry(tmp_path: Path) -> None:
    with ServerThread(create_app(service_settings(tmp_path / "a"))) as first, \
            ServerThread(create_app(service_settings(tmp_path / "b"))) as second:
        for _ in range(3):
            httpx.get(f"{first.url}/health", timeout=30)
        httpx.get(f"{second.url}/health", timeout=30)
        assert value(scrape(first.url), "copilot_http_requests_total", route="/health", method="GET",
                     status="200") == 3
        assert value(scrape(second.url), "copilot_http_requests_total", route="/health", method="GET",
                     status="200") == 1
