"""Concurrency: 50, 100 and 200 concurrent SSE investigations (`mode=llm`) against a real uvicorn.

The service runs as `python -m app serve` on 127.0.0.1 (demo snapshot, shipped config, its per-client
rate limit and concurrency cap lifted: this measures capacity). The scripted LLM runs in this process
with small realistic delays (DSPy classification 0.2 s; each investigation call 0.2–0.6 s); every
investigation makes 4 LLM calls and 3 kubectl calls. All clients of a level start at once
(httpx.AsyncClient); each level is bounded in time. A sampler reads the server's /proc while it runs.

    python -m bench.load [--levels 50,100,200] [--level-timeout 600]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import time
from collections import Counter
from typing import Any

import httpx

from bench.common import console, dist_ms, emit, isolate_env, table

LLM_DELAY_S = (0.2, 0.6)
CLASSIFY_DELAY_S = 0.2


async def one(client: httpx.AsyncClient, url: str, question: str) -> dict[str, Any]:
    started = time.monotonic()
    first: float | None = None
    names: list[str] = []
    errors: list[str] = []
    status = 0
    data_next = False
    try:
        async with client.stream("GET", f"{url}/ask", params={"q": question, "mode": "llm", "format": "sse"}) as r:
            status = r.status_code
            async for line in r.aiter_lines():
                if line.startswith("event:"):
                    if first is None:
                        first = time.monotonic() - started
                    names.append(line.partition(":")[2].strip())
                    data_next = names[-1] == "error"
                elif data_next and line.startswith("data:"):
                    errors.append(line.partition(":")[2].strip()[:200])
                    data_next = False
    except httpx.HTTPError as exc:
        errors.append(f"{type(exc).__name__}: {exc}"[:200])
    total = time.monotonic() - started
    ok = status == 200 and bool(names) and names[-1] == "done" and "answer" in names and "error" not in names
    return {"status": status, "first_s": first, "total_s": total, "ok": ok, "errors": errors,
            "tool_results": names.count("tool_result")}


async def sample(server: Any, stop: asyncio.Event, into: dict[str, int]) -> None:
    while not stop.is_set():
        status = server.proc_status()
        into["threads"] = max(into.get("threads", 0), status.get("Threads", 0))
        into["fds"] = max(into.get("fds", 0), status.get("fds", 0))
        into["rss_kib"] = max(into.get("rss_kib", 0), status.get("VmRSS", 0))
        into["kubectl_children"] = max(into.get("kubectl_children", 0), server.children())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)


async def level(server: Any, n: int, timeout_s: float) -> dict[str, Any]:
    from bench.scenarios import SCENARIOS
    from bench.serve import machine_cpu

    questions = [SCENARIOS[i % len(SCENARIOS)].question for i in range(n)]
    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
    peaks: dict[str, int] = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(server, stop, peaks))
    cpu_before, machine_before = server.cpu_seconds(), machine_cpu()
    started = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(timeout_s, connect=60)) as client:
        tasks = [asyncio.create_task(one(client, server.url, q)) for q in questions]
        done, pending = await asyncio.wait(tasks, timeout=timeout_s)
        for task in pending:
            task.cancel()
    wall = time.monotonic() - started
    cpu_after, machine_after = server.cpu_seconds(), machine_cpu()
    stop.set()
    await sampler
    results = [t.result() for t in done if not t.cancelled() and t.exception() is None]
    statuses = Counter(str(r["status"]) for r in results)
    error_kinds = Counter(e.split('"message"')[0][:120] for r in results for e in r["errors"])
    status = server.proc_status()
    return {
        "concurrency": n,
        "completed": len(results),
        "ok": sum(r["ok"] for r in results),
        "errors": n - sum(r["ok"] for r in results),
        "timed_out": len(pending),
        "http_status": dict(statuses),
        "error_kinds": dict(error_kinds.most_common(5)),
        "first_event": dist_ms([r["first_s"] for r in results if r["first_s"] is not None]),
        "total": dist_ms([r["total_s"] for r in results]),
        "wall_s": round(wall, 1),
        "throughput_per_s": round(len(results) / wall, 2) if wall else 0.0,
        "peak_rss_mib": round(status.get("VmHWM", 0) / 1024, 1),
        # CPU seconds per investigation: the server process, and its kubectl children.
        "server_cpu_s_per_inv": round((cpu_after[0] - cpu_before[0]) / n, 3),
        "kubectl_cpu_s_per_inv": round((cpu_after[1] - cpu_before[1]) / n, 3),
        "machine_idle": round((machine_after[1] - machine_before[1])
                              / max(1e-9, machine_after[0] - machine_before[0]), 3),
        "peaks": peaks,
    }


async def run(levels: list[int], timeout_s: float, defaults_burst: int = 0) -> dict[str, Any]:
    from bench.scenarios import Responder, classify_by_scenario
    from bench.serve import ServeProcess, llm_env
    from tests.support.fake_llm import FakeLLM

    rng = random.Random(8)
    out: dict[str, Any] = {"levels": []}
    with FakeLLM(classify=classify_by_scenario) as fake:
        fake.classify_delay_s = CLASSIFY_DELAY_S
        responder = Responder(delay_s=lambda: rng.uniform(*LLM_DELAY_S))
        fake.responder = responder
        with ServeProcess(llm_env(fake.base_url)) as server:
            server.wait_health()
            server.wait_engine_ready()
            # One investigation first: imports and caches warm, as in a service that has been up a while.
            async with httpx.AsyncClient(timeout=120) as client:
                warm = await one(client, server.url, "why is pod cart-hgjhk7psnj-x8xw6 in namespace shop crashing?")
            out["warm_up_ok"] = warm["ok"]
            out["rss_idle_mib"] = round(server.proc_status().get("VmRSS", 0) / 1024, 1)
            for n in levels:
                out["levels"].append(await level(server, n, timeout_s))
                log = server.log_tail(200000)
                out["levels"][-1]["server_log_errors"] = sum(
                    1 for line in log.splitlines() if '"level": "ERROR"' in line or "Traceback" in line)
            out["server_log_tail"] = server.log_tail(1500)
        out["llm_calls"] = responder.calls
        if defaults_burst:
            # The same burst against the shipped defaults: per-client rate limit and concurrency cap on.
            with ServeProcess(llm_env(fake.base_url), limits=True) as server:
                server.wait_health()
                server.wait_engine_ready()
                burst = await level(server, defaults_burst, timeout_s)
            out["with_default_limits"] = {k: burst[k] for k in ("concurrency", "ok", "http_status", "first_event",
                                                                 "total", "wall_s")}
    return out


def render(figures: dict[str, Any]) -> None:
    rows = []
    for lv in figures["levels"]:
        f, t, p = lv["first_event"], lv["total"], lv["peaks"]
        rows.append([lv["concurrency"], lv["ok"], lv["errors"], f["p50_ms"], f["p99_ms"], t["p50_ms"], t["p99_ms"],
                     lv["wall_s"], lv["throughput_per_s"], lv["peak_rss_mib"], p.get("threads", 0), p.get("fds", 0),
                     p.get("kubectl_children", 0)])
    console.print(table(
        "Concurrent SSE investigations, mode=llm (scripted LLM 0.2–0.6 s per call)",
        ["concurrent", "ok", "errors", "first p50 ms", "first p99 ms", "total p50 ms", "total p99 ms", "wall s",
         "inv/s", "peak RSS MiB", "threads", "fds", "kubectl procs"],
        rows, caption=f"server RSS idle after warm-up: {figures['rss_idle_mib']} MiB; peak RSS is the process "
                      "high-water mark (VmHWM) so far",
    ))
    console.print(table(
        "Where the CPU went (per investigation)", ["concurrent", "server CPU s", "kubectl CPU s", "machine idle"],
        [[lv["concurrency"], lv["server_cpu_s_per_inv"], lv["kubectl_cpu_s_per_inv"], lv["machine_idle"]]
         for lv in figures["levels"]],
        caption="2 cores shared by the server, its kubectl processes, and this load generator + scripted LLM",
    ))
    if (d := figures.get("with_default_limits")) is not None:
        console.print(f"Shipped defaults (rate limit and concurrency cap on), {d['concurrency']} at once from one "
                      f"address: {d['ok']} answered, HTTP statuses {d['http_status']}, first event / refusal p50 "
                      f"{d['first_event']['p50_ms']} ms, total p99 {d['total']['p99_ms']} ms")
    for lv in figures["levels"]:
        if lv["errors"]:
            console.print(f"{lv['concurrency']}: HTTP {lv['http_status']}, errors {lv['error_kinds']}, "
                          f"timed out {lv['timed_out']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", default="50,100,200")
    parser.add_argument("--level-timeout", type=float, default=600.0, help="seconds one level may take")
    parser.add_argument("--defaults-burst", type=int, default=200,
                        help="then this many at once with the shipped rate limit and concurrency cap (0: skip)")
    args = parser.parse_args(argv)
    isolate_env()
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    figures = asyncio.run(run(levels, args.level_timeout, args.defaults_burst))
    render(figures)
    figures.pop("server_log_tail", None)
    emit("load", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
