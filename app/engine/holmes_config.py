"""What the HolmesGPT engine is given for Prometheus and MCP servers, and how their state is read back.

HolmesGPT 0.45 facts this relies on (checked in site-packages/holmes/plugins/toolsets/):
- `prometheus/metrics` takes `config.prometheus_url` (+ `additional_headers`, `query_timeout_seconds_*`,
  `metadata_timeout_seconds_*`, `query_response_size_limit_pct`). With an explicit URL it never
  auto-discovers; its prerequisite is `GET <url>/api/v1/query?query=up`. It is a `MultiInstanceToolset`
  wrapping one `PrometheusToolset` child per instance (a flat config is the instance `default`).
- `mcp_servers` entries become `RemoteMCPToolset`s: modes `sse` (`/sse` appended to the URL when
  missing), `streamable-http` (URL used as is) and `stdio` (`command`, `args`, `env`; the server's stderr
  goes to `~/.holmes/logs/mcp/<name>.log`). `headers` are sent on every HTTP request. A server that
  cannot be reached fails its prerequisite: the toolset is `failed` with the reason, nothing crashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.settings import McpServer, Settings

PROMETHEUS_TOOLSET = "prometheus/metrics"
# Names of toolsets we configure ourselves: an MCP server by one of these names would replace them.
RESERVED_NAMES = frozenset({"kubernetes", PROMETHEUS_TOOLSET})
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class McpPlan:
    """`servers` go to HolmesGPT's `mcp_servers`; `rejected` (name → reason) and `disabled` stay out."""

    servers: dict[str, dict[str, Any]]
    rejected: dict[str, str]
    disabled: list[str]


def prometheus_toolset(settings: Settings) -> dict[str, Any]:
    """The `toolsets["prometheus/metrics"]` entry (settings.prometheus_url must be set)."""
    timeout = max(1, int(settings.tool_timeout_s))
    return {
        "enabled": True,
        "config": {
            "prometheus_url": settings.prometheus_url,
            "additional_headers": dict(settings.prometheus_headers),
            "query_timeout_seconds_default": timeout,
            "query_timeout_seconds_hard_max": timeout,
            "metadata_timeout_seconds_default": timeout,
            "metadata_timeout_seconds_hard_max": timeout,
        },
    }


def mcp_plan(servers: Mapping[str, McpServer], supported_modes: Iterable[str]) -> McpPlan:
    """Split the configured MCP servers into what HolmesGPT gets and what is reported without it."""
    supported = set(supported_modes)
    plan = McpPlan({}, {}, [])
    for name, server in servers.items():
        cfg = server.config
        if not server.enabled:
            plan.disabled.append(name)
        elif name in RESERVED_NAMES:
            plan.rejected[name] = f"the name '{name}' is taken by a built-in toolset; rename the MCP server"
        elif cfg.mode not in supported:
            plan.rejected[name] = (f"mode '{cfg.mode}' is not supported by this HolmesGPT "
                                   f"(supported: {', '.join(sorted(supported))})")
        elif cfg.mode == "stdio" and not cfg.command:
            plan.rejected[name] = "stdio mode needs `command`"
        elif cfg.mode != "stdio" and not cfg.url:
            plan.rejected[name] = f"{cfg.mode} mode needs `url`"
        else:
            if cfg.mode == "stdio":
                config: dict[str, Any] = {"mode": "stdio", "command": cfg.command, "args": list(cfg.args)}
                if cfg.env:
                    config["env"] = dict(cfg.env)
            else:
                config = {"mode": cfg.mode, "url": cfg.url}
                if cfg.headers:
                    config["headers"] = dict(cfg.headers)
            plan.servers[name] = {"description": server.description or f"MCP server {name}", "config": config}
    return plan


def response_limit_pct(max_chars: int, context_window_tokens: int) -> int:
    """`query_response_size_limit_pct` that keeps a PromQL result near `max_chars` (at least 1%)."""
    tokens = max(1, max_chars // CHARS_PER_TOKEN)
    return min(100, max(1, tokens * 100 // max(1, context_window_tokens)))


def bound_prometheus_output(toolsets: Iterable[Any], context_window_tokens: int, max_chars: int) -> None:
    """Make HolmesGPT summarise PromQL results beyond ~max_chars instead of returning all the data.

    Its query tools replace an oversized result with a summary (series count, label cardinality, a topk
    suggestion); range queries are also capped at MAX_GRAPH_POINTS points per series.
    """
    pct = response_limit_pct(max_chars, context_window_tokens)
    for toolset in toolsets:
        if toolset.name != PROMETHEUS_TOOLSET:
            continue
        # 0.45 wraps it in a MultiInstanceToolset: one child per configured instance (ours: "default"),
        # each holding the parsed PrometheusConfig; the wrapper keeps the raw dict.
        children = getattr(toolset, "_children", None)
        for instance in children.values() if isinstance(children, dict) else [toolset]:
            config: Any = getattr(instance, "config", None)
            if hasattr(config, "query_response_size_limit_pct"):  # parsed: the prerequisite passed
                config.query_response_size_limit_pct = pct


@dataclass(frozen=True)
class ToolsetState:
    name: str
    status: str  # enabled | disabled | failed
    error: str | None
    tools: list[str]


def toolset_states(toolsets: Iterable[Any], plan: McpPlan) -> list[ToolsetState]:
    """Enabled and failed toolsets of a built tool executor, with tools under the names the model sees.

    MCP tools whose names clash across toolsets are offered as `<toolset>__<tool>` by HolmesGPT.
    """
    from holmes.core.tools_utils.tool_executor import resolve_tool_name_collisions

    listed = list(toolsets)
    enabled = [ts for ts in listed if _status(ts) == "enabled"]
    exposed: dict[str, list[str]] = {}
    for ts, _tool, name in resolve_tool_name_collisions(enabled):
        exposed.setdefault(ts.name, []).append(name)
    out = []
    for ts in listed:
        status = _status(ts)
        if status == "disabled" and not ts.enabled:
            continue
        error = (ts.error or "").replace(". If the server is still starting up, Holmes will retry automatically", "")
        out.append(ToolsetState(ts.name, status, error or None, exposed.get(ts.name, [])))
    out += [ToolsetState(name, "failed", reason, []) for name, reason in plan.rejected.items()]
    out += [ToolsetState(name, "disabled", "switched off in the config (enabled: false)", [])
            for name in plan.disabled]
    return out


def _status(toolset: Any) -> str:
    status = getattr(toolset, "status", None)
    return str(getattr(status, "value", status or "disabled"))
