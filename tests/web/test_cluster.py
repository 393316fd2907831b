"""The cluster overview dashboard and the runbooks browser, in the browser."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import httpx

from app.main import create_app
from tests.support.app import RUNBOOKS, service_settings
from tests.support.server import ServerThread
from tests.web.conftest import Browser


def test_overview_dashboard(service: str, open_browser: Callable[..., Browser]) -> None:
    expected = httpx.get(f"{service}/api/v1/overview", timeout=60).json()
    browser = open_browser()
    page = browser.page
    page.goto(f"{service}/#/cluster")
    page.locator("#problems").wait_for()
    for key in ("nodes", "pods", "deployments", "services", "namespaces"):
        card = page.locator(f"#counts [data-count={key}] .card-value")
        assert card.inner_text() == str(expected["counts"][key]), key
    assert f"({expected['counts']['nodes_ready']} ready)" in page.locator("#counts [data-count=nodes]").inner_text()
    # Pods by phase, a legend entry per phase.
    legend = page.locator("#phases .legend li").all_inner_texts()
    assert legend == [f"{phase} {n}" for phase, n in expected["pods_by_phase"].items()]
    # Requests / limits against allocatable: one block per node, bars sized by the share.
    for node in expected["nodes"]:
        block = page.locator(f"#capacity [data-node='{node['name']}']")
        assert block.locator(".bar").count() == 4
        share = node["cpu"]["requests"] / node["cpu"]["allocatable"]
        now = int(str(block.locator(".bar").first.get_attribute("aria-valuenow")))
        assert now == round(share * 100)
    assert page.locator("#nodes-table tbody tr").count() == len(expected["nodes"])
    assert page.locator("#namespaces-table tbody tr").count() == len(expected["namespaces"])
    assert "DiskPressure" in page.locator("#nodes-table").inner_text()
    problems = page.locator("#problems .problem")
    assert problems.count() == len(expected["problems"])
    assert "CrashLoopBackOff" in page.locator("#problems").inner_text()
    browser.screenshot("cluster-overview")
    assert browser.console_errors == []


def test_runbooks_browser_with_a_load_error(tmp_path: Path, open_browser: Callable[..., Browser]) -> None:
    runbooks = tmp_path / "runbooks"
    shutil.copytree(RUNBOOKS, runbooks)
    (runbooks / "broken.md").write_text("---\nid: broken\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    with ServerThread(create_app(service_settings(tmp_path, runbooks_dir=runbooks))) as server:
        browser = open_browser()
        page = browser.page
        page.goto(f"{server.url}/")
        page.click("nav a[data-route=runbooks]")
        page.locator("#runbook-list li").first.wait_for()
        assert page.locator("#runbook-list li").count() == len(list(RUNBOOKS.glob("*.md")))
        assert "broken.md" in page.locator("#runbook-errors").inner_text()
        browser.screenshot("runbooks")
        page.locator("#runbook-list a[href='#/runbooks/crashloop-backoff']").click()
        article = page.locator("#runbook")
        article.wait_for()
        assert page.locator("#runbook .steps").first.locator("li").count() >= 1
        assert page.locator("#runbook .safety").count() >= 1
        assert page.locator("#runbook .code-block .copy").count() >= 1
        assert page.locator("#runbook .markdown").inner_text().strip() != ""
        browser.screenshot("runbook")
        assert browser.console_errors == []
