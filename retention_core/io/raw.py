"""``read_raw``: any supported export -> a table of its columns as written, plus provenance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from retention_core.errors import InputError, RetentionError
from retention_core.io.binary import read_parquet, read_xlsx, unzip_single_text
from retention_core.io.csv_text import read_delimited
from retention_core.io.headers import SOURCE_FILE, SOURCE_ROW
from retention_core.io.limits import Limits, too_many_rows
from retention_core.io.sources import Payload, Source, load_source, source_name


@dataclass
class RawTable:
    """A file as read, before any mapping.

    Attributes
    ----------
    name
        The file name (several files: ``"a.csv + b.csv"``).
    frame
        The file's columns under their header names (stripped; duplicates ``"x (2)"``;
        empty ``"column_3"``; headerless files ``column_1..n``). Text formats give
        ``pl.String`` columns with the raw text; Parquet and XLSX keep their types. Plus
        ``_source_file`` (str) and ``_source_row`` (int: the row a person sees in a
        spreadsheet, header = row 1; headerless files and Parquet start at 1).
    details
        What was detected, for people: format, encoding, separator, header, ...
    """

    name: str
    frame: pl.DataFrame
    details: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """The file's own columns (without the bookkeeping columns)."""
        return [c for c in self.frame.columns if c not in (SOURCE_FILE, SOURCE_ROW)]


def _read_payload(payload: Payload, limits: Limits) -> tuple[pl.DataFrame, dict[str, str]]:
    if payload.fmt == "xlsx":
        inner = unzip_single_text(payload, limits)
        if inner is not None:
            frame, details = read_delimited(inner, limits)
            details["compression"] = "zip"
            return frame, details
        return read_xlsx(payload, limits)
    if payload.fmt == "parquet":
        frame, details = read_parquet(payload, limits)
        if payload.compression:
            details["compression"] = payload.compression
        return frame, details
    return read_delimited(payload, limits)


def read_raw(source: Source, *, limits: Limits | None = None) -> RawTable:
    """Read one export (CSV, CSV.gz, Parquet, XLSX) without interpreting its values.

    Parameters
    ----------
    source
        A path, or ``(file name, content bytes)`` for a browser upload.
    limits
        Size limits; ``Limits()`` (defaults or environment variables) when omitted.

    Returns
    -------
    RawTable

    Raises
    ------
    InputError
        Unreadable, empty, binary, damaged or unsupported file; rows that do not split
        into the header's fields (with the row number).
    LimitError
        File, decompressed content or row count above ``limits``.

    Notes
    -----
    Detection rules (encoding, separator, header row) are described in ``docs/formats.md``
    and reported in ``RawTable.details``.
    """
    limits = limits or Limits()
    name = source_name(source) if isinstance(source, tuple | str) or hasattr(
        source, "__fspath__") else "upload"
    try:
        payload = load_source(source, limits)
        name = payload.name
        frame, details = _read_payload(payload, limits)
        del payload  # the file's bytes (as large as the file) are not needed any more
        # Columns by object, not by name: a column may be called "*" or "^x$".
        data = [frame.get_column(c) for c in frame.columns if c != SOURCE_ROW]
        rows = frame.get_column(SOURCE_ROW)
        del frame
        # The file name as one value for all rows, not a value per row (10M rows: 160 MB);
        # polars writes it out per row only where a row-by-row copy is asked for.
        bookkeeping = pl.DataFrame([rows.rechunk()])
        bookkeeping.insert_column(0, pl.lit(name, dtype=pl.String).alias(SOURCE_FILE))
        frame = pl.concat([pl.DataFrame(single_chunks(data)), bookkeeping],
                          how="horizontal") if data else bookkeeping
    except RetentionError:
        raise
    except MemoryError:
        raise InputError("the file is too large to read in the memory available; split it "
                         "into smaller files", file=name) from None
    except Exception as exc:  # a reader bug must not surface as a traceback to people
        raise InputError(f"the file cannot be read ({type(exc).__name__}: {str(exc)[:200]})",
                         file=name) from None
    details["rows"] = str(frame.height)
    details["columns"] = str(frame.width - 2)
    return RawTable(name=name, frame=frame, details=details)


def single_chunks(columns: list[pl.Series]) -> list[pl.Series]:
    """The columns each in one contiguous chunk, copied one at a time (in place in the list).

    polars' CSV reader returns a chunk per thread and block. Columns computed from them
    later have one chunk, and every ``with_columns`` / ``select`` mixing the two copies
    each column into one chunk again (10M rows: ~1.6 GB and ~2 s per step). Copying once
    here, a column at a time, releases each column's old chunks before the next is copied.
    """
    for i, column in enumerate(columns):
        columns[i] = column.rechunk()
    return columns


def _common_dtype(dtypes: list[pl.DataType]) -> pl.DataType:
    first = dtypes[0]
    if all(d == first for d in dtypes):
        return first
    if all(d.is_numeric() for d in dtypes):
        return pl.Float64 if any(d.is_float() for d in dtypes) else pl.Int64
    return pl.String


def read_raw_many(sources: Sequence[Source], *, limits: Limits | None = None) -> RawTable:
    """Read several exports of one kind (e.g. one per day) and stack them.

    Columns are matched by name; a column missing from a file is null for its rows; a
    column whose type differs between files becomes text. ``_source_file`` tells the rows
    apart. The row limit applies to the total.

    Raises
    ------
    InputError
        No files, or files that share no column (they are not exports of one kind).
    LimitError
        As :func:`read_raw`, or more rows in total than ``limits.max_rows``.
    """
    limits = limits or Limits()
    if not sources:
        raise InputError("no files given")
    tables = [read_raw(source, limits=limits) for source in sources]
    if len(tables) == 1:
        return tables[0]
    total = sum(t.frame.height for t in tables)
    label = " + ".join(t.name for t in tables)
    if total > limits.max_rows:
        raise too_many_rows(label, limits)
    first = tables[0]
    apart = next((t for t in tables[1:] if not set(first.columns) & set(t.columns)), None)
    if apart is not None:
        raise InputError(
            f"{first.name} and {apart.name} have no column in common, so they are not "
            f"exports of the same kind; import them separately", file=apart.name)
    order = list(dict.fromkeys(c for t in tables for c in t.columns))
    dtypes: dict[str, pl.DataType] = {}
    for column in order:
        present = [t.frame.schema[column] for t in tables if column in t.frame.columns]
        present = [d for d in present if d != pl.Null] or [pl.String]
        dtypes[column] = _common_dtype(present)
    details = dict(first.details)
    for key in list(details):
        values = {t.details.get(key) for t in tables}
        if len(values) > 1 and key not in ("rows", "columns"):
            details[key] = ", ".join(sorted(v for v in values if v))
    details.update(files=str(len(tables)), columns=str(len(order)))
    frames = []
    while tables:  # each file's table released once its columns are in the stack
        frame = tables.pop(0).frame
        height = frame.height
        frames.append(pl.DataFrame([
            *[(frame.get_column(c).cast(dtypes[c], strict=False) if c in frame.columns
               else pl.repeat(None, height, dtype=dtypes[c], eager=True)).alias(c)
              for c in order],
            frame.get_column(SOURCE_FILE), frame.get_column(SOURCE_ROW)]))
    del first, frame
    try:
        stacked = pl.concat(frames, how="vertical")
    except Exception as exc:
        raise InputError(f"the files cannot be combined ({str(exc)[:200]})",
                         file=label) from None
    frames.clear()
    frame = pl.DataFrame(single_chunks(stacked.get_columns()))
    del stacked
    details["rows"] = str(frame.height)
    return RawTable(name=label, frame=frame, details=details)
