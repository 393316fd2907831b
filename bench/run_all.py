"""Run every benchmark (each in its own process, in order), then print a summary and one JSON line.

    python -m bench.run_all [--quick]      # or: python -m bench, python bench/run_all.py, make bench

Each benchmark prints its own tables and ends with one JSON line of its figures; the summary repeats
the headline figures. `--quick` runs each in a small configuration (a smoke run, not figures to quote).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/run_all.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, child_env, console, emit, last_json, table

BENCHES: dict[str, tuple[list[str], list[str], float]] = {
    # name: (full arguments, quick arguments, time limit in seconds)
    "classify": ([], ["--rounds", "1"], 300),
    "tokens": ([], ["--scenarios", "pod_crash"], 900),
    "latency": ([], ["--warm", "3", "--cold", "1"], 1200),
    "load": ([], ["--levels", "5", "--defaults-burst", "0"], 2400),
    "diagnosis": ([], ["--only", "quota", "absent-node", "contradicted-node", "cluster-report"], 900),
}


def run_one(name: str, quick: bool) -> dict[str, Any] | None:
    full, small, limit = BENCHES[name]
    console.rule(f"bench.{name}")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", f"bench.{name}", *(small if quick else full)], cwd=ROOT,
                            env=child_env(), stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if not line.startswith('{"bench"'):
            sys.stdout.write(line)
        lines.append(line)
    try:
        proc.wait(timeout=max(1.0, limit - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:
        proc.kill()
        console.print(f"[red]bench.{name} exceeded {limit:.0f} s[/red]")
        return None
    if proc.returncode != 0:
        console.print(f"[red]bench.{name} failed (exit {proc.returncode})[/red]")
        return None
    return last_json("".join(lines))


def summary(results: dict[str, dict[str, Any] | None]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    if (c := results.get("classify")) is not None:
        rows.append(["classification accuracy (test split)", c["test"]["accuracy"]])
        rows.append(["classification latency p50 / p99 (µs)", f"{c['latency']['p50_us']} / {c['latency']['p99_us']}"])
    if (t := results.get("tokens")) is not None:
        o = t["overall"]
        rows.append(["prompt tokens ours / plain HolmesGPT", f"{o['ratio']} (goal ≤ {o['goal']})"])
        rows.append(["  … including our classification call", o["ratio_with_classification"]])
        rows.append(["fixed tokens per LLM call ours / plain",
                     f"{o['ours_fixed_per_call']} / {o['plain_fixed_per_call']}"])
    if (lat := results.get("latency")) is not None:
        w, cold = lat["warm"], lat["cold"]
        rows.append(["first SSE event p50 / p99 ms (runbook)",
                     f"{w['runbook']['first_event']['p50_ms']} / {w['runbook']['first_event']['p99_ms']}"])
        rows.append(["first SSE event p50 / p99 ms (llm)",
                     f"{w['llm']['first_event']['p50_ms']} / {w['llm']['first_event']['p99_ms']}"])
        rows.append(["runbook investigation p50 / p99 ms",
                     f"{w['runbook']['total']['p50_ms']} / {w['runbook']['total']['p99_ms']}"])
        rows.append(["cold start to /health p50 ms (no LLM / LLM)",
                     f"{cold['no_llm']['health']['p50_ms']} / {cold['llm']['health']['p50_ms']}"])
        rows.append(["cold start to engine loaded p50 ms", cold["llm"]["engine_ready"]["p50_ms"]])
    if (ld := results.get("load")) is not None:
        for lv in ld["levels"]:
            rows.append([f"{lv['concurrency']} concurrent: errors, first p99 ms, total p99 ms, peak RSS MiB",
                         f"{lv['errors']}, {lv['first_event']['p99_ms']}, {lv['total']['p99_ms']}, "
                         f"{lv['peak_rss_mib']}"])
    if (d := results.get("diagnosis")) is not None:
        rows.append([f"diagnosis: right answers of {d['questions']} ({d['clusters']} clusters), runbook mode",
                     f"{d['right']} ({d['right_pct']}%), decoy as root cause: {d['wrong_root']}"])
        rows.append(["diagnosis: analyze found the expected causes", f"{d['analyze_found']}/{d['analyze_expected']}"])
    for name, figures in results.items():
        if figures is None:
            rows.append([f"bench.{name}", "FAILED"])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small configurations (smoke run)")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated subset")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmarks {unknown}; known: {', '.join(BENCHES)}")
    results = {name: run_one(name, args.quick) for name in names}
    console.rule("summary")
    console.print(table("Benchmarks (2-core machine)", ["figure", "value"], summary(results)))
    emit("all", {"quick": args.quick, "results": results})
    return 0 if all(r is not None for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
