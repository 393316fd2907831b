"""The LLM engine's Prometheus and MCP toolsets, against a real Prometheus and real MCP servers.

The scripted LLM (the only fake) asks for the tools; the assertions look at what HolmesGPT offered the
model and at the tool results the model received in its next request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.engine.holmes_config import McpPlan, mcp_plan, response_limit_pct, toolset_states
from app.main import create_app
from app.settings import McpServer, McpServerConfig
from tests.support.app import llm_settings
from tests.support.client import first, kinds, sse_events
from tests.support.fake_llm import FakeLLM, text, tool_call, tool_calls
from tests.support.mcp_servers import McpFleet
from tests.support.prometheus import PrometheusServer, free_port, prometheus  # noqa: F401
from tests.support.server import ServerThread

PROMETHEUS_TOOLS = {
    "list_prometheus_rules", "get_metric_names", "get_label_values", "get_all_labels", "get_series",
    "get_metric_metadata", "execute_prometheus_instant_query", "execute_prometheus_range_query",
}


def wait_for_engine(url: str) -> dict[str, dict[str, Any]]:
    """/tools once HolmesGPT has been built (it loads in the background after startup)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        toolsets = httpx.get(f"{url}/tools", timeout=30).json()["toolsets"]
        if not any(t["name"] == "holmesgpt" and t["status"] == "loading" for t in toolsets):
            by_name: dict[str, dict[str, Any]] = {}
            for toolset in toolsets:
                by_name.setdefault(toolset["name"], toolset)  # the first of a name (ours, before clashes)
            return by_name
        time.sleep(0.2)
    raise AssertionError("the LLM engine did not finish loading")


@pytest.fixture(scope="module")
def fleet() -> Iterator[McpFleet]:
    with McpFleet() as servers:
        yield servers


@pytest.fixture(scope="module")
def engine_service(
    tmp_path_factory: pytest.TempPathFactory,
    fake_llm_server: FakeLLM,
    prometheus: PrometheusServer,  # noqa: F811
    fleet: McpFleet,
) -> Iterator[str]:
    """The service with the scripted LLM, a real Prometheus and every kind of MCP server configured."""
    servers: dict[str, Any] = fleet.servers(unreachable_url=f"http://127.0.0.1:{free_port()}/mcp")
    servers["kubernetes"] = {"config": {"url": fleet.http["logs-http"].url, "mode": "streamable-http"}}
    servers["no-command"] = {"config": {"mode": "stdio"}}
    settings = llm_settings(tmp_path_factory.mktemp("engine"), fake_llm_server, prometheus_url=prometheus.url,
                            mcp_servers=servers)
    # A transport this HolmesGPT does not speak (our settings would refuse it; a newer config might not).
    settings.mcp_servers["websocket"] = McpServer(
        config=McpServerConfig.model_construct(mode="websocket", url="ws://127.0.0.1:9/ws", headers={}))
    with ServerThread(create_app(settings)) as server:
        wait_for_engine(server.url)
        yield server.url


def offered_tools(request: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in request.get("tools") or []}


def tool_messages(request: dict[str, Any]) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


def tool_payload(message: str) -> dict[str, Any]:
    """The JSON a tool returned, out of HolmesGPT's tool message (`tool_call_metadata={...}{payload}`)."""
    decoder = json.JSONDecoder()
    start = message.index("tool_call_metadata=") + len("tool_call_metadata=")
    _metadata, end = decoder.raw_decode(message, start)
    payload, _ = decoder.raw_decode(message, end)
    assert isinstance(payload, dict)
    return payload


# -- /tools ---------------------------------------------------------------------------------------
def test_tools_lists_prometheus_and_every_mcp_server(engine_service: str) -> None:
    tools = wait_for_engine(engine_service)
    assert tools["kubernetes"]["status"] == "enabled"
    assert tools["prometheus/metrics"]["status"] == "enabled", tools["prometheus/metrics"]["error"]
    assert set(tools["prometheus/metrics"]["tools"]) == PROMETHEUS_TOOLS
    for name in McpFleet.CONNECTED:
        assert tools[name]["status"] == "enabled", tools[name]
        assert tools[name]["type"] == "mcp"
        prefix = name.replace("-", "_")
        # Five servers offer the same tools: HolmesGPT namespaces them, and /tools shows those names.
        assert tools[name]["tools"] == [f"{prefix}__search_logs", f"{prefix}__count_errors"]
    assert "401" in tools["no-token"]["error"]
    assert "401" in tools["wrong-token"]["error"]
    assert tools["unreachable"]["status"] == "failed"
    assert "All connection attempts failed" in tools["unreachable"]["error"]
    assert "retry automatically" not in tools["unreachable"]["error"]  # it does not, in library use
    assert tools["switched-off"]["status"] == "disabled"
    assert tools["no-command"] == {"name": "no-command", "type": "mcp", "status": "failed", "tools": [],
                                   "error": "stdio mode needs `command`"}
    listed = httpx.get(f"{engine_service}/tools", timeout=30).json()["toolsets"]
    clash = [t for t in listed if t["name"] == "kubernetes" and t["status"] == "failed"]
    assert len(clash) == 1 and "taken by a built-in toolset" in clash[0]["error"]
    assert tools["kubernetes"]["tools"] == ["kubectl", "kubectl_action"]  # ours is untouched
    assert tools["websocket"]["status"] == "failed"
    assert "mode 'websocket' is not supported" in tools["websocket"]["error"]


def test_mcp_status_shows_what_the_engine_loaded(engine_service: str) -> None:
    servers = {s["name"]: s for s in httpx.get(f"{engine_service}/api/v1/mcp/status", timeout=60).json()["servers"]}
    assert servers["logs-stdio"]["connected"] is True
    assert servers["logs-stdio"]["llm_toolset"]["status"] == "enabled"
    assert servers["logs-stdio"]["llm_toolset"]["tools"] == ["logs_stdio__search_logs", "logs_stdio__count_errors"]
    assert servers["unreachable"]["connected"] is False
    assert servers["unreachable"]["llm_toolset"]["status"] == "failed"


# -- the model calls them -------------------------------------------------------------------------
def test_the_model_queries_the_real_prometheus(
    engine_service: str, fake_llm: FakeLLM, prometheus: PrometheusServer  # noqa: F811
) -> None:
    fake_llm.script(
        tool_call("execute_prometheus_instant_query", {"query": 'up{job="prometheus"}', "description": "targets"}),
        text("Prometheus scrapes itself and is up."),
    )
    events = sse_events(engine_service, {"q": "is prometheus scraping?", "mode": "llm"})
    assert kinds(events)[-1] == "done"
    assert first(events, "tool_call")["tool"] == "execute_prometheus_instant_query"
    assert first(events, "tool_result")["status"] == "success"
    asked, answered = fake_llm.investigation_requests
    assert offered_tools(asked) >= PROMETHEUS_TOOLS
    [result] = tool_messages(answered)
    payload = tool_payload(result)
    assert payload["status"] == "success"
    [series] = payload["data"]["result"]  # the real series, from the real server
    assert series["metric"] == {"__name__": "up", "instance": f"127.0.0.1:{prometheus.port}", "job": "prometheus"}
    assert series["value"][1] == "1"


def test_the_model_runs_a_range_query(
    engine_service: str, fake_llm: FakeLLM, prometheus: PrometheusServer  # noqa: F811
) -> None:
    fake_llm.script(
        tool_call("execute_prometheus_range_query", {"query": 'up{job="prometheus"}', "description": "up over time",
                                                     "output_type": "Plain"}),
        text("It has been up the whole hour."),
    )
    events = sse_events(engine_service, {"q": "has prometheus been up?", "mode": "llm"})
    assert first(events, "tool_result")["status"] == "success"
    [result] = tool_messages(fake_llm.investigation_requests[1])
    [series] = tool_payload(result)["data"]["result"]
    assert series["metric"]["instance"] == f"127.0.0.1:{prometheus.port}"
    assert series["values"] and all(value == "1" for _, value in series["values"])


def test_a_huge_prometheus_result_is_summarised_not_sent(
    engine_service: str, fake_llm: FakeLLM, prometheus: PrometheusServer  # noqa: F811
) -> None:
    everything = '{__name__=~".+"}'
    raw = httpx.get(f"{prometheus.url}/api/v1/query", params={"query": everything}, timeout=30).text
    assert len(raw) > 30_000  # what an unbounded tool would hand the model
    fake_llm.script(
        tool_call("execute_prometheus_instant_query", {"query": everything, "description": "all series"}),
        text("Too much; narrowing down."),
    )
    sse_events(engine_service, {"q": "show me every metric", "mode": "llm"})
    [result] = tool_messages(fake_llm.investigation_requests[1])
    payload = tool_payload(result)
    assert payload["data"] is None
    assert payload["data_summary"]["message"].startswith("Data too large to return")
    assert payload["data_summary"]["result_count"] > 100
    assert "topk(" in payload["data_summary"]["suggestion"]  # HolmesGPT's advice to narrow the query
    assert len(result) < 12000  # tool_output_max_chars


def test_the_model_calls_mcp_tools_over_every_transport(engine_service: str, fake_llm: FakeLLM) -> None:
    calls = [
        ("logs_sse__search_logs", {"query": "payment timeout"}),
        ("logs_http__search_logs", {"query": "payment timeout"}),
        ("secure_sse__count_errors", {"service": "payment-api"}),
        ("secure_http__search_logs", {"query": "database"}),
        ("logs_stdio__count_errors", {"service": "checkout"}),
    ]
    fake_llm.script(tool_calls(calls), text("**Root cause**: payment-api cannot reach its database."))
    events = sse_events(engine_service, {"q": "why do payments time out?", "mode": "llm"})
    results = [data for kind, data in events if kind == "tool_result"]
    assert [r["status"] for r in results] == ["success"] * len(calls)
    asked, answered = fake_llm.investigation_requests
    offered = offered_tools(asked)
    assert {name for name, _ in calls} <= offered
    assert not any(name.startswith(("no_token__", "unreachable__", "switched_off__")) for name in offered)
    received = tool_messages(answered)
    assert len(received) == len(calls)
    # The servers' real answers, each tagged with the server that produced it.
    assert any("[logs-sse] 2 log lines match 'payment timeout'" in r for r in received)
    assert any("[logs-http] 2 log lines match 'payment timeout'" in r for r in received)
    assert any("[secure-sse] payment-api: 42 errors in the last hour" in r for r in received)
    assert any("[secure-http] 2 log lines match 'database'" in r and "connection refused" in r for r in received)
    assert any("[logs-stdio] checkout: 42 errors in the last hour" in r for r in received)
    assert "cannot reach its database" in first(events, "answer")["text"]


# -- pure parts -------------------------------------------------------------------------------------
def test_mcp_plan_passes_only_what_each_mode_needs() -> None:
    servers = {
        "http": McpServer(config=McpServerConfig(url="http://127.0.0.1:1/mcp", mode="streamable-http",
                                                 headers={"Authorization": "Bearer t"}, args=["ignored"])),
        "stdio": McpServer(config=McpServerConfig(mode="stdio", command="python", args=["s.py"], env={"A": "1"}),
                           description="Local tools"),
        "off": McpServer(config=McpServerConfig(url="http://127.0.0.1:1/sse"), enabled=False),
        "prometheus/metrics": McpServer(config=McpServerConfig(url="http://127.0.0.1:1/sse")),
    }
    plan = mcp_plan(servers, ["sse", "streamable-http", "stdio"])
    assert plan.servers == {
        "http": {"description": "MCP server http", "config": {
            "mode": "streamable-http", "url": "http://127.0.0.1:1/mcp", "headers": {"Authorization": "Bearer t"}}},
        "stdio": {"description": "Local tools", "config": {
            "mode": "stdio", "command": "python", "args": ["s.py"], "env": {"A": "1"}}},
    }
    assert plan.disabled == ["off"]
    assert "taken by a built-in toolset" in plan.rejected["prometheus/metrics"]
    only_http = mcp_plan(servers, ["sse", "streamable-http"])
    assert only_http.rejected["stdio"] == \
        "mode 'stdio' is not supported by this HolmesGPT (supported: sse, streamable-http)"


def test_response_limit_follows_tool_output_max_chars() -> None:
    assert response_limit_pct(12000, 200_000) == 1  # 3,000 tokens: 1% is the smallest step
    assert response_limit_pct(80_000, 200_000) == 10
    assert response_limit_pct(10**9, 1000) == 100


def test_toolset_states_for_an_empty_executor() -> None:
    plan = McpPlan({}, {"bad": "why"}, ["off"])
    assert [(s.name, s.status, s.error) for s in toolset_states([], plan)] == [
        ("bad", "failed", "why"), ("off", "disabled", "switched off in the config (enabled: false)")]


def test_an_unreachable_prometheus_is_a_failed_toolset_not_a_failed_engine(
    tmp_path_factory: pytest.TempPathFactory, fake_llm: FakeLLM
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    settings = llm_settings(tmp_path_factory.mktemp("down"), fake_llm, prometheus_url=down)
    with ServerThread(create_app(settings)) as server:
        tools = wait_for_engine(server.url)
        fake_llm.script(text("Answered without metrics."))
        events = sse_events(server.url, {"q": "cpu usage?", "mode": "llm"})
    assert tools["prometheus/metrics"]["status"] == "failed"
    assert tools["prometheus/metrics"]["tools"] == []
    assert f"{down}/api/v1/query?query=up" in tools["prometheus/metrics"]["error"]
    assert "Connection refused" in tools["prometheus/metrics"]["error"]
    assert first(events, "answer")["text"] == "Answered without metrics."
    assert not PROMETHEUS_TOOLS & offered_tools(fake_llm.investigation_requests[0])
