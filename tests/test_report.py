"""The weekly report: self-contained, offline, and showing the numbers `kpis` gives."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import polars as pl

from retention_core.cli import main
from retention_core.demo import generate_demo
from retention_core.filters import Filters
from retention_core.report import build_report_html
from retention_core.workspace import Workspace

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def _tile(html: str, label: str) -> str:
    found = re.search(rf'<div class="label">{re.escape(label)}</div><div class="value">([^<]*)</div>', html)
    assert found, f"no tile {label!r}"
    return found.group(1)


def test_report_is_self_contained_and_matches_kpis(tmp_path, capsys):
    data = generate_demo(customers=300, seed=5)
    paths = {}
    for name, frame in data.items():
        paths[name] = tmp_path / f"{name}.csv"
        frame.write_csv(paths[name])
    sources = ["--orders", str(paths["orders"]), "--surveys", str(paths["surveys"]),
               "--events", str(paths["events"])]
    out = tmp_path / "weekly.html"
    assert main(["report", *sources, "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")

    # offline: plotly.js is inlined once; outside that library (whose code mentions
    # map-tile URLs it never fetches for these charts) nothing refers to the network.
    # tests/browser/test_report_offline.py opens the file with the network cut.
    assert html.count("<script type=\"text/javascript\">") == 1
    library = re.search(r'<script type="text/javascript">.*?</script>', html, re.S)
    rest = html[:library.start()] + html[library.end():]
    assert not EXTERNAL.search(rest)
    assert "<link" not in html and "@import" not in rest and "<script src" not in html
    assert html.count('class="plotly-graph-div"') == 4  # heatmap, CLV, NPS, funnel

    # the tiles show the numbers `kpis` gives for the reported week
    capsys.readouterr()
    assert main(["kpis", *sources, "--json"]) == 0
    weekly = {w["week"]: w for w in json.loads(capsys.readouterr().out)["weekly"]}
    week = re.search(r"Retention report: week of (\d{4}-\d{2}-\d{2})", html).group(1)
    row = weekly[week]
    assert _tile(html, "Orders") == f"{row['orders']:,.0f}"
    assert _tile(html, "Revenue") == (f"{row['revenue']:,.2f}" if row["revenue"] < 1000
                                      else f"{row['revenue']:,.0f}")
    assert _tile(html, "Repeat purchase rate") == f"{100 * row['repeat_purchase_rate']:.1f}%"
    if row["nps"] is not None:
        assert _tile(html, "NPS") == f"{row['nps']:+.0f}"
    assert _tile(html, "Cart abandonment") == f"{100 * row['cart_abandonment_rate']:.1f}%"
    assert "What changed" in html


def test_report_says_what_is_missing():
    start = datetime(2026, 2, 2)
    orders = pl.DataFrame({"order_id": [str(i) for i in range(30)],
                           "customer_id": [f"c{i % 7}" for i in range(30)],
                           "ordered_at": [start + timedelta(days=i) for i in range(30)],
                           "revenue": [10.0 + i for i in range(30)]})
    html = build_report_html(Workspace.from_frames(orders=orders).cursor(), Filters())
    assert "no survey answers imported" in html and "no funnel events imported" in html
    assert "No funnel events imported." in html  # the funnel section says why it is empty
    assert html.count('class="plotly-graph-div"') == 2


def test_report_cli_errors(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "missing_dir" / "r.html"),
                 "--orders", str(tmp_path / "x.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
