"""Errors raised while loading or serving a snapshot."""

from __future__ import annotations


class SnapshotError(ValueError):
    """A snapshot directory is missing, malformed or inconsistent; the message says what and where."""


class ApiError(Exception):
    """A request the API server refuses; becomes a `Status` body with this code and reason."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details


class QueryError(ValueError):
    """A query parameter the API server would refuse with 400 Bad Request (the message says which)."""
