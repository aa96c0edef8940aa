"""Fixtures for the real-browser tests (Playwright driving Debian's Chromium).

Each test module starts its own app server (``browserkit.run_app``); one Chromium runs
for the whole session. Screenshots go to ``$RETENTION_SCREENSHOTS`` or
``artifacts/screenshots``; the folder is named at the end of the pytest run.
"""

from __future__ import annotations

import re

import pytest
from browserkit import CHROMIUM_ARGS, chromium_path, screenshot_dir

_saved: list[str] = []


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True,
                                      args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture
def new_page(browser, request):
    """Open pages in fresh browser contexts (separate cookies = separate users).

    When the test fails, every page it opened is saved as a screenshot for the CI log.
    """
    contexts, pages = [], []

    def _open(**options):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, **options)
        context.set_default_timeout(60_000)
        contexts.append(context)
        pages.append(context.new_page())
        return pages[-1]

    yield _open
    if getattr(request.node, "browser_call_failed", False):
        for i, page in enumerate(pages):
            try:
                _save(page, f"FAILED_{request.node.name}_{i}")
            except Exception as exc:  # noqa: BLE001 - a closed page must not hide the failure
                print(f"no failure screenshot of page {i}: {exc}")
    for context in contexts:
        context.close()


def _save(page, name: str):
    path = screenshot_dir() / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    _saved.append(str(path))
    return path


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG and returns its path."""

    return _save


def pytest_terminal_summary(terminalreporter):
    if _saved:
        terminalreporter.write_line(
            f"browser screenshots ({len(_saved)}) saved in: {screenshot_dir()}")
