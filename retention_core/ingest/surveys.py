"""Survey answers: raw rows -> one canonical row per answer (SPEC.md, surveys).

- The survey type is ``--survey`` for the whole file, else the ``survey`` column
  (``NPS`` / ``Net Promoter Score`` -> nps, ``CSAT`` / ``satisfaction`` -> csat), else
  the score column's name when it says ``nps`` or ``csat``.
- A blank or ``NA`` score is not an answer; a score that is not a whole number, or
  outside 0-10 (nps) / 1-5 (csat), is rejected with its reason.
- No date column is fine (responded_at stays empty; overall NPS/CSAT still work); an
  unreadable date is left empty with a warning.
- The answer id is the mapped column, else derived from the row's content.
"""

from __future__ import annotations

import polars as pl

from retention_core.errors import MappingError
from retention_core.ingest.common import BuildContext, base_frame, drop_earlier_copies, make_ids
from retention_core.ingest.fields import (
    missing_mask,
    normalise_customer,
    raw_text,
    read_datetime,
    read_number,
    read_text,
)
from retention_core.ingest.report import REJECTED, WARNING
from retention_core.mapping import normalise_name
from retention_core.schema import SURVEY_TYPES

SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5)}
_SURVEY_WORDS = {"nps": "nps", "net_promoter_score": "nps", "net_promoter": "nps",
                 "promoter_score": "nps", "csat": "csat", "satisfaction": "csat",
                 "customer_satisfaction": "csat", "удовлетворенность": "csat",
                 "zadowolenie": "csat"}
_TEXT = ("channel", "touchpoint", "product", "country", "device", "comment")


def survey_from_column_name(name: str) -> str | None:
    """``NPS_Score`` -> ``nps``; ``csat_rating`` -> ``csat``; otherwise ``None``."""
    words = normalise_name(name)
    if "nps" in words.split("_") or "recommend" in words or "promoter" in words:
        return "nps"
    if "csat" in words.split("_"):
        return "csat"
    return None


def build_surveys(raw: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """The canonical answers of ``raw`` (see the module docstring); fills ``ctx.report``."""
    report, log, m = ctx.report, ctx.log, ctx.mapping
    survey_type = _survey_type(ctx)
    work = base_frame(raw, ctx.files)
    ids, id_missing, derived = make_ids(raw, ctx, "response_id", prefix="ans-", unit="answer")
    work = work.with_columns(ids, id_missing.alias("_id_missing"))
    if derived:
        report.derived_ids = raw.height
        report.notes.append("the file has no answer id column: ids are derived from each "
                            "row's content (stable on re-import)")

    score_raw = raw.get_column(m["score"])
    parsed = read_number(score_raw)
    ctx.note_format("score", parsed)
    cols = [parsed.values.alias("_score"), parsed.invalid.alias("_bad_score"),
            missing_mask(score_raw).alias("_no_score"),
            raw_text(score_raw).alias("_raw_score")]
    if "customer_id" in m:
        cols.append(read_text(raw.get_column(m["customer_id"])).alias("customer_id"))
    for name in _TEXT:
        if name in m:
            cols.append(read_text(raw.get_column(m[name])).alias(name))
    if survey_type is None:
        cols.append(read_text(raw.get_column(m["survey"])).alias("_raw_survey"))
    if "responded_at" in m:
        when = read_datetime(raw.get_column(m["responded_at"]))
        ctx.note_format("responded_at", when)
        cols += [when.values.alias("responded_at"), when.invalid.alias("_bad_when"),
                 raw_text(raw.get_column(m["responded_at"])).alias("_raw_when")]
    else:
        report.notes.append("no date column: answers are imported without a date; overall "
                            "NPS/CSAT work, trends over time do not")
    work = work.with_columns(cols)
    if "customer_id" in work.columns:
        work = work.with_columns(normalise_customer(pl.col("customer_id")).alias("customer_id"))
    if survey_type is not None:
        work = work.with_columns(pl.lit(survey_type).alias("survey"))
    else:
        key = pl.col("_raw_survey").str.to_lowercase().str.replace_all(r"[^\w]+", "_") \
            .str.strip_chars("_")
        work = work.with_columns(key.replace_strict(_SURVEY_WORDS, default=None,
                                                    return_dtype=pl.String).alias("survey"))

    no_id = work.filter(pl.col("_id_missing"))
    _reject(no_id, ctx, "missing answer id", m.get("response_id"), None)
    work = work.filter(~pl.col("_id_missing"))
    work = drop_earlier_copies(work, "response_id", ctx, "answer")
    within = work.filter(pl.int_range(pl.len()).over("response_id") <
                         pl.len().over("response_id") - 1)
    if within.height:
        _reject(within, ctx, "duplicate answer id (the last row with it is used)",
                m.get("response_id"), pl.col("response_id"))
        work = work.filter(pl.int_range(pl.len()).over("response_id") ==
                           pl.len().over("response_id") - 1)
    report.found = work.height + report.rejected

    checks = [
        (pl.col("_no_score"), "no answer (blank or NA score)", pl.col("_raw_score")),
        (pl.col("_bad_score"), "unparseable score", pl.col("_raw_score")),
        (pl.col("survey").is_null(), "unknown survey type (use nps or csat)",
         pl.col("_raw_survey") if "_raw_survey" in work.columns else pl.lit(None)),
        (pl.col("_score") != pl.col("_score").round(0), "score is not a whole number",
         pl.col("_raw_score")),
    ]
    for cond, reason, value in checks:
        hit = work.filter(cond.fill_null(False))
        column = m.get("survey") if reason.startswith("unknown survey") else m["score"]
        _reject(hit, ctx, reason, column, value)
        work = work.filter(~cond.fill_null(False))
    for kind, (low, high) in SCORE_RANGES.items():
        cond = (pl.col("survey") == kind) & ((pl.col("_score") < low) | (pl.col("_score") > high))
        hit = work.filter(cond)
        _reject(hit, ctx, f"score out of range ({low}-{high} for {kind})", m["score"],
                pl.col("_raw_score"))
        work = work.filter(~cond)
    if "_bad_when" in work.columns:
        bad = work.filter(pl.col("_bad_when"))
        if bad.height:
            log.add(bad, outcome=WARNING, reason="unparseable date left empty",
                    column=m["responded_at"], value=pl.col("_raw_when"))
            report.count("unparseable date left empty", bad.height)

    work = work.with_columns(pl.col("_score").cast(pl.Int32).alias("score"))
    report.kept = work.height
    report.extra["answers_by_survey"] = dict(work.group_by("survey").len().sort("survey").iter_rows())
    keep = ["response_id", "customer_id", "responded_at", "survey", "score", *_TEXT]
    return work.select([c for c in keep if c in work.columns])


def _reject(rows: pl.DataFrame, ctx: BuildContext, reason: str, column: str | None,
            value: pl.Expr | None) -> None:
    if rows.height:
        ctx.log.add(rows, outcome=REJECTED, reason=reason, column=column, value=value)
        ctx.report.count(reason, rows.height)
        ctx.report.rejected += rows.height


def _survey_type(ctx: BuildContext) -> str | None:
    """The survey of the whole file, or ``None`` when a ``survey`` column says it per row."""
    if ctx.survey is not None:
        if ctx.survey not in SURVEY_TYPES:
            raise MappingError(f"--survey must be one of {', '.join(SURVEY_TYPES)}, "
                               f"got {ctx.survey!r}")
        ctx.report.notes.append(f"every answer declared as {ctx.survey} (--survey)")
        return ctx.survey
    if "survey" in ctx.mapping:
        return None
    guess = survey_from_column_name(ctx.mapping["score"])
    if guess is None:
        raise MappingError(
            f"cannot tell whether the scores in {ctx.mapping['score']!r} are NPS (0-10) or "
            "CSAT (1-5): declare it with --survey nps|csat (or choose it on the Data page), "
            "or map a column that says it per row with --map survey=COLUMN")
    ctx.report.notes.append(f"survey type {guess} taken from the column name "
                            f"{ctx.mapping['score']!r}")
    return guess
