"""What came in from Alertmanager, and the deduplication windows: SQLite, `data_dir/alerts.db`.

Two tables. `alert_windows`: one row per firing alert (fingerprint) under investigation, claimed
atomically with an upsert that only takes over a window that has expired — so two deliveries of the same
alert (Alertmanager resends a group on every change, and retries) start one investigation. A resolved
alert closes its window: when it fires again later, that is a new incident. `received_alerts`: every
alert received and what was done with it (investigating, duplicate, resolved, other_cluster, queue_full),
newest kept. Calls block: the API runs them in a worker thread.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Action = Literal["investigating", "duplicate", "resolved", "other_cluster", "queue_full"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_windows (
    fingerprint TEXT PRIMARY KEY,
    investigation_id TEXT NOT NULL,
    since REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS received_alerts (
    num INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    namespace TEXT,
    cluster TEXT,
    action TEXT NOT NULL,
    investigation_id TEXT,
    alert TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS received_alerts_by_fingerprint ON received_alerts (fingerprint, num);
"""
PRUNE_EVERY = 200


@dataclass(frozen=True)
class Received:
    """One alert as received, and what was done with it."""

    fingerprint: str
    name: str
    status: str
    namespace: str | None
    cluster: str | None
    action: Action
    investigation_id: str | None
    alert: dict[str, Any]
    received_at: float


class AlertStore:
    def __init__(self, path: Path, dedup_window_s: float, max_received: int = 10000) -> None:
        self.path = path
        self.dedup_window_s = dedup_window_s
        self.max_received = max_received
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._since_prune = 0

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        with contextlib.suppress(OSError):
            self.path.chmod(0o600)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        self._db = db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the alert store is not open")
        return self._db

    def claim(self, fingerprint: str, investigation_id: str, now: float | None = None) -> str | None:
        """Open a window for this alert, owned by `investigation_id`. Returns None when claimed, else the id
        of the investigation whose window is still open (the alert is a duplicate)."""
        now = time.time() if now is None else now
        with self._lock:
            db = self._conn()
            cur = db.execute(
                "INSERT INTO alert_windows (fingerprint, investigation_id, since) VALUES (?, ?, ?) "
                "ON CONFLICT (fingerprint) DO UPDATE SET investigation_id = excluded.investigation_id, "
                "since = excluded.since WHERE alert_windows.since <= ?",
                (fingerprint, investigation_id, now, now - self.dedup_window_s))
            if cur.rowcount == 1:
                return None
            row = db.execute("SELECT investigation_id FROM alert_windows WHERE fingerprint = ?",
                             (fingerprint,)).fetchone()
            return str(row[0]) if row else None

    def release(self, fingerprint: str, investigation_id: str) -> None:
        """Give a window back (its investigation never ran): the next delivery investigates."""
        with self._lock:
            self._conn().execute("DELETE FROM alert_windows WHERE fingerprint = ? AND investigation_id = ?",
                                 (fingerprint, investigation_id))

    def resolve(self, fingerprint: str) -> str | None:
        """Close the alert's window; returns the investigation it had, if any."""
        with self._lock:
            db = self._conn()
            row = db.execute("SELECT investigation_id FROM alert_windows WHERE fingerprint = ?",
                             (fingerprint,)).fetchone()
            db.execute("DELETE FROM alert_windows WHERE fingerprint = ?", (fingerprint,))
            return str(row[0]) if row else None

    def record(self, received: list[Received]) -> None:
        with self._lock:
            db = self._conn()
            with db:
                db.execute("BEGIN")
                db.executemany(
                    "INSERT INTO received_alerts (received_at, fingerprint, name, status, namespace, cluster, "
                    "action, investigation_id, alert) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(r.received_at, r.fingerprint, r.name, r.status, r.namespace, r.cluster, r.action,
                      r.investigation_id, json.dumps(r.alert, ensure_ascii=False)) for r in received])
            self._since_prune += len(received)
            if self._since_prune >= PRUNE_EVERY:
                self._since_prune = 0
                db.execute("DELETE FROM received_alerts WHERE num <= "
                           "(SELECT num FROM received_alerts ORDER BY num DESC LIMIT 1 OFFSET ?)",
                           (self.max_received,))

    def recent(self, limit: int, fingerprint: str | None = None) -> list[Received]:
        """Newest first."""
        clause, args = ("WHERE fingerprint = ?", [fingerprint]) if fingerprint else ("", [])
        with self._lock:
            rows = self._conn().execute(
                "SELECT fingerprint, name, status, namespace, cluster, action, investigation_id, alert, received_at "
                f"FROM received_alerts {clause} ORDER BY num DESC LIMIT ?", (*args, limit)).fetchall()
        return [Received(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8]) for r in rows]
