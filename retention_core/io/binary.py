"""Parquet and XLSX readers (native column types kept), and zip archives holding one CSV.

XLSX and Parquet are compressed inside: before anything is expanded, the declared sizes
are checked against ``Limits.max_decompressed_bytes``, and XLSX parts are then inflated
in bounded steps to verify the declaration (a zip entry can lie about its size).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import PurePath

import polars as pl

from retention_core.errors import InputError
from retention_core.io.csv_text import detect_header
from retention_core.io.headers import clean_names, default_names, drop_blank_rows
from retention_core.io.limits import Limits, expands_too_much, too_many_rows
from retention_core.io.parse import is_missing
from retention_core.io.sources import TEXT_EXTENSIONS, Payload

_CHUNK = 1 << 20


def _open_zip(payload: Payload) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(payload.data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"the file looks like a zip/XLSX file but is damaged ({exc}); "
                         f"export it again", file=payload.name) from None


def check_zip_expansion(archive: zipfile.ZipFile, name: str, limits: Limits) -> None:
    """Refuse an archive whose members expand past the limit, without trusting headers."""
    cap = limits.max_decompressed_bytes
    members = archive.infolist()
    if sum(info.file_size for info in members) > cap:
        raise expands_too_much(name, limits, "unpacked")
    total = 0
    try:
        for info in members:
            with archive.open(info) as member:
                while True:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > cap:
                        raise expands_too_much(name, limits, "unpacked")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise InputError(f"the zip/XLSX file is damaged or encrypted ({exc}); export it "
                         f"again without a password", file=name) from None


def unzip_single_text(payload: Payload, limits: Limits) -> Payload | None:
    """The one CSV inside a plain zip archive (``None`` when the zip is an XLSX workbook)."""
    archive = _open_zip(payload)
    names = archive.namelist()
    if any(n.startswith("xl/") for n in names) or "[Content_Types].xml" in names:
        return None
    texts = [n for n in names if PurePath(n).suffix.lower() in TEXT_EXTENSIONS
             and not n.startswith("__MACOSX/")]
    if len(texts) != 1:
        raise InputError("this is a zip archive; unpack it and upload the CSV file(s) inside "
                         "one by one", file=payload.name)
    check_zip_expansion(archive, payload.name, limits)
    data = archive.read(texts[0])
    return Payload(f"{payload.name}/{texts[0]}", data, "csv", "zip")


def _calamine_error(name: str, exc: BaseException) -> InputError:
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return InputError(f"cannot read this spreadsheet ({text}); open it in Excel or LibreOffice "
                      f"and save it again as .xlsx, or export a CSV", file=name)


def read_xlsx(payload: Payload, limits: Limits) -> tuple[pl.DataFrame, dict[str, str]]:
    """First sheet of an XLSX workbook, with the types of its cells.

    A column whose cells have different types (numbers and text) is kept as text, so a
    typo is visible as an unparseable value rather than silently empty.
    """
    import fastexcel

    name = payload.name
    archive = _open_zip(payload)
    if "xl/workbook.xml" not in archive.namelist():
        raise InputError("this zip file is not an Excel workbook; upload a CSV or XLSX",
                         file=name)
    check_zip_expansion(archive, name, limits)
    try:
        reader = fastexcel.read_excel(payload.data)
        sheets = reader.sheet_names
        if not sheets:
            raise InputError("the workbook has no sheets", file=name)
        as_text = reader.load_sheet(0, header_row=None, skip_rows=0, dtypes="string",
                                    n_rows=limits.max_rows + 2).to_polars()
        details = {"format": "xlsx", "sheet": sheets[0]}
        if len(sheets) > 1:
            details["other sheets ignored"] = ", ".join(sheets[1:])
        filled = as_text.select(pl.any_horizontal(pl.all().is_not_null()).alias("f"))["f"]
        if as_text.width == 0 or not filled.any():
            raise InputError("the first sheet is empty", file=name)
        first = int(filled.arg_max())
        sample = [[("" if v is None else str(v)) for v in row]
                  for row in as_text.slice(first, 200).iter_rows()]
        header = detect_header([r for r in sample if any(c.strip() for c in r)])
        width = as_text.width
        if header:
            names = clean_names(sample[0])
            start = first + 1
        else:
            names = default_names(width)
            start = first
        typed = reader.load_sheet(0, header_row=None, skip_rows=start, column_names=names,
                                  n_rows=limits.max_rows + 1).to_polars()
    except InputError:
        raise
    except Exception as exc:  # calamine / arrow errors of every kind
        raise _calamine_error(name, exc) from None
    except BaseException as exc:  # a Rust panic surfaces as a BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise _calamine_error(name, exc) from None
    text = as_text.slice(start).rename(dict(zip(as_text.columns, names, strict=True)))
    if typed.height > limits.max_rows or text.height > limits.max_rows:
        raise too_many_rows(name, limits)
    columns = []
    for column in names:
        native = typed.get_column(column) if column in typed.columns else None
        raw = text.get_column(column)
        lossy = native is None or native.len() != raw.len() or bool(
            (native.is_null() & ~is_missing(raw)).any())
        if lossy:
            columns.append(raw)
        else:
            columns.append(native)
    frame = pl.DataFrame(columns)
    details["header"] = "yes" if header else "none"
    first_row = start + 1  # Excel rows are 1-based
    frame = frame.with_columns(
        pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias("_source_row"))
    if names:
        # By position: a column may be named "*" or "^x$", which pl.col would expand.
        frame = drop_blank_rows(frame, len(names))
    return frame, details


def read_parquet(payload: Payload, limits: Limits) -> tuple[pl.DataFrame, dict[str, str]]:
    """A Parquet file with its stored types; rows numbered from 1."""
    import pyarrow.parquet as pq

    name = payload.name
    try:
        meta = pq.ParquetFile(io.BytesIO(payload.data)).metadata
        rows = meta.num_rows
        expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except Exception as exc:
        raise InputError(f"the Parquet file is damaged ({str(exc)[:200]}); export it again",
                         file=name) from None
    if rows > limits.max_rows:
        raise too_many_rows(name, limits)
    if expanded > limits.max_decompressed_bytes:
        raise expands_too_much(name, limits)
    try:
        frame = pl.read_parquet(io.BytesIO(payload.data))
    except Exception as exc:
        raise InputError(f"the Parquet file cannot be read ({str(exc)[:200]})",
                         file=name) from None
    names = clean_names(frame.columns)
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    frame = frame.with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_source_row"))
    return frame, {"format": "parquet", "header": "column names stored in the file"}
