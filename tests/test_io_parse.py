"""Column parsers: dates, money, integers, yes/no, missing markers, decided per column.

Expected values are written by hand (or computed with the standard library's datetime
from the same components), never taken from the parsers' own output.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from retention_core.io import (
    MISSING_MARKERS,
    clean_text,
    is_missing,
    parse_bool,
    parse_datetime,
    parse_integer,
    parse_number,
)
from retention_core.io import dates as dates_module

D = dt.datetime


def parsed(fn, values, dtype=None):
    result = fn(pl.Series("x", values, dtype=dtype))
    return result.values.to_list(), result.invalid.to_list(), result.detail


# --- dates ------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "expected", "detail"), [
    # ISO with offsets: converted to UTC, then naive.
    (["2014-11-25 14:45:53 +1100", "2017-04-24 20:43:35 +1000"],
     [D(2014, 11, 25, 3, 45, 53), D(2017, 4, 24, 10, 43, 35)], "UTC offsets converted"),
    (["2024-03-01T10:00:00+01:00", "2024-03-01T10:00:00-05:30"],
     [D(2024, 3, 1, 9), D(2024, 3, 1, 15, 30)], "yyyy-mm-dd"),
    (["2019-10-01 00:00:00 UTC", "2019-10-01 00:00:01 UTC"],
     [D(2019, 10, 1), D(2019, 10, 1, 0, 0, 1)], "yyyy-mm-dd HH:MM:SS"),
    (["2026-11-23T10:00:00Z", "2026-11-23T10:00:00.250Z"],
     [D(2026, 11, 23, 10), D(2026, 11, 23, 10, 0, 0, 250000)], "yyyy-mm-dd"),
    (["2026-11-23", "2026-11-24 08:15"], [D(2026, 11, 23), D(2026, 11, 24, 8, 15)],
     "yyyy-mm-dd"),
    (["2024/01/05 10:00", "2024/1/6"], [D(2024, 1, 5, 10), D(2024, 1, 6)], "yyyy/mm/dd"),
    (["2010-12-01 08:26:00.123456"], [D(2010, 12, 1, 8, 26, 0, 123456)], "ffffff"),
    (["2014-12-06 02", "2014-12-18 11"], [D(2014, 12, 6, 2), D(2014, 12, 18, 11)], "HH"),
    # Day-first forms.
    (["23.11.2026", "01.02.2026"], [D(2026, 11, 23), D(2026, 2, 1)], "dd.mm.yyyy"),
    (["23.11.2026 14:05", "1.2.2026 9:07:05"], [D(2026, 11, 23, 14, 5), D(2026, 2, 1, 9, 7, 5)],
     "dd.mm.yyyy"),
    (["25/12/2025", "01/02/2026"], [D(2025, 12, 25), D(2026, 2, 1)], "a day above 12 comes first"),
    # Month-first decided by a second field above 12 (UCI Online Retail style).
    (["12/1/2010 8:26", "12/13/2010 18:26", "1/2/2011 9:00"],
     [D(2010, 12, 1, 8, 26), D(2010, 12, 13, 18, 26), D(2011, 1, 2, 9)], "mm/dd/yyyy"),
    (["3/4/2024 1:05 PM", "3/14/2024 12:00 AM", "3/15/2024 12:30 pm"],
     [D(2024, 3, 4, 13, 5), D(2024, 3, 14, 0, 0), D(2024, 3, 15, 12, 30)], "AM/PM"),
    # Ambiguous: day-first by rule...
    (["01/02/2026", "03/02/2026", "02/02/2026"], [D(2026, 2, 1), D(2026, 2, 3), D(2026, 2, 2)],
     "ambiguous"),
    # ... unless only month-first keeps the column in date order.
    (["01/02/2026", "01/03/2026", "01/04/2026", "02/01/2026"],
     [D(2026, 1, 2), D(2026, 1, 3), D(2026, 1, 4), D(2026, 2, 1)], "month-first keeps"),
    # A '.' date is never month-first, even when sorted that way.
    (["01.02.2026", "01.03.2026", "01.04.2026", "02.01.2026"],
     [D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1), D(2026, 1, 2)], "read day-first"),
    (["01/12/10", "31/12/99"], [D(2010, 12, 1), D(1999, 12, 31)], "dd/mm/yy"),
    # Compact and epoch forms, unit decided by magnitude for the column.
    (["20201121", "20201231"], [D(2020, 11, 21), D(2020, 12, 31)], "yyyymmdd"),
    (["1511544070", "1511561733"], [D(2017, 11, 24, 17, 21, 10), D(2017, 11, 24, 22, 15, 33)],
     "epoch seconds"),
    (["1511544070.5"], [D(2017, 11, 24, 17, 21, 10, 500000)], "epoch seconds"),
    (["1605937059520", "1605952726508"],
     [D(2020, 11, 21, 5, 37, 39, 520000), D(2020, 11, 21, 9, 58, 46, 508000)], "milliseconds"),
    (["1605937059520352"], [D(2020, 11, 21, 5, 37, 39, 520352)], "microseconds"),
    (["1605937059520352123"], [D(2020, 11, 21, 5, 37, 39, 520352)], "nanoseconds"),
    (["45293.5"], [D(2024, 1, 2, 12)], "Excel serial"),
])
def test_date_forms(values, expected, detail):
    got, invalid, how = parsed(parse_datetime, values)
    assert got == expected
    assert invalid == [False] * len(values)
    assert detail in how


def test_date_invalid_and_missing_values():
    values = ["23.11.2026", "31.02.2026", "32.01.2026", "yesterday", "", "NA", "n/a", None, "-",
              "24.11.2026 25:00"]
    got, invalid, _ = parsed(parse_datetime, values)
    assert got == [D(2026, 11, 23), None, None, None, None, None, None, None, None, None]
    assert invalid == [False, True, True, True, False, False, False, False, False, True]


def test_conflicting_day_orders_are_decided_by_majority():
    values = ["13/01/2024", "14/01/2024", "01/13/2024"]
    got, invalid, how = parsed(parse_datetime, values)
    assert got == [D(2024, 1, 13), D(2024, 1, 14), None]
    assert invalid == [False, False, True]
    assert "others are invalid" in how


def test_leap_day_rules():
    got, invalid, _ = parsed(parse_datetime, ["29.02.2024", "29.02.2023", "29.02.2000",
                                              "29.02.1900"])
    assert got == [D(2024, 2, 29), None, D(2000, 2, 29), None]
    assert invalid == [False, True, False, True]


def test_numbers_too_small_for_dates_are_invalid():
    got, invalid, how = parsed(parse_datetime, ["1", "2", "17"])
    assert got == [None, None, None] and invalid == [True, True, True]
    assert "too small" in how


def test_typed_dates_pass_through():
    aware = pl.Series("x", [D(2024, 1, 1, 12)]).dt.replace_time_zone("Europe/Warsaw")
    result = parse_datetime(aware)
    assert result.values.dtype == pl.Datetime("us")
    assert result.values.to_list() == [D(2024, 1, 1, 11)]
    assert "Europe/Warsaw" in result.detail
    ns = pl.Series("x", [D(2024, 1, 1, 12, 0, 0, 5)]).cast(pl.Datetime("ns"))
    assert parse_datetime(ns).values.to_list() == [D(2024, 1, 1, 12, 0, 0, 5)]
    days = pl.Series("x", [dt.date(2024, 5, 6), None])
    assert parse_datetime(days).values.to_list() == [D(2024, 5, 6), None]
    assert parse_datetime(days).invalid.to_list() == [False, False]
    epoch = pl.Series("x", [1605937059520352, None], dtype=pl.Int64)
    assert parse_datetime(epoch).values.to_list() == [D(2020, 11, 21, 5, 37, 39, 520352), None]
    compact = pl.Series("x", [20201121], dtype=pl.Int64)
    assert parse_datetime(compact).values.to_list() == [D(2020, 11, 21)]
    floats = pl.Series("x", [1511544070.0, float("nan")])
    result = parse_datetime(floats)
    assert result.values.to_list() == [D(2017, 11, 24, 17, 21, 10), None]
    assert result.invalid.to_list() == [False, False]
    assert parse_datetime(pl.Series("x", [None, None])).invalid.to_list() == [False, False]
    assert parse_datetime(pl.Series("x", [True])).invalid.to_list() == [True]


def _fmt(value: D, layout: str) -> str:
    return {
        "iso": value.strftime("%Y-%m-%d %H:%M:%S"),
        "iso_t_frac": value.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "iso_date": value.strftime("%Y-%m-%d"),
        "dotted": f"{value.day}.{value.month}.{value.year} {value.hour}:{value.minute:02d}",
        "slash_us": f"{value.month}/{value.day}/{value.year} {value.hour}:{value.minute:02d}",
        "epoch_s": str(int(value.replace(tzinfo=dt.UTC).timestamp())),
        "epoch_ms": str(int(value.replace(tzinfo=dt.UTC).timestamp() * 1000)),
        "epoch_us": str(int(value.replace(tzinfo=dt.UTC).timestamp()) * 1_000_000
                        + value.microsecond),
    }[layout]


def _truncate(value: D, layout: str) -> D:
    if layout in ("iso", "epoch_s"):
        return value.replace(microsecond=0)
    if layout == "iso_date":
        return value.replace(hour=0, minute=0, second=0, microsecond=0)
    if layout in ("dotted", "slash_us"):
        return value.replace(second=0, microsecond=0)
    if layout == "epoch_ms":
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.datetimes(min_value=D(1990, 1, 1), max_value=D(2040, 12, 31)),
                       min_size=1, max_size=30),
       layout=st.sampled_from(["iso", "iso_t_frac", "iso_date", "dotted", "slash_us",
                               "epoch_s", "epoch_ms", "epoch_us"]))
def test_dates_round_trip(values, layout):
    if layout == "slash_us":
        # Give the column its month-first proof, as any real US export over a month has.
        values = [*values, D(2020, 1, 13, 5, 6)]
    if layout == "dotted" and not any(v.day > 12 for v in values):
        values = [*values, D(2020, 1, 13, 5, 6)]
    text = [_fmt(v, layout) for v in values]
    result = parse_datetime(pl.Series("x", text))
    assert result.values.to_list() == [_truncate(v, layout) for v in values]
    assert not result.invalid.any()


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.datetimes(min_value=D(1990, 1, 1), max_value=D(2040, 12, 31)),
                       min_size=1, max_size=20),
       offset_minutes=st.integers(-12 * 60, 14 * 60).map(lambda m: m - m % 15),
       style=st.sampled_from(["+hhmm", "+hh:mm", "Tz"]))
def test_offsets_convert_to_utc(values, offset_minutes, style):
    sign = "-" if offset_minutes < 0 else "+"
    hh, mm = divmod(abs(offset_minutes), 60)
    text = []
    for v in values:
        base = v.strftime("%Y-%m-%d %H:%M:%S")
        if style == "+hhmm":
            text.append(f"{base} {sign}{hh:02d}{mm:02d}")
        elif style == "+hh:mm":
            text.append(f"{base.replace(' ', 'T')}{sign}{hh:02d}:{mm:02d}")
        else:
            text.append(f"{base.replace(' ', 'T')}Z")
    delta = dt.timedelta(minutes=0 if style == "Tz" else offset_minutes)
    expected = [v.replace(microsecond=0) - delta for v in values]
    assert parse_datetime(pl.Series("x", text)).values.to_list() == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(
    st.datetimes(min_value=D(1950, 1, 1), max_value=D(2060, 1, 1)).map(
        lambda v: v.strftime("%Y-%m-%d %H:%M:%S")),
    st.datetimes(min_value=D(1950, 1, 1), max_value=D(2060, 1, 1)).map(
        lambda v: v.strftime("%d.%m.%Y %H:%M")),
    st.datetimes(min_value=D(1950, 1, 1), max_value=D(2060, 1, 1)).map(
        lambda v: v.strftime("%Y-%m-%dT%H:%M:%S.%f+0200")),
    st.from_regex(r"\A\d{1,2}[./-]\d{1,2}[./-]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?\Z"),
    st.from_regex(r"\A\d{4}-\d{1,2}-\d{1,2}( \d{1,2}(:\d{2}(:\d{2})?)?)?\Z"),
), min_size=1, max_size=25))
def test_fast_path_agrees_with_the_general_expression(values):
    """strptime formats are a shortcut: they must read exactly what the regex reads."""
    series = pl.Series("x", values)
    fast = parse_datetime(series).values
    for kind, pattern in (("ymd", dates_module.YMD), ("dmy", dates_module.DMY)):
        mask = series.str.contains(r"^\d{4}[-/.]" if kind == "ymd" else r"^\d{1,2}[-/.]")
        if not mask.any():
            continue
        sub = series.filter(mask)
        frame = dates_module._extract(sub, pattern)
        detail = parse_datetime(sub).detail
        day_first = not detail.startswith("mm")
        if kind == "ymd":
            slow = dates_module._assemble(frame, day="b", month="a")
        else:
            slow = dates_module._assemble(frame, day="a" if day_first else "b",
                                          month="b" if day_first else "a")
        slow = dates_module._to_datetime(slow, "x")
        assert parse_datetime(sub).values.to_list() == slow.to_list()
    assert fast.len() == series.len()


# --- numbers and money ------------------------------------------------------------------

@pytest.mark.parametrize(("values", "expected", "detail"), [
    (["1 234,50", "12,50", "0,99"], [1234.5, 12.5, 0.99], "decimal comma"),
    (["1\u00a0234,50", "1\u202f000\u00a0000,00"], [1234.5, 1000000.0], "decimal comma"),
    (["$1,234.50", "$12.00", "-$5.25"], [1234.5, 12.0, -5.25], "currency $"),
    (["1234.5 PLN", "12 PLN", "0.5 PLN"], [1234.5, 12.0, 0.5], "currency PLN"),
    (["€12,00", "€1.234,56"], [12.0, 1234.56], "currency €"),
    (["12,50 zł", "1 000,00 zł"], [12.5, 1000.0], "currency zł"),
    (["1 234,50 руб.", "99,90 ₽"], [1234.5, 99.9], "decimal comma"),
    (["-12.5", "+3", ".5"], [-12.5, 3.0, 0.5], "number"),
    (["(12.50)", "($1,000.00)", "12.50-"], [-12.5, -1000.0, -12.5], "negative in parentheses"),
    (["1.234,5", "12,50", "3"], [1234.5, 12.5, 3.0], "decimal comma"),
    (["1,234.50", "12.5", "3"], [1234.5, 12.5, 3.0], "decimal point"),
    (["1.234.567", "2.000"], [1234567.0, 2000.0], "decimal comma"),
    (["1,234,567", "2,000"], [1234567.0, 2000.0], "decimal point"),
    (["1'234.50", "12.00"], [1234.5, 12.0], "decimal point"),
    (["1e-05", "2.5E3"], [1e-05, 2500.0], "number"),
    # Nothing decides: ',' before three digits is read as a thousands separator.
    (["1,234", "12,500"], [1234.0, 12500.0], "no value decides"),
])
def test_money_forms(values, expected, detail):
    got, invalid, how = parsed(parse_number, values)
    assert got == pytest.approx(expected)
    assert invalid == [False] * len(values)
    assert detail in how


def test_money_invalid_and_missing():
    values = ["12,50", "abc", "", "NA", "N/A", "null", "-", None, "1,2,3", "12,5,0", "inf",
              "1.234,5,6", "12 apples"]
    got, invalid, how = parsed(parse_number, values)
    assert "decimal comma" in how
    assert got == [12.5] + [None] * 12
    assert invalid == [False, True, False, False, False, False, False, False, True, True, True,
                       True, True]


def test_decimal_mark_is_decided_for_the_whole_column():
    # Two values prove a decimal comma; "1.5" does not fit that and is invalid, not 1.5.
    got, invalid, _ = parsed(parse_number, ["12,50", "3,20", "1.5"])
    assert got == [12.5, 3.2, None]
    assert invalid == [False, False, True]


def test_typed_numbers_pass_through():
    assert parse_number(pl.Series("x", [1, None])).values.to_list() == [1.0, None]
    assert parse_number(pl.Series("x", [1.5, float("nan")])).invalid.to_list() == [False, False]
    assert parse_number(pl.Series("x", [True, False])).values.to_list() == [1.0, 0.0]
    dates = pl.Series("x", [dt.date(2024, 1, 1)])
    assert parse_number(dates).invalid.to_list() == [True]


@settings(max_examples=80, deadline=None)
@given(amounts=st.lists(st.decimals(min_value=-10**7, max_value=10**7, places=2,
                                    allow_nan=False, allow_infinity=False),
                        min_size=1, max_size=20),
       style=st.sampled_from(["ru", "pl_nbsp", "de", "us", "plain", "us_paren", "suffix"]))
def test_money_round_trip(amounts, style):
    def fmt(value) -> str:
        negative = value < 0
        whole, frac = f"{abs(value):.2f}".split(".")
        groups = f"{int(whole):,}"
        if style == "ru":
            text = groups.replace(",", " ") + "," + frac
        elif style == "pl_nbsp":
            text = groups.replace(",", "\u00a0") + "," + frac + " zł"
        elif style == "de":
            text = groups.replace(",", ".") + "," + frac
        elif style == "us":
            text = "$" + groups + "." + frac
        elif style == "us_paren":
            return f"(${groups}.{frac})" if negative else f"${groups}.{frac}"
        elif style == "suffix":
            text = whole + "." + frac + " PLN"
        else:
            text = whole + "." + frac
        return "-" + text if negative else text

    result = parse_number(pl.Series("x", [fmt(a) for a in amounts]))
    assert result.values.to_list() == pytest.approx([float(a) for a in amounts])
    assert not result.invalid.any()


# --- integers ---------------------------------------------------------------------------

def test_integers():
    got, invalid, _ = parsed(parse_integer, ["17850.0", "7", " 12 ", "3074457347487777543",
                                             "", "NA", "2.5", "abc", "1 234", "+4"])
    assert got == [17850, 7, 12, 3074457347487777543, None, None, None, None, 1234, 4]
    assert invalid == [False, False, False, False, False, False, True, True, False, False]
    floats = pl.Series("x", [17850.0, None, 2.5])
    result = parse_integer(floats)
    assert result.values.to_list() == [17850, None, None]
    assert result.invalid.to_list() == [False, False, True]
    assert result.values.dtype == pl.Int64
    assert parse_integer(pl.Series("x", [3], dtype=pl.Int32)).values.dtype == pl.Int64


# --- booleans, text, missing ------------------------------------------------------------

def test_booleans():
    values = ["yes", "No", "TRUE", "f", "1", "0", "y", "N", "tak", "Nie", "да", "нет", "oui",
              "non", "maybe", "", "NA", None]
    got, invalid, _ = parsed(parse_bool, values)
    assert got == [True, False, True, False, True, False, True, False, True, False, True, False,
                   True, False, None, None, None, None]
    assert invalid == [False] * 14 + [True, False, False, False]
    numbers = parse_bool(pl.Series("x", [1, 0, 2, None]))
    assert numbers.values.to_list() == [True, False, None, None]
    assert numbers.invalid.to_list() == [False, False, True, False]
    assert parse_bool(pl.Series("x", [True, None])).values.to_list() == [True, None]


def test_missing_markers():
    assert MISSING_MARKERS[:5] == ("", "na", "n/a", "null", "-")
    values = ["", "  ", "NA", " n/a ", "NULL", "-", "nan", "None", "#N/A", None, "0", "--", "x",
              "NAN-1", "n.a"]
    assert is_missing(pl.Series("x", values)).to_list() == [
        True, True, True, True, True, True, True, True, True, True, False, False, False, False,
        False]
    assert is_missing(pl.Series("x", [1.0, float("nan"), None])).to_list() == [False, True, True]


def test_clean_text():
    series = pl.Series("x", ["  Anna ", "N/A", None, "-", "\u00a0Łódź\u00a0", "0"])
    assert clean_text(series).to_list() == ["Anna", None, None, None, "Łódź", "0"]
    assert clean_text(pl.Series("x", [17850, None])).to_list() == ["17850", None]


_WORDS = ["yes", " No", "TRUE ", "f", "1", "0.0", "tak", "\u00a0нет", "maybe", "x", "",
          "  ", "NA", " n/a", "null", "-", "#N/A", "Anna", " Łódź\t", "0", "--"]


# Unicode's White_Space property (what polars' strip_chars removes). Python's str.strip()
# also removes the separators U+001C..U+001F, which are not white space in Unicode.
_UNICODE_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
                  + "\u2028\u2029\u202f\u205f\u3000")


def _bool_rule(value):
    """parse_bool's rule for one value, in plain Python: (value, invalid)."""
    from retention_core.io.parse import FALSE_WORDS, TRUE_WORDS

    if value is None:
        return None, False
    key = value.strip(_UNICODE_SPACE).lower()
    if key in TRUE_WORDS or key in FALSE_WORDS:
        return key in TRUE_WORDS, False
    return None, key not in MISSING_MARKERS


def _text_rule(value):
    """clean_text's rule for one value, in plain Python."""
    if value is None or value.strip(_UNICODE_SPACE).lower() in MISSING_MARKERS:
        return None
    return value.strip(_UNICODE_SPACE)


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.sampled_from(_WORDS), st.text(max_size=3)),
                       min_size=1, max_size=30),
       repeat=st.sampled_from([1, 12]))
@example(values=["\x1f", " \u2003yes\x1c"], repeat=1)  # U+001C..1F: not white space
def test_text_and_booleans_per_distinct_value_follow_the_row_rule(values, repeat):
    # Repeated 12 times a column has few distinct values and is worked out once per value;
    # both ways must give what the rule gives for each row.
    values = values * repeat
    series = pl.Series("x", values, dtype=pl.String)
    assert clean_text(series).to_list() == [_text_rule(v) for v in values]
    got = parse_bool(series)
    expected = [_bool_rule(v) for v in values]
    assert got.values.to_list() == [v for v, _ in expected]
    assert got.invalid.to_list() == [bad for _, bad in expected]
    words = sorted({v.strip(_UNICODE_SPACE).lower()
                    for v, (b, _) in zip(values, expected, strict=True) if b is not None})[:4]
    assert got.detail == (" / ".join(words) if words else "yes/no")


def test_two_digit_year_pivot():
    got, _, _ = parsed(parse_datetime, ["13/01/69", "13/01/70", "13/01/00"])
    assert got == [D(2069, 1, 13), D(1970, 1, 13), D(2000, 1, 13)]


def test_mixed_forms_in_one_column_each_decided_for_its_values():
    values = ["2024-01-02 10:00", " 2024-01-03 ", "23.11.2026", "24.11.2026", "NA",
              "garbage", None, "2024-01-04"]
    got, invalid, how = parsed(parse_datetime, values)
    assert got == [D(2024, 1, 2, 10), D(2024, 1, 3), D(2026, 11, 23), D(2026, 11, 24), None,
                   None, None, D(2024, 1, 4)]
    assert invalid == [False, False, False, False, False, True, False, False]
    assert how.startswith("yyyy-mm-dd HH:MM") and "also dd.mm.yyyy" in how
