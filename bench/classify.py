"""Classification: the no-LLM rules classifier on the labelled splits.

The `test` split is the one the rules were not written from (train: written from; dev: checked against
while tuning) — its figures are the ones that count; train and dev are shown for context. Never tune the
rules on test. Latency is per question, as for a question never seen before.

    python -m bench.classify [--rounds 5] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from bench.common import console, emit, isolate_env, percentile, table

SPLITS = ("test", "dev", "train")


def _short(label: str) -> str:
    return {"pod_crash": "crash", "oom_killed": "oom", "disk_full": "disk", "port_conflict": "port",
            "helm_install": "helm", "image_pull": "image", "pod_pending": "pend", "node_not_ready": "node",
            "network": "net", "storage": "stor", "cluster_health": "health", "general": "gen"}.get(label, label)


def evaluate(split: str, limit: int | None) -> dict[str, Any]:
    from app.classify import RuleClassifier, load_examples

    rules = RuleClassifier()
    examples = load_examples(split)  # type: ignore[arg-type]
    if limit:
        examples = examples[:limit]
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # label → [correct, total]
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: list[dict[str, str]] = []
    for ex in examples:
        got = rules.classify(ex.question).problem_type
        ok = int(got == ex.problem_type)
        per_type[ex.problem_type][0] += ok
        per_type[ex.problem_type][1] += 1
        per_lang[ex.lang][0] += ok
        per_lang[ex.lang][1] += 1
        confusion[ex.problem_type][got] += 1
        if not ok:
            wrong.append({"question": ex.question, "expected": ex.problem_type, "got": got})
    correct = sum(c for c, _ in per_type.values())
    return {
        "n": len(examples),
        "accuracy": round(correct / len(examples), 4) if examples else 0.0,
        "per_type": {k: {"accuracy": round(c / n, 4), "n": n} for k, (c, n) in sorted(per_type.items())},
        "per_lang": {k: {"accuracy": round(c / n, 4), "n": n} for k, (c, n) in sorted(per_lang.items())},
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "wrong": wrong,
    }


def latency(split: str, rounds: int, limit: int | None) -> dict[str, float]:
    """Per-question classification time in µs, every question unseen (any memo cache cleared)."""
    from app.classify import RuleClassifier, load_examples
    from app.classify_rules import score_question

    rules = RuleClassifier()
    questions = [e.question for e in load_examples(split)]  # type: ignore[arg-type]
    if limit:
        questions = questions[:limit]
    rules.classify("warm up: import and compile the rules")
    samples: list[float] = []
    for _ in range(rounds):
        clear = getattr(score_question, "cache_clear", None)
        if clear is not None:  # a memo cache (if the rules grow one) would time dict look-ups
            clear()
        for q in questions:
            started = time.perf_counter()
            rules.classify(q)
            samples.append((time.perf_counter() - started) * 1e6)
    return {"n": len(samples), "p50_us": round(percentile(samples, 50), 1),
            "p99_us": round(percentile(samples, 99), 1), "max_us": round(max(samples, default=0.0), 1)}


def run(rounds: int, limit: int | None) -> dict[str, Any]:
    isolate_env()
    figures: dict[str, Any] = {split: evaluate(split, limit) for split in SPLITS}
    figures["latency"] = latency("test", rounds, limit)
    return figures


def render(figures: dict[str, Any]) -> None:
    from app.classify import PROBLEM_TYPES

    console.print(table(
        "Rules classifier accuracy by split (test = held out)", ["split", "questions", "accuracy", "en", "zh"],
        [[s, figures[s]["n"], figures[s]["accuracy"],
          *[figures[s]["per_lang"].get(lang, {}).get("accuracy", "") for lang in ("en", "zh")]]
         for s in SPLITS],
    ))
    test = figures["test"]
    console.print(table(
        "Test split: accuracy per problem type", ["problem type", "questions", "accuracy"],
        [[k, v["n"], v["accuracy"]] for k, v in test["per_type"].items()],
    ))
    labels = [t for t in PROBLEM_TYPES if t in test["confusion"] or any(t in row for row in test["confusion"].values())]
    rows = []
    for truth in labels:
        row = test["confusion"].get(truth, {})
        rows.append([_short(truth), *[row.get(pred, 0) or "·" for pred in labels]])
    console.print(table("Test split: confusion matrix (rows: expected, columns: predicted)",
                        ["expected", *[_short(t) for t in labels]], rows))
    if test["wrong"]:
        console.print(table("Test split: misclassified", ["expected", "got", "question"],
                            [[w["expected"], w["got"], w["question"][:90]] for w in test["wrong"]]))
    lat = figures["latency"]
    console.print(f"no-LLM classifier latency (test split, {lat['n']} classifications): "
                  f"p50 {lat['p50_us']} µs, p99 {lat['p99_us']} µs, max {lat['max_us']} µs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="latency: passes over the test split")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions of each split")
    args = parser.parse_args(argv)
    figures = run(args.rounds, args.limit)
    render(figures)
    for split in SPLITS:  # the closing JSON line keeps the figures, not the question lists
        figures[split] = {k: v for k, v in figures[split].items() if k != "wrong"} | {
            "wrong": len(figures[split]["wrong"])}
    emit("classify", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
