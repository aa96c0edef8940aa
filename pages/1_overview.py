"""Overview: last complete week (or month) against the one before, what changed, report."""

import streamlit as st

from dashboard import state
from dashboard.ui import chart, empty_state, run_or_stop
from retention_core.charts.overview import plot_kpi_trends
from retention_core.metrics.overview import compute_overview
from retention_core.report import build_report_html

ctx = state.page_context()
st.title("Overview")

# Founders compare weeks; the global period (cohort size elsewhere) does not apply here.
period = st.segmented_control("Compare", ("week", "month"), default="week", key="overview_period",
                              format_func=lambda p: f"Last complete {p}") or "week"
overview = run_or_stop(state.cached, compute_overview, ctx.ws, ctx.filters, period)
if overview.current_start is None:
    empty_state("No data yet: import orders, survey answers or funnel events on the Data page.")

previous = overview.tiles[0].get("previous_start") if overview.tiles else None
st.caption(
    f"{period.capitalize()} starting {overview.current_start:%Y-%m-%d} (the last complete "
    f"{period}) against the one starting {previous:%Y-%m-%d}" if previous else
    f"{period.capitalize()} starting {overview.current_start:%Y-%m-%d}: no earlier {period} to compare."
)
st.caption(f"Data up to {overview.as_of:%Y-%m-%d}; the {period} containing it is partial and is "
           "not compared. Filters: " + ctx.filters.describe() + ".")

COLUMNS = 4
for start in range(0, len(overview.tiles), COLUMNS):
    cols = st.columns(COLUMNS)
    for col, tile in zip(cols, overview.tiles[start:start + COLUMNS], strict=False):
        with col:
            if tile["available"]:
                st.metric(tile["label"], tile["value_text"],
                          delta=tile["delta_text"].replace(" vs previous", "") or None,
                          # green when the move is good: for cart abandonment, a fall
                          delta_color="off" if tile["tone"] == "flat"
                          else ("normal" if tile["higher_is_better"] else "inverse"),
                          delta_arrow="auto", border=True,
                          help=f"Previous {period}: {tile['previous_text']}")
            else:
                st.metric(tile["label"], "–", border=True, help=tile["missing_reason"])
                st.caption(tile["missing_reason"])

st.subheader("What changed")
if overview.sentences:
    st.markdown("\n".join(f"- {s}" for s in overview.sentences))
else:
    st.write(f"No KPI moved by more than 2% from one {period} to the next.")

st.subheader(f"Last {len(overview.series.tail(12))} {period}s")
chart(plot_kpi_trends(overview.series, overview.current_start), overview.series, "kpis_per_period")

st.subheader("Weekly report")
st.write("One self-contained HTML file (charts included, nothing loaded from the network) to "
         "forward to the team. The same file comes from "
         "`python -m retention_core report --out report.html` for cron.")
if st.button("Prepare the report", icon=":material/description:"):
    with st.spinner("Building the report…"):
        html = run_or_stop(state.cached, build_report_html, ctx.ws, ctx.filters, period)
    st.download_button("Download report.html", html.encode("utf-8"),
                       file_name=f"retention-report-{overview.current_start:%Y-%m-%d}.html",
                       mime="text/html", icon=":material/download:", on_click="ignore")
