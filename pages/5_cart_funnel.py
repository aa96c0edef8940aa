"""Cart funnel: where carts are abandoned, on which devices, and what it costs (issue 6)."""

import streamlit as st

from dashboard import state, ui
from retention_core.charts import funnel as charts
from retention_core.metrics import funnel

ctx = state.page_context()

st.title("Cart funnel")

stages_frame = ui.run_or_stop(state.cached, funnel.list_funnel_stages, ctx.ws, ctx.filters)
if stages_frame.is_empty():
    if ctx.ws.has("events"):
        st.info("No funnel events match the filters: widen the date range or clear the "
                "channel / device filters.", icon=":material/filter_alt_off:")
        st.stop()
    ui.empty_state("No funnel events yet. Import an events export (views, add-to-cart, "
                   "checkouts, purchases; GA4 or a Shopify abandoned-checkouts export) "
                   "on the Data page.")
stages = stages_frame["stage"].to_list()

left, middle, right = st.columns(3)
unit = left.radio("Count", funnel.UNITS, horizontal=True, key="funnel_unit",
                  format_func=lambda u: f"{u}s".capitalize(),
                  help="A session, or a customer across sessions (events without a "
                       "customer are then left out).")
window = middle.number_input("Conversion window (days)", min_value=1, max_value=funnel.MAX_DAYS,
                             value=funnel.DEFAULT_WINDOW_DAYS, step=1, key="funnel_window",
                             help="A unit reaches a step when it gets there, in order, within "
                                  "this many days of one of its first-step events.")
recovery = right.number_input("Recovery window (days)", min_value=0, max_value=funnel.MAX_DAYS,
                              value=funnel.DEFAULT_RECOVERY_DAYS, step=1, key="funnel_recovery",
                              help="An abandoned cart is recovered when the same customer "
                                   "buys within this many days after it.")
st.caption(f"Steps: {funnel.describe_stages(stages)} · {ctx.filters.describe()}")


report = ui.run_or_stop(state.cached, funnel.compute_funnel_report, ctx.ws, ctx.filters,
                        window_days=window, unit=unit, recovery_days=recovery)
steps = report["funnel"]
rate = report["cart_abandonment_rate"]
carts = report["abandoned_carts"]
timing = report["time_to_purchase_summary"]
cart_label = "Cart" if report["cart_stage"] != "checkout" else "Checkout"

# -- KPIs --------------------------------------------------------------------------------
k1, k2, k3, k4 = st.columns(4)
k1.metric(f"{unit.capitalize()}s", steps["units"][0], format="localized",
          help="Units with a first-step event in the filters.")
k2.metric(f"{cart_label} abandonment", "n/a" if rate is None else rate, format="percent",
          help="1 - units reaching purchase / units reaching the cart step."
               + (" No purchase events in scope." if "purchase" not in stages else ""))
k3.metric("Abandoned value", "n/a" if carts["abandoned_value"] is None
          else carts["abandoned_value"], format="compact",
          help="Last checkout value of each abandoned cart, else the sum of its add-to-cart "
               "values (store currency).")
k4.metric("Value recovered", "n/a" if carts["recovered_value_share"] is None
          else carts["recovered_value_share"], format="percent",
          help=f"Share of the abandoned value whose customer bought within {recovery} "
               "day(s) after leaving the cart.")

# -- funnel and drop-off -----------------------------------------------------------------
st.subheader("Where they drop out")
ui.chart(charts.plot_funnel(steps, unit), steps, "funnel")
st.dataframe(steps, hide_index=True, column_config={
    "step": None,
    "stage": st.column_config.TextColumn("Stage"),
    "units": st.column_config.NumberColumn(f"{unit.capitalize()}s", format="localized"),
    "conversion_from_first": st.column_config.NumberColumn("From first", format="percent"),
    "conversion_from_previous": st.column_config.NumberColumn("From previous",
                                                              format="percent"),
    "drop_off": st.column_config.NumberColumn("Lost", format="localized"),
    "drop_off_rate": st.column_config.NumberColumn("Drop-off", format="percent"),
})
ui.download_csv(steps, "funnel_drop_off.csv", label="Drop-off table as CSV")

# -- weekly trend ------------------------------------------------------------------------
st.subheader(f"{cart_label} abandonment by week")
trend = report["trend"]
ui.chart(charts.plot_abandonment_trend(trend, f"{cart_label} abandonment"), trend,
         "cart_abandonment_weekly")
st.caption("Units count in the week of their first funnel event. Open grey points are "
           "partial weeks: the latest week, and weeks whose units can still convert within "
           "the window.")

# -- breakdowns --------------------------------------------------------------------------
st.subheader("By device and by source")
columns = st.columns(2)
for column, dimension in zip(columns, funnel.DIMENSIONS, strict=True):
    with column:
        by_steps = report[f"funnel_by_{dimension}"]
        ui.chart(charts.plot_funnel_breakdown(by_steps, dimension), by_steps,
                 f"funnel_by_{dimension}")
        by_rate = report[f"abandonment_by_{dimension}"]
        st.dataframe(by_rate, hide_index=True, column_config={
            "group": st.column_config.TextColumn(dimension.capitalize()),
            "units": st.column_config.NumberColumn(f"{unit.capitalize()}s", format="localized"),
            "carts": st.column_config.NumberColumn("Carts", format="localized"),
            "purchases": st.column_config.NumberColumn("Purchases", format="localized"),
            "cart_abandonment_rate": st.column_config.NumberColumn("Abandonment",
                                                                   format="percent"),
        })
        ui.download_csv(by_rate, f"cart_abandonment_by_{dimension}.csv",
                        label="Abandonment table as CSV")

# -- time to purchase and abandoned value ------------------------------------------------
time_col, value_col = st.columns(2)
with time_col:
    st.subheader("Time to purchase")
    t1, t2 = st.columns(2)
    t1.metric("Median", "n/a" if timing["median_hours"] is None else timing["median_hours"],
              format="%.1f h")
    t2.metric("90% within", "n/a" if timing["p90_hours"] is None else timing["p90_hours"],
              format="%.1f h")
    buckets = report["time_to_purchase"]
    ui.chart(charts.plot_time_to_purchase(buckets, unit), buckets, "time_to_purchase")
with value_col:
    st.subheader("Abandoned carts")
    if carts["abandoned_carts"] is None:
        st.info("Abandonment needs both a cart step (add-to-cart or checkout events) and "
                "purchase events in scope.", icon=":material/info:")
    else:
        v1, v2 = st.columns(2)
        v1.metric("Abandoned carts", carts["abandoned_carts"], format="localized")
        v1.metric("Recovered carts", carts["recovered_carts"], format="localized")
        v2.metric("Abandoned value", "n/a" if carts["abandoned_value"] is None
                  else carts["abandoned_value"], format="localized")
        v2.metric("Recovered value", "n/a" if carts["recovered_value"] is None
                  else carts["recovered_value"], format="localized")
        if carts["carts_without_value"]:
            st.caption(f"{carts['carts_without_value']:,} abandoned carts have no value in "
                       "the data; they count as carts, not in the value.")
        summary = funnel.abandoned_carts_frame(carts)
        st.dataframe(summary, hide_index=True)
        ui.download_csv(summary, "abandoned_carts.csv", label="Abandoned carts as CSV")
