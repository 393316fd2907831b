"""bench/run_all.py: runs the named benchmarks, summarises them, ends with one JSON line."""

from __future__ import annotations

from bench.run_all import summary
from tests.bench.support import run_bench


def test_run_all_runs_a_benchmark_and_summarises_it() -> None:
    figures, out = run_bench("bench.run_all", "--quick", "--only", "classify")
    assert figures["bench"] == "all"
    assert set(figures["results"]) == {"classify"}
    assert figures["results"]["classify"]["bench"] == "classify"
    assert "classification accuracy (test split)" in out


def test_summary_names_a_failed_benchmark() -> None:
    rows = summary({"tokens": None})
    assert ["bench.tokens", "FAILED"] in rows
