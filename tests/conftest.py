"""Shared test helpers. Fixtures are generated here or kept tiny under tests/data/."""

from __future__ import annotations

import os

import pytest
from testkit import DATA, ROOT  # noqa: F401  (kept importable for fixtures)


@pytest.fixture(autouse=True)
def _no_user_workspace(tmp_path_factory, monkeypatch):
    """Never touch the developer's real workspace: point the default at a temp file."""
    if "RETENTION_WORKSPACE" not in os.environ:
        path = tmp_path_factory.mktemp("default_ws") / "workspace.duckdb"
        monkeypatch.setenv("RETENTION_WORKSPACE", str(path))


@pytest.fixture(autouse=True)
def _no_prewarm(monkeypatch):
    """No background computing of views (dashboard/prewarm.py) unless a test asks for it:
    a thread left running would compute on the next test's time."""
    monkeypatch.setenv("RETENTION_PREWARM", "0")


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """Names of the functions a page asks ``dashboard.state.cached`` for, in order."""
    from dashboard import state

    seen: list[str] = []
    real = state.cached

    def record(fn, ws, *args, **kwargs):
        seen.append(fn.__name__)
        return real(fn, ws, *args, **kwargs)

    monkeypatch.setattr(state, "cached", record)
    return seen
