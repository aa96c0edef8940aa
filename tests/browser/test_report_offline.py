"""The weekly report opens offline: every chart draws and nothing asks the network."""

from __future__ import annotations

import pytest

from retention_core.demo import generate_demo
from retention_core.filters import Filters
from retention_core.report import build_report_html
from retention_core.workspace import Workspace


@pytest.mark.browser
def test_report_renders_with_the_network_cut(tmp_path, new_page):
    html = build_report_html(Workspace.from_frames(**generate_demo(customers=300, seed=4)).cursor(),
                             Filters())
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    page = new_page(offline=True)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(path.as_uri())
    page.wait_for_selector(".plotly-graph-div .main-svg")
    drawn = page.locator(".plotly-graph-div").count()
    assert drawn == 4
    assert page.locator(".plotly-graph-div .main-svg").count() >= 4
    assert [url for url in requested if not url.startswith("file:")] == []
    assert errors == []
    assert page.locator(".tile").count() == 11
