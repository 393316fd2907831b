"""Latency: first SSE event and whole investigations (warm), and cold start of `python -m app serve`.

Everything runs against the real service in a subprocess (`python -m app serve` on 127.0.0.1, the demo
snapshot, the shipped config) with the scripted LLM in this process (no delay: the figures are our own
overhead plus kubectl against the snapshot server).

- warm: once the first LLM-configured service is up and its engine loaded, sequential investigations of
  the benchmark scenarios, `mode=runbook` and `mode=llm`: time to the first SSE event and to the end.
- cold: process start → first /health answer, without and with an LLM configured; with one, also →
  /health reporting the engine loaded, and → the first LLM call of an investigation asked the moment
  /health answered (HolmesGPT's import must not hold /health back; the investigation waits for it).

    python -m bench.latency [--warm 30] [--cold 3]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

import httpx

from bench.common import console, dist_ms, emit, isolate_env, table


def timed_ask(url: str, params: dict[str, Any], timeout: float = 120.0) -> dict[str, Any]:
    """One SSE investigation: seconds to the first event and to the end, the event names, errors."""
    started = time.monotonic()
    first: float | None = None
    names: list[str] = []
    with httpx.stream("GET", f"{url}/ask", params={**params, "format": "sse"}, timeout=timeout) as response:
        status = response.status_code
        for line in response.iter_lines():
            if line.startswith("event:"):
                if first is None:
                    first = time.monotonic() - started
                names.append(line.partition(":")[2].strip())
    return {"status": status, "first_s": first, "total_s": time.monotonic() - started, "events": names,
            "ok": status == 200 and bool(names) and names[-1] == "done" and "error" not in names}


class _Clock:
    """Records when the scripted LLM got each investigation request (not classification calls)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.times: list[float] = []

    def __call__(self, body: dict[str, Any]) -> Any:
        self.times.append(time.monotonic())
        return self.inner(body)


def warm(server: Any, n: int) -> dict[str, Any]:
    """Sequential investigations on a running service whose engine is loaded."""
    from bench.scenarios import SCENARIOS

    samples: dict[str, list[dict[str, Any]]] = {"runbook": [], "llm": []}
    for mode in samples:  # one of each first, not counted: imports, caches, connections
        timed_ask(server.url, {"q": SCENARIOS[0].question, "mode": mode})
    for i in range(n):
        question = SCENARIOS[i % len(SCENARIOS)].question
        for mode, runs in samples.items():
            runs.append(timed_ask(server.url, {"q": question, "mode": mode}))
    out: dict[str, Any] = {}
    for mode, runs in samples.items():
        out[mode] = {
            "first_event": dist_ms([r["first_s"] for r in runs if r["first_s"] is not None]),
            "total": dist_ms([r["total_s"] for r in runs]),
            "failed": sum(not r["ok"] for r in runs),
        }
    return out


def _ask_into(result: dict[str, Any], url: str, question: str) -> None:
    result.update(timed_ask(url, {"q": question, "mode": "llm"}, timeout=180))


def run(cold_runs: int, warm_runs: int) -> dict[str, Any]:
    """Cold starts; the warm figures come from the first LLM-configured service once it is up."""
    from bench.scenarios import SCENARIOS, Responder, classify_by_scenario
    from bench.serve import ServeProcess, llm_env
    from tests.support.fake_llm import FakeLLM

    no_llm: list[float] = []
    for _ in range(cold_runs):
        with ServeProcess() as server:
            no_llm.append(server.wait_health()[0])
    health: list[float] = []
    ready: list[float] = []
    first_call: list[float] = []
    first_answer: list[float] = []
    first_event: list[float] = []
    ready_at_first_health: list[bool] = []
    warm_figures: dict[str, Any] = {}
    with FakeLLM(classify=classify_by_scenario) as fake:
        for i in range(max(1, cold_runs)):
            clock = _Clock(Responder())
            fake.responder = clock
            with ServeProcess(llm_env(fake.base_url)) as server:
                up, body = server.wait_health()
                health.append(up)
                ready_at_first_health.append(bool(body["llm"]["engine_ready"]))
                # A user who asks the moment /health answers: the investigation waits for the engine.
                result: dict[str, Any] = {}
                ask = threading.Thread(target=_ask_into, args=(result, server.url, SCENARIOS[0].question))
                ask.start()
                ready.append(server.wait_engine_ready())
                ask.join(200)
                if clock.times:
                    first_call.append(clock.times[0] - server.started_at)
                if result.get("first_s") is not None:
                    first_event.append(up + result["first_s"])
                if result.get("ok"):
                    first_answer.append(up + result["total_s"])
                if i == 0:
                    warm_figures = warm(server, warm_runs)
    cold_figures = {
        "no_llm": {"health": dist_ms(no_llm)},
        "llm": {
            "health": dist_ms(health),
            "engine_ready": dist_ms(ready),
            "first_event": dist_ms(first_event),
            "first_llm_call": dist_ms(first_call),
            "first_answer": dist_ms(first_answer),
            "engine_ready_at_first_health": ready_at_first_health,
        },
    }
    return {"warm": warm_figures, "cold": cold_figures}


def render(figures: dict[str, Any]) -> None:
    w = figures["warm"]
    rows = []
    for mode in ("runbook", "llm"):
        for what in ("first_event", "total"):
            d = w[mode][what]
            rows.append([f"{mode}: {'first SSE event' if what == 'first_event' else 'whole investigation'}",
                         d["n"], d["p50_ms"], d["p99_ms"], d["max_ms"]])
    console.print(table("Warm latency (sequential, ms)", ["what", "n", "p50", "p99", "max"], rows,
                        caption=f"failed: runbook {w['runbook']['failed']}, llm {w['llm']['failed']}; "
                                "scripted LLM without delay, 4 LLM calls + 3 kubectl per llm investigation"))
    c = figures["cold"]
    rows = [["no LLM: process start → /health answers", *_d(c["no_llm"]["health"])],
            ["LLM: process start → /health answers", *_d(c["llm"]["health"])],
            ["LLM: process start → engine loaded (/health)", *_d(c["llm"]["engine_ready"])],
            ["LLM: start → first SSE event of an ask sent at /health", *_d(c["llm"]["first_event"])],
            ["LLM: start → that investigation's first LLM call", *_d(c["llm"]["first_llm_call"])],
            ["LLM: start → that investigation's last event", *_d(c["llm"]["first_answer"])]]
    console.print(table("Cold start of `python -m app serve` (ms)", ["what", "n", "p50", "p99", "max"], rows,
                        caption="engine loaded when /health first answered: "
                                f"{c['llm']['engine_ready_at_first_health']}"))


def _d(d: dict[str, float]) -> list[float]:
    return [d["n"], d["p50_ms"], d["p99_ms"], d["max_ms"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warm", type=int, default=30, help="warm investigations per mode")
    parser.add_argument("--cold", type=int, default=3, help="cold starts per configuration (at least 1)")
    args = parser.parse_args(argv)
    isolate_env()
    figures = run(args.cold, args.warm)
    render(figures)
    emit("latency", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
