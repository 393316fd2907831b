"""The audit trail: every investigation, event by event, in SQLite (`data_dir/audit.db`, WAL).

`record` sits on the stream right after redaction: what is stored is exactly what the client was sent
(secrets masked), numbered like the SSE `id:`s. Writes never block the event loop: they are queued to one
writer thread, which commits whatever has queued up in one transaction (a group commit: one commit per
event when it is quiet, large batches under load). So an event is on disk milliseconds after it was
sent, and a SIGKILL loses at most the last batch; an investigation whose `done` never came is
`interrupted` (marked at the next start). Running investigations are also kept in memory until their
last event is committed, so a replay can follow them live. Retention: the newest
`audit_max_investigations`, pruned every `PRUNE_EVERY` new investigations.

One process per data directory (as for approvals).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.events import Event
from app.outcome import Tally
from app.redact import redact, redact_data

log = logging.getLogger(__name__)

PRUNE_EVERY = 100
_BATCH_MAX = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS investigations (
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    question TEXT NOT NULL,
    mode TEXT,
    namespace TEXT,
    client TEXT,
    approval_id TEXT,
    parent_id TEXT,
    problem_type TEXT,
    outcome TEXT,
    started_at REAL NOT NULL,
    finished_at REAL,
    events INTEGER NOT NULL DEFAULT 0,
    tool_calls INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    llm_calls INTEGER NOT NULL DEFAULT 0,
    error_codes TEXT NOT NULL DEFAULT '[]',
    alert TEXT
);
CREATE INDEX IF NOT EXISTS investigations_by_type ON investigations (problem_type, num);
CREATE INDEX IF NOT EXISTS investigations_by_outcome ON investigations (outcome, num);
CREATE TABLE IF NOT EXISTS events (
    inv INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (inv, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS approval_links (
    approval_id TEXT PRIMARY KEY,
    investigation_id TEXT NOT NULL,
    inv INTEGER NOT NULL
);
"""
@dataclass
class Live:
    """A running investigation, as the replay follows it."""

    summary: dict[str, Any]
    events: list[tuple[str, dict[str, Any], float]] = field(default_factory=list)
    outcome: str | None = None
    finished_at: float | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def add(self, event: Event, at: float) -> None:
        self.events.append((event.type, event.data, at))
        self._wake()

    def finish(self, outcome: str, at: float) -> None:
        self.outcome, self.finished_at = outcome, at
        self._wake()

    def _wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


@dataclass
class _Running:
    """Writer-side totals of an investigation whose summary row is still being updated."""

    num: int
    events: int = 0
    tool_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_calls: int = 0
    problem_type: str | None = None
    error_codes: list[str] = field(default_factory=list)


class AuditLog:
    def __init__(self, path: Path, max_investigations: int = 10000) -> None:
        self.path = path
        self.max_investigations = max_investigations
        self._queue: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._live: dict[str, Live] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: threading.Thread | None = None
        self._closed = False
        self.written = 0  # events committed (for tests and benchmarks)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Open the database, mark what a previous process left running as interrupted, start the writer."""
        self._loop = asyncio.get_running_loop()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        with contextlib.suppress(OSError):
            self.path.chmod(0o600)  # questions and (redacted) tool output
        db.executescript(_SCHEMA)
        columns = {row[1] for row in db.execute("PRAGMA table_info(investigations)")}
        if "alert" not in columns:  # a trail written before alerts were attached to investigations
            db.execute("ALTER TABLE investigations ADD COLUMN alert TEXT")
        with db:
            db.execute("UPDATE investigations SET outcome = 'interrupted' WHERE outcome IS NULL")
        self._prune(db)
        self._writer = threading.Thread(target=self._write_loop, args=(db,), name="audit-writer", daemon=True)
        self._writer.start()

    async def drain(self, timeout_s: float) -> None:
        """Give recordings still running (ending on shutdown) up to `timeout_s` to write their last events."""
        deadline = time.monotonic() + timeout_s
        while any(not live.finished for live in self._live.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    def close(self) -> None:
        """Write everything queued, then stop the writer."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        if self._writer is not None:
            self._writer.join(timeout=30)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives a process crash
        return db

    # -- recording (event loop) ------------------------------------------------------------------------
    async def record(self, inv_id: str, meta: Mapping[str, Any], events: AsyncIterator[Event]) -> AsyncIterator[Event]:
        """Pass `events` through, storing each one as it goes by. `meta`: kind, question, mode, namespace,
        client, approval_id, started_at."""
        started_at = float(meta.get("started_at") or time.time())
        row = {"id": inv_id, "kind": meta.get("kind", "ask"), "question": redact(str(meta.get("question", ""))),
               "mode": meta.get("mode"), "namespace": meta.get("namespace"), "client": meta.get("client"),
               "approval_id": meta.get("approval_id"), "started_at": started_at,
               "alert": redact_data(meta["alert"]) if meta.get("alert") else None}
        live = Live(row)
        self._live[inv_id] = live
        self._put(("start", row))
        tally = Tally()
        read_to_the_end = False
        try:
            seq = 0
            async for event in events:
                seq += 1
                tally.add(event)
                at = time.time()
                live.add(event, at)
                self._put(("event", inv_id, seq, event.type, event.data, at))
                yield event
            read_to_the_end = True
        finally:
            outcome, at = tally.outcome(read_to_the_end), time.time()
            self._put(("finish", inv_id, outcome, at))
            live.finish(outcome, at)

    def _put(self, op: tuple[Any, ...]) -> None:
        if self._closed:
            log.warning("audit trail closed: an event was not recorded", extra={"op": op[0]})
            return
        self._queue.put(op)

    def live(self, inv_id: str) -> Live | None:
        return self._live.get(inv_id)

    def _forget(self, ids: list[str]) -> None:
        for inv_id in ids:
            live = self._live.get(inv_id)
            if live is not None and live.finished:
                del self._live[inv_id]

    # -- the writer thread -----------------------------------------------------------------------------
    def _write_loop(self, db: sqlite3.Connection) -> None:
        running: dict[str, _Running] = {}
        started_since_prune = 0
        stop = False
        while not stop:
            ops: list[tuple[Any, ...]] = []
            item = self._queue.get()  # wait for the first, then take whatever else has queued up
            while item is not None:
                ops.append(item)
                if len(ops) >= _BATCH_MAX:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            stop = item is None
            finished: list[str] = []
            try:
                with db:
                    db.execute("BEGIN")
                    started_since_prune += self._apply(db, ops, running, finished)
                self.written += sum(op[0] == "event" for op in ops)
            except (sqlite3.Error, ValueError, TypeError) as exc:  # a full disk must not stop the service
                log.error("audit trail: a batch of %d writes failed", len(ops), exc_info=exc)
                for op in ops:  # rolled back: forget what this batch started or finished
                    if op[0] in ("start", "finish"):
                        running.pop(op[1]["id"] if op[0] == "start" else op[1], None)
                    if op[0] == "finish":
                        finished.append(op[1])
            if finished and self._loop is not None:
                with contextlib.suppress(RuntimeError):  # the loop is gone (shutdown): nothing to notify
                    self._loop.call_soon_threadsafe(self._forget, finished)
            if started_since_prune >= PRUNE_EVERY:
                started_since_prune = 0
                self._prune(db)
        db.close()

    def _apply(self, db: sqlite3.Connection, ops: list[tuple[Any, ...]], running: dict[str, _Running],
               finished: list[str]) -> int:
        """Apply one batch; returns how many investigations it started."""
        started = 0
        dirty: set[str] = set()
        for op in ops:
            kind, inv_id = op[0], (op[1]["id"] if op[0] == "start" else op[1])
            if kind == "start":
                row = op[1]
                parent = None
                if row["approval_id"]:
                    found = db.execute("SELECT investigation_id FROM approval_links WHERE approval_id = ?",
                                       (row["approval_id"],)).fetchone()
                    parent = found[0] if found else None
                cur = db.execute(
                    "INSERT INTO investigations (id, kind, question, mode, namespace, client, approval_id, "
                    "parent_id, started_at, alert) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (inv_id, row["kind"], row["question"], row["mode"], row["namespace"], row["client"],
                     row["approval_id"], parent, row["started_at"],
                     None if row["alert"] is None else json.dumps(row["alert"], ensure_ascii=False)))
                running[inv_id] = _Running(int(cur.lastrowid or 0))
                started += 1
                continue
            state = running.get(inv_id)
            if state is None:
                continue
            if kind == "event":
                _, _, seq, etype, data, at = op
                db.execute("INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?)",
                           (state.num, seq, etype, json.dumps(data, ensure_ascii=False, default=str), at))
                _count(state, etype, data)
                if etype == "approval_required" and data.get("id"):
                    db.execute("INSERT OR REPLACE INTO approval_links VALUES (?, ?, ?)",
                               (str(data["id"]), inv_id, state.num))
                dirty.add(inv_id)
            elif kind == "finish":
                _, _, outcome, at = op
                db.execute("UPDATE investigations SET outcome = ?, finished_at = ? WHERE num = ?",
                           (outcome, at, state.num))
                dirty.add(inv_id)
                finished.append(inv_id)
        for inv_id in dirty:
            s = running[inv_id]
            db.execute(
                "UPDATE investigations SET events = ?, tool_calls = ?, prompt_tokens = ?, completion_tokens = ?, "
                "llm_calls = ?, problem_type = ?, error_codes = ? WHERE num = ?",
                (s.events, s.tool_calls, s.prompt_tokens, s.completion_tokens, s.llm_calls, s.problem_type,
                 json.dumps(s.error_codes), s.num))
        for inv_id in finished:
            running.pop(inv_id, None)
        return started

    def _prune(self, db: sqlite3.Connection) -> None:
        try:
            row = db.execute("SELECT num FROM investigations ORDER BY num DESC LIMIT 1 OFFSET ?",
                             (self.max_investigations,)).fetchone()
            if row is None:
                return
            with db:
                db.execute("BEGIN")
                for table in ("events", "approval_links"):
                    db.execute(f"DELETE FROM {table} WHERE inv <= ?", (row[0],))
                db.execute("DELETE FROM investigations WHERE num <= ?", (row[0],))
        except sqlite3.Error as exc:
            log.error("audit trail: pruning failed", exc_info=exc)


def _count(state: _Running, etype: str, data: dict[str, Any]) -> None:
    state.events += 1
    match etype:
        case "classification":
            state.problem_type = str(data.get("problem_type"))
        case "tool_result":
            state.tool_calls += 1
        case "usage":
            state.prompt_tokens += int(data.get("prompt_tokens") or 0)
            state.completion_tokens += int(data.get("completion_tokens") or 0)
            state.llm_calls += int(data.get("llm_calls") or 0)
        case "error":
            state.error_codes.append(str(data.get("code")))
