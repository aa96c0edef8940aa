"""Figures of the retention page. Each takes a frame from ``metrics.retention`` or
``metrics.segments`` and returns a plotly figure; no streamlit here.

The period containing "as of" is in progress: its cells and points are drawn apart
(grey, hatched or open markers, "in progress" in the hover) and never as part of a
curve, so an unfinished period never looks like a drop.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from retention_core.charts import latest_cohorts

RETENTION_SCALE = "Blues"
MAX_HEATMAP_COHORTS = 52  # a year of weekly cohorts, four of monthly ones
PARTIAL_COLOUR = "#c7c9cc"
AVERAGE_COLOUR = "#1f4e9c"
COHORT_COLOUR = "rgba(90, 130, 200, 0.35)"
SMALL_COLOUR = "#9aa0a6"
BUYER_COLOURS = {"new": "#7fb3e6", "returning": "#1f4e9c", "guest": "#c7c9cc"}
BUYER_LABELS = {"new": "New customers", "returning": "Returning customers", "guest": "Guests"}
PERIOD_NAMES = {"week": "Week", "month": "Month", "quarter": "Quarter"}
LEGEND = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}


def _empty(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis={"visible": False}, yaxis={"visible": False},
                      annotations=[{"text": message, "showarrow": False, "x": 0.5, "y": 0.5,
                                    "xref": "paper", "yref": "paper"}])
    return fig


def format_period(start: date, period: str) -> str:
    """A period's label: ``2026-11-09`` (week), ``2026-11`` (month), ``2026 Q4``."""
    if period == "week":
        return start.isoformat()
    if period == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def plot_retention_heatmap(cohort_table: pl.DataFrame, period: str = "month",
                           unbounded: bool = False,
                           max_cohorts: int = MAX_HEATMAP_COHORTS) -> go.Figure:
    """Cohort triangle: one row per cohort, one column per period index.

    A narrow column on the left gives each cohort's size. Cells show the retention rate;
    the hover gives the customers retained, the cohort size and the period. Cells of the
    period in progress are grey with "in progress" in the hover.

    Only the ``max_cohorts`` most recent cohorts are drawn, and the title says so: eight
    years of weekly cohorts are 84,000 cells, which took 3 s to build and 11 MB to send,
    in rows a pixel high. The table behind the chart (its CSV) keeps every cohort.
    """
    kind = "unbounded" if unbounded else "bounded"
    title = f"Retention by {period}ly cohort ({kind})"
    if cohort_table.is_empty():
        return _empty(title, "No customers with orders")
    cohort_table, left_out = latest_cohorts(cohort_table, max_cohorts)
    title += left_out
    cohorts = sorted(cohort_table.get_column("cohort").unique().to_list())
    labels = [format_period(c, period) for c in cohorts]
    row_of = {c: i for i, c in enumerate(cohorts)}
    width = int(cohort_table.get_column("period_index").max()) + 1
    done = [[None] * width for _ in cohorts]
    partial = [[None] * width for _ in cohorts]
    text = [[""] * width for _ in cohorts]
    custom = [[None] * width for _ in cohorts]
    sizes = [0] * len(cohorts)
    for row in cohort_table.iter_rows(named=True):
        i, k = row_of[row["cohort"]], row["period_index"]
        sizes[i] = row["cohort_size"]
        pct = 100 * row["rate"]
        (partial if row["is_partial"] else done)[i][k] = pct
        text[i][k] = f"{pct:.0f}%" + ("…" if row["is_partial"] else "")
        custom[i][k] = [row["retained"], row["cohort_size"],
                        format_period(row["period_start"], period),
                        " (in progress)" if row["is_partial"] else "", labels[i]]
    later = [done[i][k] for i in range(len(cohorts)) for k in range(1, width)
             if done[i][k] is not None]
    zmax = max(later) if later and max(later) > 0 else 100.0

    # numeric axes with tick labels (plotly misplaces heatmap text on shared category
    # axes): the size column left of x = -0.5, period index k at x = k, cohort i at y = i
    columns = list(range(width))
    rows = list(range(len(cohorts)))
    size_width = max(1.0, width / 12)  # stays readable next to 100 weekly columns
    size_x = -0.5 - size_width / 2
    step = 1 if width <= 30 else -(-width // 26)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        z=[[s] for s in sizes], x=[-0.5 - size_width, -0.5], y=rows,
        colorscale=[[0, "#f1f3f4"], [1, "#f1f3f4"]], showscale=False,
        text=[[f"{s:,}"] for s in sizes], texttemplate="%{text}",
        customdata=[[[label]] for label in labels],
        hovertemplate="Cohort %{customdata[0]}: %{text} customers<extra></extra>",
        name="Cohort size",
    ))
    fig.add_trace(go.Heatmap(
        z=done, x=columns, y=rows, zmin=0, zmax=zmax, colorscale=RETENTION_SCALE,
        text=text, texttemplate="%{text}", customdata=custom, name="Retention",
        colorbar={"title": "%", "ticksuffix": "%"}, hoverongaps=False,
        hovertemplate=("Cohort %{customdata[4]}, " + PERIOD_NAMES[period].lower() + " %{x} "
                       "(%{customdata[2]}): %{customdata[0]:,} of %{customdata[1]:,} customers "
                       "= %{z:.1f}%<extra></extra>"),
    ))
    fig.add_trace(go.Heatmap(
        z=[[0 if v is not None else None for v in r] for r in partial], x=columns, y=rows,
        colorscale=[[0, PARTIAL_COLOUR], [1, PARTIAL_COLOUR]], showscale=False,
        text=[[t if partial[i][k] is not None else "" for k, t in enumerate(r)]
              for i, r in enumerate(text)],
        texttemplate="%{text}", customdata=custom, name="In progress", hoverongaps=False,
        hovertemplate=("Cohort %{customdata[4]}, " + PERIOD_NAMES[period].lower() + " %{x} "
                       "(%{customdata[2]}%{customdata[3]}): %{customdata[0]:,} of "
                       "%{customdata[1]:,} customers so far<extra></extra>"),
    ))
    fig.update_yaxes(autorange="reversed", tickvals=rows, ticktext=labels, title_text="Cohort",
                     showgrid=False, zeroline=False)
    ticks = columns[::step]
    fig.update_xaxes(tickvals=[size_x, *ticks], ticktext=["Customers", *map(str, ticks)],
                     side="top", tickangle=0, showgrid=False, zeroline=False,
                     title_text=f"{PERIOD_NAMES[period]}s since first order")
    fig.update_layout(title={"text": title, "y": 0.98, "yanchor": "top"},
                      height=max(360, 26 * len(cohorts) + 180), margin={"t": 120},
                      plot_bgcolor="white")
    return fig


def plot_retention_curves(cohort_table: pl.DataFrame, average: pl.DataFrame,
                          period: str = "month", max_cohorts: int = 24) -> go.Figure:
    """Retention by period index: one thin line per cohort, the weighted average in bold.

    Only complete cells are drawn (the period in progress is left out), from k = 1 on
    (k = 0 is 100% by definition and would flatten the rest). At most the ``max_cohorts``
    most recent cohorts get a line, so weeks stay readable.
    """
    name = PERIOD_NAMES[period]
    average = average.filter(pl.col("period_index") >= 1)
    if average.is_empty():
        return _empty("Retention curves", f"No cohort has a complete {period} after its first yet")
    fig = go.Figure()
    complete = cohort_table.filter(~pl.col("is_partial") & (pl.col("period_index") >= 1))
    recent = sorted(complete.get_column("cohort").unique().to_list())[-max_cohorts:]
    for i, cohort in enumerate(recent):
        cells = complete.filter(pl.col("cohort") == cohort).sort("period_index")
        fig.add_trace(go.Scatter(
            x=cells["period_index"].to_list(), y=(100 * cells["rate"]).to_list(),
            mode="lines", line={"color": COHORT_COLOUR, "width": 1},
            name="Cohorts", legendgroup="cohorts", showlegend=i == 0,
            customdata=cells["retained"].to_list(),
            hovertemplate=(f"Cohort {format_period(cohort, period)}, {name.lower()} %{{x}}: "
                           "%{y:.1f}% (%{customdata:,} customers)<extra></extra>"),
        ))
    fig.add_trace(go.Scatter(
        x=average["period_index"].to_list(), y=(100 * average["rate"]).to_list(),
        mode="lines+markers", line={"color": AVERAGE_COLOUR, "width": 3},
        name="Weighted average",
        customdata=list(zip(average["retained"].to_list(), average["customers"].to_list(),
                            average["cohorts"].to_list(), strict=True)),
        hovertemplate=(f"{name} %{{x}}: %{{y:.1f}}%<br>%{{customdata[0]:,}} of "
                       "%{customdata[1]:,} customers in %{customdata[2]} cohorts<extra></extra>"),
    ))
    fig.update_layout(title="Retention curves (complete periods only)",
                      xaxis={"title": f"{name}s since first order", "dtick": 1},
                      yaxis={"title": "Customers retained (%)", "rangemode": "tozero"},
                      legend=LEGEND)
    return fig


def plot_segment_curves(curves: pl.DataFrame, period: str = "month",
                        min_customers: int = 30) -> go.Figure:
    """Weighted average retention curve per segment.

    Points resting on fewer than ``min_customers`` customers are left out (too noisy), and
    so is k = 0 (100% for every segment).
    """
    name = PERIOD_NAMES[period]
    kept = curves.filter((pl.col("customers") >= min_customers) & (pl.col("period_index") >= 1))
    if kept.is_empty():
        return _empty("Retention by segment", f"No segment has {min_customers}+ customers")
    fig = go.Figure()
    for segment in kept.get_column("segment").unique(maintain_order=True).to_list():
        part = kept.filter(pl.col("segment") == segment).sort("period_index")
        fig.add_trace(go.Scatter(
            x=part["period_index"].to_list(), y=(100 * part["rate"]).to_list(),
            mode="lines+markers", name=segment,
            customdata=list(zip(part["retained"].to_list(), part["customers"].to_list(),
                                strict=True)),
            hovertemplate=(f"{segment}, {name.lower()} %{{x}}: %{{y:.1f}}% "
                           "(%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>"),
        ))
    fig.update_layout(title="Retention by segment of the first order",
                      xaxis={"title": f"{name}s since first order", "dtick": 1},
                      yaxis={"title": "Customers retained (%)", "rangemode": "tozero"},
                      legend=LEGEND)
    return fig


def plot_segment_ranking(ranking: pl.DataFrame, period: str = "month",
                         period_index: int = 1) -> go.Figure:
    """Retention at one period index per segment, with its 95% interval as error bars.

    Segments too small to tell are grey.
    """
    title = f"Retention in {period} {period_index} by segment (95% interval)"
    rated = ranking.filter(pl.col("rate").is_not_null())
    if rated.is_empty():
        return _empty(title, "No cohort is old enough for this period yet")
    rated = rated.sort("rank", descending=True)  # best at the top of a horizontal chart
    rate = (100 * rated["rate"]).to_list()
    low = (100 * rated["ci_low"]).to_list()
    high = (100 * rated["ci_high"]).to_list()
    fig = go.Figure(go.Bar(
        x=rate, y=rated["segment"].to_list(), orientation="h",
        marker={"color": [SMALL_COLOUR if s else AVERAGE_COLOUR
                          for s in rated["too_small"].to_list()]},
        error_x={"type": "data", "symmetric": False,
                 "array": [h - r for h, r in zip(high, rate, strict=True)],
                 "arrayminus": [r - lo for r, lo in zip(rate, low, strict=True)]},
        customdata=list(zip(rated["retained"].to_list(), rated["eligible"].to_list(), low, high,
                            ["  (too few customers to tell)" if s else ""
                             for s in rated["too_small"].to_list()], strict=True)),
        hovertemplate=("%{y}: %{x:.1f}% (%{customdata[0]:,} of %{customdata[1]:,}); 95% "
                       "interval %{customdata[2]:.1f}% to %{customdata[3]:.1f}%"
                       "%{customdata[4]}<extra></extra>"),
    ))
    fig.update_layout(title=title, xaxis={"title": "Customers retained (%)", "rangemode": "tozero"},
                      yaxis={"type": "category"}, height=max(300, 40 * rated.height + 120))
    return fig


def plot_time_between_orders(gaps: pl.DataFrame, bin_days: int = 7) -> go.Figure:
    """Histogram of days between consecutive orders and from first to second order."""
    title = "Time between orders"
    if gaps.is_empty():
        return _empty(title, "No customer has two orders yet")
    fig = go.Figure()
    for column, label, colour in (("between_orders", "Between consecutive orders", "#7fb3e6"),
                                  ("first_to_second", "First to second order", AVERAGE_COLOUR)):
        fig.add_trace(go.Histogram(
            x=gaps["days"].to_list(), y=gaps[column].to_list(), histfunc="sum",
            xbins={"start": 0, "size": bin_days}, name=label, marker={"color": colour},
            opacity=0.75,
            hovertemplate="%{x} days: %{y:,}<extra>" + label + "</extra>",
        ))
    fig.update_layout(title=title, barmode="overlay", legend=LEGEND,
                      xaxis={"title": f"Days ({bin_days}-day bins)", "rangemode": "tozero"},
                      yaxis={"title": "Count"})
    return fig


def plot_returning_revenue(returning: pl.DataFrame, period: str = "month") -> go.Figure:
    """Revenue per period from new customers, returning customers and guests, stacked.

    The period in progress is hatched and labelled "in progress".
    """
    title = "Revenue from new vs returning customers"
    if returning.is_empty():
        return _empty(title, "No orders")
    x = [format_period(p, period) for p in returning["period_start"].to_list()]
    partial = returning["is_partial"].to_list()
    note = [" (in progress)" if p else "" for p in partial]
    fig = go.Figure()
    for buyer in ("returning", "new", "guest"):
        fig.add_trace(go.Bar(
            x=x, y=returning[f"{buyer}_revenue"].to_list(), name=BUYER_LABELS[buyer],
            marker={"color": BUYER_COLOURS[buyer],
                    "pattern": {"shape": ["/" if p else "" for p in partial]}},
            customdata=list(zip(returning[f"{buyer}_orders"].to_list(), note, strict=True)),
            hovertemplate=("%{x}%{customdata[1]}: %{y:,.2f} from %{customdata[0]:,} orders"
                           "<extra>" + BUYER_LABELS[buyer] + "</extra>"),
        ))
    fig.update_layout(title=title, barmode="stack", legend=LEGEND,
                      xaxis={"title": PERIOD_NAMES[period], "type": "category"},
                      yaxis={"title": "Revenue"})
    return fig


def plot_customer_retention_rate(crr: pl.DataFrame, period: str = "month") -> go.Figure:
    """CRR per period as a line of complete periods; the period in progress as an open,
    grey marker apart from the line."""
    title = f"Customer retention rate by {period}"
    rated = crr.filter(pl.col("crr").is_not_null())
    if rated.is_empty():
        return _empty(title, "Not enough history: no customer was active at a period start")
    fig = go.Figure()
    for is_partial, label in ((False, "CRR"), (True, "In progress")):
        part = rated.filter(pl.col("is_partial") == is_partial)
        if part.is_empty():
            continue
        fig.add_trace(go.Scatter(
            x=[format_period(p, period) for p in part["period_start"].to_list()],
            y=(100 * part["crr"]).to_list(),
            mode="markers" if is_partial else "lines+markers", name=label,
            marker={"color": PARTIAL_COLOUR if is_partial else AVERAGE_COLOUR,
                    "symbol": "circle-open" if is_partial else "circle", "size": 9},
            customdata=list(zip(part["customers_start"].to_list(), part["customers_end"].to_list(),
                                part["new_customers"].to_list(), strict=True)),
            hovertemplate=("%{x}: %{y:.1f}%<br>(E %{customdata[1]:,} − N %{customdata[2]:,}) / "
                           "S %{customdata[0]:,}<extra>" + label + "</extra>"),
        ))
    fig.update_layout(title=title, xaxis={"title": PERIOD_NAMES[period], "type": "category"},
                      yaxis={"title": "CRR (%)", "rangemode": "tozero"}, legend=LEGEND)
    return fig
