"""The no-LLM engine: deterministic analyzers plus the selected runbooks' executable steps.

It reads the cluster once (in-process API calls), runs the analyzers, works out the targets (named in
the question, else the most relevant finding), runs the runbooks' read-only diagnostics whose
placeholders it can fill (kubectl through the policy, concurrently, bounded), and answers with the root
cause, its evidence and the fix — remediation commands are filled in and shown, never run.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from itertools import count

from app import events
from app.analyzers.mapping import shown_analyzers
from app.analyzers.model import Finding
from app.analyzers.reader import ClusterReader, ClusterUnreachable
from app.analyzers.registry import AnalyzerRun, Registry, all_findings, default_registry, run_analyzers
from app.analyzers.relevance import RELEVANT, Ranked, rank, root_group
from app.analyzers.report import findings_block, is_chinese, render_answer, summarize_run, summary_line
from app.analyzers.view import ClusterView
from app.events import Event, summarize_output
from app.runbooks import Runbook, RunbookSet, RunbookStore
from app.select import Selection
from app.targets import Targets, explicit_namespace, extract_targets
from app.tools.command_text import NotATypedCall
from app.tools.kube_calls import KubeCall
from app.tools.kubectl import CommandResult, KubectlRunner

log = logging.getLogger(__name__)

MAX_KUBECTL_STEPS = 6
MAX_PROMQL_STEPS = 3
# Hook for the Prometheus tooling: runs one PromQL query, returns its result like a kubectl command.
PromQuery = Callable[[str], CommandResult]


@dataclass(frozen=True)
class Collected:
    """One investigation's cluster reading: the view, analyzer runs, targets and ranked findings."""

    view: ClusterView
    runs: list[AnalyzerRun]
    targets: Targets
    ranked: list[Ranked]
    group: list[Finding]
    problem_type: str

    @property
    def findings(self) -> list[Finding]:
        return all_findings(self.runs)

    def evidence(self) -> str:
        return findings_block(self.ranked, self.group)

    def summary(self) -> str:
        relevant = [r.finding for r in self.ranked if r.score >= RELEVANT and r.finding.analyzer != "events"]
        head = f"{len(self.findings)} finding(s), {len(relevant)} relevant; targets: {self.targets.describe()}"
        return "\n".join([head, *(summary_line(f) for f in relevant[:6])])


@dataclass(frozen=True)
class RunbookRequest:
    question: str
    selection: Selection
    namespace: str | None
    collected: Collected | None = None


@dataclass(frozen=True)
class Step:
    runbook: str
    title: str
    call: KubeCall | None = None  # a typed read, its placeholders filled and validated
    promql: str | None = None

    @property
    def command(self) -> str | None:
        return self.call.display() if self.call is not None else None


@dataclass
class _Ids:
    counter: count[int] = field(default_factory=lambda: count(1))

    def next(self, prefix: str) -> str:
        return f"{prefix}-{next(self.counter)}"


def guidance(selection: Selection) -> str:
    """What the runbooks say to check and fix, when the cluster itself cannot be read."""
    if not selection.runbooks:
        return (
            f"No runbook covers '{selection.problem_type}' yet. Start with "
            "`kubectl get pods -A`, `kubectl get events -A --field-selector type=Warning` and "
            "`kubectl get nodes`."
        )
    parts = []
    for runbook in selection.runbooks:
        lines = [f"## {runbook.title} (runbook `{runbook.id}`)", runbook.description]
        if runbook.diagnostics:
            lines.append("Check first:")
            lines += [f"- {s.title}: `{s.command or s.promql}`" for s in runbook.diagnostics[:6]]
        if runbook.remediation:
            lines.append("Fixes (run them yourself once the cause is confirmed):")
            lines += [f"- {s.title} [{s.safety}]: `{s.command}`" for s in runbook.remediation]
        parts.append("\n".join(line for line in lines if line))
    return "\n\n".join(parts)


def plan_steps(runbooks: list[Runbook], targets: Targets) -> tuple[list[Step], list[Step]]:
    """Diagnostics whose placeholders can be filled: (kubectl steps, PromQL steps), targeted ones first."""
    targeted: list[Step] = []
    generic: list[Step] = []
    queries: list[Step] = []
    seen: set[str] = set()
    for runbook in runbooks:
        for step in runbook.diagnostics:
            if step.promql is not None:
                filled = targets.fill(step.promql)
                if filled is not None and filled not in seen:
                    seen.add(filled)
                    queries.append(Step(runbook.id, step.title, promql=filled))
                continue
            if step.call is None:
                continue
            try:  # values go into single validated fields: a target can never add a flag or a word
                call = step.call.fill(dict(targets.values))
            except NotATypedCall:
                continue
            shown = call.display()
            if shown in seen:
                continue
            seen.add(shown)
            (targeted if step.call.placeholders else generic).append(Step(runbook.id, step.title, call=call))
    return (targeted + generic)[:MAX_KUBECTL_STEPS], queries[:MAX_PROMQL_STEPS]


class RunbookEngine:
    def __init__(
        self,
        reader: ClusterReader | None = None,
        runner: KubectlRunner | None = None,
        runbooks: RunbookStore | None = None,
        registry: Registry | None = None,
        promql: PromQuery | None = None,
    ) -> None:
        self.reader = reader
        self.runner = runner
        self.runbooks = runbooks
        self.registry = registry or default_registry()
        self.promql = promql

    def _runbook_set(self, selection: Selection | None = None) -> RunbookSet:
        if self.runbooks is not None:
            return self.runbooks.current()
        return RunbookSet({r.id: r for r in selection.runbooks} if selection else {})

    # -- reading and analysing ----------------------------------------------------------------------
    def read(self, question: str, namespace: str | None) -> ClusterView:
        if self.reader is None:
            raise ClusterUnreachable("no cluster reader is configured")
        return self.reader.read(self.registry.kinds(), namespace or explicit_namespace(question))

    def analyze(self, view: ClusterView, question: str, problem_type: str, namespace: str | None,
                runbooks: RunbookSet, runs: list[AnalyzerRun] | None = None) -> Collected:
        runs = runs if runs is not None else run_analyzers(view, self.registry, runbooks)
        findings = all_findings(runs)
        targets = extract_targets(question, view, namespace or view.namespace)
        ranked = rank(findings, problem_type, targets)
        if not targets.named:
            top = next((r.finding for r in ranked if r.score >= RELEVANT and r.finding.analyzer != "events"), None)
            if top is not None:
                targets = targets.with_finding(top)
        return Collected(view, runs, targets, ranked, root_group(ranked, targets), problem_type)

    def collect_sync(self, question: str, problem_type: str, namespace: str | None) -> Collected:
        view = self.read(question, namespace)
        return self.analyze(view, question, problem_type, namespace, self._runbook_set())

    async def collect(self, question: str, problem_type: str, namespace: str | None) -> Collected | None:
        """Findings for the LLM's prompt; None when there is no reader or the cluster cannot be read."""
        if self.reader is None:
            return None
        try:
            return await asyncio.to_thread(self.collect_sync, question, problem_type, namespace)
        except ClusterUnreachable as exc:
            log.warning("analyzers skipped", extra={"error": exc.message})
            return None

    # -- the investigation --------------------------------------------------------------------------
    async def investigate(self, request: RunbookRequest) -> AsyncIterator[Event]:
        selection = request.selection
        if self.reader is None and request.collected is None:
            yield events.answer(guidance(selection))
            return
        ids = _Ids()
        runbooks = self._runbook_set(selection)
        collected = request.collected
        if collected is None:
            scope = request.namespace or explicit_namespace(request.question)
            call = ids.next("read")
            yield events.tool_call(call, "cluster/read", {"namespace": scope or "all",
                                                          "kinds": sorted(self.registry.kinds())})
            try:
                view = await asyncio.to_thread(self.read, request.question, request.namespace)
            except ClusterUnreachable as exc:
                yield events.tool_result(call, "error", exc.message, False)
                note = ("无法读取集群，以下是运行手册的指引：" if is_chinese(request.question)
                        else "The cluster could not be read; here is what the runbooks say:")
                yield events.answer(f"_{exc.message}_\n\n{note}\n\n{guidance(selection)}")
                return
            counts = ", ".join(f"{n} {k}" for k, n in sorted(view.counts().items()) if n)
            missing = "; ".join(f"{k}: {why}" for k, why in sorted(view.unavailable.items()))
            yield events.tool_result(call, "success", counts + (f"\nunavailable: {missing}" if missing else ""), False)
            runs = await asyncio.to_thread(run_analyzers, view, self.registry, runbooks)
            collected = self.analyze(view, request.question, selection.problem_type, request.namespace, runbooks,
                                     runs)
            for event in self._analyzer_events(collected, ids):
                yield event
        targets = collected.targets
        if targets.values:
            origin = {"question": "named in the question", "findings": "from the most relevant finding"}
            yield events.message(f"Targets ({origin.get(targets.source, targets.source)}): {targets.describe()}")
        extra = [runbooks.runbooks[f.runbook] for f in collected.group[:1]
                 if f.runbook in runbooks.runbooks and runbooks.runbooks[f.runbook] not in selection.runbooks]
        steps, queries = plan_steps([*selection.runbooks, *extra], targets)
        async for event in self._run_steps(steps, queries, ids):
            yield event
        yield events.answer(render_answer(request.question, collected.ranked, collected.group, targets, runbooks,
                                          selection.runbooks))

    def _analyzer_events(self, collected: Collected, ids: _Ids) -> list[Event]:
        relevant = {r.finding.analyzer for r in collected.ranked if r.score >= RELEVANT}
        shown = set(shown_analyzers(collected.problem_type, [run.name for run in collected.runs])) | relevant
        out: list[Event] = []
        scope = collected.view.namespace or "all namespaces"
        for run in collected.runs:
            if run.name not in shown:
                continue
            call = ids.next("analyzer")
            out.append(events.tool_call(call, f"analyzer/{run.name}", {"scope": scope}))
            status = "error" if run.error else "success"
            out.append(events.tool_result(call, status, summarize_run(run.findings, run.error), False))
        return out

    async def _run_steps(self, steps: list[Step], queries: list[Step], ids: _Ids) -> AsyncIterator[Event]:
        """Start every step at once; report them in plan order as each one finishes."""
        runner = self.runner
        promql = self.promql
        cancel = threading.Event()  # set when the client leaves: running kubectl processes are killed
        planned: list[tuple[Step, str]] = []
        if runner is not None:
            planned += [(step, "kubectl") for step in steps if step.call is not None]
        if promql is not None:
            planned += [(step, "prometheus") for step in queries]
        tasks: list[tuple[str, asyncio.Task[CommandResult]]] = []
        try:
            # Each tool_call is streamed before its tool starts; the steps then run concurrently.
            for step, tool in planned:
                call_id = ids.next(tool)
                if step.call is not None and runner is not None:
                    args = {"verb": step.call.verb, **step.call.model_dump(exclude_defaults=True),
                            "command": step.command, "runbook": step.runbook, "title": step.title}
                    yield events.tool_call(call_id, tool, args)
                    work = asyncio.to_thread(_run_read, runner, step.call, cancel)
                else:
                    assert promql is not None
                    yield events.tool_call(call_id, tool, {"command": step.promql, "runbook": step.runbook,
                                                           "title": step.title})
                    work = asyncio.to_thread(promql, step.promql or "")
                tasks.append((call_id, asyncio.create_task(work)))
            for call_id, task in tasks:
                result = await task
                yield events.tool_result(call_id, result.status, summarize_output(result.output), result.truncated)
        finally:
            cancel.set()
            for _, task in tasks:
                task.cancel()
        if queries and promql is None:
            yield events.message(f"Skipped {len(queries)} PromQL step(s): PROMETHEUS_URL is not set.")


def _run_read(runner: KubectlRunner, call: KubeCall, cancel: threading.Event) -> CommandResult:
    # Runbook diagnostics are reads (checked at load); an action here would still only pause for approval.
    return runner.run(call, cancel=cancel)
