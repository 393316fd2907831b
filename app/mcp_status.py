"""The real state of each configured MCP server: connect, initialize, list tools, time it.

An unreachable server is a reported status, never a failed startup.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx

from app.settings import McpServer

PROBE_TIMEOUT_S = 5.0
CACHE_S = 15.0


@dataclass(frozen=True)
class McpStatus:
    name: str
    url: str | None
    mode: str
    enabled: bool
    connected: bool
    tools: list[str]
    last_error: str | None
    latency_ms: int | None
    checked_at: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "mode": self.mode,
            "enabled": self.enabled,
            "connected": self.connected,
            "tool_count": len(self.tools),
            "tools": self.tools,
            "last_error": self.last_error,
            "latency_ms": self.latency_ms,
            "checked_at": self.checked_at,
        }


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return _describe(exc.exceptions[0])
    if isinstance(exc, TimeoutError):
        return f"no answer within {PROBE_TIMEOUT_S:g}s"
    if isinstance(exc, httpx.HTTPStatusError):
        code = exc.response.status_code
        hint = " (check the server's `headers`, e.g. Authorization)" if code in (401, 403) else ""
        return f"HTTP {code} {exc.response.reason_phrase}{hint}".rstrip()
    if isinstance(exc, httpx.ConnectError | ConnectionError):
        return "connection refused or host unreachable"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


async def _list_tools(server: McpServer) -> list[str]:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.sse import sse_client
    from mcp.client.stdio import stdio_client
    from mcp.client.streamable_http import streamable_http_client

    cfg = server.config
    async with AsyncExitStack() as stack:
        if cfg.mode == "stdio":
            if not cfg.command:
                raise ValueError("stdio mode needs `command`")
            params = StdioServerParameters(command=cfg.command, args=cfg.args, env=cfg.env or None)
            read, write = await stack.enter_async_context(stdio_client(params))
        elif not cfg.url:
            raise ValueError(f"{cfg.mode} mode needs `url`")
        elif cfg.mode == "sse":
            url = cfg.url if cfg.url.rstrip("/").endswith("/sse") else cfg.url.rstrip("/") + "/sse"
            read, write = await stack.enter_async_context(
                sse_client(url, headers=cfg.headers, timeout=PROBE_TIMEOUT_S)
            )
        else:
            client = await stack.enter_async_context(
                httpx.AsyncClient(headers=cfg.headers, timeout=PROBE_TIMEOUT_S, follow_redirects=True)
            )
            read, write, _ = await stack.enter_async_context(
                streamable_http_client(cfg.url, http_client=client)
            )
        session = await stack.enter_async_context(ClientSession(read, write))
        await session.initialize()
        listed = await session.list_tools()
        return [tool.name for tool in listed.tools]


async def probe(name: str, server: McpServer) -> McpStatus:
    cfg = server.config
    if not server.enabled:
        return McpStatus(name, cfg.url, cfg.mode, False, False, [], None, None, None)
    started = time.monotonic()
    try:
        tools = await asyncio.wait_for(_list_tools(server), PROBE_TIMEOUT_S * 2)
    except Exception as exc:  # noqa: BLE001 - any failure of an external server is a status to report
        return McpStatus(name, cfg.url, cfg.mode, True, False, [], _describe(exc), None, time.time())
    latency = int((time.monotonic() - started) * 1000)
    return McpStatus(name, cfg.url, cfg.mode, True, True, tools, None, latency, time.time())


class McpMonitor:
    """Probes on demand, at most every CACHE_S seconds."""

    def __init__(self, servers: dict[str, McpServer]) -> None:
        self.servers = servers
        self._statuses: list[McpStatus] = []
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()

    async def statuses(self) -> list[McpStatus]:
        async with self._lock:
            if time.monotonic() - self._checked_at >= CACHE_S:
                self._statuses = list(
                    await asyncio.gather(*(probe(n, s) for n, s in self.servers.items()))
                )
                self._checked_at = time.monotonic()
            return self._statuses
