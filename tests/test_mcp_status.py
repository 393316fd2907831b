"""MCP server status against real MCP servers (FastMCP over SSE, streamable-http and stdio)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.mcp_status import McpMonitor, probe
from app.settings import McpServer, McpServerConfig
from tests.support.app import service_settings
from tests.support.mcp_servers import McpFleet
from tests.support.prometheus import free_port
from tests.support.server import ServerThread


@pytest.fixture(scope="module")
def fleet() -> Iterator[McpFleet]:
    with McpFleet() as servers:
        yield servers


@pytest.fixture(scope="module")
def configured(fleet: McpFleet) -> dict[str, McpServer]:
    raw = fleet.servers(unreachable_url=f"http://127.0.0.1:{free_port()}/mcp")
    return {name: McpServer.model_validate(value) for name, value in raw.items()}


@pytest.mark.parametrize("name", McpFleet.CONNECTED)
async def test_probe_connects_and_lists_the_real_tools(configured: dict[str, McpServer], name: str) -> None:
    status = await probe(name, configured[name])
    assert status.connected, status.last_error
    assert status.tools == ["search_logs", "count_errors"]
    assert status.last_error is None
    assert status.latency_ms is not None and status.latency_ms >= 0
    assert status.as_dict()["tool_count"] == 2


async def test_the_bearer_header_is_what_gets_through(fleet: McpFleet, configured: dict[str, McpServer]) -> None:
    auth = fleet.http["secure-http"].auth
    assert auth is not None
    before = (auth.accepted, auth.rejected)
    assert (await probe("secure-http", configured["secure-http"])).connected
    assert auth.accepted > before[0]
    missing = await probe("no-token", configured["no-token"])
    assert auth.rejected > before[1]
    assert not missing.connected
    assert missing.last_error == "HTTP 401 Unauthorized (check the server's `headers`, e.g. Authorization)"


async def test_a_wrong_token_over_sse_is_reported(configured: dict[str, McpServer]) -> None:
    status = await probe("wrong-token", configured["wrong-token"])
    assert not status.connected
    assert status.last_error is not None and "401" in status.last_error
    assert status.tools == []


async def test_unreachable_and_switched_off_servers(configured: dict[str, McpServer]) -> None:
    down = await probe("unreachable", configured["unreachable"])
    assert not down.connected
    assert down.last_error == "connection refused or host unreachable"
    assert down.latency_ms is None
    off = await probe("switched-off", configured["switched-off"])
    assert (off.enabled, off.connected, off.last_error, off.checked_at) == (False, False, None, None)


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"mode": "stdio"}, "stdio mode needs `command`"),
        ({"mode": "streamable-http"}, "streamable-http mode needs `url`"),
        ({"mode": "stdio", "command": "/nonexistent/mcp-server"}, "FileNotFoundError"),
    ],
)
async def test_unusable_configs_are_a_status(config: dict[str, str], error: str) -> None:
    status = await probe("broken", McpServer(config=McpServerConfig.model_validate(config)))
    assert not status.connected
    assert status.last_error is not None and error in status.last_error


async def test_monitor_probes_every_server_and_caches(configured: dict[str, McpServer]) -> None:
    monitor = McpMonitor(configured)
    first = await monitor.statuses()
    assert [s.name for s in first] == list(configured)
    by_name = {s.name: s for s in first}
    assert all(by_name[n].connected for n in McpFleet.CONNECTED)
    assert not any(by_name[n].connected for n in McpFleet.FAILING)
    again = await monitor.statuses()
    assert [s.checked_at for s in again] == [s.checked_at for s in first]  # served from the cache


def test_status_endpoint_and_tools_without_an_llm(tmp_path: Path, fleet: McpFleet) -> None:
    servers = fleet.servers(unreachable_url=f"http://127.0.0.1:{free_port()}/mcp")
    with ServerThread(create_app(service_settings(tmp_path, mcp_servers=servers))) as service:
        assert httpx.get(f"{service.url}/health", timeout=30).status_code == 200  # nothing fails startup
        body = httpx.get(f"{service.url}/api/v1/mcp/status", timeout=60).json()
        tools = {t["name"]: t for t in httpx.get(f"{service.url}/tools", timeout=30).json()["toolsets"]}
    status = {s["name"]: s for s in body["servers"]}
    assert set(status) == set(servers)
    for name in McpFleet.CONNECTED:
        assert status[name]["connected"] is True, status[name]
        assert status[name]["tools"] == ["search_logs", "count_errors"]
        assert isinstance(status[name]["latency_ms"], int)
        assert status[name]["llm_toolset"] is None  # no LLM engine
    assert status["logs-stdio"]["mode"] == "stdio"
    assert status["logs-sse"]["url"] == fleet.http["logs-sse"].base_url
    for name in McpFleet.FAILING:
        assert status[name]["connected"] is False
        assert status[name]["last_error"]
    assert status["switched-off"]["enabled"] is False
    # Without an LLM nothing uses MCP tools; /tools says so rather than listing them as usable.
    assert tools["logs-sse"]["status"] == "disabled"
    assert tools["logs-sse"]["type"] == "mcp"
    assert "no LLM is configured" in tools["logs-sse"]["error"]
