"""Diagnosis: does the no-LLM investigation answer the question that was asked?

Every scenario of the corpus (bench/diagnosis_corpus: 40+ fault clusters from public incident material) is
written as a snapshot, served by the real snapshot API server and investigated through the service's own
pipeline (`Investigator.run`, mode=runbook: classify → select → analyzers → runbook steps through kubectl).
Each question (en and zh) is scored on its answer's text:

- broken: a Root cause section that names the expected cause (its markers);
- healthy / absent / contradicted: that verdict, naming the subject (absent: the nearest real name);
- report: a health report that lists every expected problem;
- wrong root: the unrelated decoy fault (legacy/batch-worker) presented as the root cause.

`analyze` is scored on the same clusters: the expected (reason, object) findings are reported.

    python -m bench.diagnosis [--only NAME ...] [--write DIR] [--show]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import RUNBOOKS, console, dist_ms, emit, isolate_env, table
from bench.diagnosis_corpus.clusters import DECOY, SCENARIOS, Question, Scenario, build

HEADERS = {
    "broken": ("**Root cause**", "**根本原因**"),
    "healthy": ("**Healthy**", "**运行正常**"),
    "absent": ("**Not found**", "**未找到**"),
    "contradicted": ("**Premise contradicted**", "**与集群状态不符**"),
    "report": ("**Health report", "健康报告**"),
}
ROOT_HEADERS = HEADERS["broken"]


@dataclass(frozen=True)
class Score:
    scenario: str
    question: str
    expect: str
    right: bool
    wrong_root: bool
    seconds: float
    why: str


def sections(answer: str) -> list[str]:
    return [("**" + part if i else part).strip() for i, part in enumerate(answer.split("\n\n**"))]


def score(scenario: Scenario, question: Question, answer: str, seconds: float) -> Score:
    parts = sections(answer)
    wanted = HEADERS[question.expect]
    index = next((i for i, p in enumerate(parts) if any(h in p.split("\n", 1)[0] for h in wanted)), None)
    section = None if index is None else "\n".join(parts[index:index + 2])  # the verdict and its evidence
    root = next((p for p in parts if p.startswith(ROOT_HEADERS)), "")
    wrong_root = question.expect != "report" and DECOY in root.lower()
    why = ""
    if section is None:
        why = f"no {question.expect} section (got {parts[0].splitlines()[0] if parts else 'nothing'})"
    elif question.expect != "broken" and question.expect != "report" and root:
        why = "a root cause where none was expected"
    else:
        missing = [m for m in question.markers if m.lower() not in section.lower()]
        if missing:
            why = f"missing {missing}"
    return Score(scenario.name, question.text, question.expect, not why and not wrong_root, wrong_root, seconds,
                 why or ("decoy presented as the root cause" if wrong_root else ""))


def analyze_hits(scenario: Scenario, findings: list[Any]) -> tuple[int, int]:
    hit = 0
    for reason, name in scenario.finds:
        if any(f.reason == reason and (name in f.object.name) for f in findings):
            hit += 1
    return hit, len(scenario.finds)


async def run_scenario(scenario: Scenario, root: Path, show: bool, max_steps: int = 20
                       ) -> tuple[list[Score], tuple[int, int]]:
    """`max_steps`=1 answers from the analyzers alone (no runbook kubectl steps): the same answer, faster."""
    from app.analyzers.registry import all_findings, default_registry, run_analyzers
    from app.investigate import AskRequest
    from app.services import start_services
    from app.settings import Settings

    snapshot = build(scenario).write(root / scenario.name, f"{scenario.name} — {scenario.source}")
    settings = Settings(cluster_snapshot=snapshot, runbooks_dir=RUNBOOKS, data_dir=root / f"{scenario.name}.data",
                        runbooks_reload_interval_s=0)  # type: ignore[call-arg]
    services = start_services(settings)
    scores = []
    try:
        engine = services.investigator.runbook_engine
        assert engine.reader is not None
        registry = default_registry()
        # (getattr: the bench also measures older revisions of app/, whose registry has no kind_specs)
        specs = registry.kind_specs() if hasattr(registry, "kind_specs") else None
        view = engine.reader.read(registry.kinds(), None, *([specs] if specs else []))
        hits = analyze_hits(scenario, all_findings(run_analyzers(view, registry, services.runbooks.current())))
        for question in scenario.questions:
            started = time.monotonic()
            events = [e async for e in services.investigator.run(AskRequest(question.text, max_steps, mode="runbook"))]
            seconds = time.monotonic() - started
            answer = next((str(e.data["text"]) for e in events if e.type == "answer"), "")
            result = score(scenario, question, answer, seconds)
            scores.append(result)
            if show or not result.right:
                console.print(f"[bold]{scenario.name}[/bold] {question.text!r} → {'ok' if result.right else 'MISS'} "
                              f"{result.why}", highlight=False)
                if show or not result.right:
                    console.print(answer[:1500], highlight=False, markup=False)
    finally:
        services.close()
    return scores, hits


def run(names: list[str] | None, write: Path | None, show: bool) -> dict[str, Any]:
    chosen = [s for s in SCENARIOS if not names or s.name in names]
    root = write or Path(tempfile.mkdtemp(prefix="bench-diagnosis-"))
    all_scores: list[Score] = []
    analyze_hit = analyze_total = 0
    rows = []
    try:
        for scenario in chosen:
            scores, (hit, total) = asyncio.run(run_scenario(scenario, root, show))
            all_scores += scores
            analyze_hit += hit
            analyze_total += total
            rows.append([scenario.name, f"{sum(s.right for s in scores)}/{len(scores)}",
                         f"{hit}/{total}" if total else "-", sum(s.wrong_root for s in scores), scenario.source])
    finally:
        if write is None:
            shutil.rmtree(root, ignore_errors=True)
    by_expect: dict[str, list[int]] = {}
    for s in all_scores:
        by_expect.setdefault(s.expect, [0, 0])
        by_expect[s.expect][0] += s.right
        by_expect[s.expect][1] += 1
    right = sum(s.right for s in all_scores)
    console.print(table("Diagnosis per scenario (runbook mode)", ["scenario", "answers right", "analyze",
                                                                  "wrong root", "source"], rows))
    console.print(table("By verdict", ["expected verdict", "right", "of"],
                        [[k, v[0], v[1]] for k, v in sorted(by_expect.items())]))
    latency = dist_ms([s.seconds for s in all_scores])
    figures = {
        "clusters": len(chosen),
        "questions": len(all_scores),
        "right": right,
        "right_pct": round(100 * right / len(all_scores), 1) if all_scores else 0.0,
        "wrong_root": sum(s.wrong_root for s in all_scores),
        "analyze_found": analyze_hit,
        "analyze_expected": analyze_total,
        "by_verdict": {k: {"right": v[0], "of": v[1]} for k, v in sorted(by_expect.items())},
        "en_right": sum(s.right for s in all_scores if s.question.isascii()),
        "zh_right": sum(s.right for s in all_scores if not s.question.isascii()),
        "latency": latency,
        "misses": [{"scenario": s.scenario, "question": s.question, "why": s.why} for s in all_scores if not s.right],
    }
    console.print(f"right: {right}/{len(all_scores)} ({figures['right_pct']}%), decoy as root cause: "
                  f"{figures['wrong_root']}, analyze: {analyze_hit}/{analyze_total}, answer p50 "
                  f"{latency['p50_ms']} ms", highlight=False)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="scenario names to run (default: all)")
    parser.add_argument("--write", type=Path, help="keep the generated snapshot directories here")
    parser.add_argument("--show", action="store_true", help="print every answer, not only the misses")
    args = parser.parse_args(argv)
    isolate_env()
    emit("diagnosis", run(args.only, args.write, args.show))
    return 0


if __name__ == "__main__":
    sys.exit(main())
