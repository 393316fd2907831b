"""bench/load.py at a tiny concurrency: every investigation completes, with its resource figures."""

from __future__ import annotations

from tests.bench.support import run_bench


def test_load_bench_runs_concurrent_investigations_to_the_end() -> None:
    figures, out = run_bench("bench.load", "--levels", "3", "--level-timeout", "300", "--defaults-burst", "0")
    assert figures["bench"] == "load"
    assert figures["warm_up_ok"] is True
    [level] = figures["levels"]
    assert level["concurrency"] == 3
    assert level["ok"] == 3 and level["errors"] == 0 and level["timed_out"] == 0
    assert level["http_status"] == {"200": 3}
    assert level["first_event"]["n"] == level["total"]["n"] == 3
    assert level["peak_rss_mib"] > 0 and level["peaks"]["fds"] > 0 and level["peaks"]["threads"] > 0
    assert level["server_log_errors"] == 0
    # 1 warm-up + 3 investigations, 4 scripted LLM calls each (the DSPy classification calls apart).
    assert figures["llm_calls"] == 16
    assert "Concurrent SSE investigations" in out
