"""The speed-ups of issue 9 change no result.

- a first import into an empty table (plain insert) stores what the upsert would;
- ``Workspace.mount_frame`` (the CLI's no-copy table) answers every query like an import;
- the CLI's canonical-Parquet fast path gives exactly the rows of the import pipeline, and
  steps aside for every file the pipeline would change (property test on dirty values);
- ``is_excluded`` decided per distinct status equals the row-by-row rule.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from retention_core.cli import main
from retention_core.commands._canonical import read_canonical_orders
from retention_core.errors import InputError, WorkspaceError
from retention_core.ingest import prepare_import
from retention_core.schema import EXCLUDED_STATUSES
from retention_core.workspace import Workspace, conform


def _orders(n: int = 6) -> pl.DataFrame:
    start = datetime(2026, 1, 5, 9)
    return pl.DataFrame({
        "order_id": [f"o{i}" for i in range(n)],
        "customer_id": [f"c{i % 3}" if i != 4 else None for i in range(n)],
        "ordered_at": [start + timedelta(days=20 * i) for i in range(n)],
        "revenue": [10.0 + i for i in range(n)],
        "status": ["paid", "cancelled", "paid", "refunded", "paid", "paid"][:n],
        "channel": ["web", "ads", "web", "web", "email", "ads"][:n],
    })


def _stored(ws: Workspace) -> list[tuple]:
    return ws.cursor().execute(
        "select * exclude (import_id) from orders order by order_id").fetchall()


# -- workspace ------------------------------------------------------------------------


def test_first_import_inserts_what_an_upsert_stores():
    frame = _orders()
    fresh = Workspace.from_frames(orders=frame)
    # the same rows through the compare-and-replace path: import into a non-empty table
    upserted = Workspace.from_frames(orders=frame.head(1))
    result = upserted.import_frame("orders", frame, file_name="all.csv")
    assert (result.new, result.updated, result.unchanged) == (5, 0, 1)
    assert _stored(fresh) == _stored(upserted)
    first = fresh.list_imports().row(0, named=True)
    assert (first["rows_imported"], first["rows_new"], first["rows_updated"]) == (6, 6, 0)
    again = fresh.import_frame("orders", frame, file_name="again.csv")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 6)


def test_mounted_frame_answers_like_an_import():
    frame = _orders()
    imported = Workspace.from_frames(orders=frame)
    mounted = Workspace(":memory:")
    result = mounted.mount_frame("orders", frame, file_name="orders.parquet")
    assert (result.rows, result.new) == (6, 6)
    assert _stored(mounted) == _stored(imported)
    for sql in ("select count(*), sum(revenue) from kept_orders",
                "select count(*) from scoped_orders(null, null, ['web'], null, null)"):
        assert mounted.cursor().execute(sql).fetchall() == imported.cursor().execute(sql).fetchall()
    assert mounted.counts()["orders"] == 6
    assert mounted.list_imports().get_column("rows_owned").to_list() == [6]


def test_mounted_frame_is_seen_by_other_threads_cursors():
    import threading

    ws = Workspace(":memory:")
    ws.mount_frame("orders", _orders(), file_name="orders.parquet")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(ws.counts()["orders"]))
    thread.start()
    thread.join()
    assert seen == [6]


def test_mount_is_refused_where_it_cannot_hold(tmp_path: Path):
    with Workspace(tmp_path / "ws.duckdb") as on_disk, pytest.raises(WorkspaceError):
        on_disk.mount_frame("orders", _orders(), file_name="x")
    ws = Workspace.from_frames(orders=_orders())
    with pytest.raises(WorkspaceError, match="already holds rows"):
        ws.mount_frame("orders", _orders(), file_name="x")
    mounted = Workspace(":memory:")
    mounted.mount_frame("orders", _orders(), file_name="x")
    with pytest.raises(WorkspaceError, match="read-only"):
        mounted.import_frame("orders", _orders(), file_name="y")
    twice = pl.concat([_orders(), _orders().head(1)])
    with pytest.raises(InputError, match="1 duplicated order_id"):
        Workspace(":memory:").mount_frame("orders", twice, file_name="x")


def test_duplicate_keys_are_still_found_after_the_hash_check():
    frame = pl.concat([_orders(), _orders().slice(2, 2)])
    with pytest.raises(InputError, match="2 duplicated order_id"):
        conform("orders", frame)


@given(st.lists(st.sampled_from(["paid", "Cancelled", " refunded ", "REFUNDED", "voided",
                                 "failed", "canceled", "cancel", "", "wc-cancelled", None]),
                min_size=1, max_size=40))
def test_excluded_per_distinct_status_matches_the_row_rule(statuses):
    frame = pl.DataFrame({"order_id": [str(i) for i in range(len(statuses))],
                          "ordered_at": [datetime(2026, 1, 1)] * len(statuses),
                          "revenue": [1.0] * len(statuses),
                          "status": pl.Series(statuses, dtype=pl.String)})
    expected = [s is not None and s.strip().lower() in EXCLUDED_STATUSES for s in statuses]
    assert conform("orders", frame).get_column("is_excluded").to_list() == expected


def test_no_status_column_means_nothing_is_excluded():
    frame = _orders().drop("status")
    assert not conform("orders", frame).get_column("is_excluded").any()


# -- the CLI's canonical Parquet path ---------------------------------------------------


def _pipeline(path: Path) -> pl.DataFrame:
    return prepare_import(path, kind="orders").frame.sort("order_id")


def _fast(path: Path) -> pl.DataFrame | None:
    frame = read_canonical_orders(path)
    return None if frame is None else conform("orders", frame).sort("order_id")


def test_clean_canonical_parquet_takes_the_fast_path_with_the_pipelines_rows(tmp_path):
    path = tmp_path / "orders.parquet"
    _orders().with_columns(pl.col("ordered_at").dt.replace_time_zone("Europe/Warsaw"),
                           pl.col("revenue").cast(pl.Float32)).write_parquet(path)
    fast = _fast(path)
    assert fast is not None
    assert_frame_equal(fast, _pipeline(path))


@pytest.mark.parametrize(("column", "value"), [
    ("order_id", " o1"),              # trimmed by the pipeline
    ("customer_id", "Ann@Shop.com"),  # e-mails are lower-cased
    ("customer_id", "17850.0"),       # float-looking ids lose ".0"
    ("customer_id", "NA"),            # a missing-value marker
    ("status", "Cancelled"),          # statuses are normalised
    ("status", "wc-completed"),
    ("channel", "web "),
    ("channel", "-"),
])
def test_values_the_pipeline_would_change_take_the_pipeline(tmp_path, column, value):
    path = tmp_path / "orders.parquet"
    frame = _orders()
    frame.with_columns(pl.when(pl.int_range(pl.len()) == 1).then(pl.lit(value))
                       .otherwise(pl.col(column)).alias(column)).write_parquet(path)
    assert read_canonical_orders(path) is None


@pytest.mark.parametrize("change", [
    lambda f: f.rename({"channel": "Channel"}),           # not the canonical name
    lambda f: f.with_columns(pl.col("revenue").cast(pl.String)),  # text amounts
    lambda f: f.with_columns(pl.lit(3).alias("quantity")),        # a field beyond the table
    lambda f: f.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias("ordered_at")),
])
def test_unusual_files_take_the_pipeline(tmp_path, change):
    path = tmp_path / "orders.parquet"
    change(_orders()).write_parquet(path)
    assert read_canonical_orders(path) is None


def test_cli_on_line_items_combines_them_like_the_csv(tmp_path, capsys):
    lines = pl.concat([_orders(), _orders().slice(0, 1).with_columns(pl.lit(5.0).alias("revenue"))])
    lines.write_parquet(tmp_path / "orders.parquet")
    lines.write_csv(tmp_path / "orders.csv")
    answers = []
    for name in ("orders.parquet", "orders.csv"):
        assert main(["retention", "--orders", str(tmp_path / name), "--json"]) == 0
        answers.append(json.loads(capsys.readouterr().out))
    assert answers[0] == answers[1]


_TEXT = st.one_of(st.none(), st.sampled_from(["a", "b@x.io", "B@X.io", " a", "a ", "NA", "n/a",
                                              "-", "12.0", "12", "\u00a0c", "null", "x y"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_TEXT, st.sampled_from(["paid", "Cancelled", "refunded", " paid"]),
                               _TEXT), min_size=1, max_size=12))
def test_fast_path_never_differs_from_the_pipeline(tmp_path, rows):
    path = tmp_path / "orders.parquet"
    pl.DataFrame({
        "order_id": [f"o{i}" for i in range(len(rows))],
        "customer_id": pl.Series([r[0] for r in rows], dtype=pl.String),
        "ordered_at": [datetime(2026, 1, 1) + timedelta(days=i) for i in range(len(rows))],
        "revenue": [1.5 * i for i in range(len(rows))],
        "status": [r[1] for r in rows],
        "country": pl.Series([r[2] for r in rows], dtype=pl.String),
    }).write_parquet(path)
    fast = _fast(path)
    if fast is not None:
        assert_frame_equal(fast, _pipeline(path))


# -- the retention command reads and checks only the columns it uses ------------------

_DIRTY = st.one_of(st.none(), st.sampled_from(
    ["web", " web", "web ", "NA", "n/a", "-", "", "Ann@Shop.com", "ann@shop.com", "17850.0",
     "17850", "\u00a0x", "x\t", "Cancelled", "cancelled", "refunded", "wc-completed", "paid",
     " paid", "void", "DE"]))


def _retention_answers(path: Path, capsys) -> tuple[dict, dict]:
    """``retention --json`` on ``path`` as given, and forced through the pipeline
    (``--map`` always takes it)."""
    answers = []
    for extra in ([], ["--map", "order_id=order_id"]):
        assert main(["retention", "--orders", str(path), "--period", "month", "--json",
                     *extra]) == 0
        answers.append(json.loads(capsys.readouterr().out))
    return answers[0], answers[1]


def _changed_by_pipeline(values: list, normalise) -> bool:
    from retention_core.ingest.fields import read_text

    series = pl.Series(values, dtype=pl.String)
    cleaned = pl.select(normalise(pl.lit(read_text(series)))).to_series()
    return not cleaned.equals(series, check_names=False, null_equal=True)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(
    st.sampled_from(["c1", "c2", "c3", None, " c1", "C@x.io", "c@x.io", "12.0", "NA"]),
    st.sampled_from(["paid", "cancelled", "Refunded", " paid", "wc-failed", None, "NA"]),
    _DIRTY, _DIRTY, _DIRTY, st.integers(0, 400)), min_size=1, max_size=14))
def test_retention_reads_only_its_columns_and_answers_like_the_pipeline(tmp_path, capsys, rows):
    """Dirty values in columns the command never reads (channel, product, ...) keep the fast
    path and cannot change the table; a value the pipeline would change in a column it
    reads (customer_id, status) sends the file to the pipeline. Either way the answer is
    the pipeline's."""
    from retention_core.commands.retention import READS
    from retention_core.ingest.fields import normalise_customer, normalise_status

    path = tmp_path / "orders.parquet"
    customers, statuses = [r[0] for r in rows], [r[1] for r in rows]
    pl.DataFrame({
        "order_id": [f"o{i}" for i in range(len(rows))],
        "customer_id": pl.Series(customers, dtype=pl.String),
        "ordered_at": [datetime(2025, 1, 1) + timedelta(days=r[5]) for r in rows],
        "revenue": [1.0] * len(rows),
        "status": pl.Series(statuses, dtype=pl.String),
        "channel": pl.Series([r[2] for r in rows], dtype=pl.String),
        "product": pl.Series([r[3] for r in rows], dtype=pl.String),
        "country": pl.Series([r[4] for r in rows], dtype=pl.String),
    }).write_parquet(path)
    fast, pipeline = _retention_answers(path, capsys)
    assert fast == pipeline
    read_dirty = (_changed_by_pipeline(customers, normalise_customer)
                  or _changed_by_pipeline(statuses, normalise_status))
    assert (read_canonical_orders(path, READS) is None) == read_dirty


def test_unread_columns_are_not_read(tmp_path):
    path = tmp_path / "orders.parquet"
    _orders().with_columns(pl.lit(" web ").alias("channel")).write_parquet(path)
    assert read_canonical_orders(path) is None  # every column: the channel needs the pipeline
    frame = read_canonical_orders(path, ("customer_id",))
    assert frame is not None
    assert frame.columns == ["order_id", "customer_id", "ordered_at", "revenue", "status"]
    mounted = Workspace(":memory:")
    mounted.mount_frame("orders", frame, file_name="orders.parquet")
    # the unread column is empty in the mounted table, the read ones are as imported
    imported = Workspace.from_frames(orders=_orders())
    sql = ("select order_id, customer_id, ordered_at, is_excluded, channel "
           "from orders order by order_id")
    assert mounted.cursor().execute(sql).fetchall() == [
        (*row[:4], None) for row in imported.cursor().execute(sql).fetchall()]


def test_read_only_file_from_an_older_version_gets_the_newer_macros(tmp_path):
    path = tmp_path / "old.duckdb"
    with Workspace.from_frames(path=path, orders=_orders()) as ws:
        # a file written before these existed
        ws.cursor().execute("drop macro table scoped_events")
        ws.cursor().execute("drop view kept_orders")
    with Workspace(path, read_only=True) as ws:
        cur = ws.cursor()
        assert cur.execute("select count(*) from kept_orders").fetchall() == [(4,)]
        assert cur.execute(
            "select count(*) from scoped_events(null, null, null, null, null)").fetchall() == [(0,)]
    with Workspace(path, read_only=True) as ws:  # and the file itself was not changed
        names = ws._con.execute("select schema_name from duckdb_functions() "
                                "where function_name = 'scoped_events'").fetchall()
        assert names == []  # the base connection has no cursor, so no temp definitions


def test_cli_starts_without_the_models():
    """Every command pays the CLI's imports: SciPy (the CLV models) only for ``clv``."""
    from retention_core.commands.clv import TIME_UNIT_CHOICES
    from retention_core.models.clv import TIME_UNITS

    assert TIME_UNIT_CHOICES == tuple(TIME_UNITS)
    import subprocess
    import sys

    code = ("import sys; from retention_core.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('scipy', 'retention_core.models', 'streamlit', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent).stdout
    assert out.strip() == "[]"


# -- ingest: orders without line items skip the group_by -----------------------------

_CELL = st.one_of(st.none(), st.sampled_from(["", "NA", "x", "12,5", "7.25", "-3", "abc"]))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(
    st.sampled_from(["a@x.io", "B@x.io ", "17850.0", "", None]),
    st.sampled_from(["2026-01-05 10:00", "05.01.2026", "", "soon", None]),
    _CELL, st.sampled_from(["paid", "Cancelled", "refunded", "", None]), _CELL, _CELL,
    st.sampled_from(["yes", "no", "maybe", None])), min_size=1, max_size=15))
def test_orders_of_one_row_each_match_the_line_item_path(rows):
    from retention_core.ingest import prepare_raw

    columns = ["customer_id", "ordered_at", "revenue", "status", "quantity", "unit_price",
               "delivered_late"]
    raw = pl.DataFrame([list(r) for r in rows], schema={c: pl.String for c in columns},
                       orient="row").with_columns(
        pl.format("o{}", pl.int_range(pl.len())).alias("order_id"))
    # the same orders plus one order of two rows: that import takes the group_by path
    sentinel = pl.DataFrame({"order_id": ["zz", "zz"], "customer_id": ["s", "s"],
                             "ordered_at": ["2026-02-01"] * 2, "revenue": ["1", "1"]})
    both = pl.concat([raw, sentinel], how="diagonal")

    def frame(data):
        try:
            return prepare_raw(data, kind="orders").frame.filter(pl.col("order_id") != "zz")
        except InputError as err:
            return str(err)

    one, grouped = frame(raw), frame(both)
    if isinstance(one, str):  # nothing importable: the sentinel alone is what the other kept
        assert grouped.height == 0
    else:
        assert_frame_equal(one, grouped)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(
    [" Cancelled", "wc-refunded", "paid", "PAID", "отменен", "Anulowane", "void", "", "NA",
     "wc-completed", "Failed "])), min_size=1, max_size=20))
def test_statuses_normalised_per_distinct_value_match_the_row_rule(statuses):
    from retention_core.ingest import prepare_raw
    from retention_core.ingest.fields import normalise_status, read_text

    raw = pl.DataFrame({"order_id": [f"o{i}" for i in range(len(statuses))],
                        "ordered_at": ["2026-01-05"] * len(statuses),
                        "revenue": ["10"] * len(statuses),
                        "status": pl.Series(statuses, dtype=pl.String)})
    got = prepare_raw(raw, kind="orders").frame
    expected = raw.select("order_id", normalise_status(pl.lit(read_text(raw.get_column("status"))))
                          .alias("expected"))
    both = got.join(expected, on="order_id", how="full", coalesce=True)
    assert both.height == len(statuses)
    assert both.get_column("status").to_list() == both.get_column("expected").to_list()
