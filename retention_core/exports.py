"""Files the app and the CLI write for people: CSV safe to open in a spreadsheet."""

from __future__ import annotations

import polars as pl

# A cell starting with one of these is run as a formula by Excel / LibreOffice / Sheets
# (CSV injection); a leading apostrophe makes it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix string cells that a spreadsheet would treat as a formula with ``'``."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = col.str.starts_with(_FORMULA_START[0])
            for ch in _FORMULA_START[1:]:
                risky = risky | col.str.starts_with(ch)
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def to_safe_csv(frame: pl.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM so Excel picks the encoding) with formulas neutralised.

    Nested columns (lists, structs) are written as their text form.
    """
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            exprs.append(pl.col(name).list.eval(pl.element().cast(pl.String)).list.join(", "))
        elif isinstance(dtype, pl.Struct):
            exprs.append(pl.col(name).struct.json_encode())
    flat = frame.with_columns(exprs) if exprs else frame
    text = neutralise_formulas(flat).write_csv()
    return b"\xef\xbb\xbf" + text.encode("utf-8")
