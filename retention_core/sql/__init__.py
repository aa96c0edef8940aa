"""SQL helpers: load `.sql` files, quote identifiers, run a query into polars.

Queries live in `.sql` files next to this module (dbt style: lowercase, one named CTE
per step, ending ``select * from final``) and take values as ``$named`` parameters.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import duckdb
import polars as pl

from retention_core.errors import RetentionError


@cache
def load_sql(name: str) -> str:
    """Return the text of ``retention_core/sql/<name>.sql`` (``name`` may contain '/')."""
    path = resources.files("retention_core.sql").joinpath(f"{name}.sql")
    return path.read_text(encoding="utf-8")


def fill_part(sql: str, name: str, part: str) -> str:
    """``sql`` with its ``-- {name}`` line replaced by the SQL text ``part`` (a CTE chosen
    by the caller, e.g. by integer keys or by canonical ids). A missing marker is a bug."""
    marker = f"-- {{{name}}}\n"
    if marker not in sql:
        raise RetentionError(f"the query lost its {name} marker")
    return sql.replace(marker, part)


def quote_ident(name: str, allowed: set[str] | tuple[str, ...] | None = None) -> str:
    """Quote an identifier for DuckDB, after checking it against ``allowed`` if given.

    Only canonical names should ever reach SQL; ``allowed`` makes that explicit at the
    call site and turns a mistake into an error instead of an injection.
    """
    if allowed is not None and name not in allowed:
        raise RetentionError(f"Unknown column {name!r}; expected one of {sorted(allowed)}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal, for the few statements that take no parameters (COMMENT ON)."""
    return "'" + text.replace("'", "''") + "'"


def query_frame(con: duckdb.DuckDBPyConnection, sql: str,
                params: dict[str, Any] | None = None) -> pl.DataFrame:
    """Run ``sql`` with bound ``params`` and return a polars DataFrame."""
    used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    return con.sql(sql, params=used or None).pl()


def query_one(con: duckdb.DuckDBPyConnection, sql: str,
              params: dict[str, Any] | None = None) -> tuple | None:
    """Run ``sql`` and return its first row (or None); the result is fully consumed.

    DuckDB 2.0 refuses new work on a cursor with an unfinished result, so never leave
    a ``fetchone()`` dangling: use this or ``fetchall()``.
    """
    used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    rows = con.execute(sql, used or None).fetchall()
    return rows[0] if rows else None
