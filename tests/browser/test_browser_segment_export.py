"""The Customer value page keeps only segment aggregates; a segment's customer list is
built when its download button is clicked. In a real browser: the click downloads that
segment's customers as a spreadsheet-safe CSV, the same rows as the customer table."""

from __future__ import annotations

import io
import re

import polars as pl
import pytest
from browserkit import SELECTOR_MAIN, problems_on, run_app, wait_settled

from dashboard.state import DEMO_CUSTOMERS, DEMO_SEED
from retention_core.demo import generate_demo
from retention_core.filters import Filters
from retention_core.metrics.rfm import EXPORT_COLUMNS, score_customers
from retention_core.workspace import Workspace

pytestmark = pytest.mark.browser


def test_segment_download_is_built_on_click(tmp_path, new_page):
    with run_app(tmp_path) as server:
        page = new_page(accept_downloads=True)
        page.goto(f"{server.url}/customer_value")
        wait_settled(page)
        main = page.locator(SELECTOR_MAIN)
        main.get_by_role("tab", name="RFM segments").click()
        button = main.get_by_role("button", name=re.compile(r"^Download .+ customers \(CSV\)"))
        segment = re.search(r"Download (.+) customers", button.inner_text()).group(1)
        with page.expect_download(timeout=120_000) as info:
            button.click()
        data = open(info.value.path(), "rb").read()
        assert problems_on(page) == [], problems_on(page)
    assert info.value.suggested_filename.startswith("segment-")
    got = pl.read_csv(io.BytesIO(data), infer_schema=False)
    assert got.columns == list(EXPORT_COLUMNS)
    demo = generate_demo(customers=DEMO_CUSTOMERS, seed=DEMO_SEED)
    with Workspace.from_frames(**demo) as ws:
        customers = score_customers(ws.cursor(), Filters())["customers"]
    want = customers.filter(pl.col("segment") == segment)
    assert sorted(got["customer_id"]) == sorted(want["customer_id"])
