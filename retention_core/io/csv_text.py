"""Delimited text: separator and header detection, then one fast polars read of every
column as raw text.

Detection looks at the first 64 KiB only, parsed with quotes respected (a `;` inside
``"a;b"`` does not count), so a 1 GB file costs no more to sniff than a small one.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import polars as pl

from retention_core.errors import InputError
from retention_core.io.encoding import check_looks_like_text, to_utf8, utf8_start
from retention_core.io.headers import clean_names, default_names, drop_blank_rows
from retention_core.io.limits import Limits, too_many_rows
from retention_core.io.sources import Payload, file_size, load_whole

SEPARATORS = (",", ";", "\t", "|")
SEPARATOR_NAMES = {",": "comma (,)", ";": "semicolon (;)", "\t": "tab", "|": "pipe (|)",
                   "\x1f": "none (one column)"}
_ONE_COLUMN = "\x1f"  # a byte no text export contains: the whole line is one field
SAMPLE_BYTES = 1 << 16
SAMPLE_RECORDS = 200

# A cell that is a value (number, money, date, time, epoch) rather than a column name.
_VALUE = re.compile(
    r"^[-+(]?\s*[$€£¥₽]?\s*\d[\d\s.,:/'+\-]*(T[\d:.]+)?\s*(Z|UTC|GMT|[A-Z]{3}|zł|%)?\)?$")


def looks_like_value(text: str) -> bool:
    """True for a cell like ``1511544070``, ``12,50``, ``23.11.2026 10:00``, ``$1,234.50``."""
    return bool(_VALUE.match(text.strip()))


def text_sample(utf8: bytes) -> tuple[str, bool]:
    """The first :data:`SAMPLE_BYTES` as text, and whether the file goes on after it."""
    truncated = len(utf8) > SAMPLE_BYTES
    return utf8[:SAMPLE_BYTES].decode("utf-8", errors="ignore"), truncated


def sample_records(sample: str, sep: str, truncated: bool) -> list[list[str]]:
    """The records of the sample parsed with ``sep`` (a record cut by the sample end dropped)."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=sep, quotechar='"',
                        doublequote=True, strict=False)
    try:  # the sample is smaller than the csv module's 128 KiB field limit
        for record in reader:
            records.append(record)
            if len(records) > SAMPLE_RECORDS:
                break
    except csv.Error:
        pass
    if truncated and records and len(records) <= SAMPLE_RECORDS:
        records.pop()
    return [r for r in records if r and any(cell.strip() for cell in r)]


def sniff_separator(sample: str, truncated: bool) -> str:
    """The separator among :data:`SEPARATORS` that splits the sample most consistently.

    Score: share of records with the most common field count (more than one field),
    then that field count; ties keep the order ``, ; tab |``.
    """
    best, best_key = ",", (0.0, 0, 0)
    for sep in SEPARATORS:
        if sep not in sample:
            continue
        counts = [len(r) for r in sample_records(sample, sep, truncated)]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        header_agrees = int(counts[0] == mode)
        key = (freq / len(counts), header_agrees, mode)
        if key > best_key:
            best, best_key = sep, key
    return best


def detect_header(records: list[list[str]]) -> bool:
    """Whether the first record is a header row (names) rather than data.

    A column votes "header" when its first cell is a name but most of its other cells are
    values (numbers, dates); it votes "data" when its first cell is itself a value there, or
    repeats one of the column's other cells. Any header vote wins; otherwise data votes make
    the file headerless; with no votes at all, the first row is taken as the header.
    """
    if not records:
        return True
    first, rest = records[0], records[1:]
    if not rest:
        filled = [c for c in first if c.strip()]
        return not (filled and all(looks_like_value(c) for c in filled))
    header_votes = data_votes = 0
    for i, cell in enumerate(first):
        cell = cell.strip()
        column = [r[i].strip() for r in rest if i < len(r) and r[i].strip()]
        if not cell or not column:
            continue
        value_share = sum(looks_like_value(v) for v in column) / len(column)
        if value_share >= 0.5:
            if looks_like_value(cell):
                data_votes += 1
            else:
                header_votes += 1
        elif cell in set(column):
            data_votes += 1
    if header_votes:
        return True
    return data_votes == 0


def _first_line(sample: str) -> str:
    return sample.split("\n", 1)[0].rstrip("\r")


def _locate_bad_record(text: str, sep: str, width: int,
                       first_row: int) -> tuple[int | None, str]:
    """Row number and reason of the first record polars refused (slow path, errors only)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"',
                        strict=True)
    row = first_row
    try:
        for record in reader:
            if len(record) > width:
                return row, (f"this row has {len(record)} fields but the header has {width}; "
                             f"check the separator and the quoting of that row")
            row += 1
    except csv.Error as exc:  # also a quote opened and never closed (a giant field)
        return row, f"this row cannot be split into fields ({exc}); check its quotes"
    return None, ('the rows cannot be split into fields; check the quotes: a field containing '
                  'a quote (") must itself be in quotes, with the quote doubled ("")')


@dataclass
class _Layout:
    """How a delimited file is laid out, decided from its first :data:`SAMPLE_BYTES`."""

    details: dict[str, str]
    header: bool
    width: int
    first_row: int  # the file's row of the first record read (after skipped lines)
    first_record: list[str]
    sep: str
    options: dict[str, Any]  # for pl.read_csv, besides the quote character


def _layout(sample: str, truncated: bool, name: str, details: dict[str, str],
            limits: Limits) -> _Layout:
    check_looks_like_text(sample, name)
    if not sample.strip():
        raise InputError("the file is empty", file=name)

    # Leading blank lines and Excel's "sep=;" hint line are skipped but still counted.
    skip = 0
    lines = sample.split("\n")
    while skip < len(lines) - 1 and not lines[skip].strip():
        skip += 1
    forced_sep = None
    hint = lines[skip].strip().lower() if skip < len(lines) else ""
    if hint.startswith("sep=") and len(hint) == 5 and hint[4] in SEPARATORS:
        forced_sep = lines[skip].strip()[4]
        skip += 1
    body_sample = "\n".join(lines[skip:])
    eol = "\n"
    if "\n" not in body_sample.rstrip("\n") and "\r" in body_sample:
        eol = "\r"  # classic Mac line endings
    sep = forced_sep or sniff_separator(body_sample, truncated)
    records = sample_records(body_sample, sep, truncated)
    if not records:
        raise InputError("the file is empty", file=name)
    if (len(records[0]) == 1 and not looks_like_value(records[0][0])
            and _ONE_COLUMN not in body_sample):
        # One named column whose values contain the "separator" ("Kwota" / "1,5").
        sep = _ONE_COLUMN
        records = sample_records(body_sample, sep, truncated)
    header = detect_header(records)
    width = len(records[0]) if header else max(len(r) for r in records[:20])
    details.update(separator=SEPARATOR_NAMES[sep], header="yes" if header else "none")

    # One slack column: a row with exactly one extra field (often a trailing separator)
    # is read, then refused below only if the extra field holds something.
    schema = {f"f{i}": pl.String for i in range(width + 1)}
    options = dict(has_header=False, separator=sep, schema=schema, missing_columns="insert",
                   skip_lines=skip, eol_char=eol, n_rows=limits.max_rows + 2,
                   raise_if_empty=False)
    return _Layout(details, header, width, skip + 1, records[0], sep, options)


def read_delimited(payload: Payload, limits: Limits) -> tuple[pl.DataFrame, dict[str, str]]:
    """Read a delimited text file into string columns plus ``_source_row``.

    Returns the frame (columns named from the header, or ``column_1``..; every column
    ``pl.String`` with the raw text, ``None`` for empty cells) and the details detected.

    A UTF-8 file on disk (:attr:`Payload.path`) is parsed straight from the file, so its
    bytes are never held in memory next to the frame; when that does not succeed (another
    encoding, a row polars refuses), it is read whole and handled as before.
    """
    if payload.path is not None:
        read = _read_from_disk(payload, limits)
        if read is not None:
            return read
        payload = load_whole(payload, limits)
    name = payload.name
    utf8, encoding = to_utf8(payload.data, name)
    sample, truncated = text_sample(utf8)
    details = {"format": "csv", "encoding": encoding}
    if payload.compression:
        details["compression"] = payload.compression
    layout = _layout(sample, truncated, name, details, limits)
    options = layout.options
    try:
        frame = pl.read_csv(utf8, quote_char='"', **options)
    except pl.exceptions.PolarsError:
        text = utf8.decode("utf-8", errors="replace")
        skip = options["skip_lines"]
        text = "\n".join(text.split("\n")[skip:]) if skip else text
        frame = None
        if not re.search(rf'(?:^|[{re.escape(layout.sep)}\r\n])"', text):
            # No field starts with a quote, so quotes are plain characters (5" screen).
            try:
                frame = pl.read_csv(utf8, quote_char=None, **options)
            except pl.exceptions.PolarsError:
                frame = None
        if frame is None:
            row, reason = _locate_bad_record(text, layout.sep, layout.width, layout.first_row)
            raise InputError(reason, file=name, row=row) from None
    return _named(frame, layout, name, limits), layout.details


def _read_from_disk(payload: Payload, limits: Limits) -> tuple[pl.DataFrame, dict[str, str]] | None:
    """The file parsed by polars from its path, when its head is UTF-8 and polars reads it
    all as UTF-8 (it refuses bytes that are not); ``None`` otherwise.

    Given the same bytes, this is exactly what :func:`read_delimited` does with the file
    in memory (polars skips a UTF-8 BOM itself). Anything else (a refused row, an empty
    or binary-looking sample) returns ``None``, so the whole content decides as before.
    """
    if payload.path is None or payload.size is None:
        return None
    head = payload.data
    start = utf8_start(head, complete=len(head) >= payload.size)
    if start is None:
        return None
    offset, encoding = start
    sample, _ = text_sample(head[offset:])
    truncated = payload.size - offset > SAMPLE_BYTES
    try:
        layout = _layout(sample, truncated, payload.name, {"format": "csv", "encoding": encoding},
                         limits)
        frame = pl.read_csv(payload.path, quote_char='"', **layout.options)
    except (InputError, pl.exceptions.PolarsError):
        return None
    if file_size(payload.path) != payload.size:  # changed while it was read
        return None
    return _named(frame, layout, payload.name, limits), layout.details


def _named(frame: pl.DataFrame, layout: _Layout, name: str, limits: Limits) -> pl.DataFrame:
    """The frame polars read, checked, with the header's names and ``_source_row``."""
    width, first_row = layout.width, layout.first_row
    slack = frame.get_column(f"f{width}")
    if slack.null_count() < frame.height:
        index = int(slack.is_not_null().arg_max())
        raise InputError(f"this row has more fields than the header ({width}); check the "
                         f"separator and the quoting of that row", file=name,
                         row=first_row + index)
    frame = frame.drop(f"f{width}")
    if layout.header:
        names = clean_names(list(frame.row(0))) if frame.height else clean_names(
            layout.first_record)
        frame = frame.slice(1)
        first_data_row = first_row + 1
    else:
        names = default_names(width)
        first_data_row = first_row
    if frame.height > limits.max_rows:
        raise too_many_rows(name, limits)
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    frame = frame.with_columns(
        pl.int_range(first_data_row, first_data_row + frame.height, dtype=pl.Int64)
        .alias("_source_row"))
    # Blank lines are not records (they still count for the row numbers above).
    # By position: a column may be named "*" or "^x$", which pl.col would expand.
    if names:
        frame = drop_blank_rows(frame, len(names))
    return frame
