"""Graceful shutdown: running streams end with `error` shutting_down, then `done`, and close.

The guard itself on scripted event sources; then a real `python -m app serve` process stopped with
SIGTERM while an SSE and a plain-text investigation are waiting on the (scripted, delayed) LLM.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from app import events
from app.events import Event
from app.lifecycle import SHUTDOWN_CODE, Lifecycle
from app.main import create_app
from tests.support.app import DEMO_SNAPSHOT, ROOT, RUNBOOKS, llm_settings
from tests.support.fake_llm import FakeLLM, text
from tests.support.server import ServerThread

LLM_DELAY_S = 30  # far longer than any shutdown here: the investigations are still waiting when it comes


class Source:
    """A scripted investigation: yields `items`, then waits on `release` (if given) before `done`."""

    def __init__(self, items: list[Event], release: asyncio.Event | None = None,
                 fail: Exception | None = None) -> None:
        self.items = items
        self.release = release
        self.fail = fail
        self.started = asyncio.Event()
        self.closed = asyncio.Event()

    async def run(self) -> AsyncIterator[Event]:
        self.started.set()
        try:
            for item in self.items:
                yield item
            if self.fail is not None:
                raise self.fail
            if self.release is not None:
                await self.release.wait()
            yield events.done(1, 0)
        finally:
            self.closed.set()


async def drain(stream: AsyncIterator[Event]) -> list[Event]:
    return [event async for event in stream]


FIRST = [events.classification("pod_crash", 0.9, "rules"), events.runbooks(["crashloop-backoff"])]


async def test_without_shutdown_the_events_pass_through_unchanged() -> None:
    source = Source([*FIRST, events.answer("it is the config")])
    out = await drain(Lifecycle(exit_requested=lambda: False).guard(source.run()))
    assert out == [*FIRST, events.answer("it is the config"), events.done(1, 0)]
    assert source.closed.is_set()


async def test_shutdown_ends_a_running_stream_with_error_then_done_and_stops_the_investigation() -> None:
    lifecycle = Lifecycle(exit_requested=lambda: False)
    source = Source(FIRST, release=asyncio.Event())
    stream = lifecycle.guard(source.run())
    assert [await anext(stream), await anext(stream)] == FIRST
    assert lifecycle.running_streams == 1
    lifecycle.begin_shutdown("test")
    rest = await drain(stream)
    assert [e.type for e in rest] == ["error", "done"]
    assert rest[0].data["code"] == SHUTDOWN_CODE
    assert rest[0].data["message"]
    await asyncio.wait_for(source.closed.wait(), 10)  # the investigation was cancelled, not left running
    assert lifecycle.running_streams == 0


async def test_a_stream_started_while_shutting_down_ends_at_once() -> None:
    lifecycle = Lifecycle(exit_requested=lambda: False)
    lifecycle.begin_shutdown("test")
    source = Source(FIRST)
    out = await drain(lifecycle.guard(source.run()))
    assert [(e.type, e.data.get("code")) for e in out] == [("error", SHUTDOWN_CODE), ("done", None)]
    assert not source.started.is_set()


async def test_shutdown_after_done_adds_nothing() -> None:
    lifecycle = Lifecycle(exit_requested=lambda: False)
    stream = lifecycle.guard(Source([events.answer("x")]).run())
    assert [(await anext(stream)).type, (await anext(stream)).type] == ["answer", "done"]
    lifecycle.begin_shutdown("test")
    assert await drain(stream) == []


async def test_errors_of_the_investigation_still_reach_the_caller() -> None:
    source = Source(FIRST, fail=LookupError("boom"))
    with pytest.raises(LookupError, match="boom"):
        await drain(Lifecycle(exit_requested=lambda: False).guard(source.run()))


async def test_a_client_that_leaves_stops_the_investigation() -> None:
    lifecycle = Lifecycle(exit_requested=lambda: False)
    source = Source(FIRST, release=asyncio.Event())
    stream = lifecycle.guard(source.run())
    await anext(stream)
    await stream.aclose()  # what the server does when the client disconnects
    await asyncio.wait_for(source.closed.wait(), 10)
    assert lifecycle.running_streams == 0


async def test_the_watcher_notices_the_server_exit_flag() -> None:
    flag = threading.Event()
    lifecycle = Lifecycle(exit_requested=flag.is_set, poll_interval_s=0.01)
    lifecycle.start()
    source = Source(FIRST, release=asyncio.Event())
    stream = lifecycle.guard(source.run())
    await anext(stream)
    flag.set()  # what SIGTERM does to uvicorn's `should_exit`
    rest = await asyncio.wait_for(drain(stream), 10)
    assert [e.type for e in rest][-2:] == ["error", "done"]
    assert lifecycle.stopping
    await lifecycle.stop(drain_s=0)


def test_server_exit_ends_a_json_request_with_shutting_down(tmp_path: Path, fake_llm: FakeLLM) -> None:
    """In-process uvicorn, stream=false: the JSON document says why it is incomplete."""
    # The shutdown comes as soon as the LLM has the request, well inside this delay; the abandoned call
    # then ends in this process soon after (a timeout above the delay: no retry into later scripts).
    fake_llm.script(text("too late", delay_s=5))
    exit_flag = threading.Event()
    settings = llm_settings(tmp_path, fake_llm, llm_timeout_s=30)
    app = create_app(settings, lifecycle=Lifecycle(exit_requested=exit_flag.is_set))
    result: dict[str, Any] = {}
    with ServerThread(app) as server:
        def ask() -> None:
            result["response"] = httpx.post(f"{server.url}/ask", timeout=120,
                                            json={"q": "pod keeps restarting", "stream": False, "mode": "llm"})

        client = threading.Thread(target=ask)
        client.start()
        wait_for(lambda: fake_llm.investigation_requests, "the investigation to reach the LLM")
        exit_flag.set()
        server.server.should_exit = True  # as SIGTERM would
        client.join(120)
    response = result["response"]
    assert response.status_code == 200
    doc = response.json()
    assert doc["errors"][-1]["code"] == SHUTDOWN_CODE
    assert doc["answer"] is None
    assert doc["done"] is not None


def wait_for(condition: Any, what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


# -- a real server process and a real SIGTERM -----------------------------------------------------------
class ServeProcess:
    """`python -m app serve --port 0` with the given environment; stderr collected line by line."""

    def __init__(self, env: dict[str, str], args: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", *(args or ["--host", "127.0.0.1", "--port", "0"])],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace",
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def url(self) -> str:
        found: list[str] = []

        def started() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError("the server exited:\n" + "\n".join(self.lines))
            found.extend(m.group(1) for line in self.lines
                         if (m := re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)))
            return bool(found)

        wait_for(started, "the server to start")
        return found[0]

    def json_logs(self) -> list[dict[str, Any]]:
        out = []
        for line in self.lines:
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)


def test_sigterm_ends_running_streams_cleanly(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.classify = lambda _q: "pod_crash"
    # Spares too: a call abandoned by an earlier test may still take one.
    fake_llm.script(*[text("too late", delay_s=LLM_DELAY_S) for _ in range(4)])
    env = {
        **os.environ,
        "CLUSTER_SNAPSHOT": str(DEMO_SNAPSHOT), "RUNBOOKS_DIR": str(RUNBOOKS), "DATA_DIR": str(tmp_path / "data"),
        "LLM_MODEL": "openai/fake-model", "LLM_API_BASE": fake_llm.base_url, "LLM_API_KEY": "sk-test",
        "LLM_TIMEOUT_S": "120", "CLASSIFIER_TIMEOUT_S": "10", "LOG_FORMAT": "json",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    server = ServeProcess(env)
    try:
        url = server.url()
        sse: list[tuple[str, dict[str, Any]]] = []
        plain: list[str] = []
        failures: list[Exception] = []

        def read_sse() -> None:
            try:
                with httpx.Client(timeout=120) as client, connect_sse(
                    client, "GET", f"{url}/ask", params={"q": "Pod 一直在重启", "format": "sse", "mode": "llm"}
                ) as source:
                    for event in source.iter_sse():
                        sse.append((event.event, json.loads(event.data)))
            except (httpx.HTTPError, ValueError) as exc:  # reported by the assertions below
                failures.append(exc)

        def read_text() -> None:
            try:
                with httpx.stream("POST", f"{url}/ask", data={"q": "pod keeps restarting", "mode": "llm"},
                                  timeout=120) as response:
                    for chunk in response.iter_text():
                        plain.append(chunk)
            except httpx.HTTPError as exc:
                failures.append(exc)

        clients = [threading.Thread(target=read_sse), threading.Thread(target=read_text)]
        for client in clients:
            client.start()
        wait_for(lambda: any(kind == "runbooks" for kind, _ in sse) and "▶ runbooks" in "".join(plain),
                 "both investigations to be under way")
        wait_for(lambda: len(fake_llm.investigation_requests) >= 2, "both investigations to wait on the LLM")
        assert all(client.is_alive() for client in clients), (sse, plain, failures, server.lines[-20:])

        server.proc.send_signal(signal.SIGTERM)
        for client in clients:
            client.join(120)
            assert not client.is_alive(), "the stream did not end"
        assert failures == []

        kinds = [kind for kind, _ in sse]
        assert kinds[:2] == ["classification", "runbooks"]
        assert kinds[-2:] == ["error", "done"]
        assert sse[-2][1]["code"] == SHUTDOWN_CODE
        assert "answer" not in kinds
        body = "".join(plain)
        assert f"✗ error [{SHUTDOWN_CODE}]" in body
        assert body.rstrip().splitlines()[-1].startswith("■ done in")

        assert server.proc.wait(120) in (0, -signal.SIGTERM)
        server.reader.join(30)
        logs = server.json_logs()
        (shutdown,) = [entry for entry in logs if entry["message"] == "shutting down: ending running streams"]
        assert shutdown["reason"] == "server exit" and shutdown["streams"] == 2
        finished = [entry for entry in logs if entry["message"] == "investigation finished"]
        assert sorted(entry["outcome"] for entry in finished) == ["cancelled", "cancelled"]
    finally:
        server.stop()
