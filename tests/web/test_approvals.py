"""Approvals in the browser: a cluster-changing tool call shows Approve / Decline; the resumed stream continues
in the same timeline; pending approvals are listed (with a count in the navigation)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.support.fake_llm import FakeLLM, text, tool_call
from tests.web.conftest import Browser, ask, wait_done

RESTART = {"action": "rollout_restart", "name": "cart", "namespace": "shop"}
RESTART_SHOWN = "kubectl rollout restart deployment/cart -n shop"


def pause(browser: Browser, url: str, fake: FakeLLM) -> None:
    fake.script(tool_call("kubectl_action", RESTART, content="The config is stale; restarting."))
    browser.page.goto(f"{url}/")
    ask(browser, url, "restart the cart deployment", mode="llm")
    wait_done(browser)
    card = browser.page.locator(".item-approval")
    assert RESTART_SHOWN in card.locator("code.mono").inner_text()
    assert "changes the cluster" in card.inner_text()
    assert browser.page.locator(".item-tool .status-approval_required").count() == 1


def test_approve_runs_the_command_and_the_stream_continues_in_place(
        llm_service: str, fake_llm: FakeLLM, open_browser: Callable[..., Browser]) -> None:
    browser = open_browser()
    page = browser.page
    pause(browser, llm_service, fake_llm)
    page.locator("#approvals-count").wait_for()
    assert page.locator("#approvals-count").inner_text() == "1"
    browser.screenshot("approval-required")
    fake_llm.script(text("Restart attempted; the snapshot is read-only so it was refused."))
    page.locator(".item-approval button.approve").click()
    wait_done(browser, count=2)
    assert page.locator(".item-approval .decision").inner_text() == "Approved"
    assert page.locator(".item-approval button.approve").is_disabled()
    # The resumed stream lands below the card: the command ran and the read-only snapshot refused the write.
    resumed = page.locator(".item-tool").last
    assert "read-only" in resumed.inner_text().lower() or resumed.locator(".status-error").count() == 1
    assert page.locator(".item-answer").last.inner_text().find("Restart attempted") >= 0
    assert page.locator(".item-header").count() == 2
    page.locator("#approvals-count").wait_for(state="hidden")
    assert httpx.get(f"{llm_service}/approvals", timeout=30).json()["approvals"] == []
    browser.screenshot("approval-approved")
    # Replayed from history, the decided approval is no longer offered.
    page.goto(f"{llm_service}/#/history")
    page.select_option("#filter-outcome", "approval_required")
    page.locator("#history-table tbody tr:has(.outcome-approval_required) a").first.click()
    page.locator(".item-approval .decision", has_text="approved").wait_for()
    assert page.locator(".item-approval button.approve").is_disabled()
    assert browser.console_errors == []


def test_decline_with_a_reason_tells_the_model(llm_service: str, fake_llm: FakeLLM,
                                                open_browser: Callable[..., Browser]) -> None:
    browser = open_browser()
    page = browser.page
    pause(browser, llm_service, fake_llm)
    fake_llm.script(text("Understood, not restarting. Fix the ConfigMap instead."))
    page.fill(".item-approval input.reason", "not during business hours")
    page.locator(".item-approval button.decline").click()
    wait_done(browser, count=2)
    assert page.locator(".item-approval .decision").inner_text() == "Declined"
    assert "Understood, not restarting" in page.locator(".item-answer").last.inner_text()
    tool_messages = [m for m in fake_llm.investigation_requests[-1]["messages"] if m.get("role") == "tool"]
    assert "not during business hours" in tool_messages[-1]["content"]
    browser.screenshot("approval-declined")
    assert browser.console_errors == []


def test_pending_approvals_are_listed_and_decided_there(llm_service: str, fake_llm: FakeLLM,
                                                        open_browser: Callable[..., Browser]) -> None:
    browser = open_browser()
    page = browser.page
    pause(browser, llm_service, fake_llm)
    page.click("nav a[data-route=approvals]")
    card = page.locator("#approvals-list .item-approval")
    card.wait_for()
    assert card.count() == 1
    assert RESTART_SHOWN in card.inner_text()
    browser.screenshot("approvals-pending")
    fake_llm.script(text("Declined from the list; nothing was changed."))
    card.locator("button.decline").click()
    wait_done(browser)
    assert "Declined from the list" in page.locator("#investigation .item-answer").inner_text()
    assert httpx.get(f"{llm_service}/approvals", timeout=30).json()["approvals"] == []
    assert browser.console_errors == []
