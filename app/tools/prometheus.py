"""A small Prometheus HTTP API client for the no-LLM engine's PromQL steps.

`PrometheusClient.instant(query)` and `.range(query, start, end, step)` return a `QueryResult`: the raw
`data.result` of the API plus a compact text rendering bounded by `max_series` lines and `max_chars`
characters. Every failure (unreachable, timeout, rejected query, odd answer) is a `PrometheusError` with a
message written for a user; nothing here raises httpx's exceptions or shows a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from app.errors import ToolError
from app.tools.kubectl import CommandResult, ResultStatus

ErrorKind = Literal["config", "unreachable", "timeout", "bad_query", "http", "invalid_response"]
Timestamp = datetime | float
Step = timedelta | float | str

# Prometheus rejects range queries above 11,000 points per series; stay well below it.
MAX_POINTS_PER_SERIES = 2000


class PrometheusError(ToolError):
    """A PromQL query could not be answered; `kind` says why, the message says it for a user."""

    code = "prometheus_failed"

    def __init__(self, message: str, *, kind: ErrorKind) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class QueryResult:
    query: str
    result_type: str  # vector | matrix | scalar | string
    result: Any  # the API's `data.result`, unchanged
    text: str  # compact rendering, at most `max_series` series and `max_chars` characters
    truncated: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def series_count(self) -> int:
        return len(self.result) if isinstance(self.result, list) and self.result_type in ("vector", "matrix") else 1

    @property
    def empty(self) -> bool:
        return self.result_type in ("vector", "matrix") and not self.result


def format_value(raw: Any) -> str:
    """A sample value, compactly: integers as integers, others with 4 significant digits."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return str(raw)
    if math.isnan(value) or math.isinf(value):
        return str(raw)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def format_labels(metric: Mapping[str, str]) -> str:
    name = metric.get("__name__", "")
    labels = ", ".join(f'{k}="{v}"' for k, v in sorted(metric.items()) if k != "__name__")
    return f"{name}{{{labels}}}" if labels or not name else name


def _series_line(result_type: str, series: Mapping[str, Any]) -> str:
    labels = format_labels(series.get("metric") or {})
    if result_type == "vector":
        value = (series.get("value") or [None, "?"])[1]
        return f"{labels} {format_value(value)}"
    values = [v for _, v in series.get("values") or []]
    numbers = [float(v) for v in values if _is_number(v)]
    if not numbers:
        return f"{labels} ({len(values)} points)"
    stats = (f"last={format_value(values[-1])} min={format_value(min(numbers))} "
             f"max={format_value(max(numbers))} avg={format_value(sum(numbers) / len(numbers))}")
    return f"{labels} {stats} ({len(values)} points)"


def _is_number(raw: Any) -> bool:
    try:
        return not math.isnan(float(raw))
    except (TypeError, ValueError):
        return False


def render(result_type: str, result: Any, max_series: int, max_chars: int) -> tuple[str, bool]:
    """The compact text of a query result and whether anything was left out."""
    if result_type in ("scalar", "string"):
        value = result[1] if isinstance(result, list) and len(result) == 2 else result
        text = f"{result_type}: {format_value(value) if result_type == 'scalar' else value}"
        return (text[:max_chars], len(text) > max_chars)
    if not isinstance(result, list) or not result:
        return "no data: the query matched no series", False
    lines = [f"{len(result)} series" + (" (range)" if result_type == "matrix" else "")]
    lines += [_series_line(result_type, s) for s in result[:max_series]]
    truncated = len(result) > max_series
    if truncated:
        lines.append(f"… {len(result) - max_series} more series not shown (narrow the query, e.g. topk)")
    text = "\n".join(lines)
    if len(text) > max_chars:
        marker = "\n… [output truncated]"
        text = text[: max(0, max_chars - len(marker))].rstrip() + marker
        truncated = True
    return text, truncated


def _timestamp(value: Timestamp) -> str:
    return f"{value.timestamp():.3f}" if isinstance(value, datetime) else f"{float(value):.3f}"


def _seconds(value: Timestamp) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _step_seconds(step: Step) -> float:
    if isinstance(step, timedelta):
        return step.total_seconds()
    if isinstance(step, int | float):
        return float(step)
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    text = step.strip()
    for suffix in ("ms", "s", "m", "h", "d"):
        number = text.removesuffix(suffix)
        if number != text:
            try:
                return float(number) * units[suffix]
            except ValueError:
                break
    try:
        return float(text)
    except ValueError:
        raise PrometheusError(f"invalid step '{step}': use seconds or a duration like 30s, 5m",
                              kind="bad_query") from None


class PrometheusClient:
    """Synchronous and thread-safe; from async code call it with `asyncio.to_thread`."""

    def __init__(
        self,
        base_url: str,
        timeout_s: float = 10.0,
        max_series: int = 20,
        max_chars: int = 4000,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise PrometheusError(f"Prometheus URL '{base_url}' must start with http:// or https://",
                                  kind="config")
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_series = max_series
        self.max_chars = max_chars
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout_s, headers=dict(headers or {}),
                                    trust_env=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queries ---------------------------------------------------------------------------------
    def check(self) -> None:
        """Raise PrometheusError unless Prometheus answers a trivial query."""
        self.instant("vector(1)")

    def instant(self, query: str, time: Timestamp | None = None) -> QueryResult:
        """Evaluate `query` at `time` (default: now)."""
        form = {"query": query}
        if time is not None:
            form["time"] = _timestamp(time)
        return self._query("/api/v1/query", query, form)

    def range(self, query: str, start: Timestamp, end: Timestamp, step: Step) -> QueryResult:
        """Evaluate `query` from `start` to `end` every `step` (seconds, timedelta or "30s"/"5m")."""
        seconds = _step_seconds(step)
        span = _seconds(end) - _seconds(start)
        if seconds <= 0 or span < 0:
            raise PrometheusError("a range query needs start <= end and a positive step", kind="bad_query")
        # Too fine a step for the span: coarsen it rather than fetch (or be refused) thousands of points.
        seconds = max(seconds, span / MAX_POINTS_PER_SERIES)
        form = {"query": query, "start": _timestamp(start), "end": _timestamp(end), "step": f"{seconds:g}"}
        return self._query("/api/v1/query_range", query, form)

    def _query(self, path: str, query: str, form: dict[str, str]) -> QueryResult:
        if not query.strip():
            raise PrometheusError("empty PromQL query", kind="bad_query")
        body = self._post(path, form)
        data = body.get("data")
        if not isinstance(data, dict) or "resultType" not in data:
            raise PrometheusError("Prometheus answered without a query result", kind="invalid_response")
        result_type = str(data["resultType"])
        result = data.get("result")
        text, truncated = render(result_type, result, self.max_series, self.max_chars)
        warnings = [str(w) for w in body.get("warnings") or []]
        return QueryResult(query, result_type, result, text, truncated, warnings)

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        where = f"Prometheus at {self.base_url}"
        try:
            response = self._client.post(path, data=form)
        except httpx.TimeoutException as exc:
            raise PrometheusError(f"{where} did not answer within {self.timeout_s:g}s", kind="timeout") from exc
        except httpx.HTTPError as exc:
            raise PrometheusError(f"cannot reach {where}: {_reason(exc)}", kind="unreachable") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("status") == "error":
            message = str(body.get("error") or "unknown error")[:500]
            kind: ErrorKind = "bad_query" if body.get("errorType") in ("bad_data", "execution") else "http"
            raise PrometheusError(f"{where} rejected the query: {message}", kind=kind)
        if response.status_code != 200:
            snippet = response.text[:200].strip()
            raise PrometheusError(f"{where} answered HTTP {response.status_code}: {snippet}", kind="http")
        if not isinstance(body, dict) or body.get("status") != "success":
            raise PrometheusError(f"{where} sent an answer that is not Prometheus API JSON",
                                  kind="invalid_response")
        return body


def _reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or host unreachable"
    return type(exc).__name__


def run_promql(client: PrometheusClient, query: str) -> CommandResult:
    """A runbook's PromQL step, as the no-LLM engine reports every step (an instant query)."""
    try:
        result = client.instant(query)
    except PrometheusError as exc:
        status: ResultStatus = "timeout" if exc.kind == "timeout" else "error"
        return CommandResult(query, status, exc.message)
    return CommandResult(query, "success", result.text, result.truncated, 0)
