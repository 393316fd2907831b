"""The question path: "这个集群安全吗？", "is namespace shop compliant with restricted?" answered from the audit.

Without an LLM the answer is built here (English or Chinese, like the question); with one, `evidence_block`
is the pre-collected evidence the model explains and prioritises.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator

from app import events
from app.analyzers.reader import ClusterReader, ClusterUnreachable
from app.analyzers.report import is_chinese
from app.events import Event
from app.security.engine import AUDIT_KINDS, AuditOptions, AuditReport, run_audit
from app.security.model import SecurityFinding
from app.targets import explicit_namespace

MAX_DETAILED = 5
EVIDENCE_CHARS = 2000
_LEVEL = re.compile(r"(?i)\b(restricted|baseline)\b")


def _asked_level(question: str) -> str | None:
    match = _LEVEL.search(question)
    return match.group(1).lower() if match else None


def audit_for_question(reader: ClusterReader, question: str, namespace: str | None) -> AuditReport:
    """Read the cluster once; scope to the namespace given, named in the question, or known and mentioned."""
    view = reader.read(AUDIT_KINDS, None)
    scope = namespace or explicit_namespace(question)
    if scope is None:
        scope = next((ns for ns in view.namespaces
                      if re.search(rf"(?<![\w-]){re.escape(ns)}(?![\w-])", question, re.ASCII)), None)
    return run_audit(view, AuditOptions(namespace=scope))


def _line(f: SecurityFinding) -> str:
    return f"[{f.level}] {f.rule.id} {f.object}: {f.message}"


def evidence_block(report: AuditReport, limit: int = EVIDENCE_CHARS) -> str:
    """The audit for the model, as a `<security_audit>` block: score, levels, the worst findings with evidence,
    the rest counted by rule (≤ `limit` chars)."""
    levels = report.levels()
    lines = ["<security_audit>",
             "The deterministic security audit ran before you; explain and prioritise it, verify before relying on it.",
             f"Security audit of {report.namespace or 'all namespaces'}: score {report.score}/100, counts "
             f"{report.counts()}; PSS levels {levels}",
             *(f"note: {n}" for n in report.notes)]
    rest: Counter[str] = Counter()
    for f in report.findings:
        if f.level in ("critical", "high") and sum(len(x) + 1 for x in lines) < limit - 300:
            lines.append(_line(f) + " | " + "; ".join(str(e) for e in f.evidence[:2]))
        else:
            rest[f"{f.level} {f.rule.id}"] += 1
    if rest:
        lines.append("also: " + ", ".join(f"{rule} x{n}" for rule, n in rest.most_common()))
    text = "\n".join(lines)
    tail = "\n</security_audit>"
    return (text if len(text) + len(tail) <= limit else text[: limit - len(tail) - 3] + "...") + tail


def render_answer(question: str, report: AuditReport) -> str:
    zh = is_chinese(question)
    scope = (f"命名空间 {report.namespace}" if zh else f"namespace {report.namespace}") if report.namespace else \
        ("整个集群" if zh else "the cluster")
    counts = report.counts()
    levels = report.levels()
    total = len(report.workloads)
    if zh:
        head = (f"**{scope}的安全审计：{report.score}/100 分** — 严重 {counts['critical']}、高危 {counts['high']}、"
                f"中危 {counts['medium']}、低危 {counts['low']}。\n"
                f"Pod 安全标准：{total} 个工作负载中 {levels['restricted']} 个达到 restricted，"
                f"{levels['baseline']} 个仅达到 baseline，{levels['privileged']} 个连 baseline 都不满足。")
    else:
        head = (f"**Security audit of {scope}: score {report.score}/100** — {counts['critical']} critical, "
                f"{counts['high']} high, {counts['medium']} medium, {counts['low']} low.\n"
                f"Pod Security Standards: of {total} workload(s), {levels['restricted']} meet restricted, "
                f"{levels['baseline']} only baseline, {levels['privileged']} not even baseline.")
    parts = [head]
    asked = _asked_level(question)
    if asked is not None and total:
        ok = levels["restricted"] + (levels["baseline"] if asked == "baseline" else 0)
        failing = [str(w.object) for w in report.workloads
                   if w.level == "privileged" or (asked == "restricted" and w.level == "baseline")]
        if ok == total:
            parts.append(f"**符合 {asked}。**" if zh else f"**Compliant with {asked}.**")
        else:
            shown = ", ".join(failing[:6]) + (" ..." if len(failing) > 6 else "")
            parts.append(f"**不符合 {asked}**：{len(failing)} 个工作负载不满足（{shown}）。" if zh else
                         f"**Not compliant with {asked}**: {len(failing)} workload(s) fall short ({shown}).")
    worst = [f for f in report.findings if f.level in ("critical", "high")][:MAX_DETAILED]
    if worst:
        parts.append("**优先修复**" if zh else "**Fix first**")
        for i, f in enumerate(worst, 1):
            evidence = "; ".join(f"`{e.path}` = {e.value}" for e in f.evidence[:2])
            label = ("证据", "原因", "修复") if zh else ("Evidence", "Why", "Fix")
            parts.append(f"{i}. [{f.level}] `{f.rule.id}` — {f.message}\n   {label[0]}: {evidence}\n"
                         f"   {label[1]}: {f.rule.why}\n   {label[2]}:\n"
                         "   ```yaml\n" + "\n".join("   " + line for line in f.fix.splitlines()) + "\n   ```")
    rest = Counter(f.rule.id for f in report.findings if f not in worst)
    if rest:
        parts.append(("**其余发现**：" if zh else "**Other findings**: ")
                     + ", ".join(f"`{rule}` ×{n}" for rule, n in rest.most_common(10)))
    for note in report.notes:
        parts.append(f"_{note}_")
    flag = f" -n {report.namespace}" if report.namespace else ""
    query = f"?namespace={report.namespace}" if report.namespace else ""
    commands = f"`python -m app audit{flag}`, `GET /api/v1/audit{query}`"
    parts.append(f"完整报告（每条发现的修复补丁，JSON / SARIF）：{commands}" if zh else
                 f"Full report with a fix for every finding (JSON / SARIF): {commands}")
    return "\n\n".join(parts)


async def investigate(reader: ClusterReader, question: str, namespace: str | None) -> AsyncIterator[Event]:
    """The no-LLM answer to a security question: one cluster reading, the audit, the answer."""
    yield events.tool_call("audit-1", "security/audit", {"namespace": namespace or explicit_namespace(question)
                                                         or "from the question or all"})
    try:
        report = await asyncio.to_thread(audit_for_question, reader, question, namespace)
    except ClusterUnreachable as exc:
        yield events.tool_result("audit-1", "error", exc.message, False)
        yield events.answer(f"_{exc.message}_\n\n" + ("无法读取集群，安全审计未运行。" if is_chinese(question)
                                                      else "The cluster could not be read; no audit was run."))
        return
    counts = report.counts()
    yield events.tool_result("audit-1", "success",
                             f"score {report.score}/100; {len(report.workloads)} workload(s); " +
                             ", ".join(f"{n} {s}" for s, n in counts.items()), False)
    yield events.answer(render_answer(question, report))
