"""Reading mapped columns into typed values, plus the normalisations every import shares.

The parsers themselves live in :mod:`retention_core.io` (formats decided per column,
never per row); this module adapts them to columns that may already be typed (Parquet,
XLSX) and adds the rules of SPEC.md's data model: customer ids, order statuses, ids
derived from a row's content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import polars as pl

from retention_core.schema import EXCLUDED_STATUSES
from retention_core.sql import load_sql


@dataclass(frozen=True)
class Parsed:
    """Typed values of a column, which present values could not be read, and how it was read."""

    values: pl.Series
    invalid: pl.Series
    detail: str | None = None


def _io():
    from retention_core import io

    return io


def missing_mask(series: pl.Series) -> pl.Series:
    """True where a value is missing (null, empty, ``NA``, ``N/A``, ``null``, ``-``)."""
    if series.dtype == pl.String:
        return _io().is_missing(series).fill_null(True)
    return series.is_null()


def read_text(series: pl.Series) -> pl.Series:
    """Trimmed text with the missing-value markers as null."""
    if series.dtype == pl.Null:
        return series.cast(pl.String)
    if series.dtype != pl.String:
        series = series.cast(pl.String)
    return _io().clean_text(series).cast(pl.String)


def raw_text(series: pl.Series) -> pl.Series:
    """The values as written in the file (for issue rows): text, untouched."""
    return series.cast(pl.String) if series.dtype != pl.String else series


def _no_invalid(series: pl.Series) -> pl.Series:
    return pl.repeat(False, series.len(), dtype=pl.Boolean, eager=True).alias(series.name)


def as_utc_naive(values: pl.Series) -> pl.Series:
    """Timestamps as UTC without a zone, in microseconds (dates become midnight)."""
    if values.dtype == pl.Date:
        return values.cast(pl.Datetime("us"))
    if isinstance(values.dtype, pl.Datetime):
        if values.dtype.time_zone:  # type: ignore[union-attr]
            values = values.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return values.dt.cast_time_unit("us")
    if values.dtype == pl.Null:
        return values.cast(pl.Datetime("us"))
    return values


def read_datetime(series: pl.Series, *, epoch_unit: str | None = None) -> Parsed:
    """Timestamps (UTC, no zone; a time with an offset is converted to UTC).

    ``epoch_unit`` (``s``/``ms``/``us``) reads integers as Unix time.
    """
    name = series.name
    if series.dtype == pl.Date or isinstance(series.dtype, pl.Datetime):
        return Parsed(as_utc_naive(series).alias(name), _no_invalid(series), "typed in the file")
    if epoch_unit is not None:
        text = read_text(series)
        digits = text.str.strip_chars().str.replace(r"\.0+$", "")
        as_int = digits.cast(pl.Int64, strict=False)
        invalid = (text.is_not_null() & as_int.is_null()).fill_null(False)
        values = pl.from_epoch(as_int, time_unit=epoch_unit).alias(name)  # type: ignore[arg-type]
        return Parsed(as_utc_naive(values), invalid, f"Unix time in {_UNIT_WORDS[epoch_unit]}")
    parsed = _io().parse_datetime(series if series.dtype == pl.String else series.cast(pl.String))
    return Parsed(as_utc_naive(parsed.values).alias(name), parsed.invalid.fill_null(False),
                  parsed.detail)


_UNIT_WORDS = {"s": "seconds", "ms": "milliseconds", "us": "microseconds"}


def read_number(series: pl.Series) -> Parsed:
    """Numbers (decimal comma, thousands separators and currency signs handled by io)."""
    if series.dtype.is_numeric():
        return Parsed(series.cast(pl.Float64), _no_invalid(series), "typed in the file")
    parsed = _io().parse_number(series if series.dtype == pl.String else series.cast(pl.String))
    return Parsed(parsed.values.cast(pl.Float64), parsed.invalid.fill_null(False), parsed.detail)


def read_bool(series: pl.Series) -> Parsed:
    """Booleans (yes/no, true/false, 1/0, да/нет, tak/nie as io reads them)."""
    if series.dtype == pl.Boolean:
        return Parsed(series, _no_invalid(series), "typed in the file")
    parsed = _io().parse_bool(series if series.dtype == pl.String else series.cast(pl.String))
    return Parsed(parsed.values, parsed.invalid.fill_null(False), parsed.detail)


def normalise_customer(text: pl.Expr) -> pl.Expr:
    """Customer ids as SPEC.md wants them compared.

    E-mail addresses trimmed and lower-cased (``" Ann@Shop.com"`` -> ``ann@shop.com``);
    numeric ids read as floats lose the fraction (``17850.0`` -> ``17850``); blank stays
    null (a guest).
    """
    trimmed = text.str.strip_chars()
    return (
        pl.when(trimmed.str.contains("@", literal=True)).then(trimmed.str.to_lowercase())
        .when(trimmed.str.contains(r"^-?\d+\.0+$")).then(trimmed.str.replace(r"\.0+$", ""))
        .otherwise(trimmed)
    )


def normalise_customers(ids: pl.Series) -> pl.Series:
    """:func:`normalise_customer` of a column; the column itself when no id changes.

    One pass finds the ids the rule would touch (an ``@``, a float-looking number, a space
    at either end); 10M ids like ``C00967134`` are then returned without a copy.
    """
    touched = ids.str.contains(r"@|^\s|\s$|^-?\d+\.0+$").fill_null(False)
    if not touched.any():
        return ids
    return pl.select(normalise_customer(pl.lit(ids))).to_series().alias(ids.name)


# Status words of shops and CRMs in the languages the product supports, mapped onto the
# words that exclude an order.
_STATUS_WORDS = {
    "canceled": "cancelled", "cancel": "cancelled", "cancelled": "cancelled",
    "отменен": "cancelled", "отменён": "cancelled", "отменено": "cancelled",
    "отмена": "cancelled", "anulowane": "cancelled", "anulowano": "cancelled",
    "anulowany": "cancelled",
    "refunded": "refunded", "возврат": "refunded", "возвращен": "refunded",
    "возвращён": "refunded", "zwrocone": "refunded", "zwrócone": "refunded",
    "zwrot": "refunded",
    "voided": "voided", "void": "voided",
    "failed": "failed", "ошибка": "failed", "nieudane": "failed", "nieudany": "failed",
}


def normalise_status(text: pl.Expr) -> pl.Expr:
    """Status lower-cased and trimmed, WooCommerce's ``wc-`` prefix dropped, and the words
    for cancelled / refunded / voided / failed in English, Russian and Polish mapped onto
    those four."""
    base = text.str.strip_chars().str.to_lowercase().str.replace(r"^wc-", "")
    return base.replace(_STATUS_WORDS)


def excluded_status(status: pl.Expr, extra: tuple[str, ...] = ()) -> pl.Expr:
    """True for a (normalised) status that excludes an order from metrics."""
    return status.is_in(sorted(set(EXCLUDED_STATUSES) | set(extra))).fill_null(False)


def row_identity(frame: pl.DataFrame, columns: list[str], *, prefix: str) -> pl.Series:
    """A stable id from a row's content: hash of ``columns`` (sorted by name) plus the
    number of earlier identical rows in the same file.

    Re-importing a file, or an overlapping export of the same system, gives the same ids
    (so nothing is counted twice); identical rows within one file stay distinct. The hash
    is MD5 (DuckDB's, vectorised) of the values joined with a separator: stable across
    versions, unlike polars' own row hash.
    """
    cols = sorted(columns)
    sep = "\x1f"
    # name=value pairs joined by sep, as one concatenation (no column per pair)
    parts: list[pl.Expr] = []
    for n, c in enumerate(cols):
        parts += [pl.lit(f"{sep if n else ''}{c}="), pl.col(c).cast(pl.String).fill_null("\x00")]
    key = pl.concat_str(parts or [pl.lit("")])
    keyed = frame.select(key.alias("k"), pl.col("_source_file").alias("f"))
    # How many identical rows came before each row in its file: 0 unless the row repeats.
    # Only rows whose (file, values) hash repeats are numbered (a hash shared by different
    # rows just numbers a few more, each within its own group of identical rows); a
    # window over every row's text was most of the time and memory of a 10M-row log.
    # (the file's hash added to the row's: a struct hash of the two costs 2.5 s per 10M rows
    # against 0.9 s, and the file column holds one value per file)
    repeats = keyed.select((pl.col("k").hash() + pl.col("f").hash()).is_duplicated()).to_series()
    earlier = pl.zeros(keyed.height, dtype=pl.Int64, eager=True)
    if repeats.any():
        where = repeats.arg_true()
        numbered = keyed.filter(repeats).select(pl.int_range(pl.len()).over("f", "k"))
        earlier = earlier.scatter(where, numbered.to_series().cast(pl.Int64))
    keyed = keyed.select("k", earlier.alias("n"))
    con = duckdb.connect()
    try:
        # string views as they are (the default conversion copies every string)
        con.register("keyed_rows", keyed.to_arrow(compat_level=pl.CompatLevel.newest()))
        ids = con.sql(load_sql("ingest/row_identity"),
                      params={"prefix": prefix, "sep": sep}).pl()
    finally:
        con.close()
    return ids.to_series().alias("id")


def join_parts(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A composite key: the (trimmed) values of ``columns`` joined with ``:``; null if any is."""
    parts = [read_text(frame.get_column(c)) for c in columns]
    out = pl.select(pl.concat_str([p.alias(f"p{i}") for i, p in enumerate(parts)],
                                  separator=":")).to_series()
    return out.alias("id")


def looks_like_email(value: str) -> bool:
    return bool(re.match(r"^[^@\s]+@[^@\s]+$", value))
