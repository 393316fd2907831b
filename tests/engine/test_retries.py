"""An LLM that cannot be reached: no retries, the real cause in the error event, /health degraded, JSON logs.

litellm reports a refused connection or an unknown host as `InternalServerError` (HTTP 500); the cause is
in the exception chain. The end-to-end test points the service at a closed port on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
from pathlib import Path

import httpx
import openai
import pytest

from app.engine.retries import connection_failure, transient
from app.main import create_app
from tests.support.app import llm_settings, service_settings
from tests.support.client import first, kinds, sse_events
from tests.support.fake_llm import FakeLLM, error, text
from tests.support.prometheus import free_port
from tests.support.server import ServerThread


def chained(cause: BaseException) -> Exception:
    request = httpx.Request("POST", "http://llm.example:4000/v1/chat/completions")
    error = openai.InternalServerError("Connection error.", response=httpx.Response(500, request=request),
                                       body=None)
    connect = httpx.ConnectError(str(cause), request=request)
    connect.__cause__ = cause
    api = openai.APIConnectionError(request=request)
    api.__cause__ = connect
    error.__context__ = api
    return error


def test_an_unknown_host_is_named_and_not_retried() -> None:
    exc = chained(socket.gaierror(-2, "Name or service not known"))
    assert connection_failure(exc) == "llm.example does not resolve"
    assert not transient(exc)


def test_a_refused_connection_is_named_and_not_retried() -> None:
    exc = chained(ConnectionRefusedError(111, "Connection refused"))
    assert connection_failure(exc) == "llm.example:4000 refused the connection"
    assert not transient(exc)


def test_other_failures_keep_their_retries() -> None:
    request = httpx.Request("POST", "http://llm.example/v1")
    gateway = openai.InternalServerError("upstream: Connection refused", response=httpx.Response(502, request=request),
                                         body=None)
    assert connection_failure(gateway) is None and transient(gateway)  # answered: a 5xx like any other
    reset = chained(ConnectionResetError(104, "Connection reset by peer"))
    assert connection_failure(reset) is None and transient(reset)


def test_an_unreachable_llm_fails_fast_says_why_and_health_says_degraded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()  # nobody listens there
    settings = service_settings(tmp_path, llm_model="openai/fake-model", llm_api_base=f"http://127.0.0.1:{port}/v1",
                                llm_api_key="sk-test", llm_max_retries=5, log_format="json", log_level="info")
    with ServerThread(create_app(settings)) as server:
        assert httpx.get(f"{server.url}/health", timeout=30).json()["llm"]["status"] == "ok"
        events = sse_events(server.url, {"q": "pod keeps restarting", "mode": "llm"})
        health = httpx.get(f"{server.url}/health", timeout=30).json()
        litellm_handlers = [type(h).__name__ for h in logging.getLogger("LiteLLM").handlers]
    error = first(events, "error")
    assert error["code"] == "llm_unavailable"
    assert error["message"] == f"The LLM cannot be reached: 127.0.0.1:{port} refused the connection."
    assert kinds(events)[-1] == "done"
    assert health["status"] == "degraded"
    assert health["llm"]["status"] == "degraded"
    assert health["llm"]["error"] == {"code": "llm_unavailable", "message": error["message"]}

    out, err = capsys.readouterr()
    assert "Give Feedback" not in out and "\x1b[" not in out  # LiteLLM's banners are off
    logs = [json.loads(line) for line in err.splitlines() if line.strip()]  # every line JSON, no ANSI colours
    assert "\x1b[" not in err
    assert not [entry for entry in logs if entry["logger"] == "app.engine.retries"]  # failed at once, no retry
    assert "StreamHandler" not in litellm_handlers
    assert sys.modules["litellm"].suppress_debug_info is True


def test_the_llm_is_healthy_again_after_a_reply(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(error(401), text("**Root cause**: it works again."))
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        refused = sse_events(server.url, {"q": "pod keeps restarting", "mode": "llm"})
        degraded = httpx.get(f"{server.url}/health", timeout=30).json()
        sse_events(server.url, {"q": "pod keeps restarting", "mode": "llm"})
        healthy = httpx.get(f"{server.url}/health", timeout=30).json()
    assert first(refused, "error")["code"] == "llm_auth_failed"
    assert (degraded["status"], degraded["llm"]["status"], degraded["llm"]["error"]["code"]) == (
        "degraded", "degraded", "llm_auth_failed")
    assert (healthy["status"], healthy["llm"]["status"], healthy["llm"]["error"]) == ("ok", "ok", None)
