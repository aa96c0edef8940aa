"""Column names as people wrote them, made unique and non-empty."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

SOURCE_FILE = "_source_file"
SOURCE_ROW = "_source_row"
BOOKKEEPING = (SOURCE_FILE, SOURCE_ROW)


def clean_names(raw: Sequence[object]) -> list[str]:
    """Stripped, unique, non-empty column names.

    Empty names become ``column_<position>`` (1-based), repeated names get `` (2)``,
    `` (3)``... in order of appearance, and names that would clash with the bookkeeping
    columns ``_source_file`` / ``_source_row`` are renamed the same way.

    Examples
    --------
    >>> clean_names([" id ", "", "id", None, "select"])
    ['id', 'column_2', 'id (2)', 'column_4', 'select']
    """
    base = []
    for position, name in enumerate(raw, start=1):
        text = "" if name is None else str(name).replace("\ufeff", "").strip()
        base.append(text or f"column_{position}")
    taken: set[str] = set(BOOKKEEPING)
    seen: dict[str, int] = {}
    result = []
    for name in base:
        candidate = name
        count = seen.get(name, 1)
        while candidate in taken:
            count += 1
            candidate = f"{name} ({count})"
        seen[name] = count
        taken.add(candidate)
        result.append(candidate)
    return result


def default_names(n: int) -> list[str]:
    """``column_1`` .. ``column_n`` for a file without a header row."""
    return [f"column_{i}" for i in range(1, n + 1)]


def drop_blank_rows(frame: pl.DataFrame, n_data_columns: int) -> pl.DataFrame:
    """Rows whose first ``n_data_columns`` cells are all null removed (no copy if none).

    Columns are taken by position: a column may be named ``*`` or ``^x$``, which
    ``pl.col`` would expand as a pattern.
    """
    if n_data_columns == 0 or min(
            frame.to_series(i).null_count() for i in range(n_data_columns)) == 0:
        return frame  # some column has no null at all: no row can be blank (fast path)
    keep = frame.select(
        pl.any_horizontal(pl.nth(range(n_data_columns)).is_not_null()).alias("keep"))["keep"]
    return frame if keep.all() else frame.filter(keep)
