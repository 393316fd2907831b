"""Token cost: the same investigations through our pipeline and through plain HolmesGPT.

Ours: the real service (create_app + uvicorn on 127.0.0.1 + the scripted LLM, `mode=llm`, the demo
snapshot). Plain: HolmesGPT set up as `holmes ask` sets itself up (bench/plain_holmes.py, a subprocess
whose kubectl — through HolmesGPT's bash toolset — reads the same served snapshot). Both get the same
scripted replies (bench/scenarios.py) and run the same kubectl commands. Every request the scripted LLM
received is counted with tiktoken cl100k_base (messages + tool schemas; tests/support/fake_llm.py
`count_prompt`).

    python -m bench.tokens [--scenarios pod_crash,network] [--save-prompts DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ROOT, child_env, console, emit, isolate_env, table


@dataclass
class Side:
    calls: list[dict[str, int]] = field(default_factory=list)  # per LLM call: total, system, tools
    classify_calls: list[int] = field(default_factory=list)
    tool_statuses: list[str] = field(default_factory=list)
    first_system: str = ""

    @property
    def total(self) -> int:
        return sum(c["total"] for c in self.calls)

    def as_dict(self) -> dict[str, Any]:
        return {
            "llm_calls": len(self.calls),
            "prompt_tokens": self.total,
            "per_call": [c["total"] for c in self.calls],
            "system_tokens": self.calls[0]["system"] if self.calls else 0,
            "tool_schema_tokens": self.calls[0]["tools"] if self.calls else 0,
            "classification_tokens": sum(self.classify_calls),
            "tool_statuses": self.tool_statuses,
        }


def _count(bodies: list[dict[str, Any]]) -> list[dict[str, int]]:
    from tests.support.fake_llm import count_prompt

    out = []
    for body in bodies:
        c = count_prompt(body)
        out.append({"total": c.total, "system": c.system, "tools": c.tools, "messages": c.messages})
    return out


def _system_of(body: dict[str, Any]) -> str:
    return str(next((m.get("content") for m in body.get("messages", []) if m.get("role") == "system"), ""))


def run(names: list[str], save_prompts: Path | None) -> dict[str, Any]:
    isolate_env()
    from app.main import create_app
    from bench.scenarios import BY_NAME, Responder, classify_by_scenario, scenario_of
    from tests.support.app import llm_settings
    from tests.support.client import sse_events
    from tests.support.fake_llm import FakeLLM, question_of
    from tests.support.server import ServerThread

    scenarios = tuple(BY_NAME[n] for n in names)
    ours = {s.name: Side() for s in scenarios}
    plain = {s.name: Side() for s in scenarios}
    tmp = Path(tempfile.mkdtemp(prefix="bench-tokens-"))
    with FakeLLM(classify=classify_by_scenario) as fake:
        fake.responder = Responder(scenarios)
        settings = llm_settings(tmp, fake)
        with ServerThread(create_app(settings)) as server:
            for s in scenarios:
                before = len(fake.requests)
                events = sse_events(server.url, {"q": s.question, "mode": "llm"})
                bodies = fake.requests[before:]
                investigation = [b for b in bodies if question_of(b) is None]
                side = ours[s.name]
                side.calls = _count(investigation)
                side.classify_calls = [c["total"] for c in _count([b for b in bodies if question_of(b) is not None])]
                side.tool_statuses = [d["status"] for k, d in events if k == "tool_result"]
                side.first_system = _system_of(investigation[0]) if investigation else ""
                if [k for k, _ in events if k == "error"]:
                    raise RuntimeError(f"our investigation of {s.name} failed: {events}")
            # Plain HolmesGPT, against the snapshot the service is serving right now.
            before = len(fake.requests)
            kubeconfig = settings.data_dir / "snapshot-kubeconfig.yaml"
            started = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-m", "bench.plain_holmes", "--api-base", fake.base_url,
                 *[s.question for s in scenarios]],
                cwd=ROOT, env=child_env(KUBECONFIG=str(kubeconfig)), capture_output=True, text=True, timeout=600,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"plain HolmesGPT failed:\n{proc.stderr[-3000:]}")
            plain_s = time.monotonic() - started
            lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
            setup = lines[0]
            for result in lines[1:]:
                name = next(s.name for s in scenarios if s.question == result["question"])
                plain[name].tool_statuses = [c["status"] for c in result["tool_calls"]]
            for body in fake.requests[before:]:
                found = scenario_of(body, scenarios)
                if found is not None:
                    plain[found.name].calls += _count([body])
                    if not plain[found.name].first_system:
                        plain[found.name].first_system = _system_of(body)
    if save_prompts is not None:
        save_prompts.mkdir(parents=True, exist_ok=True)
        for s in scenarios:
            (save_prompts / f"{s.name}.ours.system.md").write_text(ours[s.name].first_system)
            (save_prompts / f"{s.name}.plain.system.md").write_text(plain[s.name].first_system)
    return _figures(scenarios, ours, plain, setup, plain_s)


def _figures(scenarios: Any, ours: dict[str, Side], plain: dict[str, Side], setup: dict[str, Any],
             plain_s: float) -> dict[str, Any]:
    per: dict[str, Any] = {}
    for s in scenarios:
        o, p = ours[s.name], plain[s.name]
        per[s.name] = {
            "ours": o.as_dict(), "plain": p.as_dict(),
            "ratio": round(o.total / p.total, 3) if p.total else None,
            "ratio_with_classification": round((o.total + sum(o.classify_calls)) / p.total, 3) if p.total else None,
        }
    ours_total = sum(o.total for o in ours.values())
    plain_total = sum(p.total for p in plain.values())
    classify_total = sum(sum(o.classify_calls) for o in ours.values())
    ours_calls = sum(len(o.calls) for o in ours.values())
    plain_calls = sum(len(p.calls) for p in plain.values())
    first = scenarios[0].name
    return {
        "tokenizer": "tiktoken cl100k_base",
        "scenarios": per,
        "overall": {
            "ours_prompt_tokens": ours_total,
            "plain_prompt_tokens": plain_total,
            "ours_classification_tokens": classify_total,
            "ours_llm_calls": ours_calls,
            "plain_llm_calls": plain_calls,
            "ratio": round(ours_total / plain_total, 3) if plain_total else None,
            "ratio_with_classification": round((ours_total + classify_total) / plain_total, 3) if plain_total else None,
            "goal": 0.4,
            "ours_fixed_per_call": ours[first].calls[0]["system"] + ours[first].calls[0]["tools"],
            "plain_fixed_per_call": plain[first].calls[0]["system"] + plain[first].calls[0]["tools"],
        },
        "plain_enabled_toolsets": setup.get("enabled_toolsets", []),
        "plain_setup_s": setup.get("setup_s"),
        "plain_run_s": round(plain_s, 1),
    }


def render(figures: dict[str, Any]) -> None:
    rows = []
    for name, f in figures["scenarios"].items():
        o, p = f["ours"], f["plain"]
        rows.append([name, f"{o['llm_calls']} / {p['llm_calls']}", o["prompt_tokens"], p["prompt_tokens"],
                     f["ratio"], f["ratio_with_classification"], o["system_tokens"], p["system_tokens"],
                     o["tool_schema_tokens"], p["tool_schema_tokens"], o["classification_tokens"]])
    ov = figures["overall"]
    rows.append(["overall", f"{ov['ours_llm_calls']} / {ov['plain_llm_calls']}", ov["ours_prompt_tokens"],
                 ov["plain_prompt_tokens"], ov["ratio"], ov["ratio_with_classification"], "", "", "", "",
                 ov["ours_classification_tokens"]])
    console.print(table(
        "Prompt tokens per investigation: ours vs plain HolmesGPT (tiktoken cl100k_base)",
        ["scenario", "LLM calls o/p", "ours", "plain", "ratio", "ratio+classify", "sys ours", "sys plain",
         "tools ours", "tools plain", "classify ours"],
        rows,
        caption=f"goal: ratio ≤ {ov['goal']}; fixed overhead per call (system + tool schemas): ours "
                f"{ov['ours_fixed_per_call']}, plain {ov['plain_fixed_per_call']}",
    ))
    call_rows = []
    for name, f in figures["scenarios"].items():
        o, p = f["ours"]["per_call"], f["plain"]["per_call"]
        for i in range(max(len(o), len(p))):
            a = o[i] if i < len(o) else 0
            b = p[i] if i < len(p) else 0
            call_rows.append([f"{name} #{i + 1}", a, b, round(a / b, 3) if b else ""])
    console.print(table("Prompt tokens per LLM call", ["call", "ours", "plain", "ratio"], call_rows))
    statuses = {n: (f["ours"]["tool_statuses"], f["plain"]["tool_statuses"]) for n, f in figures["scenarios"].items()}
    console.print(f"tool call statuses (ours, plain): {statuses}")
    console.print(f"plain HolmesGPT enabled toolsets: {', '.join(figures['plain_enabled_toolsets'])}")


def main(argv: list[str] | None = None) -> int:
    from bench.scenarios import SCENARIOS

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    parser.add_argument("--save-prompts", type=Path, default=None, help="write each side's first system prompt")
    args = parser.parse_args(argv)
    figures = run([n.strip() for n in args.scenarios.split(",") if n.strip()], args.save_prompts)
    render(figures)
    emit("tokens", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
