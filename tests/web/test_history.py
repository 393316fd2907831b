"""History: the audit trail in the browser, filtered by type, outcome and text; open one to replay it."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.web.conftest import Browser, wait_done


def investigate(url: str, question: str) -> str:
    response = httpx.post(f"{url}/ask", json={"q": question, "stream": False, "mode": "runbook"}, timeout=120)
    assert response.status_code == 200
    return str(response.headers["x-investigation-id"])


def test_history_filters_and_replays(service: str, open_browser: Callable[..., Browser]) -> None:
    crash = investigate(service, "Pod keeps restarting in namespace shop")
    disk = investigate(service, "disk full on node worker-3")
    browser = open_browser()
    page = browser.page
    page.goto(f"{service}/#/history")
    rows = page.locator("#history-table tbody tr")
    rows.nth(1).wait_for()
    assert [rows.nth(i).get_attribute("data-id") for i in range(rows.count())] == [disk, crash]  # newest first
    # Filter by type (server side), then by text (in the page).
    page.select_option("#filter-type", "pod_crash")
    page.locator(f"#history-table tbody tr[data-id='{disk}']").wait_for(state="detached")
    assert rows.count() == 1 and rows.first.get_attribute("data-id") == crash
    page.select_option("#filter-type", "")
    rows.nth(1).wait_for()
    page.select_option("#filter-outcome", "error")
    page.locator("#history-table tbody tr").first.wait_for(state="detached")
    assert page.locator("[role=status]").inner_text() == "No investigations yet."
    page.select_option("#filter-outcome", "answered")
    rows.nth(1).wait_for()
    page.fill("#filter-text", "disk")
    assert rows.count() == 1 and rows.first.get_attribute("data-id") == disk
    browser.screenshot("history")
    # Open one: the stored events are replayed as a timeline.
    rows.first.locator("a").click()
    wait_done(browser)
    assert page.url.endswith(f"#/history/{disk}")
    assert "disk full on node worker-3" in page.locator(".question-text").inner_text()
    assert page.locator(".item-classification .problem-type").inner_text() == "disk_full"
    assert "worker-3" in page.locator(".item-answer").inner_text()
    browser.screenshot("history-replay")
    page.go_back()
    page.locator("#history-table").wait_for()
    assert browser.console_errors == []
