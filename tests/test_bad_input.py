"""Bad input, through a real uvicorn: never a 5xx, every error the JSON error document, never a traceback.

Two parts. Schemathesis generates requests from the OpenAPI spec (valid and invalid ones, a bounded and
deterministic number per operation) and checks each answer: no server error, and status code, content type
and body as the spec documents them. Then a hand corpus of hostile input: invalid UTF-8, huge and deeply
nested bodies, injection text, NUL bytes, CRLF, path traversal, unknown methods, lying Content-Types.
"""

from __future__ import annotations

import collections
import functools
import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from tests.support.app import service_settings
from tests.support.server import ServerThread

MAX_EXAMPLES = 30
CASES_RUN: collections.Counter[str] = collections.Counter()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


@functools.cache
def spec() -> dict[str, Any]:
    """The service's OpenAPI document, built when first needed (at collection of this module, not import)."""
    return create_app().openapi()


def generated_cases() -> list[tuple[str, GenerationMode]]:
    """Positive cases for every operation; negative ones for operations with a query or a body (a free-form
    path segment is a string whatever it holds)."""
    operations = sorted(f"{method.upper()} {path}" for path, ops in spec()["paths"].items() for method in ops)
    takes_input = {f"{method.upper()} {path}" for path, ops in spec()["paths"].items()
                   for method, op in ops.items()
                   if op.get("requestBody") or any(p["in"] != "path" for p in op.get("parameters", []))}
    return [(label, GenerationMode.POSITIVE) for label in operations] + [
        (label, GenerationMode.NEGATIVE) for label in operations if label in takes_input]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if {"label", "mode"} <= set(metafunc.fixturenames) and metafunc.function.__name__.startswith("test_generated"):
        cases = generated_cases()
        metafunc.parametrize(("label", "mode"), cases, ids=[f"{label} {mode}" for label, mode in cases])


@pytest.fixture(scope="module")
def schema() -> Any:
    loaded = schemathesis.openapi.from_dict(spec())
    # A body above max_body_bytes is refused with 413 before it is parsed: for invalid data, a rejection like any
    # other (generated Alertmanager payloads can be that large).
    loaded.config.checks.negative_data_rejection.expected_statuses.append("413")
    return loaded


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One service for the module: no LLM (investigations are runbook ones), limits out of the way."""
    settings_ = service_settings(tmp_path_factory.mktemp("bad-input"), rate_limit_per_minute=0,
                                 max_concurrent_investigations=0)
    with ServerThread(create_app(settings_)) as running:
        yield running.url
    if CASES_RUN:  # shown with `pytest -s`
        print(f"\nschemathesis: {sum(CASES_RUN.values())} cases: {dict(sorted(CASES_RUN.items()))}")


# -- schemathesis -----------------------------------------------------------------------------------
def test_the_spec_lists_every_operation(schema: Any) -> None:
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert operations == {label for label, _ in generated_cases()}
    assert {"GET /ask", "POST /ask", "GET /q/{question}", "GET /runbooks/{runbook_id}",
            "POST /approvals/{approval_id}", "GET /investigations", "GET /investigations/{investigation_id}",
            "GET /investigations/{investigation_id}/events"} <= operations


@pytest.mark.slow
def test_generated_requests_get_documented_answers(server: str, schema: Any, label: str,
                                                   mode: GenerationMode) -> None:
    operation = schema.find_operation_by_label(label)
    assert operation is not None

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        CASES_RUN[f"{label} {mode}"] += 1
        response = case.call_and_validate(base_url=server, checks=CHECKS, timeout=60)
        assert "Traceback" not in response.text

    run()
    assert CASES_RUN[f"{label} {mode}"] > 0


# -- the hand corpus --------------------------------------------------------------------------------
def assert_clean(response: httpx.Response) -> None:
    """No 5xx; a 4xx is the JSON error document; no traceback anywhere."""
    assert response.status_code < 500, response.text[:500]
    assert "Traceback" not in response.text and 'File "' not in response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/json"), response.text[:200]
        error = response.json()["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]


def nested(depth: int) -> bytes:
    return b'{"q": ' + b"[" * depth + b"]" * depth + b"}"


FORM = {"content-type": "application/x-www-form-urlencoded"}
JSON_CT = {"content-type": "application/json"}
BODIES: list[tuple[str, bytes, dict[str, str], int]] = [
    ("invalid UTF-8 form", b"q=\xff\xfe\xfd", FORM, 400),
    ("invalid UTF-8 JSON", b'{"q": "\xff\xfe"}', JSON_CT, 400),
    ("lone surrogate JSON", b'{"q": "\\ud800 pod"}', JSON_CT, 400),
    ("JSON nested 10k deep", nested(10_000), JSON_CT, 400),
    ("JSON array nested 10k deep", b"[" * 10_000 + b"]" * 10_000, JSON_CT, 400),
    ("5000-digit integer", b'{"q": "x", "max_steps": ' + b"9" * 5000 + b"}", JSON_CT, 400),
    ("huge float", b'{"q": "x", "max_steps": 1e400}', JSON_CT, 422),
    ("q a number", b'{"q": 42}', JSON_CT, 422),
    ("q a list", b'{"q": ["a"]}', JSON_CT, 422),
    ("q an object", b'{"q": {"a": 1}}', JSON_CT, 422),
    ("q null", b'{"q": null}', JSON_CT, 422),
    ("max_steps a string", b'{"q": "x", "max_steps": "many"}', JSON_CT, 422),
    ("max_steps negative", b'{"q": "x", "max_steps": -1}', JSON_CT, 422),
    ("stream not a bool", b'{"q": "x", "stream": "perhaps"}', JSON_CT, 422),
    ("4 KiB namespace", json.dumps({"q": "x", "namespace": "a" * 4096}).encode(), JSON_CT, 422),
    ("NUL in namespace", b'{"q": "x", "namespace": "ns\\u0000"}', JSON_CT, 422),
    ("JSON sent as a form", b'{"q": "pods"}', FORM, 422),
    ("a form sent as JSON", b"q=pods", JSON_CT, 400),
    ("multipart without a boundary", b"q=pods", {"content-type": "multipart/form-data"}, 400),
    ("garbage multipart", b"--x\r\nnonsense\r\n--x--\r\n", {"content-type": "multipart/form-data; boundary=x"}, 400),
    ("text/plain", b"q=pods", {"content-type": "text/plain"}, 400),
    ("no body, no type", b"", {}, 422),
    ("empty JSON body", b"", JSON_CT, 422),
    ("empty form", b"", FORM, 422),
    ("JSON null", b"null", JSON_CT, 400),
    ("1 MiB body", b"q=" + b"a" * (1 << 20), FORM, 413),
    ("10 MiB body", b"q=" + b"a" * (10 << 20), FORM, 413),
]


@pytest.mark.parametrize(("body", "headers", "status"), [b[1:] for b in BODIES], ids=[b[0] for b in BODIES])
def test_hostile_bodies(server: str, body: bytes, headers: dict[str, str], status: int) -> None:
    response = httpx.post(f"{server}/ask", content=body, headers=headers, timeout=60)
    assert_clean(response)
    assert response.status_code == status, response.text[:300]


def test_a_chunked_body_without_length_is_cut_at_the_limit(server: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"q="
        for _ in range(64):
            yield b"a" * 16384

    response = httpx.post(f"{server}/ask", content=chunks(), headers=FORM, timeout=60)
    assert_clean(response)
    assert response.status_code == 413


INJECTIONS = ["; rm -rf /", "$(id)", "`id`", "{{7*7}}", "${jndi:ldap://127.0.0.1/x}", "<script>alert(1)</script>",
              "' OR 1=1 --", "pod web-0 | cat /etc/passwd", "pod a\x00b crashing", "../../etc/passwd",
              "pod x && kubectl delete ns prod"]


@pytest.mark.parametrize("question", INJECTIONS)
def test_injection_text_is_just_a_question(server: str, question: str) -> None:
    response = httpx.post(f"{server}/ask", json={"q": question, "stream": False}, timeout=60)
    assert_clean(response)
    assert response.status_code == 200
    doc = response.json()
    assert doc["done"] is not None and doc["errors"] == []
    commands = [str(call["args"].get("command", "")) for call in doc["tool_calls"]]
    for marker in ("rm -rf", "$(", "`", "{{", "<script", "jndi", "/etc/passwd", "delete", "\x00"):
        assert not any(marker in command for command in commands), (marker, commands)


QUERIES = [
    ("/ask", {"q": "hi", "format": "sse\r\nX-Injected: 1"}, 422),
    ("/ask", {"q": "hi\r\nSet-Cookie: a=1", "stream": "false"}, 200),
    ("/ask", {"q": "hi", "namespace": "a" * 4096}, 422),
    ("/ask", {"q": "hi", "namespace": "ns\x00"}, 422),
    ("/ask", {"q": "hi", "max_steps": "1" * 5000}, 422),
    ("/ask", {"q": "hi", "mode": "llm"}, 400),
    ("/investigations", {"limit": "0"}, 422),
    ("/investigations", {"limit": "-5"}, 422),
    ("/investigations", {"before": "../../etc/passwd"}, 404),
    ("/investigations", {"outcome": "pwned"}, 422),
    ("/investigations", {"problem_type": "x" * 4096}, 422),
]


@pytest.mark.parametrize(("path", "params", "status"), QUERIES)
def test_hostile_query_parameters(server: str, path: str, params: dict[str, str], status: int) -> None:
    response = httpx.get(f"{server}{path}", params=params, timeout=60)
    assert_clean(response)
    assert response.status_code == status, response.text[:300]
    assert "x-injected" not in response.headers and "set-cookie" not in response.headers


PATHS = [
    ("GET", "/runbooks/..%2f..%2fetc%2fpasswd"), ("GET", "/runbooks/%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
    ("GET", "/runbooks/..%252f..%252fetc%252fpasswd"), ("GET", "/runbooks/....//....//etc/passwd"),
    ("GET", "/runbooks/%2e%2e"), ("GET", "/runbooks/crashloop-backoff%00.md"), ("GET", "/runbooks/" + "a" * 4096),
    ("GET", "/approvals/..%2f..%2fetc%2fpasswd"), ("GET", "/approvals/apr-x%0d%0aX-Injected:%201"),
    ("POST", "/approvals/..%2f..%2fapprovals.db"), ("GET", "/approvals/%00"),
    ("GET", "/investigations/..%2f..%2fetc%2fpasswd"), ("GET", "/investigations/%2e%2e/events"),
    ("GET", "/investigations/0123456789abcdef"), ("GET", "/investigations/0123456789abcdef/events"),
    ("GET", "/investigations/' OR 1=1 --"), ("GET", "/static/../../etc/passwd"), ("GET", "/%00"),
    ("GET", "/q/" + "x" * 9000), ("GET", "/docs/../openapi.json/../../etc/passwd"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_hostile_paths(server: str, method: str, path: str) -> None:
    response = httpx.request(method, f"{server}{path}", timeout=60)
    assert_clean(response)
    assert 400 <= response.status_code < 500
    assert "x-injected" not in response.headers
    assert "root:" not in response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO"])
def test_unknown_methods(server: str, method: str) -> None:
    response = httpx.request(method, f"{server}/ask", timeout=30)
    assert_clean(response)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_bad_last_event_id_header(server: str) -> None:
    for value in ("abc", "-1", "1e9", "9" * 40):
        response = httpx.get(f"{server}/investigations/0123456789abcdef/events",
                             headers={"Last-Event-ID": value}, timeout=30)
        assert_clean(response)
        assert response.status_code in (404, 422)


def raw_request(base_url: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (httpx would encode them): the status and the body."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize(("target", "status"), [
    (b"/ask?q=%FF%FE%00&stream=false", 400),  # percent-escaped bytes that are not UTF-8
    (b"/ask?q=%D4%DA%CF%DF&stream=false", 400),  # a GBK-encoded question
    (b"/q/%ED%A0%80?stream=false", 400),  # an encoded surrogate
    (b"/ask?q=%E4%B8%80%00&stream=false", 200),  # percent-escaped UTF-8 (and a NUL): just text
    (b"/ask?q=\xff\xfe&stream=false", 400),  # raw bytes: uvicorn refuses the request line itself
    (b"/runbooks/\xc0\xae\xc0\xae", 400),
])
def test_invalid_utf8_in_the_request_line(server: str, target: bytes, status: int) -> None:
    got, body = raw_request(server, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert got == status
    assert b"Traceback" not in body
    if status == 200:
        doc = json.loads(body)
        assert doc["question"] == "一\x00" and doc["done"] is not None
    elif target.count(b"%") > 1:
        assert json.loads(body)["error"]["code"] == "invalid_encoding"


def test_the_service_still_answers_after_all_that(server: str) -> None:
    assert httpx.get(f"{server}/health", timeout=30).json()["status"] == "ok"
