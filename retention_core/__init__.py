"""retention_core: the engine behind the e-commerce retention dashboard.

Nothing in this package imports streamlit; pages call into it and get polars
DataFrames or plotly figures back.
"""

__version__ = "0.1.0"
