"""Render the weekly report as one self-contained HTML file.

Everything is inline: CSS, the SVG sparklines and plotly.js itself, so the file opens
offline, can be mailed or archived, and loads nothing from anywhere.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs


@dataclass
class ReportSection:
    """A chart (or a note saying why there is none) under a heading."""

    title: str
    figure: go.Figure | None = None
    note: str | None = None


@dataclass
class ReportContent:
    title: str
    subtitle: str
    tiles: Sequence[dict]  # from metrics.overview.build_tiles
    sentences: Sequence[str]
    sections: Sequence[ReportSection] = field(default_factory=list)
    generated_at: datetime = field(default_factory=datetime.now)


_CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d2433;
margin:0;background:#f3f5f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px}
.sub{color:#5b6477;margin:0 0 18px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.tile{background:#fff;border-radius:10px;padding:12px 14px;box-shadow:0 1px 2px #0001}
.tile .label{font-size:13px;color:#5b6477}.tile .value{font-size:24px;font-weight:600;margin:2px 0}
.tile .delta{font-size:13px}.good{color:#1a7f37}.bad{color:#c62828}.flat{color:#5b6477}
.tile.missing .value{color:#9aa3b2;font-size:16px}
ul.changes li{margin:6px 0;line-height:1.4}
.chart{background:#fff;border-radius:10px;padding:8px;margin-bottom:14px}
.note{color:#5b6477;font-style:italic}
footer{color:#8a93a5;font-size:12px;margin-top:30px}
"""


def sparkline_svg(values: Sequence[float | None], width: int = 160, height: int = 32) -> str:
    """A tiny inline SVG line of the values (gaps where a value is missing)."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return ""
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = (hi - lo) or 1.0
    step = width / max(len(values) - 1, 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}"
                      for i, v in points)
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="last periods"><polyline fill="none" stroke="#2f6fde" '
            f'stroke-width="1.6" points="{coords}"/></svg>')


def _tile_html(tile: dict) -> str:
    label = html.escape(tile["label"])
    if not tile.get("available"):
        reason = html.escape(tile.get("missing_reason") or "no data")
        return (f'<div class="tile missing"><div class="label">{label}</div>'
                f'<div class="value">{reason}</div></div>')
    tone = tile.get("tone", "flat")
    delta = html.escape(tile.get("delta_text") or "")
    return (f'<div class="tile"><div class="label">{label}</div>'
            f'<div class="value">{html.escape(tile["value_text"])}</div>'
            f'<div class="delta {tone}">{delta}</div>'
            f'{sparkline_svg(tile.get("sparkline") or [])}</div>')


def render_report(content: ReportContent) -> str:
    """The report as one HTML document (plotly.js inlined once)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(content.title)}</title>",
        f"<style>{_CSS}</style>",
    ]
    has_figures = any(s.figure is not None for s in content.sections)
    if has_figures:
        parts.append(f'<script type="text/javascript">{get_plotlyjs()}</script>')
    parts.append("</head><body><main>")
    parts.append(f"<h1>{html.escape(content.title)}</h1>")
    parts.append(f'<p class="sub">{html.escape(content.subtitle)}</p>')
    parts.append('<div class="tiles">' + "".join(_tile_html(t) for t in content.tiles) + "</div>")
    parts.append("<h2>What changed</h2>")
    if content.sentences:
        parts.append('<ul class="changes">' + "".join(
            f"<li>{html.escape(s)}</li>" for s in content.sentences) + "</ul>")
    else:
        parts.append('<p class="note">No KPI moved by more than a few percent.</p>')
    for section in content.sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.figure is not None:
            body = section.figure.to_html(full_html=False, include_plotlyjs=False,
                                          config={"displaylogo": False, "responsive": True})
            parts.append(f'<div class="chart">{body}</div>')
        if section.note:
            parts.append(f'<p class="note">{html.escape(section.note)}</p>')
    parts.append(f"<footer>Generated {content.generated_at:%Y-%m-%d %H:%M} by the retention "
                 "dashboard. Self-contained: this file loads nothing from the network.</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts)
