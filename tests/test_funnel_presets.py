"""Funnel events imported through the GA4 and Shopify abandoned-checkouts presets: the
funnel, abandonment, recovery and the `kpis` command on them, worked by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from retention_core.filters import Filters
from retention_core.ingest import ingest_files
from retention_core.metrics import funnel
from retention_core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]

# GA4 BigQuery export, flattened. Sessions: u1:11 views, adds, checks out, buys;
# u2:21 adds to cart and scrolls (not a stage); u2:22 (two days later) views and buys,
# which recovers u2's cart; u3:31 checks out and leaves.
GA4 = """event_date,event_timestamp,event_name,user_pseudo_id,ga_session_id,device.category,traffic_source.source,value
20260302,1772445600000000,page_view,u1,11,desktop,google,
20260302,1772445660000000,view_item,u1,11,desktop,google,
20260302,1772445720000000,add_to_cart,u1,11,desktop,google,30
20260302,1772445780000000,begin_checkout,u1,11,desktop,google,30
20260302,1772445840000000,purchase,u1,11,desktop,google,30
20260302,1772445600000000,view_item,u2,21,mobile,(direct),
20260302,1772445700000000,add_to_cart,u2,21,mobile,(direct),45
20260302,1772445800000000,scroll,u2,21,mobile,(direct),
20260304,1772618400000000,view_item,u2,22,mobile,(direct),
20260304,1772618500000000,purchase,u2,22,mobile,(direct),45
20260302,1772445600000000,view_item,u3,31,mobile,google,
20260302,1772445650000000,add_to_cart,u3,31,mobile,google,12
20260302,1772445690000000,begin_checkout,u3,31,mobile,google,12
"""

# Shopify "Export checkouts": one checkout per Id (a second line-item row for 1001);
# 1001 and 1004 completed; bob abandons 1002 and completes 1004 three days later.
CHECKOUTS = """Id,Name,Email,Created at,Completed at,Total,Source,Lineitem name,Lineitem quantity,Abandoned Checkout URL
1001,#C1001,Ann@Example.com ,2026-03-02 10:00:00 +0100,2026-03-02 10:20:00 +0100,50.00,web,Mug,1,https://x/1
1001,#C1001,,2026-03-02 10:00:00 +0100,,,,Cap,1,
1002,#C1002,bob@example.com,2026-03-03 11:00:00 +0100,,70.00,web,Shirt,1,https://x/2
1003,#C1003,cy@example.com,2026-03-04 12:00:00 +0100,,10.00,mobile_app,Pen,2,https://x/3
1004,#C1004,bob@example.com,2026-03-06 09:00:00 +0100,2026-03-06 09:30:00 +0100,70.00,web,Shirt,1,https://x/4
"""


@pytest.fixture
def ga4_file(tmp_path) -> Path:
    path = tmp_path / "ga4_events.csv"
    path.write_text(GA4, encoding="utf-8")
    return path


@pytest.fixture
def checkouts_file(tmp_path) -> Path:
    path = tmp_path / "checkouts_export.csv"
    path.write_text(CHECKOUTS, encoding="utf-8")
    return path


def test_ga4_events_through_the_preset(ga4_file):
    ws = Workspace(":memory:")
    prepared, _ = ingest_files(ws, [ga4_file], kind="events")
    assert prepared.preset == "ga4"
    con = ws.cursor()
    steps = funnel.compute_funnel(con, Filters())
    # sessions at view: u1:11, u2:21, u2:22, u3:31; cart: u1:11, u2:21, u3:31;
    # checkout: u1:11, u3:31; purchase: u1:11
    assert steps.select("stage", "units").rows() == [
        ("view", 4), ("add_to_cart", 3), ("checkout", 2), ("purchase", 1)]
    assert funnel.compute_cart_abandonment(con, Filters()) == pytest.approx(2 / 3)
    value = funnel.compute_abandoned_carts(con, Filters())
    # u2:21 (45, its add_to_cart value) and u3:31 (12, its checkout value); u2 buys 2 days later
    assert (value["abandoned_carts"], value["abandoned_value"]) == (2, 57.0)
    assert (value["recovered_carts"], value["recovered_value"]) == (1, 45.0)
    # users as units: u2 views on 2 March and buys on 4 March (within 7 days) without
    # a checkout event after the cart -> reaches add_to_cart only
    customers = funnel.compute_funnel(con, Filters(), unit="customer")
    assert customers["units"].to_list() == [3, 3, 2, 1]
    by_device = funnel.compute_cart_abandonment_by(con, Filters(), "device")
    assert dict(by_device.select("group", "carts").rows()) == {"mobile": 2, "desktop": 1}


def test_shopify_checkouts_through_the_preset(checkouts_file):
    ws = Workspace(":memory:")
    prepared, _ = ingest_files(ws, [checkouts_file], kind="events")
    assert prepared.preset == "shopify_checkouts"
    con = ws.cursor()
    assert funnel.compute_funnel(con, Filters())["stage"].to_list() == ["checkout", "purchase"]
    assert funnel.compute_cart_abandonment(con, Filters()) == pytest.approx(0.5)
    value = funnel.compute_abandoned_carts(con, Filters())
    assert value["cart_stage"] == "checkout"
    assert (value["abandoned_carts"], value["abandoned_value"]) == (2, 80.0)
    assert (value["recovered_carts"], value["recovered_value"]) == (1, 70.0)


def test_kpis_command_reports_cart_abandonment(ga4_file, checkouts_file):
    for path, expected in ((ga4_file, 2 / 3), (checkouts_file, 0.5)):
        run = subprocess.run([sys.executable, "-m", "retention_core", "kpis", "--events",
                              str(path), "--json"], capture_output=True, text=True,
                             cwd=ROOT, check=False, timeout=300)
        assert run.returncode == 0, run.stderr
        out = json.loads(run.stdout)
        assert out["cart_abandonment_rate"] == pytest.approx(expected)
        assert [w["week"] for w in out["weekly"]] == ["2026-03-02"]
        assert out["weekly"][0]["cart_abandonment_rate"] == pytest.approx(expected)


def test_page_on_imported_ga4_events(ga4_file, tmp_path, monkeypatch):
    path = tmp_path / "ga4_ws.duckdb"
    ws = Workspace(path)
    ingest_files(ws, [ga4_file], kind="events")
    ws.close()
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/5_cart_funnel.py").run()
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert float(tiles["Cart abandonment"]) == pytest.approx(2 / 3)
    assert float(tiles["Value recovered"]) == pytest.approx(45 / 57)
    assert len(at.get("plotly_chart")) == 5
