"""Plotly figures, one module per page: plot_*(frame, ...) -> go.Figure; no streamlit."""
