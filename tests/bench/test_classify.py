"""bench/classify.py in a tiny configuration: its tables and closing JSON line."""

from __future__ import annotations

from tests.bench.support import run_bench


def test_classify_bench_reports_accuracy_confusion_and_latency() -> None:
    figures, out = run_bench("bench.classify", "--rounds", "1", "--limit", "30")
    assert figures["bench"] == "classify"
    assert "expected" in out and "predicted" in out  # the confusion matrix table
    test = figures["test"]
    assert test["n"] == 30
    assert 0.0 <= test["accuracy"] <= 1.0
    assert sum(sum(row.values()) for row in test["confusion"].values()) == 30
    assert sum(v["n"] for v in test["per_lang"].values()) == 30
    correct = sum(row.get(label, 0) for label, row in test["confusion"].items())
    assert round(correct / 30, 4) == test["accuracy"]
    assert test["wrong"] == 30 - correct
    assert {"train", "dev"} <= set(figures)
    latency = figures["latency"]
    assert latency["n"] == 30
    assert 0 < latency["p50_us"] <= latency["p99_us"] <= latency["max_us"]
