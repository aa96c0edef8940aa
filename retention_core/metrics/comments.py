"""Survey comments: the answers with a comment, and the words found in most of them per
answer group (the Satisfaction page's Comments tab; SPEC.md, "NPS", "CSAT"). Scores,
trends and segments are in :mod:`retention_core.metrics.satisfaction`.
"""

from __future__ import annotations

import duckdb
import polars as pl

from retention_core.errors import InputError
from retention_core.filters import Filters
from retention_core.metrics.satisfaction import GROUPS, check_survey
from retention_core.sql import load_sql, query_frame

# -- comments -------------------------------------------------------------------------


def list_comments(con: duckdb.DuckDBPyConnection, filters: Filters, survey: str | None = None,
                  groups: tuple[str, ...] = (), search: str | None = None) -> pl.DataFrame:
    """Answers with a comment, newest first, narrowed by survey, group and text.

    Parameters
    ----------
    survey
        ``"nps"``, ``"csat"`` or None for both.
    groups
        Answer groups to keep (promoter / passive / detractor, satisfied /
        unsatisfied); empty keeps all.
    search
        Case-insensitive text the comment must contain (plain text, not a pattern);
        blank keeps all.

    Returns
    -------
    polars.DataFrame
        ``response_id, responded_at, survey, score, answer_group, comment,
        customer_id, channel, touchpoint, product, country, device``.
    """
    if survey is not None:
        check_survey(survey)
    known = {g for names in GROUPS.values() for g in names}
    unknown = sorted(set(groups) - known)
    if unknown:
        raise InputError(f"Unknown answer group(s) {unknown}; use {sorted(known)}")
    text = search.strip() if search else None
    return query_frame(con, load_sql("satisfaction/comments"),
                       {**filters.params(), "survey": survey, "groups": list(groups) or None,
                        "search": text or None})


_STOP_WORDS_EN = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further get got had has have having he her here hers herself him himself his how i if in
into is it its itself just let me more most my myself no nor not now of off on once only or
other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up us
very was we were what when where which while who whom why will with would you your yours
yourself yourselves don doesn didn isn wasn aren weren haven hasn hadn won wouldn couldn
shouldn can't cannot ll ve re im ive one really much even still ever yet though thing things
""".split()
# The shops this dashboard is for often answer in French, Polish or Russian.
_STOP_WORDS_OTHER = """
les des une est pas que qui pour dans avec sur par plus mais sont ont été très tout bien
aux ces cette son ses nous vous ils elle elles leur leurs même fait avoir être comme
était donc car peu trop aussi encore ici jai cest nai ras vos votre nos notre mes mon
chez assez toujours beaucoup sans sous dont quand fois
się nie jest jak ale tak czy już tylko dla przez był była było bardzo oraz który która
что это как так все для или уже был была было очень только есть нет при они она его
""".split()
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_EN + _STOP_WORDS_OTHER)
"""Words too common to tell anything (English, plus frequent French, Polish, Russian)."""

_WORD = r"[\p{L}\p{N}]+"


def compute_top_words(con: duckdb.DuckDBPyConnection, filters: Filters, survey: str,
                      top_n: int = 15, min_length: int = 3) -> pl.DataFrame:
    """The words found in the most comments, per answer group.

    Tokens are runs of letters and digits, lower-cased (an apostrophe splits
    ``don't`` into ``don`` + ``t``); tokens shorter than ``min_length``, made only of
    digits, or in :data:`STOP_WORDS` are dropped. A word counts once per comment.

    Returns
    -------
    polars.DataFrame
        ``answer_group, word, comments, share``: up to ``top_n`` words per group
        (most comments first, then alphabetical); ``share`` = comments of the group
        containing the word / comments of the group.
    """
    check_survey(survey)
    if top_n < 1 or min_length < 1:
        raise InputError("top_n and min_length must be at least 1")
    comments = list_comments(con, filters, survey).select("response_id", "answer_group",
                                                          "comment")
    totals = comments.group_by("answer_group").agg(pl.len().alias("group_comments"))
    words = (
        comments.select(
            "response_id", "answer_group",
            pl.col("comment").str.to_lowercase().str.extract_all(_WORD).alias("word"),
        )
        .explode("word")
        .filter(
            (pl.col("word").str.len_chars() >= min_length)
            & ~pl.col("word").str.contains(r"^\p{N}+$")
            & ~pl.col("word").is_in(list(STOP_WORDS))
        )
        .unique(["response_id", "word"])
        .group_by("answer_group", "word")
        .agg(pl.len().cast(pl.Int64).alias("comments"))
        .join(totals, on="answer_group")
        .with_columns((pl.col("comments") / pl.col("group_comments")).alias("share"))
    )
    order = {g: i for i, g in enumerate(GROUPS[survey])}
    return (
        words.sort(["comments", "word"], descending=[True, False])
        .group_by("answer_group", maintain_order=True).head(top_n)
        .with_columns(pl.col("answer_group").replace_strict(order, return_dtype=pl.Int32)
                      .alias("_order"))
        .sort(["_order", "comments", "word"], descending=[False, True, False])
        .select("answer_group", "word", "comments", "share")
    )

