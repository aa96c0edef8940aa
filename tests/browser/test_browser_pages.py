"""Every page in a real browser on the demo data: no exception, no error box, charts drawn."""

from __future__ import annotations

import re

import pytest
from browserkit import (
    SELECTOR_CHART,
    SELECTOR_MAIN,
    SELECTOR_SIDEBAR,
    problems_on,
    run_app,
    wait_rerun,
    wait_settled,
)

pytestmark = pytest.mark.browser

# (url path, title, must have a chart). Paths follow st.Page's rule: the file name
# without its number prefix.
PAGES = [
    ("", "Overview", False),
    ("retention", "Retention", True),
    ("customer_value", "Customer value", True),
    ("satisfaction", "Satisfaction", True),
    ("cart_funnel", "Cart funnel", True),
    ("data", "Data", False),
]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The app on an empty workspace, so it shows the demo data set."""
    with run_app(tmp_path_factory.mktemp("demo_app")) as server:
        yield server


@pytest.mark.parametrize(("path", "title", "needs_chart"), PAGES,
                         ids=[title for _, title, _ in PAGES])
def test_page_renders_without_errors(demo_app, new_page, screenshot, path, title, needs_chart):
    page = new_page()
    page.goto(f"{demo_app.url}/{path}")
    wait_settled(page)
    screenshot(page, f"page_{title.lower().replace(' ', '_')}")

    assert problems_on(page) == [], f"{title}: {problems_on(page)}\n{demo_app.log_tail()}"
    main = page.locator(SELECTOR_MAIN)
    assert main.get_by_role("heading", name=title, exact=True).first.is_visible(), (
        f"{title}: the page heading is missing; main area says:\n{main.inner_text()[:800]}")
    charts = page.locator(SELECTOR_CHART).count()
    print(f"{title}: {charts} plotly chart(s)")
    if needs_chart:
        assert charts >= 1, f"{title}: no plotly chart on the demo data"
    sidebar = page.locator(SELECTOR_SIDEBAR).inner_text()
    assert "demo data" in sidebar
    # No [auth] in this server's secrets: no login, and the sidebar says it is local only.
    assert "listens on this machine only" in sidebar
    assert page.get_by_role("button", name="Log in").count() == 0


def test_sidebar_navigation_keeps_the_filters(demo_app, new_page):
    """Clicking in the sidebar (one session) changes page and URL; the period chosen on one
    page is kept on the next ones and in the URL."""
    page = new_page()
    page.goto(demo_app.url)
    wait_settled(page)
    nav = page.locator('[data-testid="stSidebarNav"]')
    for path, title in (("retention", "Retention"), ("data", "Data"), ("", "Overview")):
        nav.get_by_role("link", name=title).click()
        page.wait_for_url(re.compile(rf"^{re.escape(demo_app.url)}/{path}(\?.*)?$"),
                          timeout=120_000)
        page.locator(SELECTOR_MAIN).get_by_role("heading", name=title, exact=True).first.wait_for()
        wait_settled(page)
        assert problems_on(page) == [], f"{title}: {problems_on(page)}"
        if path == "retention":
            week = page.locator(SELECTOR_SIDEBAR).get_by_text("Week", exact=True)
            wait_rerun(page, week.click)
            assert "period=week" in page.url
    assert "period=week" in page.url, page.url
