"""Snapshot clusters: a read-only Kubernetes API server over a captured snapshot directory."""

from app.snapshot.errors import SnapshotError
from app.snapshot.server import RunningSnapshot, create_snapshot_app, start_snapshot_server
from app.snapshot.store import Snapshot, load_snapshot

__all__ = ["RunningSnapshot", "Snapshot", "SnapshotError", "create_snapshot_app", "load_snapshot",
           "start_snapshot_server"]
