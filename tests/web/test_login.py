"""With API_TOKEN set: the page asks for the token once, keeps it in sessionStorage, sends it as a header and
never puts it in a URL; /docs then loads the spec with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.main import create_app
from tests.support.app import service_settings
from tests.support.server import ServerThread
from tests.web.conftest import Browser, ask, wait_done

TOKEN = "web-ui-token-0123456789"


def test_login_with_a_token(tmp_path: Path, open_browser: Callable[..., Browser]) -> None:
    with ServerThread(create_app(service_settings(tmp_path, api_token=TOKEN))) as server:
        browser = open_browser()
        page = browser.page
        page.goto(f"{server.url}/")
        dialog = page.locator("dialog#login")
        dialog.wait_for()
        browser.screenshot("login")
        page.fill("#token-input", "wrong-token")
        page.press("#token-input", "Enter")
        page.locator("dialog#login .error-text", has_text="refused").wait_for()
        page.fill("#token-input", TOKEN)
        page.press("#token-input", "Enter")
        dialog.wait_for(state="hidden")
        assert page.evaluate("sessionStorage.getItem('copilot.apiToken')") == TOKEN
        ask(browser, server.url, "disk full on node worker-3")
        wait_done(browser)
        assert page.locator(".item-answer").count() == 1
        # A reload in the same tab keeps the token: no second prompt.
        page.reload()
        page.click("nav a[data-route=history]")
        page.locator("#history-table tbody tr").first.wait_for()
        assert not dialog.is_visible()
        # The offline API docs fetch the spec with the same token.
        page.goto(f"{server.url}/docs")
        page.locator(".opblock").first.wait_for()
        browser.screenshot("docs")

        api_calls = [(url, headers) for url, headers in browser.requests
                     if not url.startswith(f"{server.url}/ui/") and url.rstrip("/") != server.url
                     and not url.endswith(("/docs", "/health"))]
        assert any(h.get("authorization") == f"Bearer {TOKEN}" for _, h in api_calls)
        assert any("/ask" in url and h.get("authorization") == f"Bearer {TOKEN}" for url, h in api_calls)
        assert all(TOKEN not in url for url, _ in browser.requests)
        # Nothing from a CDN: every request (the Swagger UI assets included) went to the service.
        assert all(url.startswith((server.url, "data:")) for url, _ in browser.requests)
        # The two refusals before sign-in are the only console errors (the browser logs each 401).
        assert all("401" in e for e in browser.console_errors), browser.console_errors
