"""The login gate (dashboard/auth.py) with AppTest; the real OpenID flow is in tests/browser."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit
from streamlit.runtime.secrets import Secrets
from streamlit.testing.v1 import AppTest

from dashboard import auth

APP = str(Path(__file__).resolve().parents[1] / "app.py")

PAGES = ["pages/1_overview.py", "pages/2_retention.py", "pages/3_customer_value.py",
         "pages/4_satisfaction.py", "pages/5_cart_funnel.py", "pages/6_data.py"]
AUTH = {"auth": {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "0123456789abcdef0123456789abcdef",
    "client_id": "dashboard",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
}}


@pytest.fixture
def no_secrets_file(monkeypatch, tmp_path):
    """st.secrets as on a machine with no secrets.toml at all."""
    from streamlit import config

    original = config.get_option

    def get_option(key):
        return [str(tmp_path / "missing" / "secrets.toml")] if key == "secrets.files" else original(key)

    monkeypatch.setattr(config, "get_option", get_option)
    monkeypatch.setattr(streamlit, "secrets", Secrets())


def _app(tmp_path, monkeypatch, *, secrets=None, user=None) -> AppTest:
    monkeypatch.setenv("RETENTION_WORKSPACE", str(tmp_path / "ws.duckdb"))
    at = AppTest.from_file(APP, default_timeout=120)
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    return at


def _texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def test_auth_settings_without_any_secrets_file(no_secrets_file):
    assert auth.auth_settings() is None


def test_require_login_is_a_no_op_without_auth(tmp_path, monkeypatch, no_secrets_file):
    at = _app(tmp_path, monkeypatch).run()
    assert not at.exception
    assert "Overview" in _texts(at.title)
    assert not [b for b in at.button if b.label.startswith("Log in")]
    notes = " ".join(_texts(at.sidebar.caption))
    assert "listens on this machine only (localhost)" in notes
    assert "Logged in" not in notes


def test_without_auth_on_a_public_address_the_sidebar_warns(tmp_path, monkeypatch,
                                                              no_secrets_file):
    monkeypatch.setattr(auth, "server_address", lambda: "0.0.0.0")
    at = _app(tmp_path, monkeypatch).run()
    assert not at.exception
    assert "Overview" in _texts(at.title)
    warning = " ".join(_texts(at.sidebar.warning))
    assert "anyone who can reach it sees the data" in warning and "0.0.0.0" in warning


def test_with_auth_a_visitor_sees_only_the_login_screen(tmp_path, monkeypatch):
    at = _app(tmp_path, monkeypatch, secrets=AUTH, user={"is_logged_in": False}).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert _texts(at.title) == ["Retention dashboard"]
    assert not at.sidebar.multiselect and not at.sidebar.date_input  # no filters, no data
    assert not at.get("plotly_chart") and not at.metric


def test_with_auth_a_logged_in_user_sees_pages_and_can_log_out(tmp_path, monkeypatch):
    user = {"is_logged_in": True, "name": "Ada Lovelace", "email": "ada@example.com"}
    at = _app(tmp_path, monkeypatch, secrets=AUTH, user=user).run()
    assert not at.exception
    assert "Overview" in _texts(at.title)
    assert "Logged in as **Ada Lovelace**" in _texts(at.sidebar.caption)

    at.sidebar.button(key="auth_logout").click().run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert "Overview" not in _texts(at.title)


@pytest.mark.parametrize("page", PAGES)
def test_with_auth_no_page_runs_for_a_visitor(tmp_path, monkeypatch, page):
    """Pages can run without app.py (AppTest's switch_page; Streamlit's first request for a
    page when a pages/ folder exists), so each page must check the login itself."""
    at = _app(tmp_path, monkeypatch, secrets=AUTH, user={"is_logged_in": False}).run()
    at.switch_page(page).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"], f"{page} ran without login"
    assert not at.sidebar.multiselect and not at.sidebar.date_input
    assert not at.get("plotly_chart") and not at.metric and not at.dataframe


@pytest.mark.parametrize("page", PAGES)
def test_with_auth_every_page_runs_for_a_logged_in_user(tmp_path, monkeypatch, page):
    user = {"is_logged_in": True, "name": "Ada Lovelace"}
    at = _app(tmp_path, monkeypatch, secrets=AUTH, user=user).run()
    at.switch_page(page).run()
    assert not at.exception
    assert not [b for b in at.button if b.label.startswith("Log in")]
    assert at.title, f"{page} drew no title"


def test_named_providers_get_one_login_button_each(tmp_path, monkeypatch):
    shared = {k: AUTH["auth"][k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH["auth"][k] for k in ("client_id", "client_secret",
                                              "server_metadata_url")}
    secrets = {"auth": {**shared, "okta": provider, "google": provider}}
    at = _app(tmp_path, monkeypatch, secrets=secrets, user={"is_logged_in": False}).run()
    assert [b.label for b in at.button] == ["Log in with Google", "Log in with Okta"]


@pytest.mark.parametrize(("settings", "expected"), [
    ({"client_id": "x", "redirect_uri": "u"}, [None]),
    ({"redirect_uri": "u", "google": {"client_id": "g"}, "okta": {"client_id": "o"}},
     ["google", "okta"]),
    ({"client_id": "x", "azure": {"client_id": "a"}}, [None, "azure"]),
    ({"redirect_uri": "u", "cookie_secret": "s"}, []),
    ({"redirect_uri": "u", "expose_tokens": ["id"], "half": {"client_secret": "s"}}, []),
])
def test_list_providers(settings, expected):
    assert auth.list_providers(settings) == expected


@pytest.mark.parametrize(("address", "expected"), [
    ("localhost", True), ("LOCALHOST", True), ("127.0.0.1", True), ("127.8.9.10", True),
    ("::1", True), ("[::1]", True),
    ("", False), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False),
    ("dashboard.example.com", False), ("localhost.evil.com", False),
])
def test_is_loopback(address, expected):
    assert auth.is_loopback(address) is expected


def test_access_list_turns_away_a_logged_in_user_not_on_it(tmp_path, monkeypatch):
    secrets = {**AUTH, "access": {"allowed_emails": ["ada@example.com"]}}
    user = {"is_logged_in": True, "name": "Mallory", "email": "mallory@example.org"}
    at = _app(tmp_path, monkeypatch, secrets=secrets, user=user).run()
    assert not at.exception
    assert _texts(at.title) == ["No access"]
    assert [b.label for b in at.button] == ["Log out"]
    assert not at.sidebar.multiselect and not at.sidebar.date_input

    at.user = {"is_logged_in": True, "name": "Ada", "email": "Ada@Example.com"}
    at.run()
    assert not at.exception
    assert "Overview" in _texts(at.title)


@pytest.mark.parametrize(("claims", "emails", "domains", "expected"), [
    ({"email": "x@y.z"}, (), (), True),  # no list: whoever the provider lets in
    ({}, (), (), True),
    ({"email": "ada@example.com"}, ("ada@example.com",), (), True),
    ({"email": " ADA@Example.COM "}, ("ada@example.com",), (), True),
    ({"email": "bob@example.com"}, ("ada@example.com",), (), False),
    ({"email": "bob@example.com"}, (), ("example.com",), True),
    ({"email": "bob@sub.example.com"}, (), ("example.com",), False),
    ({"email": "bob@example.com.evil.org"}, (), ("example.com",), False),
    ({"email": "example.com"}, (), ("example.com",), False),
    ({"email": "ada@example.com", "email_verified": False}, ("ada@example.com",), (), False),
    ({"email": "ada@example.com", "email_verified": True}, ("ada@example.com",), (), True),
    ({"name": "Ada"}, ("ada@example.com",), ("example.com",), False),
])
def test_is_allowed(claims, emails, domains, expected):
    assert auth.is_allowed(claims, frozenset(emails), frozenset(domains)) is expected
