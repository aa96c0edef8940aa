"""Customer value: historic CLV, simple CLV, RFM segments and the validated predictive model."""

import streamlit as st

from dashboard import state, ui
from retention_core.charts import clv as charts
from retention_core.metrics import clv, historic_value, rfm
from retention_core.models.clv import MAX_HORIZON_MONTHS, TIME_UNITS

ctx = state.page_context()
# widgets of the tabs, which are drawn only while their tab is open
state.keep_widget_values({"clv_log_scale": True})

st.title("Customer value")

bounds = state.cached(clv.order_date_bounds, ctx.ws, ctx.filters)
if bounds is None:
    ui.empty_state("No orders with a customer in this view: customer value needs to know who "
                   "bought. Import orders with a customer column (e-mail or customer ID), or "
                   "widen the filters.")
first_day, last_day = bounds
st.caption(f"Orders from {first_day} to {last_day} ({ctx.filters.describe()}); guest orders "
           "are left out. Revenue is net of cancelled and refunded orders.")

if not first_day <= st.session_state.get("clv_calibration_end", first_day) <= last_day:
    del st.session_state["clv_calibration_end"]  # the filters moved the date range

with st.expander("Model settings", expanded=False, icon=":material/tune:"):
    c1, c2, c3, c4 = st.columns(4)
    calibration_end = c1.date_input(
        "Calibration end", value=clv.default_calibration_end(first_day, last_day),
        min_value=first_day, max_value=last_day, format="YYYY-MM-DD", key="clv_calibration_end",
        help="The model learns from orders up to this day and is checked against the days "
             "after it (the holdout).")
    time_unit = c2.segmented_control(
        "Time unit", tuple(TIME_UNITS), default="week", key="clv_time_unit",
        help="Unit of frequency, recency and T. A month is 365.25/12 days.") or "week"
    horizon = c3.number_input("Horizon (months)", min_value=1, max_value=MAX_HORIZON_MONTHS,
                              value=12, step=1, key="clv_horizon")
    discount = c4.number_input("Discount rate per month", min_value=0.0, max_value=0.2,
                               value=0.01, step=0.005, format="%.3f", key="clv_discount",
                               help="0.01 = 1% a month (about 12.7% a year).")

# Only the open tab runs (?clv_tab= in the URL opens it): the RFM scoring and the model
# fit are the slow parts and run only when their tab is on screen.
tab_history, tab_segments, tab_model = st.tabs(
    ["Historic value", "RFM segments", "Predictive CLV"], key="clv_tab", bind="query-params")

if tab_history.open:
    with tab_history:
        overview = ui.run_or_stop(state.cached, historic_value.compute_value_overview, ctx.ws,
                                  ctx.filters)
        cols = st.columns(5)
        cols[0].metric("Customers", overview["customers"], format="localized")
        cols[1].metric("Mean historic CLV", overview["mean"], format="%.2f",
                       help="Revenue to date per customer.")
        cols[2].metric("Median", overview["percentiles"]["value"][2], format="%.2f")
        cols[3].metric("Top 10% of customers", overview["top_10_share"], format="percent",
                       help="Share of revenue from the 10% of customers who spent most.")
        cols[4].metric("Top 20% of customers", overview["top_20_share"], format="percent")

        left, right = st.columns(2)
        with left:
            log_scale = st.toggle("Log scale", key="clv_log_scale")
            histogram = state.cached(historic_value.compute_value_histogram, ctx.ws,
                                     ctx.filters, log_scale)
            ui.chart(charts.plot_clv_histogram(histogram, log_scale=log_scale), histogram,
                     "clv-histogram")
            st.dataframe(overview["percentiles"], hide_index=True, width="content",
                         column_config={"percentile": st.column_config.NumberColumn(format="p%d"),
                                        "value": st.column_config.NumberColumn(
                                            "historic CLV", format="%.2f")})
        with right:
            ui.chart(charts.plot_lorenz_curve(overview["lorenz"], gini=overview["gini"]),
                     overview["lorenz"], "lorenz-curve")

        cohort_value = state.cached(historic_value.compute_cohort_value, ctx.ws, ctx.filters,
                                    ctx.period)
        ui.chart(charts.plot_cohort_value(cohort_value, period=ctx.period), cohort_value,
                 "cohort-value")
        st.caption("Open markers: the current period, still partial.")

        st.subheader("Simple CLV")
        simple = state.cached(historic_value.compute_simple_clv, ctx.ws, ctx.filters)
        st.markdown("Average yearly revenue per customer × expected lifespan in years, where "
                    "lifespan = 1 / yearly churn rate.")
        cols = st.columns(4)
        cols[0].metric("Average yearly revenue per customer", simple["average_yearly_revenue"],
                       format="%.2f",
                       help=f"Revenue {simple['revenue_year']:,.2f} from "
                            f"{simple['customers_year']:,} customers who ordered between "
                            f"{simple['year_start']} and {simple['as_of']}.")
        cols[1].metric("Yearly churn rate", simple["yearly_churn_rate"], format="percent",
                       help=f"Of {simple['customers_prior_year']:,} customers who ordered between "
                            f"{simple['prior_year_start']} and {simple['year_start']}, "
                            f"{simple['retained_customers']:,} ordered again in the last year.")
        cols[2].metric("Expected lifespan (years)", simple["expected_lifespan_years"],
                       format="%.2f")
        cols[3].metric("Simple CLV", simple["simple_clv"], format="%.2f")
        if simple["note"]:
            st.info(simple["note"], icon=":material/info:")

if tab_segments.open:
    with tab_segments:
        with st.spinner("Scoring customers and fitting the CLV models…"):
            scored = ui.run_or_stop(state.cached, rfm.summarise_customers, ctx.ws, ctx.filters,
                                    time_unit, int(horizon), float(discount))
        if scored["model_error"]:
            st.warning("P(alive) and predicted CLV are not available: " + scored["model_error"],
                       icon=":material/warning:")
        for note in scored["notes"]:
            st.caption(f"Model note: {note}")
        segments = scored["segments"]
        ui.chart(charts.plot_segment_sizes(segments), segments, "rfm-segments")
        st.dataframe(segments, hide_index=True, column_config={
            "customer_share": st.column_config.NumberColumn("customers %", format="percent"),
            "revenue_share": st.column_config.NumberColumn("revenue %", format="percent"),
            "revenue": st.column_config.NumberColumn(format="%.2f"),
            "average_revenue": st.column_config.NumberColumn(format="%.2f"),
            "mean_p_alive": st.column_config.NumberColumn("mean P(alive)", format="percent"),
            "predicted_clv": st.column_config.NumberColumn(f"predicted CLV ({int(horizon)} m)",
                                                           format="%.2f"),
        })
        st.caption("Scores are quintiles as of the last order day (5 = best); customers with the "
                   "same value share a score. Segments come from the recency and frequency "
                   "scores.")
        top_customers = scored["top_customers"]
        st.subheader("Customers")
        if top_customers.height < scored["customers"]:
            st.caption(f"The {top_customers.height:,} customers with the highest predicted CLV "
                       f"of {scored['customers']:,}; download a segment below for all of them.")
        st.dataframe(top_customers, hide_index=True, height=420, column_config={
            "first_order": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "last_order": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "revenue": st.column_config.NumberColumn("historic CLV", format="%.2f"),
            "p_alive": st.column_config.ProgressColumn("P(alive)", min_value=0.0, max_value=1.0,
                                                       format="percent"),
            "expected_purchases": st.column_config.NumberColumn(
                f"purchases next {int(horizon)} m", format="%.2f"),
            "predicted_clv": st.column_config.NumberColumn(
                f"predicted CLV ({int(horizon)} m)", format="%.2f"),
        })
        chosen = st.selectbox("Export a segment for an e-mail campaign", segments["segment"],
                              key="clv_export_segment")
        if chosen:
            # the CSV is built on click: the per-customer table is not kept for every rerun
            st.download_button(
                f"Download {chosen} customers (CSV)",
                lambda: state.cached(rfm.export_segment, ctx.ws, ctx.filters, chosen, time_unit,
                                     int(horizon), float(discount)),
                file_name=rfm.segment_file_name(chosen), mime="text/csv", key="dl_segment",
                icon=":material/download:", on_click="ignore")

if tab_model.open:
    with tab_model:
        with st.spinner("Fitting BG/NBD and Gamma-Gamma…"):
            result = ui.run_or_stop(state.cached, clv.validate_clv_model, ctx.ws, ctx.filters,
                                    calibration_end, time_unit, None, int(horizon), float(discount),
                                    bounds=bounds)
        holdout = result["holdout"]
        for note in result["notes"]:
            st.info(note, icon=":material/info:")
        cols = st.columns(5)
        cols[0].metric("Customers in calibration", result["customers"], format="localized",
                       help=f"First order on or before {result['calibration_end']}; "
                            f"{result['repeat_customers']:,} of them bought again.")
        if holdout is None:
            st.info("There are no orders after the calibration end, so the prediction cannot be "
                    "checked. Pick an earlier calibration end in Model settings.",
                    icon=":material/info:")
        else:
            cols[1].metric("Holdout repeat purchases", holdout["actual_repeat_purchases"],
                           format="%,.0f",
                           help=f"{holdout['start']} to {holdout['end']} ({holdout['days']} days).")
            cols[2].metric("Model prediction", holdout["predicted_repeat_purchases"],
                           format="%,.1f")
            cols[3].metric("Error of the total", holdout["error"], format="percent",
                           help="Predicted / actual − 1 over the holdout.")
            cols[4].metric("Mean absolute error per customer", holdout["mae"], format="%.3f",
                           help=f"RMSE {holdout['rmse']:.3f}. Holdout revenue: actual "
                                f"{holdout['actual_revenue']:,.2f}, predicted "
                                f"{holdout['predicted_revenue']:,.2f}.")
            left, right = st.columns(2)
            with left:
                ui.chart(charts.plot_holdout_by_frequency(result["by_frequency"]),
                         result["by_frequency"], "holdout-by-frequency")
            with right:
                ui.chart(charts.plot_cumulative_repeat_purchases(result["tracking"],
                                                                 result["calibration_end"]),
                         result["tracking"], "cumulative-repeat-purchases")
        clv_summary = result["clv"]
        st.markdown(f"**Predicted CLV over {clv_summary['horizon_months']} months** as of "
                    f"{clv_summary['as_of']} (discounted at {clv_summary['discount_rate']:.1%} a "
                    f"month): mean {clv_summary['mean']:,.2f}, median {clv_summary['median']:,.2f} "
                    f"per customer. The RFM segments tab shows each customer's CLV from a fit on "
                    f"all orders up to {last_day}.")
        with st.expander("Parameters and definitions"):
            st.dataframe(clv.tabulate_parameters(result), hide_index=True, width="content",
                         column_config={"value": st.column_config.NumberColumn(format="%.4g")})
            st.markdown(
                f"- **frequency**: repeat purchase days in the calibration window (orders on the "
                f"same day count once); **recency**: first to last purchase; **T**: first purchase "
                f"to the calibration end; all in {time_unit}s.\n"
                "- **BG/NBD** (Fader, Hardie & Lee 2005) predicts repeat purchases and P(alive); "
                "**Gamma-Gamma** (Fader, Hardie & Lee 2005; Fader & Hardie 2013) the spend per "
                "purchase. CLV = expected spend × purchases expected in each month, discounted.\n"
                "- Gamma-Gamma assumes spend does not depend on frequency: correlation here "
                f"{result['spend_frequency_correlation']:.2f}.")
