"""bench/latency.py in a tiny configuration: warm and cold figures, and /health before the engine."""

from __future__ import annotations

from tests.bench.support import run_bench


def test_latency_bench_measures_warm_and_cold_and_health_does_not_wait_for_the_engine() -> None:
    figures, out = run_bench("bench.latency", "--warm", "2", "--cold", "1")
    assert figures["bench"] == "latency"
    warm = figures["warm"]
    for mode in ("runbook", "llm"):
        assert warm[mode]["failed"] == 0
        assert warm[mode]["first_event"]["n"] == warm[mode]["total"]["n"] == 2
    cold = figures["cold"]
    assert cold["no_llm"]["health"]["n"] == 1
    llm = cold["llm"]
    # /health answered while HolmesGPT was still loading; the investigation asked then still ran.
    assert llm["engine_ready_at_first_health"] == [False]
    assert llm["first_llm_call"]["n"] == llm["first_answer"]["n"] == 1
    assert "Cold start" in out
