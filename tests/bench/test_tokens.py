"""bench/tokens.py on one scenario: both sides run the same tool calls, and the token diet holds."""

from __future__ import annotations

from tests.bench.support import run_bench


def test_tokens_bench_compares_the_same_investigation_and_meets_the_goal() -> None:
    figures, out = run_bench("bench.tokens", "--scenarios", "pod_crash")
    assert figures["bench"] == "tokens"
    assert figures["tokenizer"] == "tiktoken cl100k_base"
    scenario = figures["scenarios"]["pod_crash"]
    ours, plain = scenario["ours"], scenario["plain"]
    # The same investigation on both sides: 3 kubectl calls that succeeded, then the answer.
    assert ours["tool_statuses"] == plain["tool_statuses"] == ["success"] * 3
    assert ours["llm_calls"] == plain["llm_calls"] == 4
    assert len(ours["per_call"]) == 4 and ours["per_call"] == sorted(ours["per_call"])  # the context grows
    # Plain HolmesGPT as `holmes ask` sets itself up: its bash toolset ran the kubectl commands.
    assert "bash" in figures["plain_enabled_toolsets"]
    assert plain["system_tokens"] > 3000 and plain["tool_schema_tokens"] > 1000
    # Our fixed overhead per call is a fraction of plain HolmesGPT's, and the goal holds.
    overall = figures["overall"]
    assert overall["ours_fixed_per_call"] < 0.35 * overall["plain_fixed_per_call"]
    assert scenario["ratio"] == overall["ratio"] <= 0.4
    assert overall["ratio_with_classification"] <= 0.4
    assert ours["classification_tokens"] > 0
    assert "Prompt tokens per investigation" in out
