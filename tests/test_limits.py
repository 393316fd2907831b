"""Request limits: body size (413), per-client rate and the concurrency cap (429 + Retry-After).

The token bucket and the middleware on their own (a fake clock, hand-made ASGI scopes: no sleeping), then
through a real uvicorn, with the scripted LLM holding investigations open where a test needs them running.
"""

from __future__ import annotations

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
