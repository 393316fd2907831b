"""Real MCP servers for tests, built with the `mcp` SDK's FastMCP.

- `McpHttpServer("sse" | "streamable-http", token=None)`: a real uvicorn on 127.0.0.1 in a thread. With a
  token, every HTTP request without `Authorization: Bearer <token>` gets a 401 (and is counted).
- `stdio_command()`: argv of the stdio server (`mcp_stdio_server.py`, run with this Python).

All of them offer the same two tools with canned answers, tagged with the server's name so a test can
tell which server answered.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any, Literal

from mcp.server.fastmcp import FastMCP
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.support.server import ServerThread

STDIO_SCRIPT = Path(__file__).with_name("mcp_stdio_server.py")
Transport = Literal["sse", "streamable-http"]


def canned_logs(server: str, query: str) -> str:
    return (
        f"[{server}] 2 log lines match '{query}':\n"
        "2024-05-01T10:00:01Z payment-api ERROR dial tcp 10.0.0.7:5432: connect: connection refused\n"
        "2024-05-01T10:00:03Z payment-api ERROR giving up on database after 3 retries"
    )


def build_mcp(server: str) -> FastMCP:
    """A FastMCP server with `search_logs` and `count_errors`."""
    mcp = FastMCP(server, host="127.0.0.1", log_level="WARNING")

    @mcp.tool()
    def search_logs(query: str) -> str:
        """Search the central log store; returns matching log lines."""
        return canned_logs(server, query)

    @mcp.tool()
    def count_errors(service: str) -> str:
        """Count ERROR lines of one service in the last hour."""
        return f"[{server}] {service}: 42 errors in the last hour"

    return mcp


class BearerAuth:
    """ASGI middleware: HTTP requests need `Authorization: Bearer <token>`; others get a 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.rejected = 0
        self.accepted = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if headers.get(b"authorization") != self.expected:
            with self._lock:
                self.rejected += 1
            body = b'{"error": "missing or invalid bearer token"}'
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"www-authenticate", b"Bearer"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        with self._lock:
            self.accepted += 1
        await self.app(scope, receive, send)


class McpHttpServer:
    """`with McpHttpServer("sse", name="logs") as srv:` → `srv.url` is the transport's endpoint."""

    def __init__(self, transport: Transport, name: str = "logs", token: str | None = None) -> None:
        self.transport = transport
        self.name = name
        mcp = build_mcp(name)
        app: Any = mcp.sse_app() if transport == "sse" else mcp.streamable_http_app()
        self.auth = BearerAuth(app, token) if token else None
        self._thread = ServerThread(self.auth or app)

    def __enter__(self) -> McpHttpServer:
        self._thread.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.__exit__(*exc)

    @property
    def base_url(self) -> str:
        return self._thread.url

    @property
    def url(self) -> str:
        """The endpoint a client is configured with: `/sse` or `/mcp`."""
        return self.base_url + ("/sse" if self.transport == "sse" else "/mcp")


def stdio_command() -> tuple[str, list[str]]:
    return sys.executable, [str(STDIO_SCRIPT)]


TOKEN = "s3cret-token"


class McpFleet:
    """Every kind of server at once: SSE and streamable-http, each open and bearer-protected, plus stdio.

    `servers()` is the `mcp_servers` setting for all of them (auth headers included), plus entries that
    must fail: a protected server without its header, one with a wrong token, and one nobody listens on.
    """

    def __init__(self) -> None:
        self.http = {
            "logs-sse": McpHttpServer("sse", "logs-sse"),
            "logs-http": McpHttpServer("streamable-http", "logs-http"),
            "secure-sse": McpHttpServer("sse", "secure-sse", token=TOKEN),
            "secure-http": McpHttpServer("streamable-http", "secure-http", token=TOKEN),
        }

    def __enter__(self) -> McpFleet:
        for server in self.http.values():
            server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.http.values():
            server.__exit__(*exc)

    def servers(self, unreachable_url: str) -> dict[str, dict[str, Any]]:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        command, args = stdio_command()
        h = self.http
        return {
            # SSE configured with the bare base URL: `/sse` is appended, as HolmesGPT does.
            "logs-sse": {"config": {"url": h["logs-sse"].base_url, "mode": "sse"}, "description": "Log search"},
            "logs-http": {"config": {"url": h["logs-http"].url, "mode": "streamable-http"}},
            "secure-sse": {"config": {"url": h["secure-sse"].url, "mode": "sse", "headers": auth}},
            "secure-http": {"config": {"url": h["secure-http"].url, "mode": "streamable-http", "headers": auth}},
            "logs-stdio": {"config": {"mode": "stdio", "command": command, "args": [*args, "logs-stdio"]}},
            "no-token": {"config": {"url": h["secure-http"].url, "mode": "streamable-http"}},
            "wrong-token": {"config": {"url": h["secure-sse"].url, "mode": "sse",
                                       "headers": {"Authorization": "Bearer wrong"}}},
            "unreachable": {"config": {"url": unreachable_url, "mode": "streamable-http"}},
            "switched-off": {"config": {"url": unreachable_url, "mode": "sse"}, "enabled": False},
        }

    CONNECTED = ("logs-sse", "logs-http", "secure-sse", "secure-http", "logs-stdio")
    FAILING = ("no-token", "wrong-token", "unreachable")
