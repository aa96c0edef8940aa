"""The `kpis` command: keys, hand-worked values, null for missing sources, weekly rows."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest

from retention_core.cli import main
from retention_core.filters import Filters
from retention_core.metrics.kpis import KPI_KEYS, compute_kpis, compute_weekly_kpis
from retention_core.workspace import Workspace

ORDERS = pl.DataFrame({
    "order_id": ["1", "2", "3", "4", "5"],
    "customer_id": ["a", "a", "b", None, "c"],
    "ordered_at": [datetime(2026, 3, 2), datetime(2026, 3, 10), datetime(2026, 3, 10),
                   datetime(2026, 3, 11), datetime(2026, 3, 12)],
    "revenue": [10.0, 30.0, 20.0, 40.0, 99.0],
    "status": ["paid", "paid", "paid", "paid", "cancelled"],
})
SURVEYS = pl.DataFrame({
    "response_id": [f"r{i}" for i in range(6)],
    "responded_at": [datetime(2026, 3, 3)] * 6,
    "survey": ["nps", "nps", "nps", "nps", "csat", "csat"],
    "score": [10, 9, 7, 3, 5, 2],
})
# two sessions add to cart, one buys; a third only views
EVENTS = pl.DataFrame({
    "session_id": ["s1", "s1", "s1", "s2", "s2", "s3"],
    "event_at": [datetime(2026, 3, 2, 10, m) for m in (0, 1, 2, 0, 1, 0)],
    "raw_event": ["view", "cart", "purchase", "view", "cart", "view"],
    "stage": ["view", "add_to_cart", "purchase", "view", "add_to_cart", "view"],
})


def test_hand_worked_kpis():
    ws = Workspace.from_frames(orders=ORDERS, surveys=SURVEYS, events=EVENTS)
    kpis = compute_kpis(ws.cursor(), Filters())
    assert list(kpis) == list(KPI_KEYS)
    # kept orders: 1, 2, 3, 4 (5 is cancelled); customers a, b; guest order 4
    assert kpis["customers"] == 2
    assert kpis["orders"] == 4
    assert kpis["revenue"] == pytest.approx(100.0)
    assert kpis["aov"] == pytest.approx(25.0)            # 100 / 4, guests included
    assert kpis["purchase_frequency"] == pytest.approx(1.5)  # 3 customer orders / 2 customers
    assert kpis["repeat_purchase_rate"] == pytest.approx(0.5)  # a of {a, b}
    assert kpis["nps"] == pytest.approx(100 * (2 - 1) / 4)  # 25
    assert kpis["csat"] == pytest.approx(50.0)
    assert kpis["cart_abandonment_rate"] == pytest.approx(0.5)


def test_missing_sources_are_null_not_zero():
    ws = Workspace.from_frames(orders=ORDERS)
    kpis = compute_kpis(ws.cursor(), Filters())
    assert kpis["nps"] is None and kpis["csat"] is None and kpis["cart_abandonment_rate"] is None
    weekly = compute_weekly_kpis(ws.cursor(), Filters())
    assert weekly.get_column("nps").null_count() == weekly.height


def test_cli_json(tmp_path, capsys):
    paths = {}
    for name, frame in (("orders", ORDERS), ("surveys", SURVEYS), ("events", EVENTS)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.write_csv(paths[name])
    code = main(["kpis", "--orders", str(paths["orders"]), "--surveys", str(paths["surveys"]),
                 "--events", str(paths["events"]), "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {*KPI_KEYS, "weekly"}
    assert out["orders"] == 4 and out["nps"] == pytest.approx(25.0)
    weeks = [w["week"] for w in out["weekly"]]
    assert weeks == sorted(weeks) and weeks[0] == "2026-03-02" and weeks[-1] == "2026-03-09"
    week2 = out["weekly"][-1]
    # week of 9 March: orders 2, 3, 4 -> revenue 90; a now has 2 orders -> 1 of {a, b}
    assert week2["orders"] == 3 and week2["revenue"] == pytest.approx(90.0)
    assert week2["repeat_purchase_rate"] == pytest.approx(0.5)
    assert week2["nps"] is None  # no answers that week

    # --as-of cuts the data: only the first week remains
    assert main(["kpis", "--orders", str(paths["orders"]), "--as-of", "2026-03-08", "--json"]) == 0
    early = json.loads(capsys.readouterr().out)
    assert early["orders"] == 1 and early["nps"] is None


def test_cli_bad_input(tmp_path, capsys):
    assert main(["kpis", "--json"]) == 2
    assert "no data given" in capsys.readouterr().err
    assert main(["kpis", "--orders", str(tmp_path / "missing.csv"), "--json"]) == 2
    assert main(["kpis", "--orders", str(tmp_path / "missing.csv"), "--as-of", "yesterday"]) == 2


def test_a_preset_and_map_go_to_the_files_they_fit(tmp_path, capsys):
    # a Shopify-shaped orders file next to a plain survey file: --preset shopify and
    # --map comment=remark each belong to one of them
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "Name,Email,Financial Status,Total,Refunded Amount,Created at,Lineitem name\n"
        "#1,a@x.io,paid,10.00,0,2026-03-02 10:00:00 +0100,Mug\n"
        "#2,a@x.io,paid,20.00,0,2026-03-09 10:00:00 +0100,Mug\n", encoding="utf-8")
    surveys = tmp_path / "answers.csv"
    surveys.write_text("response_id,score,remark\nr1,10,great\nr2,3,slow\n", encoding="utf-8")
    code = main(["kpis", "--orders", str(orders), "--surveys", str(surveys), "--survey", "nps",
                 "--preset", "shopify", "--map", "comment=remark", "--json"])
    assert code == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    assert out["orders"] == 2 and out["repeat_purchase_rate"] == 1.0
    assert out["nps"] == 0.0  # one promoter, one detractor
