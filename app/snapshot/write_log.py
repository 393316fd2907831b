"""The record of every write request the snapshot server received, applied or not.

Kept so tests (and an attack suite) can see every write that would have reached a cluster: read it with
`RunningSnapshot.writes` or `GET /_snapshot/writes`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class WriteRecord:
    """One POST/PUT/PATCH/DELETE: what was asked and what the server answered."""

    time: str
    method: str
    path: str
    query: str
    content_type: str
    body: Any  # decoded JSON when the body is JSON, else its text
    status: int
    dry_run: bool
    applied: bool  # True only when the write changed the in-memory cluster

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def decode_body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return body.decode("utf-8", errors="replace")


class WriteLog:
    """A thread-safe list of WriteRecords: the server thread appends, tests read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[WriteRecord] = []

    def add(self, method: str, path: str, query: str, content_type: str, body: bytes, status: int,
            dry_run: bool) -> WriteRecord:
        record = WriteRecord(
            time=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            method=method, path=path, query=query, content_type=content_type, body=decode_body(body),
            status=status, dry_run=dry_run, applied=200 <= status < 300 and not dry_run)
        with self._lock:
            self._records.append(record)
        return record

    def records(self) -> list[WriteRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
