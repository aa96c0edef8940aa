"""Login end to end: the app with ``[auth]`` against a local OpenID provider on loopback.

The provider is ``oidc-provider-mock`` running in a thread of the test process; the app
reads a temporary secrets.toml pointing at it.
"""

from __future__ import annotations

import secrets

import pytest
from browserkit import (
    SELECTOR_CHART,
    SELECTOR_MAIN,
    SELECTOR_SIDEBAR,
    free_port,
    problems_on,
    run_app,
    wait_settled,
)

pytestmark = pytest.mark.browser

USER_SUB = "ada"
USER_NAME = "Ada Lovelace"
# Pages other than the default one, by URL path, with their headings.
PAGES = [("retention", "Retention"), ("customer_value", "Customer value"),
         ("satisfaction", "Satisfaction"), ("cart_funnel", "Cart funnel"), ("data", "Data")]


@pytest.fixture(scope="module")
def oidc_provider():
    from oidc_provider_mock import User, run_server_in_thread

    user = User(sub=USER_SUB, claims={"name": USER_NAME, "email": "ada@example.com"})
    with run_server_in_thread(user_claims=[user]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def auth_app(tmp_path_factory, oidc_provider):
    port = free_port()
    config = f"""
[auth]
redirect_uri = "http://localhost:{port}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "retention-dashboard-test"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"
"""
    from retention_core.demo import generate_demo

    # A small shop of its own: no demo build, quick pages.
    frames = generate_demo(customers=150, seed=3)
    with run_app(tmp_path_factory.mktemp("auth_app"), secrets=config, port=port,
                 frames=frames) as server:
        yield server


def _assert_locked(page, where: str) -> None:
    """The login screen and nothing of the dashboard."""
    main = page.locator(SELECTOR_MAIN)
    assert page.get_by_role("button", name="Log in").is_visible(), where
    text = main.inner_text()
    for _, title in PAGES:
        assert main.get_by_role("heading", name=title, exact=True).count() == 0, f"{where}: {text[:500]}"
    assert page.locator(SELECTOR_CHART).count() == 0, where
    body = page.locator("body").inner_text()
    for dashboard_text in ("Filters", "Date range", "Imported data"):
        assert dashboard_text not in body, f"{where}: {dashboard_text!r} shown"


def test_every_page_requires_login(auth_app, new_page, screenshot):
    # The very first request the server sees is for a page other than the default one:
    # it must not run without the login check either.
    page = new_page()
    for path, _ in [*PAGES, ("", "Overview")]:
        page.goto(f"{auth_app.url}/{path}")
        wait_settled(page)
        _assert_locked(page, f"/{path} before login")
    screenshot(page, "auth_login_screen")
    assert problems_on(page) == []


def test_login_shows_pages_then_logout_locks_again(auth_app, new_page, screenshot):
    page = new_page()
    page.goto(f"{auth_app.url}/retention")
    wait_settled(page)
    _assert_locked(page, "before login")

    page.get_by_role("button", name="Log in").click()
    # The mock provider's consent page: one button per predefined user.
    page.get_by_role("button", name=USER_SUB, exact=True).click()
    page.wait_for_url(f"{auth_app.url}/**", timeout=60_000)
    page.locator(SELECTOR_SIDEBAR).get_by_text(USER_NAME).wait_for(timeout=60_000)
    wait_settled(page)
    sidebar = page.locator(SELECTOR_SIDEBAR)
    assert USER_NAME in sidebar.inner_text()
    assert page.get_by_role("button", name="Log in").count() == 0
    screenshot(page, "auth_logged_in")

    # Login lands on the default page; one more page by URL (the light one) is enough here:
    # test_browser_pages.py opens every page.
    for path, title in [("", "Overview"), ("data", "Data")]:
        page.goto(f"{auth_app.url}/{path}")
        wait_settled(page)
        heading = page.locator(SELECTOR_MAIN).get_by_role("heading", name=title, exact=True).first
        assert heading.is_visible(), f"/{path} after login"
        assert USER_NAME in page.locator(SELECTOR_SIDEBAR).inner_text()
        assert problems_on(page) == [], problems_on(page)

    page.locator(SELECTOR_SIDEBAR).get_by_role("button", name="Log out").click()
    # The provider offers to end its session too; confirm when it asks.
    end_session = page.get_by_role("button", name="End session")
    login = page.get_by_role("button", name="Log in")
    end_session.or_(login).first.wait_for(timeout=60_000)
    if end_session.is_visible():
        end_session.click()
    login.wait_for(timeout=60_000)
    wait_settled(page)
    _assert_locked(page, "after logout")
    page.goto(f"{auth_app.url}/retention")
    wait_settled(page)
    _assert_locked(page, "/retention after logout")
