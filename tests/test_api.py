"""The HTTP surface, end to end through a real uvicorn, the demo snapshot and (where named) the scripted LLM."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import get_version
from app.main import create_app
from tests.support.app import ROOT, llm_settings, service_settings
from tests.support.client import first, kinds, sse_events
from tests.support.fake_llm import FakeLLM, error, text, tool_call
from tests.support.server import ServerThread


# -- no LLM ---------------------------------------------------------------------------------------
def test_health_reports_version_llm_and_cluster(service: str) -> None:
    body = httpx.get(f"{service}/health", timeout=30).json()
    assert body["status"] == "ok"
    assert body["version"] == (ROOT / "VERSION").read_text().strip() == get_version()
    assert body["llm"]["configured"] is False
    assert body["cluster"]["reachable"] is True
    assert body["cluster"]["source"] == "snapshot"
    assert body["cluster"]["server_version"].startswith("v1.")


def test_ask_post_form_streams_plain_text_ending_in_done(service: str) -> None:
    # Exactly what `curl -N -X POST localhost:8000/ask -d "q=Pod 一直在重启"` sends.
    with httpx.stream("POST", f"{service}/ask", data={"q": "Pod 一直在重启"}, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        body = "".join(response.iter_text())
    assert "problem type: pod_crash" in body
    assert "by rules" in body
    assert "crashloop-backoff" in body
    assert "══ answer ══" in body
    assert body.rstrip().splitlines()[-1].startswith("■ done in")


def test_ask_get_sse_without_llm_uses_runbooks(service: str) -> None:
    events = sse_events(service, {"q": "check cluster health"})
    names = kinds(events)
    assert names[0] == "classification"
    assert first(events, "classification") == {
        "problem_type": "cluster_health", "confidence": pytest.approx(first(events, "classification")["confidence"]),
        "method": "rules",
    }
    assert names[1] == "runbooks"
    assert "answer" in names
    assert names[-1] == "done"
    assert "error" not in names


def test_stream_false_returns_one_json_document(service: str) -> None:
    response = httpx.post(f"{service}/ask", json={"q": "disk full on node-2", "stream": False}, timeout=60)
    assert response.status_code == 200
    doc = response.json()
    assert doc["question"] == "disk full on node-2"
    assert doc["classification"]["problem_type"] == "disk_full"
    assert "disk-full" in doc["runbooks"]
    assert doc["answer"]
    assert doc["done"]["elapsed_ms"] >= 0
    assert doc["errors"] == []


def test_question_in_the_path(service: str) -> None:
    response = httpx.get(f"{service}/q/port already in use", params={"stream": "false"}, timeout=60)
    assert response.status_code == 200
    assert response.json()["classification"]["problem_type"] == "port_conflict"


@pytest.mark.parametrize(
    ("method", "kwargs", "status", "code"),
    [
        ("GET", {"params": {}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "   "}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "x" * 4001}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "hi", "max_steps": "0"}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "hi", "max_steps": "101"}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "hi", "max_steps": "many"}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "hi", "format": "xml"}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "hi", "mode": "yolo"}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "hi", "stream": "perhaps"}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "hi", "namespace": "Bad_NS"}}, 422, "invalid_parameter"),
        ("GET", {"params": {"q": "hi", "mode": "llm"}}, 400, "llm_not_configured"),
        ("POST", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "invalid_json"),
        ("POST", {"json": ["q", "hi"]}, 400, "invalid_json"),
        ("POST", {"json": {"q": 42}}, 422, "invalid_parameter"),
        ("POST", {"content": b"q=hi", "headers": {"content-type": "text/csv"}}, 400, "unsupported_media_type"),
    ],
)
def test_bad_input_gets_a_clear_4xx(service: str, method: str, kwargs: dict, status: int, code: str) -> None:
    response = httpx.request(method, f"{service}/ask", timeout=30, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert "Traceback" not in response.text


def test_unknown_paths_and_runbook_traversal_are_json_404s(service: str) -> None:
    for path in ("/nope", "/runbooks/..%2F..%2Fetc%2Fpasswd", "/runbooks/does-not-exist"):
        response = httpx.get(f"{service}{path}", timeout=30)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_runbooks_listing_and_full_text(service: str) -> None:
    listing = httpx.get(f"{service}/runbooks", timeout=30).json()
    ids = {r["id"] for r in listing["runbooks"]}
    assert {"disk-full", "crashloop-backoff", "port-conflict", "prometheus-metrics",
            "helm-observability-install"} <= ids
    assert listing["errors"] == []
    one = httpx.get(f"{service}/runbooks/crashloop-backoff", timeout=30).json()
    assert one["source"] == "crashloop-backoff.md"
    assert "pod_crash" in one["problem_types"]
    assert len(one["body"]) > 500


def test_tools_without_llm(service: str) -> None:
    toolsets = {t["name"]: t for t in httpx.get(f"{service}/tools", timeout=30).json()["toolsets"]}
    assert toolsets["kubernetes"]["status"] == "enabled"
    assert "kubectl" in toolsets["kubernetes"]["tools"]
    assert toolsets["llm-engine"]["status"] == "disabled"
    assert toolsets["prometheus/metrics"]["error"] == "PROMETHEUS_URL is not set"


def test_mcp_status_reports_an_unreachable_server_without_failing(tmp_path: Path) -> None:
    servers = {"elasticsearch": {"config": {"url": "http://127.0.0.1:9/sse", "mode": "sse"}, "enabled": True},
               "off": {"config": {"url": "http://127.0.0.1:9/mcp", "mode": "streamable-http"}, "enabled": False}}
    with ServerThread(create_app(service_settings(tmp_path, mcp_servers=servers))) as server:
        assert httpx.get(f"{server.url}/health", timeout=30).status_code == 200
        body = httpx.get(f"{server.url}/api/v1/mcp/status", timeout=30).json()
    status = {s["name"]: s for s in body["servers"]}
    assert status["elasticsearch"]["connected"] is False
    assert status["elasticsearch"]["mode"] == "sse"
    assert status["elasticsearch"]["last_error"]
    assert status["off"]["enabled"] is False
    assert status["off"]["tool_count"] == 0


# -- with the scripted LLM ------------------------------------------------------------------------
def _script_investigation(fake: FakeLLM) -> None:
    fake.classify = lambda q: "pod_crash"
    fake.script(
        tool_call("kubectl", {"verb": "get", "kind": "pods", "namespace": "shop"}),
        text("**Root cause**: the container panics on start (missing DATABASE_URL)."),
    )


def test_llm_investigation_over_sse_runs_a_real_kubectl(llm_service: str, fake_llm: FakeLLM) -> None:
    _script_investigation(fake_llm)
    events = sse_events(llm_service, {"q": "Pod 一直在重启"})
    names = kinds(events)
    assert names[:2] == ["classification", "runbooks"]
    assert first(events, "classification")["method"] == "dspy"
    assert first(events, "classification")["problem_type"] == "pod_crash"
    call = first(events, "tool_call")
    assert call["tool"] == "kubectl"
    assert call["args"] == {"verb": "get", "kind": "pods", "namespace": "shop", "command": "kubectl get pods -n shop"}
    result = first(events, "tool_result")
    assert result["id"] == call["id"]
    assert result["status"] == "success"
    assert "CrashLoopBackOff" in result["summary"]  # the demo snapshot, through the real kubectl
    assert "missing DATABASE_URL" in first(events, "answer")["text"]
    usage = first(events, "usage")
    assert usage["llm_calls"] == 2
    assert usage["prompt_tokens"] > 0
    assert names[-1] == "done"
    assert first(events, "done")["steps"] == 2
    # The model saw our focused prompt and runbook, and then the real kubectl output.
    first_request, second_request = fake_llm.investigation_requests
    system = first_request["messages"][0]["content"]
    assert '<runbook id="crashloop-backoff">' in system
    assert second_request["messages"][-1]["role"] == "tool"
    assert "CrashLoopBackOff" in second_request["messages"][-1]["content"]
    assert {t["function"]["name"] for t in first_request["tools"]} == {"kubectl", "kubectl_action"}


def test_llm_investigation_as_plain_text(llm_service: str, fake_llm: FakeLLM) -> None:
    _script_investigation(fake_llm)
    with httpx.stream("POST", f"{llm_service}/ask", data={"q": "Pod 一直在重启"}, timeout=120) as response:
        body = "".join(response.iter_text())
    assert "by dspy" in body
    assert "$ [kubectl] kubectl get pods -n shop" in body
    assert "missing DATABASE_URL" in body
    assert "2 LLM call(s)" in body
    assert "■ done" in body


def test_the_engine_refuses_secrets_and_mutations(llm_service: str, fake_llm: FakeLLM) -> None:
    fake_llm.script(
        tool_call("kubectl", {"verb": "get", "kind": "secret", "all_namespaces": True, "output": "yaml"}),
        tool_call("kubectl_action", {"action": "delete_pod", "name": "web-0", "namespace": "shop"}),
        text("done"),
    )
    events = sse_events(llm_service, {"q": "show me everything", "mode": "llm"})
    results = [data for kind, data in events if kind == "tool_result"]
    assert [r["status"] for r in results] == ["error", "approval_required"]
    assert "Secrets are never read" in results[0]["summary"]
    assert "changes the cluster" in results[1]["summary"]
    assert kinds(events)[-2:] == ["approval_required", "done"]  # the delete waits for a human


@pytest.mark.parametrize("mode", ["llm", "auto"])
def test_llm_500_gives_an_error_event_and_still_done(tmp_path: Path, fake_llm: FakeLLM, mode: str) -> None:
    fake_llm.classify_status = 500
    fake_llm.script(*[error(500) for _ in range(10)])
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        events = sse_events(server.url, {"q": "pod keeps restarting", "mode": mode})
    names = kinds(events)
    assert first(events, "classification")["method"] == "rules"  # the classifier fell back
    assert first(events, "error")["code"] == "llm_unavailable"
    assert names[-1] == "done"
    if mode == "auto":  # auto mode still answers, from the runbooks
        assert "answer" in names[names.index("error"):]
    else:
        assert "answer" not in names


def test_llm_timeout_gives_an_error_event_and_still_done(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(*[error(200, delay_s=4) for _ in range(6)])
    settings = llm_settings(tmp_path, fake_llm, llm_timeout_s=1, classifier_timeout_s=1)
    fake_llm.classify_delay_s = 3
    with ServerThread(create_app(settings)) as server:
        events = sse_events(server.url, {"q": "pod keeps restarting", "mode": "llm"})
    assert first(events, "classification")["method"] == "rules"
    assert first(events, "error")["code"] == "llm_timeout"
    assert kinds(events)[-1] == "done"


def test_client_disconnect_stops_the_engine(llm_service: str, fake_llm: FakeLLM) -> None:
    fake_llm.script(
        tool_call("kubectl", {"verb": "get", "kind": "pods", "all_namespaces": True}),
        *[tool_call("kubectl", {"verb": "get", "kind": "nodes"}, delay_s=1.0) for _ in range(8)],
    )
    seen = []
    with httpx.Client(timeout=60) as client, client.stream(
        "GET", f"{llm_service}/ask", params={"q": "why is checkout down", "format": "sse", "max_steps": 10}
    ) as response:
        for line in response.iter_lines():
            seen.append(line)
            if line == "event: tool_result":
                break  # the user hits Ctrl-C
    time.sleep(4)
    settled = len(fake_llm.investigation_requests)
    time.sleep(2.5)
    assert len(fake_llm.investigation_requests) == settled  # nothing more is asked of the LLM
    assert settled < 6  # and it stopped well before the script (10 steps) ran out


def test_concurrent_streams_are_independent(llm_service: str, fake_llm: FakeLLM) -> None:
    fake_llm.script(text("answer one"), text("answer two"))
    results: list[list[tuple[str, dict]]] = []

    def run(q: str) -> None:
        results.append(sse_events(llm_service, {"q": q, "mode": "llm"}))

    threads = [threading.Thread(target=run, args=(q,)) for q in ("first question", "second question")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    answers = sorted(first(r, "answer")["text"] for r in results)
    assert answers == ["answer one", "answer two"]
    assert all(kinds(r)[-1] == "done" for r in results)


def test_openapi_documents_ask(service: str) -> None:
    spec = httpx.get(f"{service}/openapi.json", timeout=30).json()
    assert {"get", "post"} <= set(spec["paths"]["/ask"])
    post = spec["paths"]["/ask"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(post)
    assert json.dumps(spec)  # serialisable


def test_raw_utf8_form_body_as_curl_sends_it(service: str) -> None:
    # curl -d does not percent-encode: the body is raw UTF-8 bytes.
    body = "q=Pod 一直在重启&stream=false".encode()
    response = httpx.post(f"{service}/ask", content=body, timeout=60,
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.json()["question"] == "Pod 一直在重启"
    assert response.json()["classification"]["problem_type"] == "pod_crash"
    bad = httpx.post(f"{service}/ask", content=b"q=\xff\xfe", timeout=30,
                     headers={"content-type": "application/x-www-form-urlencoded"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_encoding"


# -- LLM retries: counted at the scripted LLM -----------------------------------------------------------
def _retry_service(tmp_path: Path, fake: FakeLLM, **overrides: object) -> ServerThread:
    fake.classify = lambda _q: "pod_crash"
    return ServerThread(create_app(llm_settings(tmp_path, fake, rate_limit_per_minute=0, **overrides)))


def test_transient_llm_failures_are_retried(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(error(500), error(503), text("**Root cause**: found it after two retries."))
    with _retry_service(tmp_path, fake_llm) as server:  # llm_max_retries defaults to 2
        events = sse_events(server.url, {"q": "pod keeps restarting", "mode": "llm"})
    assert "found it after two retries" in first(events, "answer")["text"]
    assert "error" not in kinds(events)
    assert len(fake_llm.investigation_requests) == 3  # two failures and the success, nothing else


def test_retries_are_bounded(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(error(500), error(500), error(500), text("never reached"))
    with _retry_service(tmp_path, fake_llm, llm_max_retries=2) as server:
        events = sse_events(server.url, {"q": "pod keeps restarting", "mode": "llm"})
    assert first(events, "error")["code"] == "llm_unavailable"
    assert "after 3 attempts" in first(events, "error")["message"]
    assert "answer" not in kinds(events)
    assert kinds(events)[-1] == "done"
    assert len(fake_llm.investigation_requests) == 3  # N+1 requests, then the error


def test_a_rate_limited_llm_is_retried_and_no_retries_means_one_request(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(error(429), text("answered after a 429"))
    with _retry_service(tmp_path, fake_llm, llm_max_retries=1) as server:
        events = sse_events(server.url, {"q": "pod keeps restarting", "mode": "llm"})
        assert first(events, "answer")["text"] == "answered after a 429"
        assert len(fake_llm.investigation_requests) == 2
    fake_llm.reset()
    fake_llm.script(error(500), text("not asked for"))
    with _retry_service(tmp_path, fake_llm, llm_max_retries=0) as server:
        events = sse_events(server.url, {"q": "pod keeps restarting", "mode": "llm"})
    assert first(events, "error")["code"] == "llm_unavailable"
    assert len(fake_llm.investigation_requests) == 1


def test_a_refused_request_is_not_retried(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(error(400), text("not asked for"))
    with _retry_service(tmp_path, fake_llm, llm_max_retries=3) as server:
        events = sse_events(server.url, {"q": "pod keeps restarting", "mode": "auto"})
    assert first(events, "error")["code"] == "llm_bad_request"
    assert len(fake_llm.investigation_requests) == 1
    assert "answer" in kinds(events)  # auto mode: the no-LLM investigation answers instead
    assert kinds(events)[-1] == "done"


# -- bounded tool output ---------------------------------------------------------------------------------
def test_oversized_tool_output_is_truncated_with_a_marker(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(tool_call("kubectl", {"verb": "get", "kind": "pods", "all_namespaces": True, "output": "json"}),
                    text("Looked at it."))
    settings = llm_settings(tmp_path, fake_llm, tool_output_max_chars=1000)
    with ServerThread(create_app(settings)) as server:
        events = sse_events(server.url, {"q": "list every pod", "mode": "llm"})
    result = first(events, "tool_result")
    assert result["status"] == "success"
    assert result["truncated"] is True
    # What the model got: head and tail of the JSON around the marker, within the budget (plus the frame).
    tool_message = fake_llm.investigation_requests[1]["messages"][-1]
    assert tool_message["role"] == "tool"
    assert "[truncated " in tool_message["content"] and " characters]" in tool_message["content"]
    body = tool_message["content"].split("\n", 1)[1].rsplit("\n", 1)[0]  # inside the <tool-output> frame
    assert len(body) < 1400
    assert first(events, "answer")["text"] == "Looked at it."


# -- a failure nobody mapped ----------------------------------------------------------------------------------
def test_an_unexpected_failure_mid_stream_still_ends_with_error_and_done(tmp_path: Path) -> None:
    from app import events as make

    async def broken(_request: object) -> Any:
        yield make.classification("general", 0.5, "rules")
        raise RuntimeError("a bug somewhere deep down")

    app = create_app(service_settings(tmp_path))
    with ServerThread(app) as server:
        app.state.services.investigator.run = broken
        events = sse_events(server.url, {"q": "anything"})
        with httpx.stream("GET", f"{server.url}/ask", params={"q": "anything"}, timeout=30) as response:
            body = "".join(response.iter_text())
        doc = httpx.get(f"{server.url}/ask", params={"q": "anything", "stream": "false"}, timeout=30).json()
    assert kinds(events) == ["classification", "error", "done"]
    assert first(events, "error") == {"code": "internal_error",
                                      "message": "internal error; the service log has the details"}
    assert "✗ error [internal_error]" in body and body.rstrip().splitlines()[-1].startswith("■ done")
    assert doc["errors"][0]["code"] == "internal_error" and doc["done"] is not None
    for text_ in (json.dumps(events), body, json.dumps(doc)):
        assert "a bug somewhere" not in text_ and "Traceback" not in text_


def test_the_json_document_and_the_header_carry_the_investigation_id(service: str) -> None:
    response = httpx.get(f"{service}/ask", params={"q": "disk full", "stream": "false"}, timeout=60)
    assert response.json()["investigation_id"] == response.headers["x-investigation-id"]
