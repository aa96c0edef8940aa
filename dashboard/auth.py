"""Access control: login through Streamlit's OpenID Connect support, or local-only use.

- With an ``[auth]`` section in ``.streamlit/secrets.toml`` every page requires login
  (``st.login`` / ``st.user`` / ``st.logout``, see
  https://docs.streamlit.io/develop/concepts/connections/authentication). A visitor who
  is not logged in sees a login screen and nothing else. An optional ``[access]`` section
  (``allowed_emails``, ``allowed_domains``) narrows who may enter after logging in.
- Without ``[auth]`` the dashboard is meant for this machine only: ``.streamlit/config.toml``
  binds the server to ``localhost``, and the sidebar says so. When it is bound to another
  address without login, the sidebar warns that anyone who can reach it sees the data.

``docs/security.md`` explains how to put the dashboard behind login before exposing it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def auth_settings() -> Mapping[str, Any] | None:
    """The ``[auth]`` section of the app's secrets, or None when login is not configured."""
    try:
        section = st.secrets.get("auth")
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return None
    return section if isinstance(section, Mapping) and section else None


def access_rules() -> tuple[frozenset[str], frozenset[str]]:
    """Who may use the dashboard once logged in: ``[access]`` in the secrets.

    ``allowed_emails`` and ``allowed_domains`` (lists; compared case-insensitively).
    Both empty or absent: everyone the identity provider authenticates may enter.
    """
    try:
        section = st.secrets.get("access") or {}
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        section = {}

    def values(key: str) -> frozenset[str]:
        raw = section.get(key) or []
        items = [raw] if isinstance(raw, str) else list(raw)
        return frozenset(str(v).strip().lower().lstrip("@") for v in items if str(v).strip())

    return values("allowed_emails"), values("allowed_domains")


def is_allowed(claims: Mapping[str, Any], emails: frozenset[str], domains: frozenset[str]) -> bool:
    """Whether a logged-in user's identity claims pass the ``[access]`` lists.

    With no list configured everyone passes. Otherwise the ``email`` claim (OpenID
    Connect Core 1.0, section 5.1) must be on ``emails`` or end in ``@`` + one of
    ``domains``; an address the provider marks ``email_verified = false`` never passes.
    """
    if not emails and not domains:
        return True
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        return False
    domain = email.rpartition("@")[2]
    return email in emails or ("@" in email and domain in domains)


def list_providers(settings: Mapping[str, Any]) -> list[str | None]:
    """Identity providers named in ``[auth]``: None for the unnamed default one.

    Streamlit accepts the provider settings either in ``[auth]`` itself (one unnamed
    provider) or in sub-tables such as ``[auth.google]`` (``st.login("google")``).
    """
    named = [name for name, value in settings.items()
             if isinstance(value, Mapping) and "client_id" in value]
    return ([None] if "client_id" in settings else []) + sorted(named)


def is_loopback(address: str) -> bool:
    """True when a server bound to ``address`` is reachable from this machine only.

    An empty address means every interface (Streamlit's default), so it is not loopback.
    """
    host = address.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _user_label() -> str:
    for claim in ("name", "email", "preferred_username", "sub"):
        value = st.user.get(claim)
        if value:
            return str(value)
    return "signed-in user"


def _login_screen(providers: list[str | None]) -> None:
    st.title("Retention dashboard")
    st.write("This dashboard holds customer data. Log in to continue.")
    for provider in providers:
        label = "Log in" if provider is None else f"Log in with {provider.capitalize()}"
        st.button(label, key=f"auth_login_{provider or 'default'}", type="primary",
                  icon=":material/login:", on_click=st.login, args=(provider,))


def require_login(*, sidebar: bool = True) -> None:
    """Let the run continue only for a logged-in user when login is configured.

    Call it at the top of ``app.py`` (before ``st.navigation``) and at the start of
    every page, so no page can run without it.

    Parameters
    ----------
    sidebar
        Draw the user's name and the logout button (or, without login, the note about
        who can reach the dashboard) in the sidebar. ``app.py`` draws it; pages pass
        False.

    Notes
    -----
    Without ``[auth]`` this returns at once, after the sidebar note. With ``[auth]`` and
    no logged-in user it draws the login screen and stops the script (``st.stop``); a
    logged-in user whom ``[access]`` does not list gets a "no access" screen and stops.
    """
    settings = auth_settings()
    if settings is None:
        if sidebar:
            _local_only_note()
        return
    if not st.user.is_logged_in:
        _login_screen(list_providers(settings) or [None])
        st.stop()
    if not is_allowed(st.user, *access_rules()):
        st.title("No access")
        st.write(f"You are logged in as **{_user_label()}**, but this account has no access "
                 "to the dashboard. Ask its owner to add you, or log in with another account.")
        st.button("Log out", key="auth_logout_denied", icon=":material/logout:",
                  on_click=st.logout)
        st.stop()
    if sidebar:
        with st.sidebar:
            st.caption(f"Logged in as **{_user_label()}**")
            st.button("Log out", key="auth_logout", icon=":material/logout:",
                      on_click=st.logout)


def server_address() -> str:
    """The address the server is bound to (``server.address``; empty = every interface)."""
    return str(st.get_option("server.address") or "")


def _local_only_note() -> None:
    address = server_address()
    with st.sidebar:
        if is_loopback(address):
            st.caption("No login configured: the dashboard listens on this machine only "
                       f"({address}). See docs/security.md before exposing it.")
        else:
            st.warning(f"No login configured and the server listens on "
                       f"{address or 'every network interface'}: anyone who can reach it "
                       "sees the data. Configure [auth] (docs/security.md).",
                       icon=":material/lock_open:")
