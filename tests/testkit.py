"""Paths and page helpers shared by the tests (a module of its own: tests/browser has its own
conftest)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def open_tab(at, key: str, label: str):
    """Open the tab ``label`` of the page's ``st.tabs(key=key)`` and rerun (AppTest)."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, at.exception
    return at


def drawn_tabs(at) -> list[str]:
    """Labels of the tabs with content: with lazy tabs only the open one is drawn."""
    return [t.label for t in at.tabs if t.children]


def tab_calls(calls: list[str], tab_functions: dict[str, set[str]]) -> set[str]:
    """The names in ``calls`` that belong to one of the tabs of ``tab_functions``."""
    return set(calls) & set().union(*tab_functions.values())
