"""Post an alert investigation's result to a webhook: Slack's incoming-webhook message, or plain JSON.

The report carries the root cause, the top evidence and a link to the investigation (`public_url` +
`/investigations/<id>`), taken from the answer's **Root cause** / **Evidence** sections (both engines write
them, in English or Chinese); an answer without them gives its first paragraph. Everything sent is taken
from redacted events. Delivery is retried on connection errors, 429 and 5xx; a receiver that stays down
costs a log line, never the investigation (it is in the history either way).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

import httpx

from app.alerts_runner import Outcome
from app.redact import redact_data

log = logging.getLogger(__name__)

MAX_EVIDENCE = 3
ROOT_CAUSE_MAX_CHARS = 1500
EVIDENCE_MAX_CHARS = 400
RETRIES = 3
_HEADING = re.compile(r"^\s*(?:#{1,6}\s*)?\*\*(?P<b>[^*]+?)\*\*\s*:?\s*(?P<rest>.*)$|^\s*#{1,6}\s*(?P<h>[^#].*?)\s*$")
_ROOT_CAUSE = ("root cause", "根本原因", "根因")
_EVIDENCE = ("evidence", "证据")


@dataclass(frozen=True)
class Report:
    investigation_id: str
    link: str
    status: str  # answered | approval_required | error
    problem_type: str | None
    root_cause: str
    evidence: list[str]
    alert: dict[str, Any]
    answer: str | None


def sections(text: str) -> dict[str, str]:
    """The answer's sections by lower-cased heading (`**Root cause**`, `## Evidence`, `**Fix**: ...`)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            name = (match.group("b") or match.group("h") or "").strip().rstrip(":").strip().lower()
            current = found.setdefault(name, [])
            rest = (match.group("rest") or "").strip()
            if rest:
                current.append(rest)
            continue
        if current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in found.items()}


def _section(found: dict[str, str], names: tuple[str, ...]) -> str:
    return next((found[n] for n in names if found.get(n)), "")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def report_of(outcome: Outcome, alert: dict[str, Any], public_url: str | None) -> Report:
    answer = outcome.answer
    found = sections(answer or "")
    root_cause = _section(found, _ROOT_CAUSE)
    if not root_cause and answer:
        root_cause = answer.strip().split("\n\n", 1)[0]
    if not root_cause:
        problems = outcome.errors or outcome.approvals
        root_cause = ("No answer: " + "; ".join(str(p.get("message") or p.get("command")) for p in problems)
                      if problems else "No answer.")
    evidence_text = _section(found, _EVIDENCE)
    # Top-level bullets: each names one piece of evidence (its nested lines are the quotes).
    evidence = [line.strip()[2:].strip() for line in evidence_text.splitlines() if line.startswith(("- ", "* "))]
    link = f"{(public_url or '').rstrip('/')}/investigations/{outcome.investigation_id}"
    top = [_clip(e, EVIDENCE_MAX_CHARS) for e in evidence[:MAX_EVIDENCE]]
    return Report(outcome.investigation_id, link, outcome.status, outcome.problem_type,
                  _clip(root_cause, ROOT_CAUSE_MAX_CHARS), top, redact_data(alert), answer)


def slack_message(report: Report) -> dict[str, Any]:
    """Slack's incoming-webhook format: `text` (the fallback every client shows) and Block Kit blocks."""
    alert = report.alert
    labels: dict[str, str] = alert.get("labels") or {}
    where = ", ".join(f"{k}={labels[k]}" for k in ("namespace", "pod", "deployment", "node") if labels.get(k))
    title = f"{alert.get('name', 'alert')}{f' ({where})' if where else ''}: {report.status.replace('_', ' ')}"
    evidence = "\n".join(f"• {e}" for e in report.evidence) or "(none)"
    text = f"{title}\nRoot cause: {report.root_cause}\nInvestigation: {report.link}"
    return {
        "text": text,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Root cause*\n{report.root_cause}"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Evidence*\n{evidence}"[:3000]}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": f"<{report.link}|Investigation {report.investigation_id}>"
                                           f" · problem type {report.problem_type or 'unknown'}"}]},
        ],
    }


def json_message(report: Report) -> dict[str, Any]:
    return {"event": "investigation_finished", **asdict(report)}


class Notifier:
    def __init__(self, url: str, fmt: Literal["slack", "json"], headers: dict[str, str] | None = None,
                 timeout_s: float = 10.0, backoff_s: float = 1.0) -> None:
        self.url = url
        self.fmt = fmt
        self.headers = dict(headers or {})
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        self.sent = 0
        self.failed = 0

    async def send(self, report: Report) -> bool:
        body = slack_message(report) if self.fmt == "slack" else json_message(report)
        async with httpx.AsyncClient(timeout=self.timeout_s, trust_env=False) as client:
            for attempt in range(RETRIES + 1):
                problem: str
                try:
                    response = await client.post(self.url, json=body, headers=self.headers)
                    if response.status_code < 300:
                        self.sent += 1
                        return True
                    problem = f"HTTP {response.status_code}"
                    if response.status_code != 429 and response.status_code < 500:
                        break  # the receiver refuses this message: sending it again changes nothing
                except httpx.HTTPError as exc:
                    problem = type(exc).__name__
                if attempt < RETRIES:
                    await asyncio.sleep(self.backoff_s * 2**attempt)
        self.failed += 1
        # The webhook URL is a credential (Slack's carries its token): never logged.
        log.warning("notification not delivered: %s", problem,
                    extra={"investigation_id": report.investigation_id, "format": self.fmt})
        return False
