"""Notification reports (root cause, evidence, link) and their delivery to a real loopback receiver."""

from __future__ import annotations

from app.alerts_runner import Outcome
from app.events import Event
from app.notify import Notifier, json_message, report_of, sections, slack_message
from tests.support.webhook_receiver import WebhookReceiver

ANSWER = """**Root cause**
Container cart of pod shop/cart-1 panics: missing DATABASE_URL.

**Evidence**
- Pod shop/cart-1 (CrashLoopBackOff):
  - `restarts: 9`
- Logs of shop/cart-1: panic: invalid config
- Deployment shop/cart has 0/1 replicas available
- Fourth bullet is left out

**Fix**: set DATABASE_URL in the Deployment.
"""
ALERT = {"name": "KubePodCrashLooping", "labels": {"namespace": "shop", "pod": "cart-1"}, "annotations": {}}


def outcome(*events: Event) -> Outcome:
    return Outcome("0123456789abcdef", list(events))


def test_sections_read_bold_and_markdown_headings() -> None:
    found = sections(ANSWER)
    assert found["root cause"] == "Container cart of pod shop/cart-1 panics: missing DATABASE_URL."
    assert found["fix"] == "set DATABASE_URL in the Deployment."
    assert sections("## 根本原因\n磁盘满了\n## 证据\n- df -h")["根本原因"] == "磁盘满了"


def test_report_takes_the_root_cause_and_the_top_three_evidence_bullets() -> None:
    report = report_of(outcome(Event("classification", {"problem_type": "pod_crash"}),
                               Event("answer", {"text": ANSWER})), ALERT, "https://copilot.example.com/")
    assert report.status == "answered"
    assert report.root_cause == "Container cart of pod shop/cart-1 panics: missing DATABASE_URL."
    assert report.evidence == ["Pod shop/cart-1 (CrashLoopBackOff):", "Logs of shop/cart-1: panic: invalid config",
                               "Deployment shop/cart has 0/1 replicas available"]
    assert report.link == "https://copilot.example.com/investigations/0123456789abcdef"
    slack = slack_message(report)
    assert slack["text"].startswith("KubePodCrashLooping (namespace=shop, pod=cart-1): answered\n")
    assert "<https://copilot.example.com/investigations/0123456789abcdef|" in slack["blocks"][3]["elements"][0]["text"]
    assert json_message(report)["evidence"] == report.evidence


def test_an_answer_without_headings_gives_its_first_paragraph_and_no_answer_gives_the_error() -> None:
    plain = report_of(outcome(Event("answer", {"text": "The disk is full.\n\nMore text."})), ALERT, None)
    assert plain.root_cause == "The disk is full."
    assert plain.link == "/investigations/0123456789abcdef"
    failed = report_of(outcome(Event("error", {"code": "llm_unavailable", "message": "the LLM is unreachable"})),
                       ALERT, None)
    assert failed.status == "error"
    assert failed.root_cause == "No answer: the LLM is unreachable"


def test_secrets_in_the_alert_are_masked() -> None:
    alert = {**ALERT, "annotations": {"description": "password=hunter2hunter2 leaked"}}
    report = report_of(outcome(Event("answer", {"text": "x"})), alert, None)
    assert "hunter2hunter2" not in str(report.alert)


async def test_delivery_is_retried_on_5xx() -> None:
    with WebhookReceiver(fail_first=2) as receiver:
        notifier = Notifier(receiver.url, "json", backoff_s=0.01)
        report = report_of(outcome(Event("answer", {"text": ANSWER})), ALERT, None)
        assert await notifier.send(report) is True
        assert receiver.attempts == 3
        assert receiver.received[0]["body"]["root_cause"].startswith("Container cart")
        assert (notifier.sent, notifier.failed) == (1, 0)


async def test_a_receiver_that_stays_down_costs_a_log_line() -> None:
    with WebhookReceiver(fail_first=100) as receiver:
        notifier = Notifier(receiver.url, "slack", backoff_s=0.01)
        assert await notifier.send(report_of(outcome(), ALERT, None)) is False
        assert receiver.attempts == 4
        assert (notifier.sent, notifier.failed) == (0, 1)
