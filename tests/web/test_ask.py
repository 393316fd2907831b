"""Ask in English and Chinese and watch the live timeline; stop an investigation mid-way."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from tests.support.fake_llm import FakeLLM, text, tool_call
from tests.web.conftest import Browser, ask, investigation_id, wait_done

GET_PODS = {"verb": "get", "kind": "pods", "namespace": "shop"}


def test_ask_in_english_shows_the_timeline_and_the_answer(service: str, open_browser: Callable[..., Browser]) -> None:
    browser = open_browser(locale="en-US")
    page = browser.page
    page.goto(f"{service}/")
    assert page.locator("nav").inner_text().split() == ["Ask", "History", "Cluster", "Runbooks", "Approvals"]
    ask(browser, service, "Pod keeps restarting in namespace shop")
    wait_done(browser)
    assert page.locator(".item-classification .problem-type").inner_text() == "pod_crash"
    assert page.locator(".item-runbooks .chip").count() >= 1
    assert page.locator(".item-tool").count() >= 3
    # Each tool call: name, arguments, status, and a collapsible monospace output.
    describe = page.locator(".item-tool", has_text="kubectl describe pod").first
    assert describe.locator(".status").inner_text() in ("success", "ok")
    output = describe.locator("details.output")
    assert output.get_attribute("open") is None
    output.locator("summary").click()
    assert "Namespace:        shop" in output.locator("pre.mono").inner_text()
    assert "truncated" in output.locator("summary .truncated").inner_text()  # the stream carries a shortened output
    answer = page.locator(".item-answer .markdown")
    assert "Root cause" in answer.inner_text()
    assert "cart" in answer.inner_text()
    # Fix commands are copy-able, with their safety class as a badge.
    assert page.locator(".item-answer .command .copy").count() >= 1
    assert page.locator(".item-answer .safety").count() >= 1
    assert page.locator(".item-usage, .item-done").count() >= 1
    assert page.locator("#stop-button").is_disabled()
    browser.screenshot("ask-en")
    assert browser.console_errors == []


def test_ask_in_chinese_follows_the_browser_language(service: str, open_browser: Callable[..., Browser]) -> None:
    browser = open_browser(locale="zh-CN", color_scheme="dark")
    page = browser.page
    page.goto(f"{service}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("nav").inner_text().split() == ["提问", "历史", "集群", "运维手册", "审批"]
    ask(browser, service, "shop 命名空间的 Pod 一直在重启")
    wait_done(browser)
    assert page.locator(".item-classification .problem-type").inner_text() == "pod_crash"
    answer = page.locator(".item-answer .markdown").inner_text()
    assert "根本原因" in answer and "证据" in answer
    assert page.locator(".item-answer h3").inner_text() == "结论"
    # Dark colour scheme: the page background follows prefers-color-scheme.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 18, 23)"
    browser.screenshot("ask-zh-dark")
    assert browser.console_errors == []


def test_stop_cancels_the_investigation(llm_service: str, fake_llm: FakeLLM,
                                        open_browser: Callable[..., Browser]) -> None:
    fake_llm.script(tool_call("kubectl", GET_PODS, content="Looking at the pods."),
                    text("This answer comes too late.", delay_s=6))
    browser = open_browser()
    page = browser.page
    page.goto(f"{llm_service}/")
    ask(browser, llm_service, "why is cart crashing?", mode="llm")
    page.locator(".item-tool .status-success, .item-tool .status-ok").first.wait_for()
    assert page.locator("#stop-button").is_enabled()
    page.click("#stop-button")
    page.locator(".item-stopped").wait_for()
    assert page.locator("#ask-button").is_enabled()
    inv = investigation_id(browser)
    # The server saw the stream close and cancelled the investigation.
    deadline = time.monotonic() + 30
    outcome = None
    while time.monotonic() < deadline:
        outcome = httpx.get(f"{llm_service}/investigations/{inv}", timeout=30).json()["investigation"]["outcome"]
        if outcome != "running":
            break
        time.sleep(0.2)
    assert outcome == "cancelled"
    assert page.locator(".item-answer").count() == 0
    browser.screenshot("ask-stopped")
    # Replayed from history: the events up to the stop, then a note that it did not finish — no reconnecting.
    page.goto(f"{llm_service}/#/history/{inv}")
    page.locator(".item-ended").wait_for()
    assert page.locator(".item-tool").count() == 1
    assert page.locator(".item-reconnect").count() == 0
    assert "cancelled" in page.locator(".summary").inner_text()
    assert browser.console_errors == []


def test_the_page_is_keyboard_usable(service: str, open_browser: Callable[..., Browser]) -> None:
    browser = open_browser()
    page = browser.page
    page.goto(f"{service}/")
    page.locator("#question").wait_for()
    assert page.evaluate("document.activeElement.id") == "question"  # ready to type
    page.keyboard.type("disk full on node worker-3")
    page.keyboard.press("Enter")
    wait_done(browser)
    # The skip link moves focus to the content and leaves the route (the hash) alone.
    page.focus("a.skip")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "view"
    assert page.url.endswith("/")
    # Back from the question box through the navigation; Enter follows a tab.
    page.focus("#question")
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.dataset.route || ''") == "history":
            break
    page.keyboard.press("Enter")
    page.locator("#history-table tbody tr").first.wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "filter-type"
    assert browser.console_errors == []
