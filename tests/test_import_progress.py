"""Storing an import in slices, with progress: the same rows as one statement, and the
progress the Data page shows (rows stored / rows in all)."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from retention_core import workspace as workspace_module
from retention_core.ingest import import_prepared, prepare_raw
from retention_core.workspace import Workspace


def _orders(n: int, *, revenue: float = 10.0) -> pl.DataFrame:
    start = datetime(2026, 1, 1)
    return pl.DataFrame({
        "order_id": [f"o{i}" for i in range(n)],
        "customer_id": [f"c{i % 3}" if i % 4 else None for i in range(n)],
        "ordered_at": [start + timedelta(hours=7 * i) for i in range(n)],
        "revenue": [revenue + i for i in range(n)],
        "status": ["cancelled" if i % 5 == 0 else "paid" for i in range(n)],
        "channel": ["web", "ads"] * (n // 2) + ["web"] * (n % 2),
    })


def _stored(ws: Workspace) -> list[tuple]:
    """Every stored column of every row, in the table's order."""
    return ws.cursor().execute("select * from orders").fetchall()


def _import(path, frame, *, slice_rows, monkeypatch):
    monkeypatch.setattr(workspace_module, "STORE_SLICE_ROWS", slice_rows)
    calls: list[tuple[int, int]] = []
    with Workspace(path) as ws:
        result = ws.import_frame("orders", frame, file_name="x.csv",
                                 progress=lambda done, total: calls.append((done, total)))
        return result, _stored(ws), calls


def test_a_first_import_in_slices_stores_the_rows_of_one_statement_in_order(tmp_path,
                                                                            monkeypatch):
    frame = _orders(11)
    one, rows_one, calls_one = _import(tmp_path / "one.duckdb", frame, slice_rows=1000,
                                       monkeypatch=monkeypatch)
    sliced, rows_sliced, calls = _import(tmp_path / "sliced.duckdb", frame, slice_rows=4,
                                         monkeypatch=monkeypatch)
    assert rows_sliced == rows_one  # same rows, same order
    assert [r[0] for r in rows_sliced] == [f"o{i}" for i in range(11)]
    assert (sliced.new, sliced.updated, sliced.unchanged) == (one.new, one.updated,
                                                              one.unchanged) == (11, 0, 0)
    assert calls_one == [(11, 11)]
    assert calls == [(4, 11), (8, 11), (11, 11)]


def test_a_later_import_reports_progress_once_and_upserts(tmp_path, monkeypatch):
    monkeypatch.setattr(workspace_module, "STORE_SLICE_ROWS", 2)
    calls: list[tuple[int, int]] = []
    with Workspace(tmp_path / "w.duckdb") as ws:
        ws.import_frame("orders", _orders(5), file_name="a.csv")
        changed = _orders(7).with_columns(
            pl.when(pl.col("order_id") == "o1").then(99.0).otherwise(pl.col("revenue"))
            .alias("revenue"))
        result = ws.import_frame("orders", changed, file_name="b.csv",
                                 progress=lambda done, total: calls.append((done, total)))
        revenue = dict(ws.cursor().execute("select order_id, revenue from orders").fetchall())
    assert (result.new, result.updated, result.unchanged) == (2, 1, 4)
    assert calls == [(7, 7)]
    assert revenue == {"o0": 10.0, "o1": 99.0, "o2": 12.0, "o3": 13.0, "o4": 14.0,
                       "o5": 15.0, "o6": 16.0}


def test_import_prepared_passes_progress_through(tmp_path, monkeypatch):
    monkeypatch.setattr(workspace_module, "STORE_SLICE_ROWS", 2)
    raw = pl.DataFrame({"order_id": ["1", "2", "3"], "ordered_at": ["2026-01-02"] * 3,
                        "revenue": ["5", "6", "7"]})
    prepared = prepare_raw(raw, kind="orders")
    calls: list[tuple[int, int]] = []
    with Workspace(tmp_path / "w.duckdb") as ws:
        import_prepared(ws, prepared, progress=lambda done, total: calls.append((done, total)))
        assert ws.counts()["orders"] == 3
    assert calls == [(2, 3), (3, 3)]


def test_a_file_with_line_items_and_bad_rows_stores_the_same_in_slices(tmp_path, monkeypatch):
    # Line items of one order on both sides of a slice boundary of the raw rows, and bad
    # rows spread over the file: the stored rows and the recorded report do not depend on
    # the slice size.
    raw = pl.DataFrame({
        "order_id": ["A", "A", "B", "C", "C", "C", "D", "E", "F", "F"],
        "ordered_at": ["2026-01-02", None, "2026-01-03", "2026-01-04", None, None, "31.02.2026",
                       "2026-01-05", "2026-01-06", None],
        "line_amount": ["5", "6", "x", "1", "2", "3", "4", "5", "6", "7"],
        "status": ["paid", None, "paid", "cancelled", None, None, "paid", "refunded", "paid", None],
        "customer_id": ["a", None, "b", "c", None, None, "d", "e", None, None],
    })
    prepared = prepare_raw(raw, kind="orders")
    stored = []
    for slice_rows in (1000, 2):
        monkeypatch.setattr(workspace_module, "STORE_SLICE_ROWS", slice_rows)
        with Workspace(tmp_path / f"{slice_rows}.duckdb") as ws:
            import_prepared(ws, prepared)
            stored.append((_stored(ws), ws.import_details(1)))
    assert stored[0] == stored[1]
    rows, details = stored[1]
    assert {r[0]: r[3] for r in rows} == {"A": 11.0, "C": 6.0, "E": 5.0, "F": 13.0}
    assert (details["kept"], details["excluded"], details["rejected"]) == (2, 2, 2)
