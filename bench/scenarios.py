"""Scripted investigations of the demo snapshot, the same for our pipeline and for plain HolmesGPT.

A scenario is a question, its problem type, a list of read-only kubectl steps and a final answer. Each
side gets the same steps through its own equivalent tool: ours the typed `kubectl` tool (values, not a command line),
plain HolmesGPT's `bash` with `suggested_prefixes`. `Responder` answers the scripted LLM by the state of
each conversation (which question, how many assistant turns so far), so any number of investigations
can run at once, in any order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.tools.command_text import parse_call
from tests.support.fake_llm import Reply, question_of, text, tool_call

CART = "cart-hgjhk7psnj-x8xw6"
RECOMMENDATION = "recommendation-2bfxc7tqs6-fm8pc"


@dataclass(frozen=True)
class Logs:
    namespace: str
    pod: str
    previous: bool = True
    tail: int = 80

    @property
    def command(self) -> str:
        return f"kubectl logs {self.pod} -n {self.namespace}{' --previous' if self.previous else ''} --tail={self.tail}"


Step = str | Logs  # a kubectl command line, or a pod-logs request


def typed_args(command: str) -> dict[str, Any]:
    """The `kubectl` tool arguments a model sends for what `command` reads (our tool takes values)."""
    call = parse_call(command)
    renames = {"pod": "name", "object_kind": "kind", "object_name": "name", "resource": "kind"}
    args = {renames.get(k, k): v for k, v in call.model_dump(exclude_defaults=True).items()}
    verb = f"rollout_{args.pop('action')}" if call.verb == "rollout" else call.verb.replace("-", "_")
    return {"verb": verb, **args}


@dataclass(frozen=True)
class Scenario:
    name: str
    problem_type: str
    question: str
    steps: tuple[Step, ...]
    answer: str

    def ours(self, step: int) -> Reply:
        if step >= len(self.steps):
            return text(self.answer)
        s = self.steps[step]
        return tool_call("kubectl", typed_args(s.command if isinstance(s, Logs) else s))

    def plain(self, step: int) -> Reply:
        if step >= len(self.steps):
            return text(self.answer)
        s = self.steps[step]
        command = s.command if isinstance(s, Logs) else s
        prefix = " ".join(command.split()[:2])
        return tool_call("bash", {"command": command, "suggested_prefixes": [prefix]})


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "pod_crash", "pod_crash", f"why is pod {CART} in namespace shop crashing?",
        ("kubectl get pods -n shop -o wide", f"kubectl describe pod {CART} -n shop", Logs("shop", CART)),
        "**Root cause**: container `cart` exits at start: `panic: invalid config: missing DATABASE_URL`.\n"
        "**Evidence**: Last State Terminated, exit code 2; `kubectl logs --previous` shows the panic.\n"
        "**Fix**: add DATABASE_URL to ConfigMap cart-config (needs approval), then "
        "`kubectl rollout restart deployment/cart -n shop`.",
    ),
    Scenario(
        "oom_killed", "oom_killed", f"{RECOMMENDATION} keeps restarting, is it running out of memory?",
        (f"kubectl get pod {RECOMMENDATION} -n shop -o wide", f"kubectl describe pod {RECOMMENDATION} -n shop",
         Logs("shop", RECOMMENDATION)),
        "**Root cause**: the container is OOMKilled at its 128Mi limit (exit code 137).\n"
        "**Evidence**: Last State `OOMKilled`, exit code 137.\n"
        "**Fix**: `kubectl set resources deployment/recommendation -n shop --limits=memory=256Mi` (needs approval).",
    ),
    Scenario(
        "network", "network", "the frontend cannot reach the checkout service in shop, connection refused. why?",
        ("kubectl get service checkout -n shop -o wide", "kubectl describe service checkout -n shop",
         "kubectl get endpoints checkout -n shop"),
        "**Root cause**: Service `checkout` has no endpoints: its selector matches no pod labels.\n"
        "**Evidence**: `Endpoints: <none>`.\n**Fix**: align the selector with the pods' labels (needs approval).",
    ),
    Scenario(
        "chinese", "pod_crash", f"shop 命名空间的 {CART} 为什么一直崩溃重启？",
        ("kubectl get pods -n shop -o wide", f"kubectl describe pod {CART} -n shop", Logs("shop", CART)),
        "**根本原因**：容器 `cart` 启动即退出：`panic: invalid config: missing DATABASE_URL`。\n"
        "**证据**：Last State Terminated，退出码 2；`kubectl logs --previous` 显示 panic。\n"
        "**修复**：在 ConfigMap cart-config 中补上 DATABASE_URL（需要审批），然后重启 deployment/cart。",
    ),
)
BY_NAME = {s.name: s for s in SCENARIOS}


def side_of(body: dict[str, Any]) -> str:
    """`ours` or `plain`, from the tools offered (and the system prompt when tools are withheld)."""
    names = {t.get("function", {}).get("name") for t in body.get("tools") or []}
    if "bash" in names:
        return "plain"
    if "kubectl" in names:
        return "ours"
    system = next((m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "system"), "")
    return "plain" if "HolmesGPT" in str(system) else "ours"


def user_text(body: dict[str, Any]) -> str:
    return " ".join(str(m.get("content") or "") for m in body.get("messages", []) if m.get("role") == "user")


def scenario_of(body: dict[str, Any], scenarios: tuple[Scenario, ...] = SCENARIOS) -> Scenario | None:
    asked = user_text(body)
    return next((s for s in scenarios if s.question in asked), None)


@dataclass
class Responder:
    """The scripted LLM's answer to any request of any scenario's conversation (thread-safe: stateless
    except for the optional per-request delay and a call counter)."""

    scenarios: tuple[Scenario, ...] = SCENARIOS
    delay_s: Callable[[], float] = field(default=lambda: 0.0)
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.calls += 1
        scenario = scenario_of(body, self.scenarios)
        if scenario is None:
            return text("(benchmark LLM: unknown conversation)")
        step = sum(1 for m in body.get("messages", []) if m.get("role") == "assistant")
        reply = scenario.plain(step) if side_of(body) == "plain" else scenario.ours(step)
        reply.delay_s = self.delay_s()
        # Reported usage: a cheap estimate, so the scripted LLM stays light under load (bench/tokens.py
        # counts every request exactly itself).
        reply.prompt_tokens = max(1, sum(len(str(m.get("content") or "")) for m in body.get("messages", [])) // 4)
        return reply


def classify_by_scenario(question: str) -> str:
    """The scripted DSPy classifier: each scenario's problem type."""
    return next((s.problem_type for s in SCENARIOS if s.question.strip() == question.strip()), "general")


__all__ = ["BY_NAME", "SCENARIOS", "Logs", "Responder", "Scenario", "classify_by_scenario", "question_of",
           "scenario_of", "side_of"]
