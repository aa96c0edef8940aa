"""The workspace: idempotent upserts, one transaction per import, delete, reset."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from retention_core.errors import InputError, WorkspaceError
from retention_core.filters import Filters
from retention_core.sql import query_frame
from retention_core.workspace import Workspace, conform, default_workspace_path


def _orders(rows):
    return pl.DataFrame(
        rows, schema=["order_id", "customer_id", "ordered_at", "revenue", "status", "channel"],
        orient="row",
    )


WEEK1 = _orders([
    ("1", "a", datetime(2026, 1, 5, 10), 10.0, "paid", "web"),
    ("2", "b", datetime(2026, 1, 6, 11), 20.0, "paid", "ads"),
    ("3", None, datetime(2026, 1, 7, 12), 5.0, "cancelled", "web"),
])
WEEKS12 = _orders([
    ("2", "b", datetime(2026, 1, 6, 11), 20.0, "paid", "ads"),
    ("3", None, datetime(2026, 1, 7, 12), 5.0, "cancelled", "web"),
    ("4", "a", datetime(2026, 1, 13, 9), 30.0, "paid", "web"),
])


def _table(ws: Workspace, sql: str) -> list[tuple]:
    return ws.cursor().execute(sql).fetchall()


def test_reimporting_the_same_orders_changes_nothing():
    ws = Workspace.from_frames(orders=WEEK1)
    before = _table(ws, "select * exclude (import_id) from orders order by order_id")
    result = ws.import_frame("orders", WEEK1, file_name="again.csv")
    assert (result.new, result.updated, result.unchanged) == (0, 0, 3)
    assert _table(ws, "select * exclude (import_id) from orders order by order_id") == before


def test_overlapping_export_is_not_double_counted():
    ws = Workspace.from_frames(orders=WEEK1)
    result = ws.import_frame("orders", WEEKS12, file_name="weeks12.csv")
    assert (result.new, result.updated, result.unchanged) == (1, 0, 2)
    assert _table(ws, "select count(*), sum(revenue) from kept_orders") == [(3, 60.0)]


def test_a_later_export_replaces_changed_rows():
    ws = Workspace.from_frames(orders=WEEK1)
    refunded = WEEK1.with_columns(
        pl.when(pl.col("order_id") == "2").then(pl.lit("refunded")).otherwise("status").alias("status"))
    result = ws.import_frame("orders", refunded, file_name="later.csv")
    assert (result.new, result.updated) == (0, 1)
    # order 2 is now refunded: kept, but excluded from metrics
    assert _table(ws, "select count(*) from orders") == [(3,)]
    assert _table(ws, "select order_id from kept_orders") == [("1",)]


def test_a_failing_import_changes_nothing(tmp_path):
    path = tmp_path / "ws.duckdb"
    ws = Workspace.from_frames(path, orders=WEEK1)
    version = ws.version
    before = _table(ws, "select * from orders order by order_id")
    imports_before = ws.list_imports().height
    bad = WEEKS12.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias("ordered_at"))
    with pytest.raises(InputError, match="ordered_at"):
        ws.import_frame("orders", bad, file_name="bad.csv")
    # an error raised inside the transaction rolls everything back
    with pytest.raises(RuntimeError), ws.transaction() as cur:
        cur.execute("delete from orders")
        raise RuntimeError("boom")
    assert ws.version == version
    assert _table(ws, "select * from orders order by order_id") == before
    assert ws.list_imports().height == imports_before
    ws.close()
    reopened = Workspace(path)
    assert _table(reopened, "select * from orders order by order_id") == before


def test_delete_import_and_reset():
    ws = Workspace.from_frames(orders=WEEK1)
    second = ws.import_frame("orders", WEEKS12, file_name="weeks12.csv")
    ws.delete_import(second.import_id)
    # orders 2 and 3 were already there unchanged, so they still belong to the first import
    assert _table(ws, "select order_id from orders order by 1") == [("1",), ("2",), ("3",)]
    with pytest.raises(WorkspaceError):
        ws.delete_import(999)
    ws.reset()
    assert ws.is_empty()
    assert ws.list_imports().is_empty()


def test_version_increases_with_every_change():
    ws = Workspace(":memory:")
    v0 = ws.version
    ws.import_frame("orders", WEEK1, file_name="a")
    v1 = ws.version
    ws.reset()
    assert v0 < v1 < ws.version


def test_conform_rejects_duplicates_unknown_columns_and_missing_required():
    with pytest.raises(InputError, match="duplicated order_id"):
        conform("orders", pl.concat([WEEK1, WEEK1]))
    with pytest.raises(InputError, match="not part of the orders table"):
        conform("orders", WEEK1.with_columns(pl.lit(1).alias("bogus")))
    with pytest.raises(InputError, match="revenue"):
        conform("orders", WEEK1.drop("revenue"))


def test_timezone_aware_timestamps_are_stored_in_utc():
    frame = WEEK1.with_columns(pl.col("ordered_at").dt.replace_time_zone("Europe/Warsaw"))
    out = conform("orders", frame)
    assert out.get_column("ordered_at").to_list()[0] == datetime(2026, 1, 5, 9)


def test_scoped_orders_applies_the_filters():
    ws = Workspace.from_frames(orders=pl.concat([WEEK1, WEEKS12.slice(2)]))
    sql = "select order_id from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices) order by 1"
    ids = lambda f: query_frame(ws.cursor(), sql, f.params()).get_column("order_id").to_list()  # noqa: E731
    assert ids(Filters()) == ["1", "2", "4"]  # 3 is cancelled
    assert ids(Filters(channels=("web",))) == ["1", "4"]
    assert ids(Filters(start=datetime(2026, 1, 6).date(), end=datetime(2026, 1, 12).date())) == ["2"]
    # a value that looks like SQL is only ever a bound value
    assert ids(Filters(channels=("web') or ('1'='1",))) == []


def test_events_get_a_stable_identity():
    events = pl.DataFrame({"session_id": ["s1", "s1"], "event_at": [datetime(2026, 1, 1)] * 2,
                           "raw_event": ["view", "cart"], "stage": ["view", "add_to_cart"]})
    ws = Workspace.from_frames(events=events)
    again = ws.import_frame("events", events, file_name="again")
    assert again.new == 0 and ws.counts()["events"] == 2


def test_default_path_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RETENTION_WORKSPACE", str(tmp_path / "x.duckdb"))
    assert default_workspace_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("RETENTION_WORKSPACE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_workspace_path() == tmp_path / "retention-dashboard" / "workspace.duckdb"


def test_import_numbers_are_never_reused():
    ws = Workspace(":memory:")
    first = ws.import_frame("orders", WEEK1, file_name="a")
    second = ws.import_frame("orders", WEEKS12, file_name="b")
    ws.delete_import(second.import_id)
    third = ws.import_frame("orders", WEEKS12, file_name="c")
    assert first.import_id < second.import_id < third.import_id


def test_a_snapshot_reads_one_state_while_another_thread_imports(tmp_path):
    import threading

    ws = Workspace(tmp_path / "ws.duckdb")
    ws.import_frame("orders", WEEK1, file_name="a")
    with ws.snapshot() as cur:
        before = cur.execute("select count(*) from orders").fetchall()
        done = threading.Thread(target=ws.import_frame, args=("orders", WEEKS12),
                                kwargs={"file_name": "b"})
        done.start()
        done.join()
        # the other thread's import has committed, but this snapshot still sees the old state
        assert cur.execute("select count(*) from orders").fetchall() == before
    assert ws.cursor().execute("select count(*) from orders").fetchall() == [(4,)]


def test_a_value_that_cannot_be_stored_is_an_input_error():
    bad = WEEK1.with_columns(pl.Series("revenue", ["ten", "20", "5"]))
    with pytest.raises(InputError, match="cannot be stored"):
        conform("orders", bad)
