"""Pending approvals: a command that changes the cluster waits here for a human decision.

The investigation pauses (its stream ends with `approval_required` then `done`); `POST /approvals/{id}`
resumes it as a new stream. Pending approvals live in SQLite under the data directory, so they survive a
restart, and expire after `approval_ttl_s`.

Nothing is stored raw: the question, the paused conversation's message texts, the commands, reasons and the
human's feedback are redacted before they are written (the model only ever saw redacted text, so resuming from
the redacted conversation changes nothing for it). Tool-call arguments are kept as the model wrote them:
they are what the human approves and what runs.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app.errors import CopilotError, NotFound
from app.redact import redact, redact_data

Status = Literal["pending", "approved", "rejected", "superseded"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS approval_groups (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    max_steps INTEGER NOT NULL,
    messages TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES approval_groups(id),
    tool_call_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    command TEXT NOT NULL,
    why TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    decided_at REAL,
    feedback TEXT
);
"""


class ApprovalExpired(CopilotError):
    code = "approval_expired"
    status = 410


class ApprovalDecided(CopilotError):
    code = "approval_already_decided"
    status = 409


@dataclass(frozen=True)
class Approval:
    id: str
    group_id: str
    tool_call_id: str
    tool: str
    command: str
    why: str
    status: Status
    created_at: float
    expires_at: float

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "tool": self.tool, "command": self.command, "why": self.why,
                "status": self.status, "created_at": self.created_at, "expires_at": self.expires_at}


@dataclass(frozen=True)
class PendingCall:
    tool_call_id: str
    tool: str
    command: str
    why: str


@dataclass(frozen=True)
class Resumption:
    """What the engine needs to continue: the conversation and the decision."""

    approval: Approval
    question: str
    max_steps: int
    messages: list[dict[str, Any]]
    approve: bool
    feedback: str | None


def redact_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as it may be stored: every message's content redacted, tool calls untouched."""
    return [{**m, "content": redact_data(m["content"])} if "content" in m else m for m in messages]


class ApprovalStore:
    def __init__(self, path: Path, ttl_s: float = 900.0) -> None:
        self.path = path
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        path.chmod(0o600)  # holds the paused conversation

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def signing_key(self) -> str:
        """A persistent key for HolmesGPT's approval tokens, so approvals survive a restart."""
        key_file = self.path.with_name("approval-signing.key")
        with self._lock:
            if not key_file.exists():
                key_file.write_text(secrets.token_hex(32))
                key_file.chmod(0o600)
            return key_file.read_text().strip()

    def add(self, question: str, max_steps: int, messages: list[dict[str, Any]],
            calls: list[PendingCall]) -> list[Approval]:
        group_id = secrets.token_hex(8)
        now = time.time()
        approvals = [
            Approval(f"apr-{secrets.token_hex(6)}", group_id, c.tool_call_id, c.tool, redact(c.command),
                     redact(c.why), "pending", now, now + self.ttl_s)
            for c in calls
        ]
        stored = json.dumps(redact_messages(json.loads(json.dumps(messages, default=str))))
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO approval_groups VALUES (?, ?, ?, ?)",
                             (group_id, redact(question), max_steps, stored))
            self._db.executemany(
                "INSERT INTO approvals (id, group_id, tool_call_id, tool, command, why, status, created_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(a.id, a.group_id, a.tool_call_id, a.tool, a.command, a.why, a.status, a.created_at, a.expires_at)
                 for a in approvals],
            )
        return approvals

    def _row(self, approval_id: str) -> Approval:
        row = self._db.execute(
            "SELECT id, group_id, tool_call_id, tool, command, why, status, created_at, expires_at "
            "FROM approvals WHERE id = ?", (approval_id,)).fetchone()
        if row is None:
            raise NotFound(f"no approval '{approval_id[:64]}'")
        return Approval(*row)

    def get(self, approval_id: str) -> Approval:
        with self._lock:
            return self._row(approval_id)

    def pending(self) -> list[Approval]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM approvals WHERE status = 'pending' AND expires_at > ? ORDER BY created_at",
                (time.time(),)).fetchall()
            return [self._row(r[0]) for r in rows]

    def decide(self, approval_id: str, approve: bool, feedback: str | None) -> Resumption:
        """Record the decision (once) and return what the engine needs to resume."""
        with self._lock, self._db:
            approval = self._row(approval_id)
            if approval.status != "pending":
                raise ApprovalDecided(f"approval {approval_id} was already {approval.status}")
            if approval.expires_at <= time.time():
                raise ApprovalExpired(f"approval {approval_id} expired; ask again to get a new one")
            self._db.execute("BEGIN")
            self._db.execute("UPDATE approvals SET status = ?, decided_at = ?, feedback = ? WHERE id = ?",
                             ("approved" if approve else "rejected", time.time(),
                              None if feedback is None else redact(feedback), approval_id))
            # The other calls paused with it are resolved by this resumption (the engine denies them).
            self._db.execute("UPDATE approvals SET status = 'superseded' WHERE group_id = ? AND status = 'pending'",
                             (approval.group_id,))
            question, max_steps, messages = self._db.execute(
                "SELECT question, max_steps, messages FROM approval_groups WHERE id = ?",
                (approval.group_id,)).fetchone()
        return Resumption(approval, question, max_steps, json.loads(messages), approve, feedback)
