"""Findings as text: the runbook-mode answer (markdown, in the question's language), tool-result summaries,
and the compact `<findings>` evidence block an LLM gets."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.analyzers.fixes import fix_lines
from app.analyzers.model import SEVERITY_ORDER, Finding, ObjectRef
from app.analyzers.relevance import RELEVANT, Ranked
from app.analyzers.verdict import Verdict, affected
from app.analyzers.view import ClusterView
from app.runbooks import Runbook, RunbookSet
from app.targets import Targets

MAX_EVIDENCE = 14
MAX_ALSO = 6
EVIDENCE_BLOCK_CHARS = 1500
_CJK = re.compile(r"[\u3400-\u9fff]")
HEADINGS = {
    False: ("Root cause", "Evidence", "Fix", "Also found"),
    True: ("根本原因", "证据", "修复", "其他发现"),
}
NOT_FOUND = {False: "Not found", True: "未找到"}
CONTRADICTED = {False: "Premise contradicted", True: "与集群状态不符"}
HEALTHY = {False: "Healthy", True: "运行正常"}
REPORT = {False: "Health report of {where}", True: "{where}健康报告"}
CLAIMS = {"not_ready": ("NotReady", "处于 NotReady / 不可用状态"),
          "disk": ("under disk pressure", "处于磁盘压力（磁盘已满）状态"),
          "memory": ("out of memory", "处于内存不足（OOM）状态"), "crashing": ("crashing", "在崩溃重启"),
          "pending": ("Pending", "处于 Pending"), "failing": ("failing", "失败")}


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def summary_line(finding: Finding) -> str:
    return f"[{finding.severity}] {finding.reason} {finding.object}: {finding.message}"


def summarize_run(findings: list[Finding], error: str | None, limit: int = 8) -> str:
    """A tool_result summary for one analyzer."""
    if error:
        return f"analyzer failed: {error}"
    if not findings:
        return "no findings"
    lines = [f"{len(findings)} finding(s)"] + [summary_line(f) for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"… and {len(findings) - limit} more")
    return "\n".join(lines)


def _also(ranked: list[Ranked], group: list[Finding], namespace: str | None, chinese: bool) -> list[str]:
    covered: set[ObjectRef] = set()
    for r in ranked:
        if r.finding.analyzer != "events":
            covered.add(r.finding.object)
            covered.update(r.finding.related)

    def news(finding: Finding) -> bool:
        """An events summary is worth a line only for objects no other finding explains."""
        return any(ref not in covered and (namespace is None or ref.namespace in (None, namespace))
                   for ref in finding.related)

    others = [r.finding for r in ranked
              if r.finding not in group and (r.finding.analyzer != "events" or news(r.finding))]
    others.sort(key=lambda f: SEVERITY_ORDER[f.severity])  # stable: relevance order within a severity
    lines = [f"- [{f.severity}] {f.reason} — {f.text(chinese)}" for f in others[:MAX_ALSO]]
    if len(others) > MAX_ALSO:
        more = len(others) - MAX_ALSO
        # Works wherever the copilot runs: the same service answers a cluster-wide question in full.
        lines.append(f"- 另有 {more} 项（问“集群有什么问题？”可得到完整报告）" if chinese
                     else f"- … and {more} more (ask “what is wrong in the cluster?” for the full report)")
    return lines


def _evidence(group: list[Finding]) -> list[str]:
    evidence: list[str] = []
    for finding in group:
        evidence.append(f"- {finding.object} ({finding.reason}):")
        evidence += [f"  - {_code(line)}" for line in finding.evidence]
    if len(evidence) > MAX_EVIDENCE:
        evidence = [*evidence[:MAX_EVIDENCE], "  - …"]
    return evidence


def _absent_lines(verdict: Verdict, findings: list[Finding], chinese: bool) -> list[str]:
    lines = []
    for absent in verdict.absent:
        kind = absent.kind or ("对象" if chinese else "object")
        near = []
        for ref in absent.nearest:
            problem = next((f.reason for f in findings if f.object == ref and f.analyzer != "events"), None)
            state = (f"（{problem}）" if chinese else f" ({problem})") if problem else ""
            near.append(f"{ref}{state}")
        if chinese:
            lines.append(f"集群中不存在名为 `{absent.name}` 的 {kind}。"
                         + (f"最接近的真实名称：{'，'.join(near)}。" if near else "也没有相近的名称。"))
        else:
            lines.append(f"No {kind} named `{absent.name}` exists in the cluster."
                         + (f" Nearest real names: {', '.join(near)}." if near else " No similar name either."))
    return lines


def _claim_text(claim: str | None, chinese: bool) -> str:
    return CLAIMS.get(claim or "", ("in that state", "处于该状态"))[1 if chinese else 0]


def _report(verdict: Verdict, namespace: str | None, chinese: bool) -> list[str]:
    groups = verdict.groups
    findings = [f for g in groups for f in g]
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("critical", "warning", "info")}
    objects = {ref for g in groups for ref in affected(g)}
    where = (f"命名空间 {namespace}" if chinese else f"namespace {namespace}") if namespace else (
        "整个集群" if chinese else "the cluster")
    head = REPORT[chinese].format(where=where)
    if not groups:
        return [f"**{head}**\n" + (f"{where} 中没有发现问题。" if chinese else f"No problem found in {where}.")]
    summary = (f"{len(groups)} 个根本原因，{len(findings)} 项发现（严重 {counts['critical']}，警告 "
               f"{counts['warning']}，提示 {counts['info']}），涉及 {len(objects)} 个对象：" if chinese else
               f"{len(groups)} root cause(s), {len(findings)} finding(s) ({counts['critical']} critical, "
               f"{counts['warning']} warning, {counts['info']} info) affecting {len(objects)} object(s):")
    lines = [summary]
    for i, group in enumerate(groups, 1):
        cause = group[0]
        lines.append(f"{i}. [{cause.severity}] {cause.reason} — {cause.text(chinese)}")
        refs = affected(group)
        label = "涉及" if chinese else "affects"
        lines.append(f"   - {label} ({len(refs)}): " + ", ".join(str(r) for r in refs))
        for symptom in group[1:]:
            lines.append(f"   - {symptom.reason}: {symptom.text(chinese)}")
        fix = cause.fix_text(chinese)
        if fix:
            lines.append(f"   - {'修复' if chinese else 'fix'}: {fix}")
    return [f"**{head}**\n" + "\n".join(lines)]


def render_answer(question: str, ranked: list[Ranked], group: list[Finding], targets: Targets,
                  runbooks: RunbookSet, selected: list[Runbook], notes: Iterable[str] = (),
                  verdict: Verdict | None = None, view: ClusterView | None = None) -> str:
    """The answer in the shape the question asks for, headings in the question's language: a subject's
    verdict (not found / premise contradicted / healthy / root cause → evidence → fix), or a report of every
    problem grouped by root cause."""
    chinese = is_chinese(question)
    root, evidence_h, fix_h, also_h = HEADINGS[chinese]
    verdict = verdict or Verdict("problem", group=group)
    findings = [r.finding for r in ranked]
    parts: list[str] = []
    if verdict.absent:
        parts.append(f"**{NOT_FOUND[chinese]}**\n" + "\n".join(_absent_lines(verdict, findings, chinese)))
    if verdict.kind == "report":
        parts += _report(verdict, verdict.namespace, chinese)
        top = verdict.groups[0] if verdict.groups else []
        if top:
            parts.append(f"**{evidence_h}** ({top[0].object})\n" + "\n".join(_evidence(top)))
            fix = fix_lines(top, runbooks, [], targets, chinese, view)
            if fix:
                parts.append(f"**{fix_h}** ({top[0].object})\n" + "\n".join(fix))
        return "\n\n".join(parts)
    group = verdict.group if verdict.kind in ("broken", "problem") else []
    subject = verdict.subject
    if group:
        cause, symptoms = group[0], group[1:]
        lines = [cause.text(chinese)] + [f"- {f.text(chinese)}" for f in symptoms[:4]]
        if verdict.kind == "broken" and verdict.claim and subject is not None:
            claim = _claim_text(verdict.claim, chinese)
            lines.append(f"_（{subject} 并不{claim}：问题的前提与集群状态不符，实际问题如上。）_" if chinese else
                         f"_({subject} is not {claim}, as the question assumes: its actual problem is above.)_")
        parts.append(f"**{root}**\n" + "\n".join(lines))
        parts.append(f"**{evidence_h}**\n" + "\n".join(_evidence(group)))
    elif verdict.kind == "contradicted" and subject is not None:
        claim = _claim_text(verdict.claim, chinese)
        text = (f"{subject} 并不{claim}：分析器没有在它上面发现问题，集群状态与问题的前提不符。" if chinese else
                f"{subject} is not {claim}: the cluster contradicts the question's premise and no analyzer found "
                "a problem with it.")
        parts.append(f"**{CONTRADICTED[chinese]}**\n{text}")
        parts.append(f"**{evidence_h}**\n" + "\n".join(f"- {_code(line)}" for line in verdict.evidence))
    elif verdict.kind == "healthy" and subject is not None:
        text = (f"{subject} 运行正常：分析器没有在它上面发现问题。" if chinese
                else f"{subject} is healthy: no analyzer found a problem with it.")
        parts.append(f"**{HEALTHY[chinese]}**\n{text}")
        parts.append(f"**{evidence_h}**\n" + "\n".join(f"- {_code(line)}" for line in verdict.evidence))
    elif verdict.kind == "problem":
        text = ("分析器没有发现与该问题相关的异常（问“集群有什么问题？”可查看全部发现）。" if chinese else
                "The analyzers found nothing related to the question (ask “what is wrong in the cluster?” for "
                "every finding).")
        parts.append(f"**{root}**\n{text}")
    if verdict.others:
        shown = ", ".join(str(r) for r in verdict.others)
        parts.append(f"_{'同时提到的对象运行正常：' if chinese else 'Also named and healthy: '}{shown}_")
    fix = fix_lines(group, runbooks, selected if group else [], targets, chinese, view)
    if fix:
        parts.append(f"**{fix_h}**\n" + "\n".join(fix))
    also = _also(ranked, group, targets.namespace, chinese)
    if also:
        if subject is not None:  # kept apart: never the subject's root cause
            also.insert(0, f"_集群中与 {subject} 无关的其他问题：_" if chinese
                        else f"_Elsewhere in the cluster, not related to {subject}:_")
        parts.append(f"**{also_h}**\n" + "\n".join(also))
    notes = [n for n in notes if n]
    if notes:
        parts.append("\n".join(f"_{n}_" for n in notes))
    return "\n\n".join(parts)


def findings_block(ranked: list[Ranked], group: list[Finding], limit: int = EVIDENCE_BLOCK_CHARS) -> str:
    """The relevant findings as a short `<findings>` block for the LLM's system prompt (≤ `limit` chars)."""
    ordered = list(group) + [r.finding for r in ranked if r.finding not in group and r.score >= RELEVANT
                             and r.finding.analyzer != "events"]
    if not ordered:
        return ""
    head = ("<findings>\nDeterministic analyzers ran before you; verify before relying on them and do not "
            "re-fetch what is shown.\n")
    tail = "</findings>"
    body = ""
    for finding in ordered:
        runbook = f" (runbook {finding.runbook})" if finding.runbook else ""
        entry = f"- [{finding.severity}] {finding.reason} {finding.object}{runbook}: {finding.message}\n"
        entry += "".join(f"  {line}\n" for line in finding.evidence[:3])
        if len(head) + len(body) + len(entry) + len(tail) > limit:
            if not body:  # always show the first finding, shortened
                body = entry[: limit - len(head) - len(tail) - 2] + "…\n"
            break
        body += entry
    return head + body + tail
