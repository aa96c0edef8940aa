"""Reading dates and times from exports, decided per column.

Text forms: ISO ``yyyy-mm-dd`` (also ``/`` and ``.``) with or without a time, fraction and
UTC offset (``+1100``, ``+11:00``, ``Z``, ``UTC``); ``dd.mm.yyyy``, ``dd/mm/yyyy``,
``mm/dd/yyyy`` with optional ``H:MM[:SS]`` and AM/PM; two-digit years; ``yyyymmdd``;
Unix epoch in seconds, milliseconds, microseconds or nanoseconds; Excel serial day
numbers. Values with an offset are converted to UTC; the result is naive
``Datetime("us")``.

Day-first or month-first is decided once for a column:

1. a first field above 12 in some value (``23/11/2026``) -> day-first; a second field
   above 12 (``12/13/2010``) -> month-first; both -> the form more values prove, and the
   others are invalid;
2. no value decides: ``.``-separated dates are day-first (``dd.mm.yyyy`` is never
   month-first); otherwise month-first only if the column is in chronological order
   when read month-first and not when read day-first (exports are usually sorted);
   otherwise day-first. The detail says "ambiguous" in this case.

The epoch unit is decided by the median magnitude of the column: below 1e11 seconds,
below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds (the boundaries sit
between the magnitudes of present-day timestamps in each unit). Whole numbers from
10,000 to 99,999 are Excel serial days (1927-2173) instead, and an 8-digit column whose
every value is a valid date between 1900 and 2100 is ``yyyymmdd``.
"""

from __future__ import annotations

import polars as pl

from retention_core.io.parse import (
    ParsedColumn,
    _as_text,
    _is_text,
    invalid_mask,
    nulls,
    strip,
)

_TIME = (r"(?:(?:[T\s]|,\s*)(?P<H>\d{1,2})(?::(?P<M>\d{2}))?(?::(?P<S>\d{2}))?"
         r"(?:[.,](?P<F>\d{1,9}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?")
_TZ = (r"\s*(?P<tz>Z|(?:UTC|GMT)?\s*(?P<tzsign>[-+])(?P<tzh>\d{1,2})(?::?(?P<tzm>\d{2}))?"
       r"|UTC|GMT)?")
YMD = r"^(?P<y>\d{4})(?P<sep>[-/.])(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})" + _TIME + _TZ + "$"
DMY = r"^(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _TIME + _TZ + "$"
DIGITS = r"^[-+]?\d+(?:\.\d+)?$"

_US_PER = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}
_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds",
               "ns": "nanoseconds"}


def _int(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Int64, strict=False)


def _days_from_civil(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = y - (m <= 2).cast(pl.Int64)
    era = y // 400
    yoe = y - era * 400
    mp = pl.when(m > 2).then(m - 3).otherwise(m + 9)
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(y: pl.Expr, m: pl.Expr) -> pl.Expr:
    leap = ((y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))).cast(pl.Int64)
    return (pl.when(m == 2).then(28 + leap)
            .when(m.is_in([4, 6, 9, 11])).then(30)
            .otherwise(31))


def _assemble(frame: pl.DataFrame, day: str, month: str) -> pl.Series:
    """Microseconds since the epoch (UTC when an offset was given) from extracted parts."""
    y, m, d = _int("y"), _int(month), _int(day)
    y = pl.when(pl.col("y").str.len_chars() == 2).then(
        pl.when(y < 70).then(2000 + y).otherwise(1900 + y)).otherwise(y)
    hour = _int("H").fill_null(0)
    ampm = pl.col("ampm").str.to_lowercase().str.slice(0, 1)
    ok_ampm = ampm.is_null() | ((hour >= 1) & (hour <= 12))
    hour = (pl.when(ampm == "p").then(pl.when(hour == 12).then(12).otherwise(hour + 12))
            .when(ampm == "a").then(pl.when(hour == 12).then(0).otherwise(hour))
            .otherwise(hour))
    minute, second = _int("M").fill_null(0), _int("S").fill_null(0)
    micro = _int("F_pad").fill_null(0)
    tz_minutes = (pl.when(pl.col("tzsign") == "-").then(-1).otherwise(1)
                  * (_int("tzh").fill_null(0) * 60 + _int("tzm").fill_null(0)))
    valid = ((m >= 1) & (m <= 12) & (d >= 1) & (d <= _days_in_month(y, m))
             & (hour <= 23) & (minute <= 59) & (second <= 59) & ok_ampm
             & (_int("tzh").fill_null(0) <= 14))
    total = ((_days_from_civil(y, m.clip(1, 12), d) * 86_400
              + hour * 3600 + minute * 60 + second - tz_minutes.fill_null(0) * 60)
             * 1_000_000 + micro)
    return frame.select(
        pl.when(valid).then(total).otherwise(None).alias("us")
    ).to_series()


def _extract(text: pl.Series, pattern: str) -> pl.DataFrame:
    parts = pl.DataFrame({"t": text}).select(pl.col("t").str.extract_groups(pattern).alias("p"))
    frame = parts.unnest("p")
    if "F" in frame.columns:
        frame = frame.with_columns(
            pl.col("F").str.slice(0, 6).str.pad_end(6, "0").alias("F_pad"))
    return frame


def _strptime_formats(kind: str, day_first: bool) -> list[str]:
    """strptime formats tried first (fast, multi-threaded) for a family of values.

    Values none of them reads go through the general regular expression, so these only
    need to cover the common layouts; each must accept nothing the expression rejects.
    Plain formats come before ``%.f`` / ``%z`` ones, which polars parses more slowly.
    """
    formats = []
    for sep in ("-", "/", "."):
        if kind == "ymd":
            dates = [f"%Y{sep}%m{sep}%d"]
            times = ["", " %H:%M:%S", "T%H:%M:%S", " %H:%M", "T%H:%M", " %H:%M:%S UTC",
                     "T%H:%M:%SZ", " %H:%M:%S%.f", "T%H:%M:%S%.f", " %H:%M:%S%.f UTC",
                     "T%H:%M:%S%.fZ", " %H:%M:%S%.f %z", "T%H:%M:%S%.f%z", " %H:%M:%S%z"]
        else:
            order = ("%d", "%m") if day_first else ("%m", "%d")
            dates = [f"{order[0]}{sep}{order[1]}{sep}{year}" for year in ("%Y", "%y")]
            times = ["", " %H:%M", " %H:%M:%S", " %H:%M:%S%.f"]
        formats.extend(d + t for d in dates for t in times)
    return formats


def _null_int(n: int) -> pl.Series:
    return pl.repeat(None, n, dtype=pl.Int64, eager=True).alias("us")


_YEAR_1000_US = -30610224000 * 1_000_000  # 1000-01-01 00:00 UTC


def _epoch_us(parsed: pl.Series, check_year: bool) -> pl.Series:
    if parsed.dtype.time_zone is not None:
        parsed = parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    us = parsed.dt.epoch("us")
    if check_year:
        # "%Y" also reads a two-digit year ("1/2/10" -> year 10); no export has such years.
        early = us < _YEAR_1000_US
        if early.any():
            us = us.set(early, None)
    return us


def _fast_parse(text: pl.Series, formats: list[str], check_year: bool
                ) -> tuple[pl.Series, pl.Series]:
    """Microseconds parsed by the first matching format, and the mask still unparsed."""
    n = text.len()
    present = text.is_not_null()
    step = max(1, n // 1000)
    sample = pl.concat([text.head(1000), text.gather_every(step)]).drop_nulls()
    ranked = []
    for position, fmt in enumerate(formats):
        hits = int(sample.str.to_datetime(fmt, strict=False, cache=False).is_not_null().sum())
        if hits:
            ranked.append((-hits, position, fmt))
    us = _null_int(n)
    remaining = present
    for _, _, fmt in sorted(ranked):
        left = int(remaining.sum())
        if not left:
            break
        if left * 4 >= n:  # most of the column: parse it whole, keep what is already set
            parsed = _epoch_us(text.str.to_datetime(fmt, strict=False, cache=False,
                                                    time_unit="us"), check_year)
            us = us.fill_null(parsed)
        else:  # a few stragglers: parse only them
            index = remaining.arg_true()
            parsed = _epoch_us(text.gather(index).str.to_datetime(
                fmt, strict=False, cache=False, time_unit="us"), check_year)
            got = parsed.is_not_null()
            if got.any():
                us = us.scatter(index.filter(got), parsed.filter(got))
        remaining = present & us.is_null()
    return us, remaining


_PREFIX = {"ymd": r"^\d{4}[-/.]\d", "dmy": r"^\d{1,2}[-/.]\d{1,2}[-/.]\d", "num": DIGITS}


def _parse_family(text: pl.Series, kind: str, day_first: bool) -> tuple[pl.Series, pl.Series]:
    """Microseconds since the epoch for ``ymd`` or ``dmy`` values (order decided), and
    the mask of values that belong to the family (read or not)."""
    us, pending = _fast_parse(text, _strptime_formats(kind, day_first),
                              check_year=kind != "ymd")
    claimed = us.is_not_null()
    if pending.any():
        index = pending.arg_true()
        rest = text.gather(index)
        fits = rest.str.contains(_PREFIX[kind])
        if fits.any():
            index = index.filter(fits)
            frame = _extract(rest.filter(fits), YMD if kind == "ymd" else DMY)
            if kind == "ymd":
                part = _assemble(frame, day="b", month="a")
            else:
                part = _assemble(frame, day="a" if day_first else "b",
                                 month="b" if day_first else "a")
            us = us.scatter(index, part)
            claimed = claimed.scatter(index, True)
    return us, claimed


def _fraction_sorted(us: pl.Series) -> float:
    values = us.drop_nulls()
    if values.len() < 3:
        return 0.0
    return float((values.diff().drop_nulls() >= 0).mean())


def _shape(text: pl.Series, kind: str) -> tuple[str, str, str, bool]:
    """(separator, time layout, offset note, two-digit years) seen in a sample."""
    sample = text.drop_nulls().head(2000)
    frame = _extract(sample.filter(sample.str.contains(_PREFIX[kind])),
                     YMD if kind == "ymd" else DMY)
    seps = frame.get_column("sep").drop_nulls()
    sep = seps[0] if seps.len() else ("-" if kind == "ymd" else "/")
    time = ""
    if frame.get_column("H").is_not_null().any():
        if frame.get_column("S").is_not_null().any():
            time = " HH:MM:SS"
        elif frame.get_column("M").is_not_null().any():
            time = " HH:MM"
        else:
            time = " HH"
        if frame.get_column("F").is_not_null().any():
            time += ".ffffff"
        if frame.get_column("ampm").is_not_null().any():
            time += " AM/PM"
    has_tz = frame.get_column("tz").is_not_null().any()
    years = frame.get_column("y").drop_nulls()
    short = years.len() > 0 and bool((years.str.len_chars() == 2).all())
    return sep, time, (", UTC offsets converted to UTC" if has_tz else ""), short


def _parse_ymd(text: pl.Series) -> tuple[pl.Series, pl.Series, str]:
    us, claimed = _parse_family(text, "ymd", day_first=False)
    s, time, tz, _ = _shape(text, "ymd")
    return us, claimed, f"yyyy{s}mm{s}dd{time}{tz}"


def _parse_dmy(text: pl.Series) -> tuple[pl.Series, pl.Series, str]:
    # Matching without capture groups keeps this a fast automaton scan.
    low, high = r"0?[1-9]|1[0-2]", r"1[3-9]|[2-9]\d"
    day_proof, month_proof = (rf"^(?:{high})[-/.](?:{low})[-/.]",
                              rf"^(?:{low})[-/.](?:{high})[-/.]")
    day_votes = int(text.str.contains(day_proof).sum())
    month_votes = None
    if day_votes:
        us, claimed = _parse_family(text, "dmy", day_first=True)
        # A month-first proof can only be among the values day-first could not read.
        unread = claimed.not_() | us.is_null()
        month_votes = int(text.filter(unread).str.contains(month_proof).sum())
    else:
        month_votes = int(text.str.contains(month_proof).sum())
    s, time, tz, short = _shape(text, "dmy")
    year = "yy" if short else "yyyy"
    if day_votes or month_votes:
        day_first = day_votes >= month_votes
        note = " (a day above 12 comes first)" if day_first else (
            " (a day above 12 comes second)")
        if day_votes and month_votes:
            note = (f" ({max(day_votes, month_votes)} values fit only this order; "
                    f"{min(day_votes, month_votes)} others are invalid)")
        if not (day_first and day_votes):  # (day-first was read above)
            us, claimed = _parse_family(text, "dmy", day_first)
    else:
        us, claimed = _parse_family(text, "dmy", day_first=True)
        day_first = True
        note = " (ambiguous: no day above 12; read day-first)"
        if s != ".":
            month_us, month_claimed = _parse_family(text, "dmy", day_first=False)
            if _fraction_sorted(month_us) >= 0.99 > _fraction_sorted(us):
                day_first, us, claimed = False, month_us, month_claimed
                note = " (ambiguous: no day above 12; month-first keeps the rows in date order)"
    order = f"dd{s}mm{s}{year}" if day_first else f"mm{s}dd{s}{year}"
    return us, claimed, f"{order}{time}{tz}{note}"


def _parse_num(text: pl.Series) -> tuple[pl.Series, pl.Series, str]:
    claimed = text.str.contains(DIGITS).fill_null(False)
    digits = text.set(~claimed, None)
    integers = digits.str.replace(r"^\+", "").str.to_integer(strict=False)
    us, detail = _from_numbers(digits.cast(pl.Float64, strict=False), integers)
    return us, claimed, detail


_FAMILY_PARSERS = {"ymd": _parse_ymd, "dmy": _parse_dmy, "num": _parse_num}


def _epoch_unit(magnitude: float) -> str:
    if magnitude < 1e11:
        return "s"
    if magnitude < 1e14:
        return "ms"
    if magnitude < 1e17:
        return "us"
    return "ns"


def _from_numbers(numbers: pl.Series, integers: pl.Series | None) -> tuple[pl.Series, str]:
    """Microseconds since the epoch from a numeric column (epoch, yyyymmdd or Excel days).

    ``integers`` holds the exact integer values where the input had no fraction (so
    nanosecond and microsecond stamps keep all their digits).
    """
    present = numbers.drop_nulls()
    if present.len() == 0:
        return _null_int(numbers.len()), "empty"
    frame = pl.DataFrame({"x": numbers, "i": integers if integers is not None
                          else numbers.cast(pl.Int64, strict=False)})
    whole = frame.select(((pl.col("x") == pl.col("x").floor()) | pl.col("x").is_null()).all()
                         ).item()
    lo, hi = present.min(), present.max()
    if whole and lo >= 19000101 and hi <= 21001231:
        i = pl.col("i")
        y, m, d = i // 10000, (i // 100) % 100, i % 100
        valid = (m >= 1) & (m <= 12) & (d >= 1) & (d <= _days_in_month(y, m))
        if frame.select((valid | i.is_null()).all()).item():
            us = frame.select(pl.when(valid).then(
                _days_from_civil(y, m.clip(1, 12), d) * 86_400_000_000).alias("us")).to_series()
            return us, "yyyymmdd"
    magnitude = float(present.abs().median())
    if magnitude < 10_000:
        return _null_int(numbers.len()), (
            "numbers too small to be dates or timestamps")
    if 10_000 <= magnitude < 100_000:
        us = frame.select(((pl.col("x") - 25569.0) * 86_400_000_000).round(0)
                          .cast(pl.Int64, strict=False).alias("us")).to_series()
        return us, "Excel serial day numbers"
    unit = _epoch_unit(magnitude)
    i, x = pl.col("i"), pl.col("x")
    if unit == "ns":
        expr = pl.when(i.is_not_null()).then(i // 1000).otherwise((x / 1000).round(0))
    else:
        factor = _US_PER[unit]
        expr = pl.when(i.is_not_null()).then(i * factor).otherwise((x * factor).round(0))
    us = frame.select(expr.cast(pl.Int64, strict=False).alias("us")).to_series()
    return us, f"Unix epoch {_UNIT_NAMES[unit]}"


_MAX_US = 253402300799999999  # 9999-12-31 23:59:59.999999
_MIN_US = -62135596800000000  # 0001-01-01


def _to_datetime(us: pl.Series, name: str) -> pl.Series:
    us = us.cast(pl.Int64, strict=False)
    us = pl.select(pl.when((pl.lit(us) >= _MIN_US) & (pl.lit(us) <= _MAX_US))
                   .then(pl.lit(us))).to_series()
    return us.cast(pl.Datetime("us")).alias(name)


def _result(values: pl.Series, source: pl.Series, detail: str) -> ParsedColumn:
    name = source.name
    values = values.alias(name)
    return ParsedColumn(values=values, invalid=invalid_mask(values, source).alias(name),
                        detail=detail)


def _main_family(text: pl.Series) -> str | None:
    """The family most values of a sample belong to."""
    step = max(1, text.len() // 1000)
    sample = strip(pl.concat([text.head(1000), text.gather_every(step)]).drop_nulls())
    counts = {kind: int(sample.str.contains(pattern).sum()) for kind, pattern in _PREFIX.items()}
    kind, count = max(counts.items(), key=lambda item: item[1])
    return kind if count else None


def _parse_text(series: pl.Series) -> ParsedColumn:
    """Text dates: the sample's main form is read over the whole column at once (no
    up-front scans); values it does not take are trimmed, sorted into forms and read."""
    raw = _as_text(series)
    us = _null_int(raw.len())
    details: list[tuple[int, str]] = []
    main = _main_family(raw)
    if main is not None:
        us, claimed, detail = _FAMILY_PARSERS[main](raw)
        details.append((int(claimed.sum()), detail))
    else:
        claimed = pl.repeat(False, raw.len(), dtype=pl.Boolean, eager=True)
    leftover = ~claimed & raw.is_not_null()
    if leftover.any():
        index = leftover.arg_true()
        rest = strip(raw.gather(index))
        for kind, pattern in _PREFIX.items():
            fits = rest.str.contains(pattern).fill_null(False)
            if not fits.any():
                continue
            part, part_claimed, detail = _FAMILY_PARSERS[kind](rest.filter(fits))
            us = us.scatter(index.filter(fits), part)
            details.append((int(part_claimed.sum()), detail))
            index, rest = index.filter(~fits), rest.filter(~fits)
    values = _to_datetime(us, series.name)
    details = [d for d in details if d[0]]
    if not details:
        return _result(values, series, "no date found" if raw.null_count() < raw.len()
                       else "empty")
    details.sort(key=lambda item: -item[0])
    detail = details[0][1]
    if len(details) > 1:
        detail += "; also " + "; ".join(d for _, d in details[1:])
    return _result(values, series, detail)


def parse_datetime(series: pl.Series) -> ParsedColumn:
    """Parse a column of dates or timestamps to naive ``pl.Datetime("us")``.

    Parameters
    ----------
    series
        Text in any form of the module docstring, or an already-typed column: Datetime
        (a time zone is converted to UTC and dropped), Date (midnight), integers or
        floats (epoch / yyyymmdd / Excel days, as for text).

    Returns
    -------
    ParsedColumn
        ``values`` in UTC where the input carried an offset, ``invalid`` for present but
        unreadable values (including impossible dates like 31.02.2026), and ``detail``
        naming the form found, e.g. ``"dd.mm.yyyy HH:MM"`` or ``"Unix epoch seconds"``.
    """
    name = series.name
    dtype = series.dtype
    if isinstance(dtype, pl.Datetime):
        values = series
        detail = "date and time"
        if dtype.time_zone is not None:
            values = values.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            detail += f" (time zone {dtype.time_zone} converted to UTC)"
        return _result(values.cast(pl.Datetime("us")), series, detail)
    if dtype == pl.Date:
        return _result(series.cast(pl.Datetime("us")), series, "date")
    if dtype == pl.Null:
        return _result(series.cast(pl.Datetime("us")), series, "empty")
    if dtype.is_numeric():
        numbers = series.cast(pl.Float64)
        if dtype.is_float():
            numbers = numbers.fill_nan(None)
        integers = series.cast(pl.Int64, strict=False) if dtype.is_integer() else None
        us, detail = _from_numbers(numbers, integers)
        return _result(_to_datetime(us, name), series, detail)
    if _is_text(series):
        return _parse_text(series)
    return _result(nulls(series.len(), pl.Datetime("us"), name), series,
                   f"cannot read {dtype} as dates")
