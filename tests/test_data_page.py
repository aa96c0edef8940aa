"""The Data page through AppTest: upload, mapping, report, import, list, delete, reset."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from retention_core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def data_page(tmp_path, monkeypatch):
    path = tmp_path / "ws.duckdb"
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/6_data.py").run()
    assert not at.exception
    return at, path


def _upload(at, *names):
    files = [(name, (DATA / name).read_bytes(), "text/csv") for name in names]
    at.file_uploader(key="data_uploads").set_value(files).run()
    assert not at.exception, at.exception
    return at


def _metrics(at) -> dict[str, object]:
    return {m.label: m.value for m in at.metric}


def test_empty_workspace_says_the_demo_is_shown(data_page):
    at, _ = data_page
    assert any("first import replaces the demo" in i.value for i in at.info)
    assert at.file_uploader(key="data_uploads").accept_multiple_files


def test_upload_report_and_import_then_listed(data_page):
    at, path = data_page
    _upload(at, "shopify_orders_small.csv", "nps_benavent_small.csv")
    assert not at.error
    captions = " ".join(c.value for c in at.caption)
    assert "Detected: **Orders**, preset **shopify**" in captions
    assert "Created at: yyyy-mm-dd HH:MM:SS" in captions
    metrics = _metrics(at)
    assert metrics["Orders kept"] == "4"
    assert metrics["Excluded"] == "3"
    assert metrics["Answers kept"] == "4"
    # mapping editor pre-filled with the suggestion
    assert at.selectbox(key=next(k for k in _keys(at) if k.endswith("_revenue"))).value == "Total"
    labels = [b.label for b in at.button]
    assert "Import 7 orders" in labels and "Import 4 answers" in labels
    at.button(key="import_0").click().run()
    assert not at.exception, at.exception
    assert any("7 new, 0 updated" in s.value for s in at.success)
    imports = _imports(at)
    assert imports["file_name"].to_list() == ["shopify_orders_small.csv"]
    assert len(at.get("plotly_chart")) == 1
    # the demo notice is gone: the user's data is shown now
    assert not any("first import replaces the demo" in i.value for i in at.info)


def _keys(at) -> list[str]:
    return [w.key for w in at.selectbox if w.key]


def _imports(at):
    """The table of imports (the dataframe with a file_name column)."""
    tables = [d.value for d in at.dataframe if "file_name" in d.value.columns]
    assert len(tables) == 1
    return tables[0]


def test_mapping_change_and_bad_file_message(data_page):
    at, path = data_page
    content = b"Order,When,Sum,Who\n1,2024-01-01,10,a\n2,2024-01-02,20,b\n"
    at.file_uploader(key="data_uploads").set_value(
        [("plain.csv", content, "text/csv"), ("broken.csv", b"", "text/csv")]).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("broken.csv" in e and "empty" in e for e in errors)
    # "When" and "Sum" are not known names: the import needs them mapped
    assert any("no column found for ordered_at, revenue" in e for e in errors)
    key = next(k for k in _keys(at) if k.endswith("_ordered_at"))
    at.selectbox(key=key).set_value("When").run()
    key = next(k for k in _keys(at) if k.endswith("_revenue"))
    at.selectbox(key=key).set_value("Sum").run()
    assert not at.exception
    assert _metrics(at)["Orders kept"] == "2"
    at.button(key="import_1").click().run()
    assert _imports(at)["kept"].to_list() == [2]
    ws = Workspace(path)  # the app holds the file open in this process: same configuration
    assert ws.counts()["orders"] == 2


def test_delete_and_reset(data_page):
    at, _ = data_page
    _upload(at, "online_retail_small.csv", "ga4_events_small.csv")
    at.button(key="import_all").click().run()
    assert not at.exception, at.exception
    table = _imports(at)
    assert sorted(table["kind"].to_list()) == ["events", "orders"]
    at.selectbox(key="delete_pick").set_value(int(table["import_id"][0])).run()
    at.button(key="delete_import").click().run()
    assert _imports(at).shape[0] == 1
    assert at.button(key="reset_workspace").disabled
    at.checkbox(key="reset_confirm").check().run()
    at.button(key="reset_workspace").click().run()
    assert not at.exception
    assert any("Nothing imported yet" in c.value for c in at.caption)
