"""retention_core: the engine behind the e-commerce retention dashboard.

Nothing in this package imports streamlit; pages call into it and get polars
DataFrames or plotly figures back.
"""

import os

# polars' allocator (jemalloc) keeps freed pages for reuse (polars asks for 0.5 s / 1 s
# decay); with them returned to the system at once, a 10M-row import peaks ~0.9 GB lower
# (docs/performance.md, "Import"). polars appends this variable to its own settings when it
# is first imported, so it is set before any import of polars: every module of the package
# imports this file first, and app.py imports it first. A value already set is kept.
MALLOC_CONF_VARIABLE = "_RJEM_MALLOC_CONF"
MALLOC_CONF = "background_thread:true,dirty_decay_ms:0,muzzy_decay_ms:0"
os.environ.setdefault(MALLOC_CONF_VARIABLE, MALLOC_CONF)

__version__ = "0.1.0"
