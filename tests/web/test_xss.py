"""The XSS canary: markup planted in cluster text (a pod log line, an annotation) and in an LLM answer is shown
as text and never executes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from app.main import create_app
from tests.support.app import DEMO_SNAPSHOT, llm_settings, service_settings
from tests.support.fake_llm import FakeLLM, text
from tests.support.server import ServerThread
from tests.web.conftest import Browser, ask, wait_done

POD = "cart-hgjhk7psnj-x8xw6"
LOG_CANARY = "<script>window.__xss='log'</script><img src=x onerror=\"window.__xss='log-img'\">"
ANNOTATION_CANARY = "<img src=x onerror=\"window.__xss='annotation'\"><script>window.__xss='annotation'</script>"


def planted_snapshot(tmp_path: Path) -> Path:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(DEMO_SNAPSHOT, snapshot)
    for log in (snapshot / "logs" / "shop" / POD).glob("*.log"):
        content = log.read_text(encoding="utf-8")
        log.write_text(content.replace("missing DATABASE_URL", f"missing DATABASE_URL {LOG_CANARY}"),
                       encoding="utf-8")
    pods_file = snapshot / "objects" / "pods.json"
    pods = json.loads(pods_file.read_text(encoding="utf-8"))
    [pod] = [p for p in pods["items"] if p["metadata"]["name"] == POD]
    pod["metadata"]["annotations"] = {"example.com/note": ANNOTATION_CANARY}
    pods_file.write_text(json.dumps(pods), encoding="utf-8")
    return snapshot


def assert_inert(browser: Browser) -> None:
    page = browser.page
    assert page.evaluate("window.__xss") is None
    assert page.locator("#view img").count() == 0
    assert page.locator("#view script").count() == 0


def test_markup_in_a_pod_log_and_an_annotation_stays_text(tmp_path: Path,
                                                          open_browser: Callable[..., Browser]) -> None:
    settings = service_settings(tmp_path, cluster_snapshot=planted_snapshot(tmp_path))
    with ServerThread(create_app(settings)) as server:
        browser = open_browser()
        page = browser.page
        page.goto(f"{server.url}/")
        ask(browser, server.url, "Pod keeps restarting in namespace shop")
        wait_done(browser)
        for details in page.locator("details.output").all():
            details.locator("summary").click()
        timeline = page.locator(".timeline").inner_text()
        # Shown, literally, as text: in the answer's evidence (the log line) and in the describe output.
        assert "<script>window.__xss='log'</script>" in page.locator(".item-answer").inner_text()
        assert "<img src=x onerror=\"window.__xss='annotation'\">" in timeline
        assert_inert(browser)
        browser.screenshot("xss-canary-cluster-text")
        # Replayed from the audit trail: still text.
        page.goto(f"{server.url}/#/history")
        page.locator("#history-table tbody tr a").first.click()
        wait_done(browser)
        assert "<script>window.__xss='log'</script>" in page.locator(".item-answer").inner_text()
        assert_inert(browser)
        assert browser.console_errors == []


def test_markup_in_an_llm_answer_is_sanitised(tmp_path: Path, fake_llm: FakeLLM,
                                              open_browser: Callable[..., Browser]) -> None:
    fake_llm.script(text(
        "**Root cause**: the config.\n\n"
        "<img src=x onerror=\"window.__xss='answer-img'\"> <script>window.__xss='answer-script'</script>\n\n"
        "[details](javascript:window.__xss='link') and <a href=\"javascript:window.__xss='a'\">raw link</a>\n\n"
        "```\nkubectl rollout undo deployment/cart -n shop\n```\n"))
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        browser = open_browser()
        page = browser.page
        page.goto(f"{server.url}/")
        ask(browser, server.url, "why is cart failing?", mode="llm")
        wait_done(browser)
        answer = page.locator(".item-answer .markdown")
        assert answer.locator("strong").first.inner_text() == "Root cause"
        assert "<script>window.__xss='answer-script'</script>" in answer.inner_text()  # raw HTML shown as text
        for link in answer.locator("a").all():
            assert not str(link.get_attribute("href") or "").lower().startswith("javascript:")
        # The fix command is a copy-able block.
        block = answer.locator(".code-block")
        assert "kubectl rollout undo deployment/cart -n shop" in block.locator("pre").inner_text()
        block.locator("button.copy").click()
        # The copy is asynchronous (clipboard API): wait for the button to say so.
        expect(block.locator("button.copy")).to_have_text("Copied")
        assert_inert(browser)
        browser.screenshot("xss-canary-answer")
        assert browser.console_errors == []
