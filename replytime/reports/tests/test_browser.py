"""The dashboards in a real headless Chromium (Debian's, via Playwright), against a live server.

Signs in, opens every dashboard, changes filters, sorts, exports, closes a conversation and
checks that a second account's data never appears. Screenshots of every page go to
test-artifacts/browser/ (git-ignored) for a person to look at. Without /usr/bin/chromium the
tests skip locally and fail with CI=true (install it with scripts/chromium.sh).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from replytime.reports.demo_data import DemoSize, load_demo
from replytime.reports.tests.mail import store
from replytime.tenancy.models import Role
from replytime.testing import PASSWORD, header, make_account, make_mailbox, make_member

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "browser"
OWNER = "owner@shop.test"
SECRET = "secret-customer.test"


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is missing: run scripts/chromium.sh (CI must not skip this)")
        pytest.skip("no /usr/bin/chromium (install it with scripts/chromium.sh)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are
    # still plain synchronous calls, made between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server answers each request in a thread of its own: with persistent
    # connections those threads would keep the test database open past the test.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shop(transactional_db: None) -> None:
    """A small generated account ending now, plus Globex with mail only it may see."""
    now = int(time.time()) // 3600 * 3600
    account = load_demo("shop", end=now, size=DemoSize(mailboxes=5, days=21, rate=6.0))
    make_member(account, OWNER, Role.OWNER)
    globex = make_account("globex", internal_domains=["globex.com"])
    gus = make_mailbox(globex, "gus@globex.com", name="Gus Globex")
    day = now - 2 * 86400
    store(
        gus, [header(frm=f"zed@{SECRET}", to=("gus@globex.com",), subject="Globex merger", at=day)]
    )
    from replytime.metrics.service import recompute_account

    recompute_account(globex)


def _shot(page: Any, name: str) -> None:
    # After an HTMX swap, wait for the panel to settle and the chart (if any) to be drawn.
    page.wait_for_selector("#rtd-panel:not(.htmx-request)")
    if page.locator("canvas[data-rt-chart]").count():
        page.wait_for_selector("canvas[data-rt-drawn]")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _open(page: Any, url: str) -> str:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    content = page.content()
    assert SECRET not in content and "Gus Globex" not in content
    return content


def test_dashboards_in_a_real_browser(browser: Any, shop: None, live_server: Any) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    _sign_in(page, base)
    home = f"{base}/a/shop/"
    for path, name in (("", "overview"), ("trend/", "trend"), ("leaderboard/", "leaderboard"),
                       ("awaiting/", "awaiting"), ("customers/", "customers"), ("when/", "when")):  # fmt: skip
        _open(page, home + path)
        _shot(page, name)
    # The chart was drawn (Chart.js ran under the CSP).
    _open(page, home)
    assert page.locator("canvas[data-rt-drawn]").count() == 1

    # Filters change the panel and the address (so a view can be shared).
    page.select_option("#f-period", "7d")
    page.wait_for_url(re.compile(r"period=7d"))
    page.click("label[for=f-bus]")
    page.wait_for_url(re.compile(r"clock=business"))
    page.wait_for_load_state("networkidle")
    assert "business hours" in page.locator("#rtd-panel").inner_text()
    _shot(page, "overview-7d-business")

    # Sorting the leaderboard by median.
    _open(page, home + "leaderboard/")
    page.click("th >> text=Median")
    page.wait_for_url(re.compile(r"sort=median"))
    _shot(page, "leaderboard-sorted")

    # Export.
    with page.expect_download() as download:
        page.click("text=CSV")
    saved = ARTIFACTS / "leaderboard.csv"
    download.value.save_as(saved)
    assert saved.read_text().startswith("kind,name,address,replies")

    # Close the oldest conversation waiting for a reply.
    _open(page, home + "awaiting/?period=90d")
    before = int(page.locator(".rtd-card-head h2").inner_text().split()[0])
    assert before > 0
    subject = page.locator(".rtd-queue tbody th a").first.inner_text()
    page.locator(".rtd-queue button", has_text="Close").first.click()
    page.wait_for_load_state("networkidle")
    after = int(page.locator(".rtd-card-head h2").inner_text().split()[0])
    assert after == before - 1
    _shot(page, "awaiting-after-close")

    # A conversation timeline.
    page.locator(".rtd-queue tbody th a").first.click()
    page.wait_for_load_state("networkidle")
    assert "Received" in page.content()
    assert "'time':" not in page.content()  # the timeline is not mistaken for flash messages
    _shot(page, "conversation")
    assert subject  # the closed one had a subject to show

    # No script or CSP error on any page; then: the other account is not reachable.
    assert not problems, problems
    assert page.goto(f"{base}/a/globex/").status == 404

    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _sign_in(phone, base)
    for path, name in (("", "phone-overview"), ("awaiting/", "phone-awaiting")):
        _open(phone, home + path)
        _shot(phone, name)
