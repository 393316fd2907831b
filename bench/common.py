"""What every benchmark shares: an isolated environment, percentiles, rich tables, the closing JSON line."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run_all.py` as well as `python -m bench.run_all`
    sys.path.insert(0, str(ROOT))

DEMO_SNAPSHOT = ROOT / "examples" / "demo-snapshot"
RUNBOOKS = ROOT / "runbooks"

# Variables that would point a benchmark at a real cluster, a real LLM or the developer's config.
_ENV_TO_CLEAR = ("LLM_MODEL", "LLM_API_KEY", "LLM_API_BASE", "DEEPSEEK_API_KEY", "CONFIG_FILE", "KUBECONFIG",
                 "CLUSTER_SNAPSHOT", "PROMETHEUS_URL", "OPENAI_API_KEY", "API_TOKEN", "KUBE_CONTEXT",
                 "MODEL_LIST_FILE_LOCATION", "ENABLED_PROMPTS")

console = Console(width=int(os.environ.get("BENCH_WIDTH", "120")))


def isolate_env() -> Path:
    """Keep a benchmark off ~/.kube, ~/.holmes, real LLM keys and the network: a private HOME (returned)."""
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    os.environ["HOME"] = str(home)
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ.setdefault("LOG_LEVEL", "warning")
    for name in _ENV_TO_CLEAR:
        os.environ.pop(name, None)
    return home


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess of a benchmark: this (isolated) one plus `extra`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100), linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo))


def dist_ms(values_s: Sequence[float]) -> dict[str, float]:
    """p50 / p99 / max / mean of durations given in seconds, in milliseconds (rounded to 0.1)."""
    ms = [v * 1000 for v in values_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else 0.0,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0,
    }


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], caption: str | None = None) -> Table:
    t = Table(title=title, caption=caption, title_justify="left")
    for i, name in enumerate(columns):
        t.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        t.add_row(*[_cell(v) for v in row])
    return t


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def emit(name: str, figures: dict[str, Any]) -> None:
    """The benchmark's last line: one JSON object, `{"bench": name, ...figures}`."""
    sys.stdout.flush()
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False), flush=True)


def last_json(output: str) -> dict[str, Any] | None:
    """The figures of a benchmark run, from its output's closing JSON line."""
    for line in reversed(output.splitlines()):
        if line.startswith('{"bench"'):
            value: dict[str, Any] = json.loads(line)
            return value
    return None
