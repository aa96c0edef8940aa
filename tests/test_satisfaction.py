"""NPS / CSAT metrics against hand-worked numbers and a brute-force reference."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retention_core.errors import InputError
from retention_core.filters import Filters
from retention_core.metrics import comments as sat_comments
from retention_core.metrics import satisfaction as sat
from retention_core.workspace import Workspace

ALL = Filters()
T0 = datetime(2026, 3, 2, 10)  # a Monday


def _surveys(rows: list[dict]) -> pl.DataFrame:
    """Canonical survey rows; response ids r000, r001, ... unless given."""
    out = []
    for i, row in enumerate(rows):
        out.append({"response_id": f"r{i:03d}", "responded_at": T0, **row})
    return pl.DataFrame(out, infer_schema_length=None)


def _nps(scores: list[int], **extra) -> pl.DataFrame:
    return _surveys([{"survey": "nps", "score": s, **extra} for s in scores])


def _insert_unscored(ws: Workspace, rows: list[tuple]) -> None:
    """Put rows the import would refuse (NULL / off-scale score) straight into the table."""
    if not rows:
        return
    ws.cursor().executemany(
        "insert into surveys (response_id, survey, score, responded_at, channel, comment, "
        "customer_id) values (?, ?, ?, ?, ?, ?, ?)", rows)


# -- hand-worked scores and intervals ---------------------------------------------------


def test_nps_and_adjusted_wald_interval_by_hand():
    # 5 promoters (10, 10, 9, 9, 9), 2 passives (8, 7), 3 detractors (6, 0, 3).
    ws = Workspace.from_frames(surveys=_nps([10, 10, 9, 9, 9, 8, 7, 6, 0, 3]))
    summary = sat.compute_score_summary(ws.cursor(), ALL, "nps")
    # NPS = 100 x (5 - 3) / 10 = 20.
    # Adjusted Wald: n' = 13, p+ = 5.75/13, p- = 3.75/13, d = 2/13 = 0.153846,
    # var = (9.5/13 - d^2) / 13 = 0.054392, z sqrt(var) = 1.959964 x 0.233222 = 0.457106.
    assert summary == pytest.approx({"score": 20.0, "answers": 10,
                                     "low": -30.326, "high": 61.095}, abs=1e-3)


def test_nps_interval_formula_matches_plain_python():
    z = 1.959963984540054
    for promoters, passives, detractors in [(40, 35, 25), (1, 0, 0), (0, 3, 9), (120, 2, 1)]:
        n = promoters + passives + detractors
        n_adj = n + 3
        p_plus, p_minus = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
        d = p_plus - p_minus
        half = z * math.sqrt((p_plus + p_minus - d * d) / n_adj)
        expected = (100 * (promoters - detractors) / n,
                    100 * max(-1.0, d - half), 100 * min(1.0, d + half))
        got = sat.score_with_interval("nps", n, promoters, detractors)
        assert got == pytest.approx(expected, abs=1e-9)


def test_all_promoters_keep_a_real_interval_clipped_at_100():
    # n = 5, all 10: p+ = 5.75/8, p- = 0.75/8, d = 0.625, var = (0.8125 - 0.390625)/8,
    # half = 1.959964 x 0.229640 = 0.450083 -> 17.49 .. 107.5 clipped to 100.
    score, low, high = sat.score_with_interval("nps", 5, 5, 0)
    assert (score, high) == (100.0, 100.0)
    assert low == pytest.approx(17.4917, abs=1e-3)


def test_csat_and_wilson_interval_by_hand():
    # 8 of 10 answers are 4 or 5. Wilson (Newcombe 1998 style): p = 0.8, z^2/n = 0.384146,
    # centre = (0.8 + 0.192073) / 1.384146 = 0.716741,
    # half = 1.959964 / 1.384146 x sqrt(0.016 + 0.009604) = 0.226578 -> 0.4902 .. 0.9433.
    frame = _surveys([{"survey": "csat", "score": s} for s in (5, 5, 5, 4, 4, 4, 4, 4, 3, 1)])
    summary = sat.compute_score_summary(Workspace.from_frames(surveys=frame).cursor(), ALL,
                                        "csat")
    assert summary == pytest.approx({"score": 80.0, "answers": 10,
                                     "low": 49.016, "high": 94.332}, abs=1e-3)


def test_wilson_interval_at_the_edges_stays_inside_0_100():
    assert sat.score_with_interval("csat", 7, 0) == pytest.approx((0.0, 0.0, 35.43), abs=1e-2)
    assert sat.score_with_interval("csat", 7, 7) == pytest.approx((100.0, 64.57, 100.0),
                                                                  abs=1e-2)
    assert sat.score_with_interval("csat", 0, 0) is None


@pytest.mark.parametrize(("scores", "groups", "nps"), [
    ([6, 7, 8, 9], ["detractor", "passive", "passive", "promoter"], 0.0),
    ([6], ["detractor"], -100.0),
    ([7], ["passive"], 0.0),
    ([8], ["passive"], 0.0),
    ([9], ["promoter"], 100.0),
    ([0, 10], ["detractor", "promoter"], 0.0),
    ([7, 8, 9, 9], ["passive", "passive", "promoter", "promoter"], 50.0),
])
def test_passive_and_detractor_boundaries(scores, groups, nps):
    ws = Workspace.from_frames(surveys=_nps(scores))
    con = ws.cursor()
    assert sat.compute_score_summary(con, ALL, "nps")["score"] == pytest.approx(nps)
    dist = sat.compute_score_distribution(con, ALL, "nps").filter(pl.col("answers") > 0)
    expected = sorted(zip(scores, groups, strict=True))
    got = []
    for score, group, answers in dist.select("score", "answer_group", "answers").iter_rows():
        got += [(score, group)] * answers
    assert got == expected


def test_csat_satisfied_boundary_is_between_3_and_4():
    frame = _surveys([{"survey": "csat", "score": s} for s in (3, 4)])
    con = Workspace.from_frames(surveys=frame).cursor()
    assert sat.compute_score_summary(con, ALL, "csat")["score"] == 50.0
    dist = sat.compute_score_distribution(con, ALL, "csat")
    assert dist.select("score", "answer_group").rows() == [
        (1, "unsatisfied"), (2, "unsatisfied"), (3, "unsatisfied"), (4, "satisfied"),
        (5, "satisfied")]


# -- what is not an answer --------------------------------------------------------------


def test_null_and_off_scale_scores_are_not_answers_anywhere():
    ws = Workspace.from_frames(
        surveys=_nps([10, 9, 0], customer_id="a", channel="web", comment="slow delivery"),
        orders=pl.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["a", "a"],
                             "ordered_at": [T0 - timedelta(days=1), T0 + timedelta(days=9)],
                             "revenue": [10.0, 20.0]}))
    # blank / NA scores (NULL), an 11 on the NPS scale and a 0 on the CSAT scale
    _insert_unscored(ws, [
        ("n1", "nps", None, T0, "web", "slow slow", "b"),
        ("n2", "nps", None, T0 + timedelta(days=8), "web", "slow", "a"),
        ("n3", "nps", 11, T0, "web", "slow", "a"),
        ("n4", "csat", None, T0, "web", "slow", "a"),
        ("n5", "csat", 0, T0, "web", "slow", "a"),
    ])
    con = ws.cursor()
    overview = sat.compute_score_overview(con, ALL)
    assert overview.select("survey", "answers", "ignored").rows() == [("nps", 3, 3),
                                                                      ("csat", 0, 2)]
    assert sat.compute_score_summary(con, ALL, "nps")["answers"] == 3
    assert sat.compute_score_summary(con, ALL, "csat") is None
    assert sat.compute_score_trend(con, ALL, "nps", "week")["answers"].to_list() == [3]
    assert sat.compute_weekly_scores(con, ALL).select("nps_answers", "csat_answers").rows() == [
        (3, 0)]
    assert sat.compute_score_distribution(con, ALL, "nps")["answers"].sum() == 3
    segments = sat.compute_segment_scores(con, ALL, "nps")
    assert segments.select("segment", "segment_value", "answers").rows() == [
        ("channel", "web", 3)]
    assert sat_comments.list_comments(con, ALL)["response_id"].to_list() == ["r000", "r001", "r002"]
    words = sat_comments.compute_top_words(con, ALL, "nps")
    assert words.filter(pl.col("word") == "slow")["comments"].sum() == 3
    outcomes = sat.compute_outcomes_after_answer(con, ALL, "nps")
    assert outcomes["answered"].sum() == 1  # customer a, first scored answer only


def test_a_survey_with_only_blank_scores_has_no_summary():
    ws = Workspace.from_frames(surveys=_nps([8]))
    _insert_unscored(ws, [("x", "csat", None, T0, None, None, None)])
    con = ws.cursor()
    assert sat.compute_score_summary(con, ALL, "csat") is None
    assert sat.compute_score_distribution(con, ALL, "csat")["share"].null_count() == 5


# -- surveys present, dates present -----------------------------------------------------


def test_a_file_without_dates_gives_overall_scores_and_breakdowns_but_no_trend():
    frame = _nps([10, 9, 3], channel="web").with_columns(
        pl.lit(None, dtype=pl.Datetime).alias("responded_at"))
    con = Workspace.from_frames(surveys=frame).cursor()
    dated = Filters(start=date(2026, 1, 1), end=date(2026, 1, 31))  # undated answers pass
    for filters in (ALL, dated):
        row = sat.compute_score_overview(con, filters).row(0, named=True)
        assert (row["answers"], row["dated"], row["undated"]) == (3, 0, 3)
        assert row["score"] == pytest.approx(100 * (2 - 1) / 3)
    assert sat.compute_score_trend(con, ALL, "nps").is_empty()
    weekly = sat.compute_weekly_scores(con, ALL)
    assert weekly.is_empty()
    assert weekly.columns == ["week", "nps", "nps_answers", "csat", "csat_answers"]
    assert sat.compute_segment_scores(con, ALL, "nps")["answers"].to_list() == [3]
    assert sat.compute_outcomes_after_answer(con, ALL, "nps")["customers"].sum() == 0


def test_nps_only_and_csat_only():
    nps_only = Workspace.from_frames(surveys=_nps([10, 2])).cursor()
    assert sat.compute_score_summary(nps_only, ALL, "nps")["score"] == 0.0
    assert sat.compute_score_summary(nps_only, ALL, "csat") is None
    assert sat.compute_score_overview(nps_only, ALL)["survey"].to_list() == ["nps"]
    weekly = sat.compute_weekly_scores(nps_only, ALL)
    assert weekly.rows() == [(date(2026, 3, 2), 0.0, 2, None, 0)]

    csat = _surveys([{"survey": "csat", "score": s} for s in (5, 4, 2, 1)])
    csat_only = Workspace.from_frames(surveys=csat).cursor()
    assert sat.compute_score_summary(csat_only, ALL, "nps") is None
    assert sat.compute_score_summary(csat_only, ALL, "csat")["score"] == 50.0
    assert sat.compute_weekly_scores(csat_only, ALL).rows() == [
        (date(2026, 3, 2), None, 0, 50.0, 4)]


def test_weekly_scores_cover_every_week_and_fill_gaps_with_null():
    # Sunday 8 March belongs to the week of Monday 2 March; Monday 9 March starts the next.
    days = [datetime(2026, 3, 2), datetime(2026, 3, 8, 23, 59), datetime(2026, 3, 9),
            datetime(2026, 3, 23)]
    frame = _surveys([{"survey": "nps", "score": s, "responded_at": d}
                      for s, d in zip([10, 0, 9, 7], days, strict=True)])
    weekly = sat.compute_weekly_scores(Workspace.from_frames(surveys=frame).cursor(), ALL)
    assert weekly.select("week", "nps", "nps_answers").rows() == [
        (date(2026, 3, 2), 0.0, 2),
        (date(2026, 3, 9), 100.0, 1),
        (date(2026, 3, 16), None, 0),
        (date(2026, 3, 23), 0.0, 1),
    ]
    assert weekly["week"].dtype == pl.Date


def test_trend_per_month_flags_small_and_partial_periods():
    days = [datetime(2026, 1, 5)] * 3 + [datetime(2026, 2, 10)] * 2
    frame = _surveys([{"survey": "csat", "score": s, "responded_at": d}
                      for s, d in zip([5, 5, 1, 4, 2], days, strict=True)])
    con = Workspace.from_frames(surveys=frame).cursor()
    trend = sat.compute_score_trend(con, ALL, "csat", "month", min_answers=3)
    assert trend.select("period_start", "answers", "is_small", "is_partial").rows() == [
        (date(2026, 1, 1), 3, False, False),
        (date(2026, 2, 1), 2, True, True),  # data ends on 10 February
    ]
    assert trend["score"].to_list() == pytest.approx([200 / 3, 50.0])
    # a period that ends exactly on "as of" is complete
    assert not sat.compute_score_trend(con, ALL, "csat", "month",
                                       as_of=date(2026, 2, 28))["is_partial"].any()


def test_filters_apply_to_answers():
    frame = pl.concat([_nps([10, 10], channel="email", country="PL"),
                       _nps([0], channel="web", country="DE")]).with_columns(
        pl.format("r{}", pl.int_range(pl.len())).alias("response_id"))
    con = Workspace.from_frames(surveys=frame).cursor()
    assert sat.compute_score_summary(con, Filters(channels=("email",)), "nps")["answers"] == 2
    assert sat.compute_score_summary(con, Filters(countries=("DE",)), "nps")["score"] == -100
    assert sat.compute_score_summary(con, Filters(devices=("mobile",)), "nps") is None


# -- segments ---------------------------------------------------------------------------


def test_segments_sorted_with_intervals_counts_and_small_groups():
    rows = ([{"survey": "nps", "score": 10, "channel": "email", "device": None}] * 3
            + [{"survey": "nps", "score": 0, "channel": "ads", "device": "mobile"}] * 2
            + [{"survey": "nps", "score": 8, "channel": None, "device": "mobile"}])
    con = Workspace.from_frames(surveys=_surveys(rows)).cursor()
    seg = sat.compute_segment_scores(con, ALL, "nps", min_answers=3)
    # touchpoint / product / country are empty everywhere: not present
    assert seg.select("segment", "segment_value", "answers", "is_small").rows() == [
        ("channel", "email", 3, False),
        ("channel", "(not set)", 1, True),
        ("channel", "ads", 2, True),
        ("device", "(not set)", 3, False),
        ("device", "mobile", 3, False),
    ]
    assert seg["score"].to_list() == pytest.approx([100.0, 0.0, -100.0, 100.0, -200 / 3])
    email = seg.row(0, named=True)
    assert (email["low"], email["high"]) == pytest.approx(
        sat.score_with_interval("nps", 3, 3, 0)[1:])
    assert seg.filter(pl.col("segment") == "channel")["answers"].sum() == 6


# -- after the answer -------------------------------------------------------------------


def _orders(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["order_id", "customer_id", "ordered_at", "revenue",
                                      "status"], orient="row")


def test_outcomes_after_answer_by_hand():
    day = timedelta(days=1)
    orders = _orders([
        ("1", "a", T0 - day, 10.0, "paid"),
        ("2", "a", T0 + 2 * day, 20.0, "paid"),
        ("3", "a", T0 + 5 * day, 30.0, "paid"),
        ("4", "b", T0 - day, 15.0, "paid"),
        ("5", "b", T0 + 3 * day, 99.0, "cancelled"),  # not kept: does not count
        ("6", "d", T0, 40.0, "paid"),  # at the answer's very time: not after it
        ("7", "d", T0 + 10 * day, 50.0, "paid"),  # the last order in the data
        ("8", "e", T0 - 2 * day, 5.0, "paid"),
    ])
    answers = _surveys([
        {"customer_id": "a", "survey": "nps", "score": 10},
        {"customer_id": "a", "survey": "nps", "score": 0, "responded_at": T0 + day},  # later
        {"customer_id": "b", "survey": "nps", "score": 9},
        {"customer_id": "c", "survey": "nps", "score": 3},  # no orders: not linked
        {"customer_id": "d", "survey": "nps", "score": 5},
        {"customer_id": "e", "survey": "nps", "score": 7, "responded_at": T0 + 10 * day},
        {"customer_id": None, "survey": "nps", "score": 1},
    ])
    con = Workspace.from_frames(orders=orders, surveys=answers).cursor()
    out = sat.compute_outcomes_after_answer(con, ALL, "nps", min_answers=2)
    assert out.select("answer_group", "answered", "linked", "customers", "repurchasers",
                      "orders_after", "revenue_after").rows() == [
        ("promoter", 2, 2, 2, 1, 2, 50.0),  # a: orders 2, 3; b: none kept
        ("passive", 1, 1, 0, 0, 0, 0.0),  # e answered at the end of the data
        ("detractor", 2, 1, 1, 1, 1, 50.0),  # c unlinked; d: order 7 only
    ]
    promoter = out.row(0, named=True)
    assert promoter["repeat_rate"] == 0.5
    assert promoter["orders_per_customer"] == 1.0
    assert promoter["revenue_per_customer"] == 25.0
    assert (promoter["repeat_low"], promoter["repeat_high"]) == pytest.approx(
        [v / 100 for v in sat.score_with_interval("csat", 2, 1)[1:]])
    assert out["is_small"].to_list() == [False, True, True]
    assert out.row(1, named=True)["repeat_rate"] is None

    # a 4-day window: a's order on day 5 is out; d (answer + 4 days <= day 10) stays.
    windowed = sat.compute_outcomes_after_answer(con, ALL, "nps", window_days=4)
    assert windowed.select("customers", "orders_after").rows() == [(2, 1), (0, 0), (1, 0)]
    # an 11-day window is longer than the data after any answer: nobody can be followed
    too_long = sat.compute_outcomes_after_answer(con, ALL, "nps", window_days=11)
    assert too_long["customers"].sum() == 0
    assert too_long["linked"].to_list() == [2, 1, 1]


_CUSTOMERS = ["c0", "c1", "c2", "c3"]  # c3 never orders


@st.composite
def _outcome_data(draw):
    orders = draw(st.lists(st.tuples(
        st.sampled_from(_CUSTOMERS[:3] + [None]),
        st.integers(0, 6),  # half-days after T0: a coarse grid, so times often tie
        st.integers(1, 50),
        st.sampled_from(["paid", "paid", "refunded"])), min_size=0, max_size=25))
    answers = draw(st.lists(st.tuples(
        st.sampled_from(_CUSTOMERS + [None]),
        st.one_of(st.none(), st.integers(0, 6)),
        st.one_of(st.none(), st.integers(0, 10))), min_size=1, max_size=20))
    window = draw(st.one_of(st.none(), st.integers(1, 4)))
    return orders, answers, window


def _reference_outcomes(orders, answers, window):
    kept = [(c, T0 + timedelta(hours=h), r) for c, h, r, s in orders if s == "paid"]
    buyers = {c for c, _, _ in kept if c is not None}
    last = max((t for _, t, _ in kept), default=None)
    first: dict[str, tuple] = {}
    for i, (c, h, score) in enumerate(answers):
        if c is None or h is None or score is None:
            continue
        key = (T0 + timedelta(hours=h), f"r{i:03d}")
        if c not in first or key < first[c][0]:
            first[c] = (key, score)
    out = {g: {"answered": 0, "linked": 0, "customers": 0, "repurchasers": 0,
               "orders_after": 0, "revenue_after": 0.0} for g in sat.GROUPS["nps"]}
    for c, ((at, _), score) in first.items():
        group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        out[group]["answered"] += 1
        if c not in buyers:
            continue
        out[group]["linked"] += 1
        until = last if window is None else at + timedelta(days=window)
        if (window is None and not at < last) or (window is not None and until > last):
            continue
        after = [r for cc, t, r in kept if cc == c and at < t <= until]
        out[group]["customers"] += 1
        out[group]["repurchasers"] += bool(after)
        out[group]["orders_after"] += len(after)
        out[group]["revenue_after"] += sum(after)
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_outcome_data())
def test_outcomes_after_answer_match_brute_force(data):
    orders, answers, window = data
    orders = [(c, h * 12, r, s) for c, h, r, s in orders]  # half-days -> hours
    answers = [(c, None if h is None else h * 12, score) for c, h, score in answers]
    order_frame = _orders([(f"o{i}", c, T0 + timedelta(hours=h), float(r), s)
                           for i, (c, h, r, s) in enumerate(orders)])
    scored = [(f"r{i:03d}", c, None if h is None else T0 + timedelta(hours=h), s)
              for i, (c, h, s) in enumerate(answers)]
    ws = Workspace.from_frames(orders=order_frame if orders else None)
    valid = [r for r in scored if r[3] is not None]
    if valid:
        ws.import_frame("surveys", pl.DataFrame(
            [{"response_id": i, "customer_id": c, "responded_at": t, "survey": "nps",
              "score": s} for i, c, t, s in valid], infer_schema_length=None),
            file_name="answers")
    _insert_unscored(ws, [(i, "nps", None, t, None, None, c) for i, c, t, s in scored
                          if s is None])
    got = sat.compute_outcomes_after_answer(ws.cursor(), ALL, "nps", window_days=window)
    expected = _reference_outcomes(orders, answers, window)
    for row in got.iter_rows(named=True):
        ref = expected[row["answer_group"]]
        for key in ("answered", "linked", "customers", "repurchasers", "orders_after"):
            assert row[key] == ref[key], (key, row, ref)
        assert row["revenue_after"] == pytest.approx(ref["revenue_after"])
        if ref["customers"]:
            assert row["repeat_rate"] == pytest.approx(ref["repurchasers"] / ref["customers"])
        else:
            assert row["repeat_rate"] is None


# -- comments ---------------------------------------------------------------------------


def _comments_workspace():
    rows = [
        {"survey": "nps", "score": 10, "comment": "Fast delivery, FAST and friendly"},
        {"survey": "nps", "score": 9, "comment": "Friendly staff; 100% recommend"},
        {"survey": "nps", "score": 3, "comment": "Delivery was slow and the box was broken"},
        {"survey": "nps", "score": 2, "comment": "   "},
        {"survey": "nps", "score": 8, "comment": None},
        {"survey": "csat", "score": 2, "comment": "slow delivery"},
        {"survey": "csat", "score": 5, "comment": "50% off =SUM(A1)"},
    ]
    return Workspace.from_frames(surveys=_surveys(rows)).cursor()


def test_comments_filter_by_group_and_text():
    con = _comments_workspace()
    assert sat_comments.list_comments(con, ALL)["response_id"].sort().to_list() == [
        "r000", "r001", "r002", "r005", "r006"]  # blank and missing comments left out
    assert sat_comments.list_comments(con, ALL, "nps", ("promoter",))["score"].sort().to_list() == [9, 10]
    found = sat_comments.list_comments(con, ALL, None, (), "DELIVERY")
    assert found["response_id"].sort().to_list() == ["r000", "r002", "r005"]
    assert sat_comments.list_comments(con, ALL, "csat", ("unsatisfied",), "delivery").height == 1
    # the search is plain text: % and _ are not wildcards
    assert sat_comments.list_comments(con, ALL, None, (), "0% o")["response_id"].to_list() == ["r006"]
    assert sat_comments.list_comments(con, ALL, None, (), "_").is_empty()
    assert sat_comments.list_comments(con, ALL, "nps", (), "  ").height == 3


def test_top_words_per_group_once_per_comment_without_stop_words():
    words = sat_comments.compute_top_words(_comments_workspace(), ALL, "nps", top_n=2)
    # promoter comments: "fast" twice in one comment counts once; "friendly" in both;
    # "100" is a number, "and" a stop word, "staff"/"recommend"/"delivery" once each.
    assert words.rows() == [
        ("promoter", "friendly", 2, 1.0),
        ("promoter", "delivery", 1, 0.5),
        ("detractor", "box", 1, 1.0),
        ("detractor", "broken", 1, 1.0),
    ]


# -- bad input ---------------------------------------------------------------------------


def test_bad_arguments_raise_input_errors():
    con = Workspace.from_frames(surveys=_nps([9])).cursor()
    with pytest.raises(InputError, match="survey"):
        sat.compute_score_summary(con, ALL, "ces")
    with pytest.raises(InputError, match="period"):
        sat.compute_score_trend(con, ALL, "nps", "day")
    with pytest.raises(InputError, match="minimum"):
        sat.compute_segment_scores(con, ALL, "nps", min_answers=0)
    with pytest.raises(InputError, match="window"):
        sat.compute_outcomes_after_answer(con, ALL, "nps", window_days=-3)
    with pytest.raises(InputError, match="group"):
        sat_comments.list_comments(con, ALL, "nps", ("fans",))


def test_an_empty_workspace_gives_empty_results():
    con = Workspace(":memory:").cursor()
    assert sat.compute_score_overview(con, ALL).is_empty()
    assert sat.compute_score_summary(con, ALL, "nps") is None
    assert sat.compute_weekly_scores(con, ALL).is_empty()
    assert sat.compute_score_trend(con, ALL, "nps").is_empty()
    assert sat.compute_segment_scores(con, ALL, "csat").is_empty()
    assert sat_comments.compute_top_words(con, ALL, "nps").is_empty()
    assert sat.compute_outcomes_after_answer(con, ALL, "csat")["customers"].to_list() == [0, 0]
