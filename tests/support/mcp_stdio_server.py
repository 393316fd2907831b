"""A real MCP server speaking stdio (run as `python mcp_stdio_server.py [name]`), for tests.

Standalone on purpose: the client starts it as a subprocess, so it imports nothing from `tests`.
Its tools answer like `tests.support.mcp_servers.build_mcp` (same tool names, tagged with its name).
"""

from __future__ import annotations

import sys

from mcp.server.fastmcp import FastMCP


def main() -> None:
    server = sys.argv[1] if len(sys.argv) > 1 else "stdio-logs"
    mcp = FastMCP(server, log_level="WARNING")

    @mcp.tool()
    def search_logs(query: str) -> str:
        """Search the central log store; returns matching log lines."""
        return (
            f"[{server}] 2 log lines match '{query}':\n"
            "2024-05-01T10:00:01Z payment-api ERROR dial tcp 10.0.0.7:5432: connect: connection refused\n"
            "2024-05-01T10:00:03Z payment-api ERROR giving up on database after 3 retries"
        )

    @mcp.tool()
    def count_errors(service: str) -> str:
        """Count ERROR lines of one service in the last hour."""
        return f"[{server}] {service}: 42 errors in the last hour"

    mcp.run("stdio")


if __name__ == "__main__":
    main()
