"""The CLI's fast path for a Parquet file that is already canonical orders.

``open_sources`` normally runs every file through the import pipeline
(:mod:`retention_core.ingest`): read, map, parse, combine line items, normalise, validate.
For a Parquet file whose columns are the canonical names with canonical types, and whose
values that pipeline would leave exactly as they are, all of that is work for nothing:
:func:`read_canonical_orders` proves the second part with a few vectorised checks and then
hands the rows on as they are (a 5M-order file: about a tenth of the pipeline's time).

Whenever a check fails, or anything is unusual, it returns ``None`` and the caller runs the
full pipeline, which then also produces the messages for people. So both paths give the
same rows, by construction:

- columns: exactly canonical orders names (no ``--map``, no ``--preset``), which the
  mapping suggests onto themselves; text columns are text, ``ordered_at`` a date/time,
  ``revenue`` a number, ``delivered_late`` / ``returned`` booleans;
- ``order_id`` present in every row and unique (so no line items to combine; checked
  when the frame is mounted, :func:`retention_core.workspace.conform`);
- ``ordered_at`` and ``revenue`` present in every row (nothing rejected);
- every text value already trimmed and not a missing-value marker, customer ids already
  normalised, statuses already normalised -- checked with the pipeline's own functions
  (:mod:`retention_core.ingest.fields`), on each column's distinct values where that is
  cheaper;
- the same size limits (:class:`retention_core.io.Limits`).

A command that reads only some columns can say which (``columns``): only those are read
and checked, and the others are left out of the frame, so the mounted table has them empty
(NULL). That is exact for that command, whatever the unread columns hold: a value the
pipeline would change in a column the command never reads cannot change its answer, while
one in a column it reads still sends the file to the pipeline. ``order_id``, ``ordered_at``,
``revenue`` and ``status`` are always read and checked: they decide which orders exist
(rejected rows, combined line items) and which count (``is_excluded``).
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

import polars as pl

from retention_core.schema import ORDERS_COLUMNS

_TEXT = ("order_id", "customer_id", "status", "channel", "country", "device", "discount_code",
         "product", "category")
_BOOLS = ("delivered_late", "returned")
_FIELDS = tuple(c for c in ORDERS_COLUMNS if c != "is_excluded")
# Read and checked for every command: which orders exist and which of them count.
ALWAYS_READ = ("order_id", "ordered_at", "revenue", "status")


def _types_are_canonical(schema: pl.Schema) -> bool:
    for name, dtype in schema.items():
        if name in _TEXT:
            ok = dtype == pl.String
        elif name == "ordered_at":
            ok = dtype == pl.Date or isinstance(dtype, pl.Datetime)
        elif name == "revenue":
            ok = dtype.is_numeric()
        elif name in _BOOLS:
            ok = dtype == pl.Boolean
        else:
            ok = False
        if not ok:
            return False
    return True


def _same(a: pl.Series, b: pl.Series) -> bool:
    return a.equals(b, check_names=False, null_equal=True)


def _untouched_by(series: pl.Series, transform) -> bool:
    """Whether ``transform`` (element-wise) leaves every value of ``series`` as it is,
    judged on the distinct values."""
    distinct = series.unique()
    return _same(transform(distinct), distinct)


def _values_are_canonical(frame: pl.DataFrame) -> bool:
    from concurrent.futures import ThreadPoolExecutor

    from retention_core.ingest.fields import normalise_customer, normalise_status, read_text

    ids = frame.get_column("order_id")
    if ids.null_count():
        return False  # (repeated ids -- line items -- are refused by Workspace.mount_frame)
    if frame.get_column("ordered_at").null_count() or frame.get_column("revenue").null_count():
        return False

    def customers_ok(customers: pl.Series) -> bool:
        if not _same(read_text(customers), customers):
            return False
        # normalise_customer changes only e-mails and ids like "17850.0": look at those.
        maybe = customers.filter(customers.str.contains("@", literal=True)
                                 | customers.str.ends_with("0"))
        return not maybe.len() or _same(
            pl.select(normalise_customer(pl.lit(maybe))).to_series(), maybe)

    checks = [lambda: _same(read_text(ids), ids)]
    for name in _TEXT:
        if name not in frame.columns or name == "order_id":
            continue
        column = frame.get_column(name)
        if name == "customer_id":
            checks.append(lambda c=column: customers_ok(c))
        elif name == "status":
            checks.append(lambda c=column: _untouched_by(
                c, lambda s: pl.select(normalise_status(pl.lit(read_text(s)))).to_series()))
        else:
            checks.append(lambda c=column: _untouched_by(c, read_text))
    # polars releases the GIL: the column checks run side by side
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return all(pool.map(lambda check: check(), checks))


def read_canonical_orders(path: Path, columns: Collection[str] | None = None
                          ) -> pl.DataFrame | None:
    """The orders of a canonical Parquet file, exactly as the import pipeline would make
    them, or ``None`` when the file needs the pipeline (see the module docstring).

    ``columns``: the orders columns the caller reads besides :data:`ALWAYS_READ` (default:
    all); the others are not read, not checked and absent from the frame.
    """
    from retention_core.ingest.fields import as_utc_naive
    from retention_core.io import Limits
    from retention_core.mapping import suggest_mapping

    try:
        if path.suffix.lower() not in (".parquet", ".pq") or not path.is_file():
            return None
        with path.open("rb") as fh:
            if fh.read(4) != b"PAR1":
                return None
        limits = Limits()
        if path.stat().st_size > limits.max_file_bytes:
            return None
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if not 0 < meta.num_rows <= limits.max_rows or expanded > limits.max_decompressed_bytes:
            return None
        schema = pl.read_parquet_schema(path)
    except Exception:  # unreadable: the pipeline says why
        return None
    names = list(schema)
    if len(set(names)) != len(names) or not set(names) <= set(_FIELDS):
        return None
    suggestion = suggest_mapping(names, kind="orders")
    if (suggestion.preset is not None or suggestion.missing
            or suggestion.mapping != {n: n for n in names}):
        return None
    if not _types_are_canonical(schema):
        return None
    wanted = [n for n in names if columns is None or n in ALWAYS_READ or n in columns]
    try:
        frame = pl.read_parquet(path, columns=wanted)
    except Exception:
        return None
    if not _values_are_canonical(frame):
        return None
    return frame.with_columns(
        as_utc_naive(frame.get_column("ordered_at")).alias("ordered_at"),
        frame.get_column("revenue").cast(pl.Float64).round(6).alias("revenue"),
    )
