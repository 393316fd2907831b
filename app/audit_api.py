"""HTTP for the audit trail: list investigations, read one, replay one as SSE (following it live if running).

`GET /investigations/{id}/events` sends the stored events with the same event names and data as the
original SSE stream, `id:` = sequence number, resuming after `Last-Event-ID` (header, as EventSource
sends on reconnect) or `?last_event_id=`. Reads run in a worker thread on a read-only connection: the
event loop never waits on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.api import SSE_EVENT
from app.audit import AuditLog, Live
from app.errors import InvalidParameter, NotFound

router = APIRouter()

INVESTIGATION_ID = re.compile(r"^[0-9a-f]{16}$")
Outcome = Literal["answered", "approval_required", "error", "cancelled", "interrupted", "running"]
_SUMMARY_COLUMNS = ("id, kind, question, mode, namespace, client, approval_id, parent_id, problem_type, outcome, "
                    "started_at, finished_at, events, tool_calls, prompt_tokens, completion_tokens, llm_calls, "
                    "error_codes, alert")
_COLUMN_NAMES = [c.strip() for c in _SUMMARY_COLUMNS.split(",")]


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def _summary(d: dict[str, Any], *, outcome: str | None, events: int, tool_calls: int, usage: dict[str, int],
             error_codes: list[str], problem_type: str | None, parent_id: str | None) -> dict[str, Any]:
    started, finished = d["started_at"], d.get("finished_at")
    return {
        "id": d["id"], "kind": d["kind"], "question": d["question"], "mode": d["mode"],
        "namespace": d["namespace"], "client": d["client"], "approval_id": d["approval_id"],
        "parent_id": parent_id, "problem_type": problem_type, "outcome": outcome or "running",
        "started_at": iso(started), "finished_at": iso(finished),
        "duration_ms": None if finished is None else int((finished - started) * 1000),
        "events": events, "tool_calls": tool_calls, "usage": usage, "error_codes": error_codes,
        "alert": d.get("alert"),  # the Alertmanager alert that started it (kind "alert"), else null
    }


def summary_of_row(row: tuple[Any, ...]) -> dict[str, Any]:
    d = dict(zip(_COLUMN_NAMES, row, strict=True))
    d["alert"] = json.loads(d["alert"]) if d["alert"] else None
    usage = {k: d[k] for k in ("prompt_tokens", "completion_tokens", "llm_calls")}
    return _summary(d, outcome=d["outcome"], events=d["events"], tool_calls=d["tool_calls"], usage=usage,
                    error_codes=json.loads(d["error_codes"]), problem_type=d["problem_type"],
                    parent_id=d["parent_id"])


def summary_of_live(live: Live) -> dict[str, Any]:
    """A running investigation, from memory (its row may not be written yet)."""
    kinds = [(t, d) for t, d, _ in live.events]
    usage_events = [d for t, d in kinds if t == "usage"]
    usage = {k: sum(int(u.get(k) or 0) for u in usage_events) for k in ("prompt_tokens", "completion_tokens",
                                                                        "llm_calls")}
    return _summary({**live.summary, "finished_at": live.finished_at}, outcome=live.outcome, events=len(kinds),
                    tool_calls=sum(t == "tool_result" for t, _ in kinds), usage=usage,
                    error_codes=[str(d.get("code")) for t, d in kinds if t == "error"],
                    problem_type=next((str(d.get("problem_type")) for t, d in kinds if t == "classification"), None),
                    parent_id=None)


class AuditReader:
    """Queries on audit.db (blocking: call from a worker thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            yield db
        finally:
            db.close()

    def page(self, limit: int, before: str | None = None, problem_type: str | None = None,
             outcome: str | None = None) -> tuple[list[dict[str, Any]], bool] | None:
        """Newest first: (summaries, whether more follow). None: `before` names no stored investigation."""
        where: list[str] = []
        args: list[Any] = []
        with self._db() as db:
            if before is not None:
                found = db.execute("SELECT num FROM investigations WHERE id = ?", (before,)).fetchone()
                if found is None:
                    return None
                where.append("num < ?")
                args.append(found[0])
            if problem_type is not None:
                where.append("problem_type = ?")
                args.append(problem_type)
            if outcome == "running":
                where.append("outcome IS NULL")
            elif outcome is not None:
                where.append("outcome = ?")
                args.append(outcome)
            clause = f"WHERE {' AND '.join(where)}" if where else ""
            rows = db.execute(f"SELECT {_SUMMARY_COLUMNS} FROM investigations {clause} ORDER BY num DESC LIMIT ?",
                              (*args, limit + 1)).fetchall()
        return [summary_of_row(r) for r in rows[:limit]], len(rows) > limit

    def get(self, inv_id: str) -> dict[str, Any] | None:
        with self._db() as db:
            row = db.execute(f"SELECT {_SUMMARY_COLUMNS} FROM investigations WHERE id = ?", (inv_id,)).fetchone()
        return None if row is None else summary_of_row(row)

    def events(self, inv_id: str, after: int = 0) -> list[tuple[int, str, dict[str, Any], float]]:
        with self._db() as db:
            rows = db.execute(
                "SELECT e.seq, e.type, e.data, e.at FROM events e JOIN investigations i ON i.num = e.inv "
                "WHERE i.id = ? AND e.seq > ? ORDER BY e.seq", (inv_id, after)).fetchall()
        return [(seq, etype, json.loads(data), at) for seq, etype, data, at in rows]


def _audit(request: Request) -> tuple[AuditLog, AuditReader]:
    audit: AuditLog = request.app.state.audit
    return audit, AuditReader(audit.path)


def _known_id(investigation_id: str) -> str:
    if not INVESTIGATION_ID.match(investigation_id):
        raise NotFound(f"no investigation '{investigation_id[:40]}'")
    return investigation_id


@router.get("/investigations", summary="Recorded investigations, newest first")
async def list_investigations(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    before: Annotated[str | None, Query(max_length=40, description="Only those older than this id (paging).")] = None,
    problem_type: Annotated[str | None, Query(max_length=40, description="Filter by problem type.")] = None,
    outcome: Annotated[Outcome | None, Query(description="Filter by outcome.")] = None,
) -> dict[str, Any]:
    _, reader = _audit(request)
    found = await asyncio.to_thread(reader.page, limit, before, problem_type, outcome)
    if found is None:
        raise NotFound(f"no investigation '{(before or '')[:40]}' to page from")
    page, more = found
    return {"investigations": page, "next_before": page[-1]["id"] if more and page else None}


@router.get("/investigations/{investigation_id}", summary="One investigation: summary and every event")
async def get_investigation(request: Request, investigation_id: str) -> dict[str, Any]:
    inv_id = _known_id(investigation_id)
    audit, reader = _audit(request)
    live = audit.live(inv_id)
    if live is not None:
        events = [{"seq": i, "event": t, "data": d, "at": iso(at)}
                  for i, (t, d, at) in enumerate(list(live.events), 1)]
        return {"investigation": summary_of_live(live), "events": events}
    summary = await asyncio.to_thread(reader.get, inv_id)
    if summary is None:
        raise NotFound(f"no investigation '{inv_id}'")
    stored = await asyncio.to_thread(reader.events, inv_id)
    return {"investigation": summary, "events": [{"seq": seq, "event": t, "data": d, "at": iso(at)}
                                                 for seq, t, d, at in stored]}


def _resume_point(request: Request, last_event_id: str | None) -> int:
    raw = request.headers.get("last-event-id", last_event_id)
    if raw is None or raw.strip() == "":
        return 0
    if not raw.strip().isdigit() or len(raw.strip()) > 12:
        raise InvalidParameter("last_event_id: must be a non-negative integer (an event's sequence number)")
    return int(raw.strip())


@router.get("/investigations/{investigation_id}/events",
            summary="Replay an investigation as SSE (follows it live while it runs)",
            responses={200: {"description": "The stored events as SSE, `id:` = sequence number.",
                             "content": {"text/event-stream": {"schema": SSE_EVENT}}}})
async def replay_investigation(
    request: Request, investigation_id: str,
    last_event_id: Annotated[str | None, Query(max_length=20, description="Resume after this event.")] = None,
) -> Response:
    inv_id = _known_id(investigation_id)
    after = _resume_point(request, last_event_id)
    audit, reader = _audit(request)
    live = audit.live(inv_id)
    if live is None and await asyncio.to_thread(reader.get, inv_id) is None:
        raise NotFound(f"no investigation '{inv_id}'")
    return EventSourceResponse(_replay(reader, live, inv_id, after), ping=15,
                               headers={"X-Investigation-Id": inv_id})


async def _replay(reader: AuditReader, live: Live | None, inv_id: str, after: int) -> AsyncIterator[ServerSentEvent]:
    if live is None:
        for seq, etype, data, _ in await asyncio.to_thread(reader.events, inv_id, after):
            yield _sse(seq, etype, data)
        return
    index = after
    while True:
        while index < len(live.events):
            etype, data, _ = live.events[index]
            index += 1
            yield _sse(index, etype, data)
        if live.finished:
            return
        await live.changed.wait()


def _sse(seq: int, etype: str, data: dict[str, Any]) -> ServerSentEvent:
    # Stored events were redacted before they were recorded (app/stream.py `respond`): replay as stored.
    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event=etype, id=str(seq))
