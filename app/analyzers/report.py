"""Findings as text: the runbook-mode answer (markdown, in the question's language), tool-result summaries,
and the compact `<findings>` evidence block an LLM gets."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.analyzers.model import Finding, ObjectRef
from app.analyzers.relevance import RELEVANT, Ranked
from app.runbooks import Runbook, RunbookSet
from app.targets import Targets

MAX_EVIDENCE = 14
MAX_FIX_COMMANDS = 4
MAX_ALSO = 6
EVIDENCE_BLOCK_CHARS = 1500
_CJK = re.compile(r"[\u3400-\u9fff]")
HEADINGS = {
    False: ("Root cause", "Evidence", "Fix", "Also found"),
    True: ("根本原因", "证据", "修复", "其他发现"),
}


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


def _fix_lines(group: list[Finding], runbooks: RunbookSet, extra: Iterable[Runbook], targets: Targets,
               chinese: bool) -> list[str]:
    lines = []
    hint = next((f.fix_text(chinese) for f in group if f.fix), "")
    if hint:
        lines.append(hint)
    chosen: list[Runbook] = []
    for runbook_id in dict.fromkeys(f.runbook for f in group if f.runbook):
        runbook = runbooks.runbooks.get(runbook_id or "")
        if runbook is not None:
            chosen.append(runbook)
    chosen += [r for r in extra if r not in chosen]
    commands: list[str] = []
    for runbook in chosen:
        for step in runbook.remediation:
            command = targets.fill(step.command)
            if command is None or len(commands) >= MAX_FIX_COMMANDS or any(command in c for c in commands):
                continue
            commands.append(f"- {step.title} — **{step.safety}** (runbook `{runbook.id}`): {_code(command)}")
    if commands:
        lines.append("以下命令仅供参考，不会自动执行：" if chinese else "Commands (shown, never run by the copilot):")
        lines += commands
    return lines


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
    lines = [f"- [{f.severity}] {f.reason} — {f.text(chinese)}" for f in others[:MAX_ALSO]]
    if len(others) > MAX_ALSO:
        more = len(others) - MAX_ALSO
        lines.append(f"- 另有 {more} 项（运行 `python -m app analyze` 查看全部）" if chinese
                     else f"- … and {more} more (`python -m app analyze` lists them all)")
    return lines


def render_answer(question: str, ranked: list[Ranked], group: list[Finding], targets: Targets,
                  runbooks: RunbookSet, selected: list[Runbook], notes: Iterable[str] = ()) -> str:
    """The answer: Root cause, Evidence, Fix, Also found (headings in the question's language)."""
    chinese = is_chinese(question)
    root, evidence_h, fix_h, also_h = HEADINGS[chinese]
    parts: list[str] = []
    if group:
        cause, symptoms = group[0], group[1:]
        lines = [cause.text(chinese)] + [f"- {f.text(chinese)}" for f in symptoms[:4]]
        parts.append(f"**{root}**\n" + "\n".join(lines))
        evidence: list[str] = []
        for finding in group:
            evidence.append(f"- {finding.object} ({finding.reason}):")
            evidence += [f"  - {_code(line)}" for line in finding.evidence]
        if len(evidence) > MAX_EVIDENCE:
            evidence = [*evidence[:MAX_EVIDENCE], "  - …"]
        parts.append(f"**{evidence_h}**\n" + "\n".join(evidence))
    else:
        about = ", ".join(str(ref) for ref in targets.named)
        if about:
            text = (f"分析器没有在 {about} 上发现问题。" if chinese
                    else f"The analyzers found no problem with {about}.")
        else:
            text = ("分析器没有发现与该问题相关的异常。" if chinese
                    else "The analyzers found nothing related to the question.")
        parts.append(f"**{root}**\n{text}")
    fix = _fix_lines(group, runbooks, selected if group else [], targets, chinese)
    if fix:
        parts.append(f"**{fix_h}**\n" + "\n".join(fix))
    also = _also(ranked, group, targets.namespace, chinese)
    if also:
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
