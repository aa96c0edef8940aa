"""Satisfaction: NPS and CSAT with 95% intervals, their trend, where they are weak,
what customers say, and whether promoters buy more (issue 5)."""

import streamlit as st

from dashboard import state, ui
from retention_core.charts import satisfaction as charts
from retention_core.metrics import comments as sat_comments
from retention_core.metrics import satisfaction as sat

ctx = state.page_context()
# widgets of the tabs, which are drawn only while their tab is open
state.keep_widget_values({"sat_window": 0, "sat_search": "", "sat_groups_nps": [],
                          "sat_groups_csat": []})

st.title("Satisfaction")


def cached(fn, *args, **kwargs):
    return ui.run_or_stop(state.cached, fn, ctx.ws, *args, **kwargs)


options = st.columns([2, 2, 3], vertical_alignment="bottom")
min_answers = options[1].number_input(
    "Minimum answers per group", min_value=1, value=sat.MIN_ANSWERS, step=1, key="sat_min",
    help="Groups with fewer answers are flagged as small (grey), not hidden.")
overview = cached(sat.compute_score_overview, ctx.filters, int(min_answers))
answered = overview.filter(overview["answers"] > 0)

if answered.is_empty():
    if ctx.ws.has("surveys"):
        ui.empty_state(f"No NPS or CSAT answers match the filters ({ctx.filters.describe()}). "
                       "Widen the date range or clear the channel, country or device filter.",
                       link_to_data=False)
    ui.empty_state("There are no survey answers yet. Import a file of NPS (0-10) or CSAT "
                   "(1-5) answers on the Data page to see the scores here.")

# -- tiles --------------------------------------------------------------------------------
rows = {row["survey"]: row for row in overview.iter_rows(named=True)}
tiles = st.columns(2)
for col, survey in zip(tiles, ("nps", "csat"), strict=True):
    row = rows.get(survey)
    label = sat.SURVEY_LABELS[survey]
    with col:
        if row is None or row["answers"] == 0:
            st.metric(label, "—", border=True,
                      help=f"No {label} answers in this data.")
            continue
        st.metric(label, row["score"], format="%.1f" if survey == "nps" else "%.1f%%",
                  border=True,
                  help=("NPS = % promoters (9-10) − % detractors (0-6), from −100 to +100."
                        if survey == "nps" else "CSAT = % of answers that are 4 or 5 (1-5 scale)."))
        note = " · fewer than the minimum answers: read with care" if row["is_small"] else ""
        st.caption(f"{row['answers']:,} answers · 95% interval {row['low']:.1f} to "
                   f"{row['high']:.1f}{note}")
        if row["ignored"]:
            st.caption(f"{row['ignored']:,} rows with a blank or off-scale score are not answers "
                       "and were left out.")

ui.download_csv(overview, "satisfaction_overview.csv", label="Overview as CSV")

present = answered["survey"].to_list()
if len(present) > 1:
    survey = options[0].segmented_control("Survey", present, default=present[0],
                                          format_func=sat.SURVEY_LABELS.get, key="sat_survey",
                                          required=True)
else:
    survey = present[0]
    options[0].markdown(f"**{sat.SURVEY_LABELS[survey]}** answers only")
row = rows[survey]
label = sat.SURVEY_LABELS[survey]
min_answers = int(min_answers)

# Only the open tab runs (?sat_tab= in the URL opens it).
trend_tab, scores_tab, segments_tab, after_tab, comments_tab = st.tabs(
    ["Trend", "Distribution", "Segments", "After the answer", "Comments"], key="sat_tab",
    bind="query-params")

# -- trend --------------------------------------------------------------------------------
if trend_tab.open:
    with trend_tab:
        if row["dated"] == 0:
            st.info(f"These {label} answers have no dates: the overall score and the breakdowns "
                    "are shown, but there is no trend.", icon=":material/event_busy:")
        else:
            trend = cached(sat.compute_score_trend, ctx.filters, survey, ctx.period, min_answers)
            ui.chart(charts.plot_score_trend(trend, survey, ctx.period, min_answers), trend,
                     f"{survey}_by_{ctx.period}")
            st.caption(f"Band: 95% interval. Open markers: fewer than {min_answers} answers. "
                       "A grey diamond marks the last period, which is still partial."
                       + (f" {row['undated']:,} answers without a date are not in the trend."
                          if row["undated"] else ""))

# -- distribution -------------------------------------------------------------------------
if scores_tab.open:
    with scores_tab:
        distribution = cached(sat.compute_score_distribution, ctx.filters, survey)
        ui.chart(charts.plot_score_distribution(distribution, survey), distribution,
                 f"{survey}_distribution")

# -- segments -----------------------------------------------------------------------------
if segments_tab.open:
    with segments_tab:
        segments = cached(sat.compute_segment_scores, ctx.filters, survey, min_answers)
        names = segments["segment"].unique(maintain_order=True).to_list()
        if not names:
            st.info("These answers carry no segment column (channel, touchpoint, product, "
                    "country, device).", icon=":material/info:")
        else:
            st.caption(f"Best {label} on top; bars are 95% intervals; grey groups have fewer "
                       f"than {min_answers} answers. The dotted line is all answers.")
            for name in names:
                part = segments.filter(segments["segment"] == name)
                ui.chart(charts.plot_segment_scores(segments, name, survey, overall=row["score"],
                                                    min_answers=min_answers),
                         part, f"{survey}_by_{name}")

# -- after the answer ---------------------------------------------------------------------
if after_tab.open:
    with after_tab:
        window = st.number_input(
            "Follow-up window in days (0 = up to the last order in the data)", min_value=0,
            step=30, key="sat_window",
            help="With a window, only answers with that many days of order data after them "
                 "are compared, so every group is followed equally long.")
        if row["with_customer"] == 0:
            st.info(f"These {label} answers carry no customer_id, so they cannot be linked to "
                    "orders.", icon=":material/link_off:")
        elif not ctx.ws.has("orders"):
            st.info("Import orders to see what customers bought after answering.",
                    icon=":material/info:")
        else:
            outcomes = cached(sat.compute_outcomes_after_answer, ctx.filters, survey,
                              int(window) or None, min_answers)
            if outcomes["customers"].sum() == 0:
                st.info("None of the customers who answered can be followed in the orders: "
                        "their customer_id is not in the orders, the answers have no date, or "
                        "no order data follows them.", icon=":material/info:")
            else:
                ui.chart(charts.plot_outcomes_after_answer(outcomes), outcomes,
                         f"{survey}_outcomes_after_answer")
                st.dataframe(outcomes, hide_index=True, column_config={
                    "repeat_rate": st.column_config.NumberColumn("bought again", format="percent"),
                    "repeat_low": st.column_config.NumberColumn("95% low", format="percent"),
                    "repeat_high": st.column_config.NumberColumn("95% high", format="percent"),
                    "orders_per_customer": st.column_config.NumberColumn(format="%.2f"),
                    "revenue_per_customer": st.column_config.NumberColumn(format="%.2f"),
                    "revenue_after": st.column_config.NumberColumn(format="%.2f"),
                })
                st.caption("Each customer counts once, from their first dated answer. Only "
                           "kept orders strictly after the answer count (not narrowed by the "
                           "filters). 'bought again' = share of the customers followed with at "
                           "least one such order; per-customer figures divide by all customers "
                           "followed. answered → linked (customer found in the orders) → "
                           "customers followed.")

# -- comments -----------------------------------------------------------------------------
if comments_tab.open:
    with comments_tab:
        if row["with_comment"] == 0:
            st.info(f"These {label} answers have no comments.", icon=":material/chat_bubble:")
        else:
            words = cached(sat_comments.compute_top_words, ctx.filters, survey)
            ui.chart(charts.plot_top_words(words, survey), words, f"{survey}_top_words")
            left, right = st.columns([1, 2])
            groups = left.multiselect("Groups", sat.GROUPS[survey], key=f"sat_groups_{survey}",
                                      format_func=charts.GROUP_LABELS.get, placeholder="All")
            search = right.text_input("Search comments", key="sat_search",
                                      placeholder="a word or phrase, e.g. delivery")
            comments = cached(sat_comments.list_comments, ctx.filters, survey, tuple(groups), search)
            st.caption(f"{comments.height:,} comments")
            st.dataframe(comments.drop("survey"), hide_index=True,
                         column_config={"comment": st.column_config.TextColumn(width="large")})
            ui.download_csv(comments, f"{survey}_comments.csv", label="Comments as CSV")
