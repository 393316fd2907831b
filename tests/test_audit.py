"""The audit trail: every investigation stored event by event, listed, read, replayed — and kept through a crash.

Through a real uvicorn (and a real `python -m app serve` killed with SIGKILL) where the behaviour is the
service's; `AuditLog` on its own for paging, retention and throughput.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from app import audit as audit_module
from app import events
from app.audit import AuditLog
from app.audit_api import AuditReader
from app.events import Event
from app.lifecycle import SHUTDOWN_CODE, Lifecycle
from app.main import create_app
from tests.support.app import DEMO_SNAPSHOT, RUNBOOKS, llm_settings, service_settings
from tests.support.fake_llm import FakeLLM, text, tool_call
from tests.support.server import ServerThread
from tests.test_lifecycle import ServeProcess, wait_for

SECRET_ANSWER = "The DB password=hunter2 and the key AKIAIOSFODNN7EXAMPLE are in the manifest."


def replay(base_url: str, inv_id: str, headers: dict[str, str] | None = None,
           params: dict[str, str] | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """GET /investigations/{id}/events: (id, event, data) in order."""
    out = []
    with httpx.Client(base_url=base_url, timeout=120) as client, connect_sse(
        client, "GET", f"/investigations/{inv_id}/events", headers=dict(headers or {}), params=params
    ) as source:
        for sse in source.iter_sse():
            out.append((sse.id, sse.event, json.loads(sse.data)))
    return out


def ask_sse(base_url: str, params: dict[str, Any]) -> tuple[str, list[tuple[str, str, dict[str, Any]]]]:
    """GET /ask as SSE: the investigation id and (id, event, data) in order."""
    out = []
    with httpx.Client(base_url=base_url, timeout=120) as client, connect_sse(
        client, "GET", "/ask", params={**params, "format": "sse"}
    ) as source:
        inv_id = source.response.headers["x-investigation-id"]
        for sse in source.iter_sse():
            out.append((sse.id, sse.event, json.loads(sse.data)))
    return inv_id, out


def stored(base_url: str, inv_id: str) -> dict[str, Any]:
    def finished() -> bool:
        response = httpx.get(f"{base_url}/investigations/{inv_id}", timeout=30)
        return response.status_code == 200 and response.json()["investigation"]["outcome"] != "running"

    wait_for(finished, f"investigation {inv_id} to be stored")
    result: dict[str, Any] = httpx.get(f"{base_url}/investigations/{inv_id}", timeout=30).json()
    return result


# -- through the service ------------------------------------------------------------------------------
def test_an_investigation_is_stored_as_it_was_streamed_and_replays_the_same(service: str) -> None:
    inv_id, streamed = ask_sse(service, {"q": "Pod 一直在重启"})
    doc = stored(service, inv_id)
    summary = doc["investigation"]
    assert summary["id"] == inv_id
    assert summary["kind"] == "ask" and summary["mode"] == "auto"
    assert summary["question"] == "Pod 一直在重启"
    assert summary["problem_type"] == "pod_crash"
    assert summary["outcome"] == "answered"
    assert summary["client"] == "127.0.0.1"
    assert summary["started_at"] <= summary["finished_at"]
    assert summary["events"] == len(streamed)
    assert summary["tool_calls"] == sum(event == "tool_result" for _, event, _ in streamed) > 0
    assert [(str(e["seq"]), e["event"], e["data"]) for e in doc["events"]] == streamed
    assert [i for i, _, _ in streamed] == [str(n) for n in range(1, len(streamed) + 1)]
    # The replay is the stream again: same ids, names and data.
    assert replay(service, inv_id) == streamed
    listed = httpx.get(f"{service}/investigations", timeout=30).json()
    assert listed["investigations"][0]["id"] == inv_id
    assert listed["next_before"] is None


def test_a_replay_resumes_after_last_event_id(service: str) -> None:
    inv_id, streamed = ask_sse(service, {"q": "disk full on node-2"})
    stored(service, inv_id)
    assert replay(service, inv_id, headers={"Last-Event-ID": "3"}) == streamed[3:]
    assert replay(service, inv_id, params={"last_event_id": "5"}) == streamed[5:]
    # EventSource reconnects with the header while the URL keeps its query: the header wins.
    assert replay(service, inv_id, headers={"Last-Event-ID": "4"}, params={"last_event_id": "1"}) == streamed[4:]
    assert replay(service, inv_id, headers={"Last-Event-ID": str(len(streamed))}) == []
    bad = httpx.get(f"{service}/investigations/{inv_id}/events", params={"last_event_id": "x"}, timeout=30)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_parameter"
    assert httpx.get(f"{service}/investigations/0123456789abcdef/events", timeout=30).status_code == 404


def test_every_format_is_recorded_and_the_list_pages_and_filters(service: str) -> None:
    ids = []
    for params in ({"q": "disk full on node-2", "stream": "false"}, {"q": "port already in use"},
                   {"q": "check cluster health", "format": "sse"}):
        with httpx.stream("GET", f"{service}/ask", params=params, timeout=60) as response:
            response.read()
            ids.append(response.headers["x-investigation-id"])
    for inv_id in ids:
        stored(service, inv_id)
    page = httpx.get(f"{service}/investigations", params={"limit": 2}, timeout=30).json()
    assert [s["id"] for s in page["investigations"]] == [ids[2], ids[1]]
    assert page["next_before"] == ids[1]
    rest = httpx.get(f"{service}/investigations", params={"limit": 2, "before": ids[1]}, timeout=30).json()
    assert [s["id"] for s in rest["investigations"]] == [ids[0]]
    assert rest["next_before"] is None
    by_type = httpx.get(f"{service}/investigations", params={"problem_type": "port_conflict"}, timeout=30).json()
    assert [s["id"] for s in by_type["investigations"]] == [ids[1]]
    by_outcome = httpx.get(f"{service}/investigations", params={"outcome": "answered"}, timeout=30).json()
    assert len(by_outcome["investigations"]) == 3
    assert httpx.get(f"{service}/investigations", params={"outcome": "error"}, timeout=30).json() == {
        "investigations": [], "next_before": None}
    gone = httpx.get(f"{service}/investigations", params={"before": "ffffffffffffffff"}, timeout=30)
    assert gone.status_code == 404


def test_secrets_never_reach_the_audit_database(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(text(SECRET_ANSWER))
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        inv_id, streamed = ask_sse(server.url, {"q": "why does the app fail, password=hunter2", "mode": "llm"})
        doc = stored(server.url, inv_id)
    answer = next(data for _, event, data in streamed if event == "answer")
    assert "hunter2" not in answer["text"] and "***REDACTED***" in answer["text"]
    assert doc["investigation"]["question"] == "why does the app fail, password=***REDACTED***"
    raw = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("audit.db*"))
    assert b"REDACTED" in raw
    assert b"hunter2" not in raw and b"AKIAIOSFODNN7EXAMPLE" not in raw
    assert oct((tmp_path / "data" / "audit.db").stat().st_mode & 0o777) == "0o600"


def test_a_running_investigation_is_followed_live(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(tool_call("kubectl", {"verb": "get", "kind": "pods", "namespace": "shop"}, delay_s=2),
                    text("**Root cause**: live.", delay_s=1))
    result: dict[str, Any] = {}
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        def ask() -> None:
            result["original"] = ask_sse(server.url, {"q": "why is cart down", "mode": "llm"})

        client = threading.Thread(target=ask)
        client.start()

        def running() -> list[dict[str, Any]]:
            found = httpx.get(f"{server.url}/investigations", params={"outcome": "running"}, timeout=30).json()
            return list(found["investigations"])

        wait_for(running, "the investigation to be listed as running")
        inv_id = running()[0]["id"]
        assert httpx.get(f"{server.url}/investigations/{inv_id}", timeout=30).json()["investigation"][
            "outcome"] == "running"
        followed = replay(server.url, inv_id)  # starts mid-way, ends with the investigation's `done`
        client.join(120)
        after = stored(server.url, inv_id)
    original_id, original = result["original"]
    assert original_id == inv_id
    assert followed == original
    assert followed[-1][1] == "done"
    assert after["investigation"]["outcome"] == "answered"


def test_a_client_that_leaves_is_recorded_as_cancelled(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(text("nobody reads this", delay_s=3))
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        with httpx.stream("GET", f"{server.url}/ask", params={"q": "why", "mode": "llm"}, timeout=60) as response:
            inv_id = response.headers["x-investigation-id"]
            for line in response.iter_lines():
                if line.startswith("▶ runbooks"):
                    break
        doc = stored(server.url, inv_id)
    assert doc["investigation"]["outcome"] == "cancelled"
    assert [e["event"] for e in doc["events"]][:2] == ["classification", "runbooks"]
    assert "done" not in [e["event"] for e in doc["events"]]


def test_shutdown_mid_stream_is_recorded_with_its_last_events(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(text("too late", delay_s=5))
    exit_flag = threading.Event()
    app = create_app(llm_settings(tmp_path, fake_llm, llm_timeout_s=30),
                     lifecycle=Lifecycle(exit_requested=exit_flag.is_set))
    result: dict[str, Any] = {}
    with ServerThread(app) as server:
        def ask() -> None:
            result["streamed"] = ask_sse(server.url, {"q": "pod keeps restarting", "mode": "llm"})

        client = threading.Thread(target=ask)
        client.start()
        wait_for(lambda: fake_llm.investigation_requests, "the investigation to reach the LLM")
        exit_flag.set()
        server.server.should_exit = True
        client.join(120)
    inv_id, streamed = result["streamed"]
    reader = AuditReader(tmp_path / "data" / "audit.db")
    summary = reader.get(inv_id)
    assert summary is not None and summary["outcome"] == "cancelled"
    assert summary["error_codes"] == [SHUTDOWN_CODE]
    assert [(str(seq), event, data) for seq, event, data, _ in reader.events(inv_id)] == streamed
    assert [event for _, event, _ in streamed][-2:] == ["error", "done"]


def test_a_crash_mid_stream_leaves_an_interrupted_investigation(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(*[text("too late", delay_s=30) for _ in range(3)])
    data_dir = tmp_path / "data"
    env = {**os.environ, "CLUSTER_SNAPSHOT": str(DEMO_SNAPSHOT), "RUNBOOKS_DIR": str(RUNBOOKS),
           "DATA_DIR": str(data_dir), "LLM_MODEL": "openai/fake-model", "LLM_API_BASE": fake_llm.base_url,
           "LLM_API_KEY": "sk-test", "LLM_TIMEOUT_S": "120", "LOG_FORMAT": "json"}
    server = ServeProcess(env)
    seen: list[str] = []
    try:
        url = server.url()

        def ask() -> None:
            try:
                with httpx.stream("GET", f"{url}/ask", params={"q": "why", "mode": "llm", "format": "sse"},
                                  timeout=120) as response:
                    seen.append(response.headers["x-investigation-id"])
                    for _ in response.iter_lines():
                        pass
            except httpx.HTTPError:
                pass  # the server dies under it

        client = threading.Thread(target=ask, daemon=True)
        client.start()
        wait_for(lambda: fake_llm.investigation_requests and seen, "the investigation to wait on the LLM")
        wait_for(lambda: (AuditReader(data_dir / "audit.db").get(seen[0]) or {}).get("events", 0) >= 3,
                 "its first events to be on disk")
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(30)
        client.join(60)
    finally:
        server.stop()
    with ServerThread(create_app(service_settings(tmp_path))) as restarted:  # same data_dir
        doc = httpx.get(f"{restarted.url}/investigations/{seen[0]}", timeout=30).json()
        listed = httpx.get(f"{restarted.url}/investigations", params={"outcome": "interrupted"}, timeout=30).json()
    assert doc["investigation"]["outcome"] == "interrupted"
    names = [e["event"] for e in doc["events"]]
    assert names[:2] == ["classification", "runbooks"]
    assert "done" not in names
    assert [s["id"] for s in listed["investigations"]] == [seen[0]]


def test_resumed_approvals_are_audited_and_end_on_shutdown(tmp_path: Path, fake_llm: FakeLLM) -> None:
    restart = {"action": "rollout_restart", "name": "cart", "namespace": "shop"}
    fake_llm.script(tool_call("kubectl_action", restart))
    exit_flag = threading.Event()
    app = create_app(llm_settings(tmp_path, fake_llm, llm_timeout_s=30),
                     lifecycle=Lifecycle(exit_requested=exit_flag.is_set))
    result: dict[str, Any] = {}
    with ServerThread(app) as server:
        paused_id, paused = ask_sse(server.url, {"q": "restart the cart deployment", "mode": "llm"})
        approval = next(data for _, event, data in paused if event == "approval_required")
        fake_llm.script(text("too late", delay_s=5))
        before = len(fake_llm.investigation_requests)

        def decide() -> None:
            out = []
            with httpx.Client(base_url=server.url, timeout=120) as client, connect_sse(
                client, "POST", f"/approvals/{approval['id']}", json={"approve": False, "format": "sse"}
            ) as source:
                result["id"] = source.response.headers["x-investigation-id"]
                for sse in source.iter_sse():
                    out.append((sse.id, sse.event, json.loads(sse.data)))
            result["events"] = out

        client = threading.Thread(target=decide)
        client.start()
        wait_for(lambda: len(fake_llm.investigation_requests) > before, "the resumed investigation to reach the LLM")
        exit_flag.set()  # the resumed stream is guarded like /ask: it ends with `error` + `done`
        server.server.should_exit = True
        client.join(120)
    assert [event for _, event, _ in result["events"]][-2:] == ["error", "done"]
    assert result["events"][-2][2]["code"] == SHUTDOWN_CODE
    reader = AuditReader(tmp_path / "data" / "audit.db")
    summary = reader.get(result["id"])
    assert summary is not None
    assert (summary["kind"], summary["approval_id"], summary["parent_id"]) == ("approval", approval["id"], paused_id)
    assert summary["question"] == "restart the cart deployment"
    assert summary["outcome"] == "cancelled"
    assert reader.get(paused_id)["outcome"] == "approval_required"  # type: ignore[index]


# -- AuditLog on its own ----------------------------------------------------------------------------------
async def scripted(n_events: int, pause: bool = False) -> AsyncIterator[Event]:
    yield events.classification("pod_crash", 0.9, "rules")
    for i in range(n_events - 3):
        if pause:
            await asyncio.sleep(0)
        yield events.tool_result(f"c{i}", "success", f"output {i} " + "x" * 200, False)
    yield events.answer("it is the config")
    yield events.done(1, n_events - 3)


async def record_all(audit: AuditLog, ids: list[str], n_events: int) -> None:
    async def one(inv_id: str) -> None:
        async for _ in audit.record(inv_id, {"question": f"q {inv_id}"}, scripted(n_events, pause=True)):
            pass

    await asyncio.gather(*(one(inv_id) for inv_id in ids))


async def test_200_concurrent_streams_are_all_stored(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.db")
    audit.start()
    ids = [f"{i:016x}" for i in range(200)]
    started = time.perf_counter()
    await record_all(audit, ids, 20)
    audit.close()  # flushes everything queued
    elapsed = time.perf_counter() - started
    print(f"\naudit: 200 streams x 20 events = {audit.written} events in {elapsed:.2f} s "
          f"({audit.written / elapsed:.0f} events/s)")
    reader = AuditReader(tmp_path / "audit.db")
    page, more = reader.page(500) or ([], True)
    assert len(page) == 200 and not more
    assert {s["outcome"] for s in page} == {"answered"}
    assert {s["events"] for s in page} == {20}
    assert [seq for seq, *_ in reader.events(ids[123])] == list(range(1, 21))


async def test_full_batches_lose_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "_BATCH_MAX", 7)  # every batch boundary falls mid-stream
    audit = AuditLog(tmp_path / "audit.db")
    audit.start()
    ids = [f"{i:016x}" for i in range(30)]
    await record_all(audit, ids, 11)
    audit.close()
    assert audit.written == 30 * 11
    page, _ = AuditReader(tmp_path / "audit.db").page(100) or ([], False)
    assert {(s["events"], s["outcome"]) for s in page} == {(11, "answered")}


async def test_sqlite_is_only_touched_by_the_writer_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: set[str] = set()
    original = AuditLog._apply

    def spy(self: AuditLog, *args: Any) -> int:
        threads.add(threading.current_thread().name)
        return original(self, *args)

    monkeypatch.setattr(AuditLog, "_apply", spy)
    audit = AuditLog(tmp_path / "audit.db")
    audit.start()
    await record_all(audit, ["00000000000000aa", "00000000000000bb"], 6)
    audit.close()
    assert threads == {"audit-writer"}


async def test_retention_keeps_the_newest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "PRUNE_EVERY", 1)
    audit = AuditLog(tmp_path / "audit.db", max_investigations=5)
    audit.start()
    ids = [f"{i:016x}" for i in range(12)]
    for inv_id in ids:
        await record_all(audit, [inv_id], 5)
    audit.close()
    page, _ = AuditReader(tmp_path / "audit.db").page(100) or ([], False)
    assert [s["id"] for s in page] == ids[::-1][:5]
    with sqlite3.connect(tmp_path / "audit.db") as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 5 * 5


async def test_leftovers_of_a_dead_process_are_interrupted_on_start(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.db")
    audit.start()
    stream = audit.record("00000000000000cc", {"question": "q"}, scripted(10))
    for _ in range(3):
        await anext(stream)
    audit.close()  # the process "dies": the stream never ends
    again = AuditLog(tmp_path / "audit.db")
    again.start()
    again.close()
    summary = AuditReader(tmp_path / "audit.db").get("00000000000000cc")
    assert summary is not None and summary["outcome"] == "interrupted" and summary["events"] == 3
