"""Readers for real shop exports: CSV (any separator, encoding, decimal mark), CSV.gz,
Parquet, XLSX; and parsers for the dates, amounts, numbers and yes/no values inside them.

``read_raw`` gives a file's columns as written (text stays text); the ``parse_*``
functions turn one column into a typed column, deciding the format once per column and
flagging every value they cannot read. See ``docs/formats.md``.
"""

from retention_core.io.dates import parse_datetime
from retention_core.io.headers import SOURCE_FILE, SOURCE_ROW
from retention_core.io.limits import Limits
from retention_core.io.parse import (
    MISSING_MARKERS,
    ParsedColumn,
    clean_text,
    is_missing,
    parse_bool,
    parse_integer,
    parse_number,
)
from retention_core.io.raw import RawTable, read_raw, read_raw_many
from retention_core.io.sources import Source

__all__ = [
    "MISSING_MARKERS",
    "SOURCE_FILE",
    "SOURCE_ROW",
    "Limits",
    "ParsedColumn",
    "RawTable",
    "Source",
    "clean_text",
    "is_missing",
    "parse_bool",
    "parse_datetime",
    "parse_integer",
    "parse_number",
    "read_raw",
    "read_raw_many",
]
