"""The derived-tables hook: builders run in the transaction that changes their source."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from retention_core import derived
from retention_core.workspace import Workspace


def orders_frame(rows):
    return pl.DataFrame(
        [(o, c, datetime.fromisoformat(d), r) for o, c, d, r in rows],
        schema=["order_id", "customer_id", "ordered_at", "revenue"], orient="row")


@pytest.fixture
def counting_builder(monkeypatch):
    """A builder that keeps a copy of the orders' count, registered for this test only."""
    def build(cur):
        cur.execute("create or replace table test_order_count as "
                    "select count(*) as n from orders")

    extra = derived.Builder("orders", ("test_order_count",), build)
    monkeypatch.setattr(derived, "builders", lambda: [extra])
    return extra


def _count(ws: Workspace) -> int:
    return ws.cursor().execute("select n from test_order_count").fetchall()[0][0]


def test_builder_follows_import_delete_and_reset(counting_builder):
    ws = Workspace(":memory:")
    first = ws.import_frame("orders", orders_frame([("o1", "a", "2024-01-01", 10.0),
                                                    ("o2", "b", "2024-01-02", 5.0)]),
                            file_name="a.csv")
    assert _count(ws) == 2
    ws.import_frame("orders", orders_frame([("o3", "a", "2024-02-01", 7.0)]), file_name="b.csv")
    assert _count(ws) == 3
    ws.delete_import(first.import_id)
    assert _count(ws) == 1
    ws.reset()
    assert _count(ws) == 0


def test_failed_import_leaves_derived_table_as_it_was(counting_builder, monkeypatch):
    ws = Workspace(":memory:")
    ws.import_frame("orders", orders_frame([("o1", "a", "2024-01-01", 10.0)]), file_name="a")

    def broken(cur, kind, *args):
        raise RuntimeError("disk full")

    monkeypatch.setattr("retention_core.workspace._record_import", broken)
    with pytest.raises(RuntimeError):
        ws.import_frame("orders", orders_frame([("o2", "b", "2024-01-02", 1.0)]), file_name="b")
    assert _count(ws) == 1
    assert ws.counts()["orders"] == 1


def test_missing_derived_table_is_built_when_a_file_is_opened(counting_builder, tmp_path):
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        ws.import_frame("orders", orders_frame([("o1", "a", "2024-01-01", 10.0)]), file_name="a")
        ws.cursor().execute("drop table test_order_count")
        assert not derived.available(ws.cursor(), "test_order_count")
    with Workspace(path) as ws:
        assert derived.available(ws.cursor(), "test_order_count")
        # several tables: available only when every one of them is
        assert not derived.available(ws.cursor(), "test_order_count", "no_such_table")
        assert _count(ws) == 1


def test_mounted_workspace_has_no_derived_tables(counting_builder):
    ws = Workspace(":memory:")
    frame = orders_frame([("o1", "a", "2024-01-01", 10.0)])
    ws.mount_frame("orders", frame, file_name="a.parquet")
    assert not derived.available(ws.cursor(), "test_order_count")


def test_building_missing_derived_tables_keeps_the_version(counting_builder, tmp_path):
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        ws.import_frame("orders", orders_frame([("o1", "a", "2024-01-01", 10.0)]), file_name="a")
        ws.cursor().execute("drop table test_order_count")
        version = ws.version
    with Workspace(path) as ws:
        assert _count(ws) == 1
        assert ws.version == version


def test_a_table_built_by_another_builder_version_is_not_used_and_is_rebuilt(
        counting_builder, monkeypatch, tmp_path):
    """A builder that changes its tables raises its version: a file built by the old one
    answers from the canonical tables until it is opened for writing, which rebuilds."""
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        ws.import_frame("orders", orders_frame([("o1", "a", "2024-01-01", 10.0)]), file_name="a")
        ws.cursor().execute("update test_order_count set n = -1")  # what the old build left
        assert derived.available(ws.cursor(), "test_order_count")
    newer = derived.Builder("orders", ("test_order_count",), counting_builder.build, version=2)
    monkeypatch.setattr(derived, "builders", lambda: [newer])
    with Workspace(path, read_only=True) as ws:
        assert not derived.available(ws.cursor(), "test_order_count")
        assert _count(ws) == -1  # still there, not read by anyone
    with Workspace(path) as ws:
        assert derived.available(ws.cursor(), "test_order_count")
        # several tables: available only when every one of them is
        assert not derived.available(ws.cursor(), "test_order_count", "no_such_table")
        assert _count(ws) == 1
        assert derived._built(ws.cursor(), ["test_order_count"]) == {"test_order_count": 2}


def test_tables_from_before_versions_were_recorded_count_as_version_one(counting_builder,
                                                                         tmp_path):
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        ws.import_frame("orders", orders_frame([("o1", "a", "2024-01-01", 10.0)]), file_name="a")
        ws.cursor().execute("comment on table test_order_count is null")
        ws.cursor().execute("update test_order_count set n = -1")
    with Workspace(path) as ws:  # version 1 = the builder's: nothing rebuilt
        assert derived.available(ws.cursor(), "test_order_count")
        assert _count(ws) == -1


def test_memory_cap_applies_to_a_workspace_file_and_is_restored(tmp_path):
    def limit(cur):
        return cur.execute("select current_setting('memory_limit')").fetchall()[0][0]

    with Workspace(tmp_path / "ws.duckdb") as ws:
        cur = ws.cursor()
        before = limit(cur)
        with derived.memory_cap(cur, "300MB"):
            assert limit(cur) != before
            assert limit(cur).endswith("MiB") or limit(cur).endswith("MB")
        assert limit(cur) == before
        with pytest.raises(RuntimeError), derived.memory_cap(cur, "300MB"):
            raise RuntimeError("a failed build")
        assert limit(cur) == before
    with Workspace(":memory:") as ws:  # nowhere to spill beside: left alone
        cur = ws.cursor()
        before = limit(cur)
        with derived.memory_cap(cur, "300MB"):
            assert limit(cur) == before
