"""Errors raised while loading or serving a snapshot."""

from __future__ import annotations


class SnapshotError(ValueError):
    """A snapshot directory is missing, malformed or inconsistent; the message says what and where."""
