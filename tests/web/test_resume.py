"""After a network blip the page resumes the running investigation with Last-Event-ID and shows every event
exactly once."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

from tests.support.fake_llm import FakeLLM, text, tool_call
from tests.web.blip import BlipProxy
from tests.web.conftest import Browser, ask, investigation_id, wait_done

GET_PODS = {"verb": "get", "kind": "pods", "namespace": "shop"}


def test_resume_after_a_network_blip(llm_service: str, fake_llm: FakeLLM,
                                     open_browser: Callable[..., Browser]) -> None:
    fake_llm.script(tool_call("kubectl", GET_PODS, content="Looking at the pods."),
                    text("The cart pod crashes: DATABASE_URL is missing.", delay_s=3))
    service = urllib.parse.urlsplit(llm_service)
    with BlipProxy(service.hostname or "127.0.0.1", service.port or 80) as proxy:
        browser = open_browser()
        page = browser.page
        page.goto(f"{proxy.url}/")
        ask(browser, proxy.url, "why is cart crashing?", mode="llm")
        page.locator(".item-tool .status-success, .item-tool .status-ok").first.wait_for()
        proxy.blip()  # the browser loses the stream; the service keeps the investigation running
        page.locator(".item-resumed").wait_for()
        wait_done(browser)
        inv = investigation_id(browser)
        assert "DATABASE_URL is missing" in page.locator(".item-answer").inner_text()
        # Every event once: one tool call, one answer, one done — none replayed twice.
        assert page.locator(".item-tool").count() == 1
        assert page.locator(".item-answer").count() == 1
        assert page.locator(".item-classification").count() == 1
        resumes = [headers for url, headers in browser.requests if url.endswith(f"/investigations/{inv}/events")]
        assert resumes and int(resumes[0]["last-event-id"]) >= 4
        browser.screenshot("resumed-after-blip")
        # The dropped connection is logged by the browser; nothing else.
        assert all("ERR_" in e or "network" in e.lower() for e in browser.console_errors), browser.console_errors
