"""App-side glue: the only place besides app.py and pages/ that imports streamlit.

- ``state``: which workspace the app shows (the user's, or the built-in demo), the global
  filters, and the cache wrapper keyed on workspace version + filters.
- ``ui``: small widgets every page uses (errors, downloads, empty states).
"""
