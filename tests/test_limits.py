"""Request limits: body size (413), per-client rate and the concurrency cap (429 + Retry-After).

The token bucket and the middleware on their own (a fake clock, hand-made ASGI scopes: no sleeping), then
through a real uvicorn, with the scripted LLM holding investigations open where a test needs them running.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from app.limits import LimitsConfig, RateLimiter, RequestLimits, Slots, starts_investigation
from app.main import create_app
from app.settings import Settings
from tests.support.app import llm_settings, service_settings
from tests.support.fake_llm import FakeLLM, text
from tests.support.server import ServerThread
from tests.test_lifecycle import wait_for

RUNBOOK_ASK = {"q": "check cluster health", "mode": "runbook", "stream": "false"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the parts ----------------------------------------------------------------------------------------
def test_the_bucket_allows_a_burst_then_the_steady_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)  # one token a second
    assert limiter.take("b") == 0.0  # another client has its own bucket
    clock.now += 0.5
    assert limiter.take("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.take("a") == 0.0
    clock.now += 3600
    assert [limiter.take("a") for _ in range(4)][-1] > 0  # refilled to the burst, never beyond


def test_full_buckets_are_forgotten_when_there_are_many(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.limits._MAX_TRACKED_CLIENTS", 10)
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=5, clock=clock)
    for i in range(10):
        limiter.take(f"client-{i}")
    clock.now += 60  # all of them refilled
    limiter.take("one-more")
    assert len(limiter._buckets) == 1


def test_slots() -> None:
    slots = Slots(2)
    assert slots.try_acquire() and slots.try_acquire()
    assert not slots.try_acquire()
    slots.release()
    assert slots.try_acquire()


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("GET", "/ask", True), ("POST", "/ask", True), ("GET", "/q/why", True), ("POST", "/approvals/apr-1", True),
    ("GET", "/approvals/apr-1", False), ("GET", "/approvals", False), ("GET", "/runbooks", False),
    ("GET", "/investigations/abc/events", False), ("GET", "/health", False), ("DELETE", "/ask", False),
])
def test_which_requests_start_an_investigation(method: str, path: str, expected: bool) -> None:
    assert starts_investigation({"type": "http", "method": method, "path": path}) is expected


async def call(middleware: RequestLimits, client: str, path: str = "/ask") -> list[Message]:
    sent: list[Message] = []
    scope: Scope = {"type": "http", "method": "GET", "path": path, "headers": [], "client": (client, 5000)}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    return sent


async def ok_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def test_the_rate_limit_is_per_client_address() -> None:
    config = LimitsConfig(clock=Clock())
    config.configure(Settings(rate_limit_per_minute=2, max_concurrent_investigations=0))
    middleware = RequestLimits(ok_app, config)
    statuses = [(await call(middleware, "10.0.0.1"))[0]["status"] for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert (await call(middleware, "10.0.0.2"))[0]["status"] == 200
    assert (await call(middleware, "10.0.0.1", "/runbooks"))[0]["status"] == 200  # only investigations count
    refusal = await call(middleware, "10.0.0.1")
    headers = dict(refusal[0]["headers"])
    assert 1 <= int(headers[b"retry-after"]) <= 30
    assert b'"code":"rate_limited"' in refusal[1]["body"]


async def test_a_slot_is_given_back_when_the_app_fails() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise LookupError("boom")

    config = LimitsConfig()
    config.configure(Settings(rate_limit_per_minute=0, max_concurrent_investigations=1))
    with pytest.raises(LookupError):
        await call(RequestLimits(failing, config), "10.0.0.1")
    assert config.slots is not None and config.slots.in_use == 0


# -- through a real server ------------------------------------------------------------------------------
def test_the_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    settings = service_settings(tmp_path, rate_limit_per_minute=2)
    with ServerThread(create_app(settings)) as server:
        first = httpx.get(f"{server.url}/ask", params=RUNBOOK_ASK, timeout=60)
        second = httpx.get(f"{server.url}/q/disk full", params={"stream": "false"}, timeout=60)
        third = httpx.post(f"{server.url}/ask", json={"q": "port already in use", "stream": False}, timeout=60)
        other = httpx.get(f"{server.url}/runbooks", timeout=30)
    assert (first.status_code, second.status_code) == (200, 200)
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "rate_limited"
    assert "2 investigations a minute" in third.json()["error"]["message"]
    assert 1 <= int(third.headers["retry-after"]) <= 30
    assert other.status_code == 200


def test_the_concurrency_cap_answers_429_while_the_slots_are_taken(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(text("the slow answer", delay_s=3))
    settings = llm_settings(tmp_path, fake_llm, max_concurrent_investigations=1, rate_limit_per_minute=0)
    result: dict[str, Any] = {}
    with ServerThread(create_app(settings)) as server:
        def slow() -> None:
            result["slow"] = httpx.get(f"{server.url}/ask", timeout=120,
                                       params={"q": "why", "mode": "llm", "stream": "false"})

        runner = threading.Thread(target=slow)
        runner.start()
        wait_for(lambda: fake_llm.investigation_requests, "the first investigation to reach the LLM")
        refused = httpx.get(f"{server.url}/ask", params=RUNBOOK_ASK, timeout=60)
        runner.join(120)
        after = httpx.get(f"{server.url}/ask", params=RUNBOOK_ASK, timeout=60)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_investigations"
    assert int(refused.headers["retry-after"]) >= 1
    assert result["slow"].json()["answer"] == "the slow answer"
    assert after.status_code == 200  # the slot came back when the first one ended


def test_a_client_that_leaves_gives_its_slot_back(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(text("nobody reads this", delay_s=5))
    settings = llm_settings(tmp_path, fake_llm, max_concurrent_investigations=1, rate_limit_per_minute=0)
    with ServerThread(create_app(settings)) as server:
        with httpx.stream("GET", f"{server.url}/ask", params={"q": "why", "mode": "llm"}, timeout=60) as response:
            for line in response.iter_lines():
                if line.startswith("▶ runbooks"):
                    break  # the user hits Ctrl-C
        statuses: list[int] = []

        def slot_free() -> bool:
            statuses.append(httpx.get(f"{server.url}/ask", params=RUNBOOK_ASK, timeout=60).status_code)
            return statuses[-1] == 200

        wait_for(slot_free, "the slot to be given back")
    assert set(statuses) <= {200, 429}


@pytest.mark.parametrize(("size", "status"), [(1500, 422), (3000, 413)])
def test_the_body_limit_is_a_setting(tmp_path: Path, size: int, status: int) -> None:
    with ServerThread(create_app(service_settings(tmp_path, max_body_bytes=2048))) as server:
        response = httpx.post(f"{server.url}/ask", content=b"x=" + b"a" * size,
                              headers={"content-type": "application/x-www-form-urlencoded"}, timeout=30)
    assert response.status_code == status
    if status == 413:
        assert response.json()["error"] == {"code": "payload_too_large",
                                            "message": "the request body is larger than 2048 bytes"}


# -- the body must arrive before a slot is taken ----------------------------------------------------------
def body_scope(path: str = "/ask") -> Scope:
    return {"type": "http", "method": "POST", "path": path, "client": ("10.0.0.9", 5000),
            "headers": [(b"content-length", b"20"), (b"content-type", b"application/x-www-form-urlencoded")]}


async def test_a_slow_body_gets_408_and_never_holds_a_slot() -> None:
    import asyncio

    config = LimitsConfig()
    config.configure(Settings(rate_limit_per_minute=0, max_concurrent_investigations=1, body_timeout_s=0.2))
    seen_bodies: list[bytes] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen_bodies.append((await receive())["body"])
        await ok_app(scope, receive, send)

    middleware = RequestLimits(app, config)
    slow_started = asyncio.Event()
    never = asyncio.Event()

    async def slow_receive() -> Message:
        if not slow_started.is_set():
            slow_started.set()
            return {"type": "http.request", "body": b"q=why", "more_body": True}
        await never.wait()  # the rest of the body never comes
        raise AssertionError("unreachable")

    slow_sent: list[Message] = []

    async def slow_send(message: Message) -> None:
        slow_sent.append(message)

    slow = asyncio.create_task(middleware(body_scope(), slow_receive, slow_send))
    await slow_started.wait()
    assert config.slots is not None and config.slots.in_use == 0  # reading the body holds nothing

    async def fast_receive() -> Message:
        return {"type": "http.request", "body": b"q=check+cluster+ok!", "more_body": False}

    fast_sent: list[Message] = []

    async def fast_send(message: Message) -> None:
        fast_sent.append(message)

    await middleware(body_scope(), fast_receive, fast_send)
    assert fast_sent[0]["status"] == 200  # the one slot was free for a client whose body arrived
    assert seen_bodies == [b"q=check+cluster+ok!"]  # the app got the buffered body
    await slow
    assert slow_sent[0]["status"] == 408
    assert dict(slow_sent[0]["headers"])[b"connection"] == b"close"
    assert json.loads(slow_sent[1]["body"])["error"]["code"] == "request_timeout"
    assert seen_bodies == [b"q=check+cluster+ok!"] and config.slots.in_use == 0


async def test_a_chunked_body_past_the_limit_is_413_before_the_app() -> None:
    config = LimitsConfig()
    config.configure(Settings(rate_limit_per_minute=0, max_body_bytes=1024))
    reached: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(True)

    chunks = iter([b"a" * 600, b"a" * 600])

    async def receive() -> Message:
        return {"type": "http.request", "body": next(chunks), "more_body": True}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {**body_scope(), "headers": [(b"transfer-encoding", b"chunked")]}
    await RequestLimits(app, config)(scope, receive, send)
    assert sent[0]["status"] == 413 and reached == []


def test_a_slow_loris_gets_408_over_a_real_socket(tmp_path: Path) -> None:
    import socket

    settings = service_settings(tmp_path, body_timeout_s=1, max_concurrent_investigations=1,
                                rate_limit_per_minute=0)
    with ServerThread(create_app(settings)) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as slow:
            slow.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                         b"Content-Length: 100\r\n\r\nq=check+clu")
            # While that body trickles, a client whose body arrives gets the only slot.
            fine = httpx.post(f"{server.url}/ask", data={**RUNBOOK_ASK}, timeout=60)
            assert fine.status_code == 200 and fine.json()["answer"]
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                chunk = slow.recv(4096)
                if not chunk:
                    break
                reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), reply
    assert json.loads(body)["error"] == {"code": "request_timeout",
                                         "message": "the request body did not arrive within 1 s"}
