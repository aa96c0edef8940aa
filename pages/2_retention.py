"""Retention: how many customers come back, when, and which kinds come back most (issue 3)."""

import polars as pl
import streamlit as st

from dashboard import state, ui
from retention_core.charts import retention as charts
from retention_core.filters import PERIODS
from retention_core.metrics import retention as ret
from retention_core.metrics import segments as seg

REPEAT = "Repeat buying"  # the tab that draws the customer retention rate series

ctx = state.page_context()
# widgets of the tabs, which are drawn only while their tab is open
state.keep_widget_values({"ret_dimension": next(iter(seg.SEGMENT_DIMENSIONS)),
                          "ret_compare_at": 1, "ret_min_customers": seg.DEFAULT_MIN_CUSTOMERS})

st.title("Retention")


def cached(fn, *args, **kwargs):
    return ui.run_or_stop(state.cached, fn, ctx.ws, *args, **kwargs)


# -- controls -------------------------------------------------------------------------------
controls = st.columns([3, 2, 3], vertical_alignment="bottom")
# keyed on the global period, so changing it in the sidebar resets this one to match
period = controls[0].segmented_control(
    "Cohort period", PERIODS, default=ctx.period, required=True, format_func=str.capitalize,
    key=f"ret_period_{ctx.period}") or ctx.period
unbounded = controls[1].toggle(
    "Unbounded", key="ret_unbounded",
    help="Bounded (default): share of a cohort with an order in that exact period. "
         "Unbounded: with an order in that period or any later one.")
with controls[2].expander("Windows"):
    activity_days = int(st.number_input(
        "Activity window (days)", min_value=1, value=ret.DEFAULT_ACTIVITY_DAYS, step=30,
        key="ret_activity", help="A customer is active while their last order is this recent "
                                 "(used by the customer retention rate)."))
    churn_days = int(st.number_input(
        "Churn window (days)", min_value=1, value=ret.DEFAULT_CHURN_DAYS, step=30,
        key="ret_churn", help="A customer has churned when their last order is older than this."))

# Order KPIs, churn and the last complete period's CRR: one pass over the orders. The
# Repeat buying tab draws the whole CRR series, so there the tile takes its value from it
# instead (the same number). Which tab is open is known from the previous run; a wrong
# guess on the first one costs a little time, never a different number.
crr_series_shown = st.session_state.get("ret_tab") == REPEAT
figures = cached(ret.compute_retention_tiles, ctx.filters, churn_days, period=period,
                 activity_days=None if crr_series_shown else activity_days)
kpis, churn = figures["kpis"], figures["churn"]
if kpis["orders"] == 0:
    if ctx.ws.has("orders"):
        ui.empty_state(f"No orders match the filters ({ctx.filters.describe()}). Widen the date "
                       "range or clear the channel, country or device filter.", link_to_data=False)
    ui.empty_state("There are no orders yet. Import an orders export on the Data page to see "
                   "cohorts, repeat purchases and the segments that keep customers.")
if kpis["customers"] == 0:
    ui.empty_state("These orders carry no customer_id (all guest orders), so nobody can be "
                   "followed from one order to the next. Map a customer column (e-mail or "
                   "customer id) when importing.", link_to_data=True)

scope = cached(ret.describe_as_of, ctx.filters, period)
in_progress = (f"; the {period} starting {scope['current_start']:%Y-%m-%d} is still in progress "
               "(grey / hatched / '…', never counted as a drop)" if scope["is_partial"] else "")
st.caption(f"As of {scope['as_of']:%Y-%m-%d}{in_progress}. Filters: {ctx.filters.describe()}. "
           "Guest orders count for revenue, not for customers.")
# the CRR series, the returning share and the time between orders: one query, on the
# Repeat buying tab only
repeat = (cached(ret.compute_repeat_buying, ctx.filters, period, activity_days)
          if crr_series_shown else None)
last_crr = ret.latest_complete_crr(repeat["crr"]) if repeat is not None else figures["crr"]

# -- KPI tiles ------------------------------------------------------------------------------
tiles = st.columns(4)
tiles[0].metric("Repeat purchase rate", kpis["repeat_purchase_rate"], format="percent",
                border=True, help="Customers with 2+ orders / customers with 1+ orders, "
                                  "orders within the filters.")
if last_crr["crr"] is None:
    tiles[1].metric("Customer retention rate", "—", border=True,
                    help="Needs a complete period with customers active at its start.")
else:
    tiles[1].metric(f"CRR, {charts.format_period(last_crr['period_start'], period)}",
                    last_crr["crr"], format="percent", border=True,
                    help=f"(E − N) / S of the last complete {period}: active customers at its "
                         f"end minus new ones, over active at its start; active = an order in "
                         f"the last {activity_days} days.")
if churn["median_days_to_second"] is None:
    tiles[2].metric("Median days to 2nd order", "—", border=True,
                    help="No customer has a second order yet.")
else:
    tiles[2].metric("Median days to 2nd order", churn["median_days_to_second"], format="%.0f",
                    border=True, help="Among customers with a second order.")
tiles[3].metric("Churned customers", churn["churned_share"], format="percent", border=True,
                help=f"No order in the {churn_days} days up to {scope['as_of']:%Y-%m-%d}.")
tiles[3].caption(f"{churn['churned']:,} of {churn['customers']:,} customers")
ui.download_csv(pl.DataFrame([{**kpis, **churn, "crr": last_crr["crr"],
                               "crr_period": last_crr["period_start"]}]),
                "retention_kpis.csv", label="KPIs as CSV")

# Only the open tab runs (its label is in the URL as ?ret_tab=, so a link opens it): a
# click on a filter or control computes what is on screen, not all three tabs.
cohorts_tab, segments_tab, repeat_tab = st.tabs(
    ["Cohorts", "Segments that keep customers", REPEAT], key="ret_tab", bind="query-params")

# -- cohorts --------------------------------------------------------------------------------
if cohorts_tab.open:
    with cohorts_tab:
        table = cached(ret.compute_cohort_table, ctx.filters, period, unbounded)
        ui.chart(charts.plot_retention_heatmap(table, period, unbounded), table,
                 f"cohort_retention_{period}{'_unbounded' if unbounded else ''}")
        average = ret.compute_average_retention(table)
        ui.chart(charts.plot_retention_curves(table, average, period), average,
                 f"retention_curve_{period}{'_unbounded' if unbounded else ''}")
        st.caption("Bold line: the average over cohorts weighted by their size, from complete "
                   f"{period}s only. {period.capitalize()} 0 is 100% by definition and left out of "
                   "the curves so the differences show.")

# -- segments -------------------------------------------------------------------------------
if segments_tab.open:
    with segments_tab:
        pick = st.columns([2, 1, 1], vertical_alignment="bottom")
        dimension = pick[0].selectbox("Split customers by their first order's",
                                      list(seg.SEGMENT_DIMENSIONS), key="ret_dimension",
                                      format_func=seg.SEGMENT_DIMENSIONS.get)
        period_index = int(pick[1].number_input(f"Compare at {period}", min_value=0, step=1,
                                                key="ret_compare_at"))
        min_customers = int(pick[2].number_input("Minimum customers", min_value=1, step=10,
                                                 key="ret_min_customers"))
        comparison = cached(seg.compare_segments, ctx.filters, dimension, period, period_index,
                            unbounded, min_customers=min_customers)
        said = comparison["summary"]
        if said["sentence"]:
            st.markdown(said["sentence"])
        for warning in said["warnings"]:
            st.warning(warning, icon=":material/warning:")
        ranking = comparison["ranking"]
        ui.chart(charts.plot_segment_ranking(ranking, period, period_index), ranking,
                 f"segments_{dimension}_{period}_{period_index}")
        st.dataframe(ranking, hide_index=True, column_config={
            "repeat_purchase_rate": st.column_config.NumberColumn("repeat purchase rate",
                                                                  format="percent"),
            "eligible": st.column_config.NumberColumn(
                "customers followed", help=f"Customers of cohorts whose {period} {period_index} "
                                           "is complete"),
            "rate": st.column_config.NumberColumn(f"retention at {period} {period_index}",
                                                  format="percent"),
            "ci_low": st.column_config.NumberColumn("95% low", format="percent"),
            "ci_high": st.column_config.NumberColumn("95% high", format="percent"),
        })
        curves = comparison["curves"]
        ui.chart(charts.plot_segment_curves(curves, period, min_customers), curves,
                 f"segment_curves_{dimension}_{period}")
        st.caption(f"Points resting on fewer than {min_customers} customers are not drawn. "
                   "Intervals: 95% Wilson score. Beyond the 10 largest segments the rest are "
                   "pooled as '(other)'.")

# -- repeat buying --------------------------------------------------------------------------
if repeat_tab.open:
    with repeat_tab:
        if repeat is None:  # (the guess above was wrong)
            repeat = cached(ret.compute_repeat_buying, ctx.filters, period, activity_days)
        returning, crr = repeat["returning"], repeat["crr"]
        ui.chart(charts.plot_returning_revenue(returning, period), returning,
                 f"revenue_new_vs_returning_{period}")
        ui.chart(charts.plot_customer_retention_rate(crr, period), crr,
                 f"customer_retention_rate_{period}")
        gaps = repeat["gaps"]
        ui.chart(charts.plot_time_between_orders(gaps), gaps, "time_between_orders")
        st.caption("Days between order dates (two orders on one day: 0). First to second "
                   "order: customers acquired in the date range.")
