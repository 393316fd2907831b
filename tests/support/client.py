"""Small helpers to read the service's streams the way a user's client would."""

from __future__ import annotations

import json
from typing import Any

import httpx
from httpx_sse import connect_sse


def sse_events(base_url: str, params: dict[str, Any], timeout: float = 120) -> list[tuple[str, dict[str, Any]]]:
    """GET /ask as SSE; return (event, data) pairs in order."""
    out: list[tuple[str, dict[str, Any]]] = []
    with httpx.Client(base_url=base_url, timeout=timeout) as client, connect_sse(
        client, "GET", "/ask", params={**params, "format": "sse"}
    ) as source:
        assert source.response.headers["content-type"].startswith("text/event-stream")
        for sse in source.iter_sse():
            out.append((sse.event, json.loads(sse.data)))
    return out


def kinds(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [name for name, _ in events]


def first(events: list[tuple[str, dict[str, Any]]], name: str) -> dict[str, Any]:
    return next(data for kind, data in events if kind == name)


def calls_of(events: list[tuple[str, dict[str, Any]]], tool: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(tool_call, tool_result) pairs for one tool, in order."""
    results = {d["id"]: d for k, d in events if k == "tool_result"}
    return [(d, results.get(d["id"], {})) for k, d in events if k == "tool_call" and d["tool"] == tool]
