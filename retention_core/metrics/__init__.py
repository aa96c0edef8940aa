"""Metric computations: each takes a DuckDB cursor and :class:`Filters`, returns polars."""
