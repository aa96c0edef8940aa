"""Ids derived from a row's content (``fields.row_identity``) must never change between
versions: a workspace holds ids made by earlier versions, and re-importing the same export
must find them again. The rule, recomputed here in plain Python: MD5 of the row's values
(columns sorted by name, ``name=value`` joined by U+001F, a missing value as U+0000), then
U+001F and the number of identical rows before it in the same file; the first 20 hex
digits, after the prefix."""

from __future__ import annotations

import hashlib

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from retention_core.ingest.fields import row_identity

SEP = "\x1f"


def _reference(rows: list[dict], columns: list[str], prefix: str) -> list[str]:
    seen: dict[tuple[str, str], int] = {}
    out = []
    for row in rows:
        key = SEP.join(f"{c}={row[c] if row[c] is not None else chr(0)}"
                       for c in sorted(columns))
        n = seen.get((row["_source_file"], key), 0)
        seen[(row["_source_file"], key)] = n + 1
        digest = hashlib.md5(f"{key}{SEP}{n}".encode()).hexdigest()  # noqa: S324 (an id)
        out.append(prefix + digest[:20])
    return out


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries({
    "session": st.sampled_from(["s1", "s2", "é ü", None]),
    "event": st.sampled_from(["view", "cart", ""]),
    "at": st.sampled_from(["2026-01-01 10:00", "1700000000", None]),
    "_source_file": st.sampled_from(["a.csv", "b.csv"]),
}), max_size=30))
def test_ids_follow_the_rule(rows):
    """Repeated rows (within a file and across files) and missing values included."""
    frame = pl.DataFrame(rows, schema={"session": pl.String, "event": pl.String,
                                       "at": pl.String, "_source_file": pl.String})
    columns = ["session", "event", "at"]
    got = row_identity(frame, columns, prefix="ev-").to_list()
    assert got == _reference(rows, columns, "ev-")


def test_a_known_id():
    """One id written out (computed with hashlib from the rule above, as earlier versions
    made it): md5("a=\\x00\\x1fb=x\\x1f0")."""
    frame = pl.DataFrame({"b": ["x"], "a": [None], "_source_file": ["f.csv"]},
                         schema={"b": pl.String, "a": pl.String, "_source_file": pl.String})
    assert row_identity(frame, ["b", "a"], prefix="o-").to_list() == ["o-82242d2f62cb551700ca"]


def test_identical_rows_are_numbered_per_file():
    """Two files each repeating a row: each file numbers its copies from 0, so the second
    file's copies get the first file's ids (an overlapping export), not new ones."""
    rows = [{"session": "s1", "event": "view", "at": None, "_source_file": f}
            for f in ("a.csv", "a.csv", "b.csv", "b.csv")]
    frame = pl.DataFrame(rows, schema={"session": pl.String, "event": pl.String,
                                       "at": pl.String, "_source_file": pl.String})
    ids = row_identity(frame, ["session", "event", "at"], prefix="ev-").to_list()
    assert ids == _reference(rows, ["session", "event", "at"], "ev-")
    assert ids[0] == ids[2] and ids[1] == ids[3] and ids[0] != ids[1]
