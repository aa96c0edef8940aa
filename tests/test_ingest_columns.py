"""Columns the orders builder takes over from the file: customer ids and statuses are the
file's own column when the rules change nothing (no copy of 10M values), and otherwise
what the rules say; issue rows carry their raw values whatever the columns are called."""

from __future__ import annotations

import re

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from retention_core.ingest import prepare_import
from retention_core.ingest.fields import normalise_customers

# Unicode's White_Space (what polars' strip_chars removes; see tests/test_io_parse.py).
_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
          + "\u2028\u2029\u202f\u205f\u3000")


def _customer_rule(value: str | None) -> str | None:
    """SPEC.md's customer id rule for one value, in plain Python."""
    if value is None:
        return None
    trimmed = value.strip(_SPACE)
    if "@" in trimmed:
        return trimmed.lower()
    if re.fullmatch(r"-?[0-9]+\.0+", trimmed):
        return trimmed.split(".")[0]
    return trimmed


_IDS = st.one_of(
    st.none(),
    st.sampled_from(["C00967134", " Ann@Shop.COM", "17850.0", "-3.00", "12.5", "ANN@x",
                     "\u00a0C1 ", "1.0.0", "Zoë", ""]),
    st.text(alphabet="aZ09.@- \u00a0", max_size=6),
)


@settings(max_examples=80, deadline=None)
@given(values=st.lists(_IDS, min_size=1, max_size=25))
@example(values=["C1", "C2", None])
def test_customer_ids_follow_the_rule(values):
    series = pl.Series("customer_id", values, dtype=pl.String)
    assert normalise_customers(series).to_list() == [_customer_rule(v) for v in values]


def test_ids_the_rule_leaves_alone_are_the_column_itself():
    ids = pl.Series("customer_id", ["C00967134", "c-17", None, "17850.5"])
    assert normalise_customers(ids) is ids
    changed = pl.Series("customer_id", ["C1", "Ann@Shop.com"])
    assert normalise_customers(changed) is not changed


def _orders_csv(rows: list[tuple[str, ...]], extra: tuple[str, ...] = ()) -> bytes:
    header = ("order_id", "customer_id", "ordered_at", "revenue", "status", *extra)
    return "\n".join(",".join(r) for r in [header, *rows]).encode() + b"\n"


def test_statuses_already_normal_and_ones_to_normalise():
    rows = [("1", "a", "2024-01-01", "10", "completed"),
            ("2", "b", "2024-01-02", "20", "wc-cancelled"),
            ("3", "c", "2024-01-03", "30", " Refunded"),
            ("4", "d", "2024-01-04", "40", ""),
            ("5", "e", "2024-01-05", "50", "Отменён")]
    p = prepare_import(("o.csv", _orders_csv(rows)), kind="orders")
    got = p.frame.sort("order_id").select("status", "is_excluded").rows()
    assert got == [("completed", False), ("cancelled", True), ("refunded", True),
                   (None, False), ("cancelled", True)]
    normal = [("1", "a", "2024-01-01", "10", "completed"), ("2", "b", "2024-01-02", "20", "cancelled")]
    p = prepare_import(("o.csv", _orders_csv(normal)), kind="orders")
    assert p.frame.sort("order_id").select("status", "is_excluded").rows() == [
        ("completed", False), ("cancelled", True)]
    assert p.report.by_reason == {"cancelled": 1}


def test_issue_rows_carry_raw_values_of_columns_named_like_patterns():
    rows = [("1", "a", "2024-01-01", "10", "paid", "x", "y", "z"),
            ("2", "b", "2024-01-02", "20", "cancelled", "p", "q", "r"),
            ("3", "c", "someday", "30", "paid", "s", "t", "u")]
    content = _orders_csv(rows, extra=("*", "^order_id$", "value"))
    p = prepare_import(("o.csv", content), kind="orders")
    issues = p.report.issues.sort("row")
    assert issues.select("row", "reason", "value").rows() == [
        (3, "cancelled", "cancelled"), (4, "unparseable date", "someday")]
    raw = [issues.get_column(c).to_list() for c in ("*", "^order_id$", "value (file)")]
    assert raw == [["p", "s"], ["q", "t"], ["r", "u"]]
    assert issues.get_column("ordered_at").to_list() == ["2024-01-02", "someday"]
