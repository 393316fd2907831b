"""Real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright's bundled driver — no browser
download) against the real service. Each test gets a fresh browser profile; console errors and uncaught
exceptions (a CSP violation included) fail the test; screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass
class Browser:
    page: Any
    context: Any
    console_errors: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays at the top of a full-page shot
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: the web UI tests need Debian's chromium package "
                    "(apt-get install chromium; .ci/run installs it)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def open_browser(playwright_driver: Any, tmp_path: Path) -> Iterator[Callable[..., Browser]]:
    """`open_browser(locale="en-US", color_scheme="light")`: a fresh Chromium profile and one page."""
    opened: list[Browser] = []

    def launch(locale: str = "en-US", color_scheme: str = "light") -> Browser:
        context = playwright_driver.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / f"chromium-{len(opened)}"), executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS, headless=True, locale=locale, color_scheme=color_scheme,
            viewport={"width": 1280, "height": 900}, timeout=60_000,
        )
        context.set_default_timeout(30_000)
        page = context.pages[0] if context.pages else context.new_page()
        browser = Browser(page, context)
        page.on("console", lambda msg: browser.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: browser.console_errors.append(f"uncaught: {exc}"))
        page.on("request", lambda req: browser.requests.append((req.url, dict(req.headers))))
        opened.append(browser)
        return browser

    yield launch
    for browser in opened:
        browser.context.close()


def ask(browser: Browser, base_url: str, question: str, mode: str | None = None) -> None:
    """Type a question on the Ask view and send it with Enter."""
    page = browser.page
    if not page.url.startswith(base_url):
        page.goto(f"{base_url}/", wait_until="domcontentloaded")
    page.wait_for_selector("#question")
    if mode is not None:
        page.select_option("#mode", mode)
    page.fill("#question", question)
    page.press("#question", "Enter")


def wait_done(browser: Browser, count: int = 1, timeout_ms: int = 90_000) -> None:
    # A locator, not wait_for_function: the page's CSP (no 'unsafe-eval') refuses string predicates.
    browser.page.locator(".item-done").nth(count - 1).wait_for(timeout=timeout_ms)


def investigation_id(browser: Browser) -> str:
    return str(browser.page.locator(".inv-id").last.inner_text()).strip()
