"""Approvals in the browser: a cluster-changing tool call shows Approve / Decline; the resumed stream continues
in the same timeline; pending approvals are listed (with a count in the navigation)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from tests.support.app import llm_settings
from tests.support.fake_llm import FakeLLM, text, tool_call
from tests.support.server import ServerThread
from tests.web.conftest import Browser, ask, wait_done

RESTART = {"action": "rollout_restart", "name": "cart", "namespace": "shop"}
RESTART_SHOWN = "kubectl rollout restart deployment/cart -n shop"


APPROVER = "approver-token-0123456789"
VIEWER = "viewer-token-0123456789"


@pytest.fixture
def writable_service(tmp_path: Path, fake_llm: FakeLLM) -> Iterator[str]:
    """The scripted LLM against a writable copy of the demo snapshot: approved changes really apply."""
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm, cluster_snapshot_writable=True))) as server:
        yield server.url


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
        writable_service: str, fake_llm: FakeLLM, open_browser: Callable[..., Browser]) -> None:
    browser = open_browser()
    page = browser.page
    llm_service = writable_service
    pause(browser, llm_service, fake_llm)
    page.locator("#approvals-count").wait_for()
    assert page.locator("#approvals-count").inner_text() == "1"
    browser.screenshot("approval-required")
    fake_llm.script(text("Restarted the cart deployment."))
    page.locator(".item-approval button.approve").click()
    wait_done(browser, count=2)
    assert page.locator(".item-approval .decision").inner_text() == "Approved"
    assert page.locator(".item-approval button.approve").is_disabled()
    # The resumed stream lands below the card: the restart ran on the writable snapshot.
    resumed = page.locator(".item-tool").last
    assert resumed.locator(".status").inner_text() in ("success", "ok")
    assert "restarted" in str(resumed.locator("pre").text_content())
    assert "Restarted the cart deployment." in page.locator(".item-answer").last.inner_text()
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


def test_decline_with_a_reason_tells_the_model(writable_service: str, fake_llm: FakeLLM,
                                                open_browser: Callable[..., Browser]) -> None:
    llm_service = writable_service
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


def test_approving_asks_for_the_approver_token(tmp_path: Path, fake_llm: FakeLLM,
                                               open_browser: Callable[..., Browser]) -> None:
    settings = llm_settings(tmp_path, fake_llm, cluster_snapshot_writable=True, api_token=VIEWER,
                            approver_token=APPROVER)
    with ServerThread(create_app(settings)) as server:
        browser = open_browser()
        page = browser.page
        page.goto(f"{server.url}/")
        page.locator("dialog#login[data-kind=api]").wait_for()
        page.fill("#token-input", VIEWER)
        page.press("#token-input", "Enter")
        pause(browser, server.url, fake_llm)
        fake_llm.script(text("Restarted with the approver's consent."))
        page.locator(".item-approval button.approve").click()
        # The viewer's token may ask, not approve (403): the page asks for the approver token.
        page.locator("dialog#login[data-kind=approver]").wait_for()
        browser.screenshot("approver-token")
        page.fill("#token-input", APPROVER)
        page.press("#token-input", "Enter")
        wait_done(browser, count=2)
        assert "Restarted with the approver's consent." in page.locator(".item-answer").last.inner_text()
        assert page.evaluate("sessionStorage.getItem('copilot.approverToken')") == APPROVER
        decisions = [h for url, h in browser.requests if "/approvals/apr" in url and h.get("content-type")]
        assert [h["authorization"] for h in decisions] == [f"Bearer {VIEWER}", f"Bearer {APPROVER}"]
        assert all(APPROVER not in url and VIEWER not in url for url, _ in browser.requests)
        # The refused attempts (401 before sign-in, the 403) are the only console errors.
        assert all("401" in e or "403" in e for e in browser.console_errors), browser.console_errors
