"""Concurrent users on one workspace: parallel imports all land, readers never see half of one.

The app serves every browser session from one process, each session thread with its own
DuckDB cursor (``Workspace.cursor``). These tests do the same with plain threads and
check the stored rows against a plain-Python model of "imports applied one after another,
a later import winning for a key it shares with an earlier one".
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from itertools import permutations

import polars as pl
import pytest

from retention_core.sql import query_frame, query_one
from retention_core.workspace import Workspace

JOIN_TIMEOUT = 300


def _orders(rows: dict[str, float]) -> pl.DataFrame:
    """Canonical orders: one per key, revenue as given (whole numbers: sums are exact)."""
    ids = sorted(rows)
    start = datetime(2026, 1, 1)
    return pl.DataFrame({
        "order_id": ids,
        "customer_id": [f"c{int(i[1:]) % 997}" for i in ids],
        "ordered_at": [start + timedelta(minutes=int(i[1:])) for i in ids],
        "revenue": [rows[i] for i in ids],
    })


def _order_set(rnd: random.Random, lo: int, hi: int, variant: int) -> dict[str, float]:
    """Orders o<lo>..o<hi-1>; ``variant`` changes the revenue, so shared keys conflict."""
    return {f"o{i}": float((i * 7 + variant * 13 + rnd.randint(0, 3)) % 500 + 1)
            for i in range(lo, hi)}


def _state(rows: dict[str, float]) -> tuple[int, float]:
    return len(rows), sum(rows.values())


def _apply(base: dict[str, float], *imports: dict[str, float]) -> dict[str, float]:
    out = dict(base)
    for rows in imports:
        out.update(rows)
    return out


def _allowed_states(base: dict, imports: list[dict]) -> set[tuple[int, float]]:
    """(count, revenue) after every prefix of every order the imports can commit in."""
    states = {_state(base)}
    for order in permutations(imports):
        for k in range(1, len(order) + 1):
            states.add(_state(_apply(base, *order[:k])))
    return states


def _run_threads(targets) -> None:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
        assert not t.is_alive(), "a thread did not finish: deadlock?"


def _stored(ws: Workspace) -> dict[str, float]:
    frame = query_frame(ws.cursor(), "select order_id, revenue from orders")
    return dict(zip(frame["order_id"].to_list(), frame["revenue"].to_list(), strict=True))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_parallel_overlapping_imports_all_land_and_readers_see_whole_imports(tmp_path, seed):
    rnd = random.Random(seed)
    n = 30_000
    base = _order_set(rnd, 0, n // 4, variant=0)
    # Three imports overlapping each other and the stored rows, with other revenues.
    imports = [_order_set(rnd, n // 8, n, variant=1),
               _order_set(rnd, n // 2, n + n // 2, variant=2),
               _order_set(rnd, n - n // 8, 2 * n, variant=3)]
    frames = [_orders(rows) for rows in imports]
    allowed = _allowed_states(base, imports)

    ws = Workspace.from_frames(tmp_path / "ws.duckdb", orders=_orders(base))
    version_before = ws.version
    start = threading.Barrier(len(imports) + 1)
    importing = threading.Event()
    importing.set()
    results: dict[int, object] = {}
    errors: list[BaseException] = []
    seen: list[tuple[int, float, int]] = []

    def importer(k: int):
        try:
            ws.cursor()  # a cursor per thread, as Streamlit sessions have
            start.wait()
            results[k] = ws.import_frame("orders", frames[k], file_name=f"export_{k}.csv")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def reader():
        cur = ws.cursor()
        start.wait()
        while importing.is_set() or len(seen) < 3:
            seen.append(query_one(cur, "select count(*), coalesce(sum(revenue), 0), "
                                       "count(distinct order_id) from orders"))

    def run_imports():
        try:
            _run_threads([lambda k=k: importer(k) for k in range(len(imports))])
        finally:
            importing.clear()

    _run_threads([run_imports, reader])
    assert not errors, errors

    # Every import landed once, in some order; ids tell which order it was.
    assert ws.version == version_before + len(imports)
    order = sorted(range(len(imports)), key=lambda k: results[k].import_id)
    expected = _apply(base, *(imports[k] for k in order))
    assert _stored(ws) == expected
    assert query_one(ws.cursor(), "select count(*) - count(distinct order_id) from orders") == (0,)

    # Each import's report counts new / updated rows against what was stored before it.
    before = dict(base)
    for k in order:
        rows = imports[k]
        new = sum(1 for key in rows if key not in before)
        updated = sum(1 for key in rows if key in before and before[key] != rows[key])
        assert (results[k].rows, results[k].new, results[k].updated) == (len(rows), new, updated)
        before.update(rows)

    listed = ws.list_imports()
    assert listed.height == 1 + len(imports)
    assert listed["rows_owned"].sum() == len(expected)

    # Readers saw whole imports only: never a deleted-but-not-reinserted or half-inserted set.
    assert len(seen) >= 3
    for count, revenue, distinct in seen:
        assert count == distinct, "a key was stored twice"
        assert (count, revenue) in allowed, f"half an import visible: {(count, revenue)}"
    ws.close()


def test_the_same_file_imported_twice_at_once_is_stored_once(tmp_path):
    rows = _order_set(random.Random(5), 0, 20_000, variant=1)
    frame = _orders(rows)
    ws = Workspace(tmp_path / "ws.duckdb")
    start = threading.Barrier(2)
    results = []

    def importer():
        start.wait()
        results.append(ws.import_frame("orders", frame, file_name="same.csv"))

    _run_threads([importer, importer])
    assert _stored(ws) == rows
    first, second = sorted(results, key=lambda r: r.import_id)
    assert (first.new, first.updated, first.unchanged) == (len(rows), 0, 0)
    assert (second.new, second.updated, second.unchanged) == (0, 0, len(rows))
    ws.close()


def test_imports_of_different_kinds_at_once_all_land(tmp_path):
    orders = _order_set(random.Random(6), 0, 10_000, variant=1)
    surveys = pl.DataFrame({
        "response_id": [f"r{i}" for i in range(5_000)],
        "responded_at": [datetime(2026, 2, 1)] * 5_000,
        "survey": ["nps"] * 5_000,
        "score": [i % 11 for i in range(5_000)],
    })
    events = pl.DataFrame({
        "session_id": [f"s{i // 3}" for i in range(9_000)],
        "event_at": [datetime(2026, 3, 1) + timedelta(seconds=i) for i in range(9_000)],
        "stage": [("view", "add_to_cart", "purchase")[i % 3] for i in range(9_000)],
    })
    ws = Workspace(tmp_path / "ws.duckdb")
    start = threading.Barrier(3)

    def importer(kind, frame):
        def run():
            start.wait()
            ws.import_frame(kind, frame, file_name=f"{kind}.csv")
        return run

    _run_threads([importer("orders", _orders(orders)), importer("surveys", surveys),
                  importer("events", events)])
    assert ws.counts() == {"orders": 10_000, "surveys": 5_000, "events": 9_000}
    assert ws.version == 3
    assert sorted(ws.list_imports()["import_id"].to_list()) == [1, 2, 3]
    score_sum = sum(i % 11 for i in range(5_000))
    assert query_one(ws.cursor(), "select sum(score) from surveys") == (score_sum,)
    ws.close()


class _FailsWhenWritten:
    """A report value whose serialisation fails: the import then fails after its rows were
    written inside the transaction, which must roll them back."""

    def __str__(self) -> str:
        raise RuntimeError("report cannot be written")


def test_a_failed_import_beside_a_good_one_leaves_no_trace(tmp_path):
    good = _order_set(random.Random(7), 0, 20_000, variant=1)
    bad = _order_set(random.Random(8), 10_000, 30_000, variant=2)
    ws = Workspace(tmp_path / "ws.duckdb")
    start = threading.Barrier(3)
    importing = threading.Event()
    importing.set()
    failures, seen = [], []

    def run_good():
        start.wait()
        ws.import_frame("orders", _orders(good), file_name="good.csv")

    def run_bad():
        start.wait()
        try:
            ws.import_frame("orders", _orders(bad), file_name="bad.csv",
                            report={"note": _FailsWhenWritten()})
        except RuntimeError as exc:
            failures.append(exc)

    def run_imports():
        try:
            _run_threads([run_good, run_bad])
        finally:
            importing.clear()

    def reader():
        cur = ws.cursor()
        start.wait()
        while importing.is_set() or len(seen) < 3:
            seen.append(query_one(cur, "select count(*), coalesce(sum(revenue), 0) from orders"))

    _run_threads([run_imports, reader])
    assert len(failures) == 1
    assert _stored(ws) == good
    assert ws.list_imports()["file_name"].to_list() == ["good.csv"]
    assert ws.version == 1
    assert set(seen) <= {(0, 0), _state(good)}
    ws.close()
