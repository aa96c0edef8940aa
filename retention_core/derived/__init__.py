"""Tables derived from the canonical ones, rebuilt whenever those change (issue 9).

The warm path (a click on a page) must not rescan ten million raw rows per query when
a smaller table computed once at import answers the same question. Each module here
owns some derived tables of one canonical kind and registers a builder with
:func:`register`:

- the builder gets a cursor *inside the transaction that changed the canonical table*
  (import, delete, reset), so a derived table is never out of step with its source;
- it must (re)create its tables from the canonical tables alone (``create or replace
  table ...``), and be quick on an empty table;
- readers call :func:`available` first and fall back to the canonical tables when a
  derived table is missing: a workspace written by an older version opened read-only,
  or a throw-away workspace whose tables are mounted from files (the CLI), has none.

A workspace opened for writing builds any missing derived table on open
(:func:`ensure`), so older files catch up once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb

from retention_core.schema import Kind


@dataclass(frozen=True)
class Builder:
    kind: Kind               # the canonical table it is derived from
    tables: tuple[str, ...]  # the tables it creates
    build: Callable[[duckdb.DuckDBPyConnection], None]


_BUILDERS: list[Builder] = []


def register(kind: Kind, tables: tuple[str, ...]):
    """Decorator: ``build(cur)`` (re)creates ``tables`` from the canonical ``kind``."""
    def wrap(build: Callable[[duckdb.DuckDBPyConnection], None]):
        _BUILDERS.append(Builder(kind, tables, build))
        return build
    return wrap


def _load_modules() -> None:
    """Import every module of this package: importing one registers its builders."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def builders() -> list[Builder]:
    _load_modules()
    return list(_BUILDERS)


def refresh(cur: duckdb.DuckDBPyConnection, kinds: Iterable[Kind]) -> None:
    """Rebuild every derived table of ``kinds`` (call inside the changing transaction)."""
    changed = set(kinds)
    for builder in builders():
        if builder.kind in changed:
            builder.build(cur)


def _existing(cur: duckdb.DuckDBPyConnection) -> set[str]:
    rows = cur.execute("select table_name from duckdb_tables() "
                       "where database_name = current_database() and not temporary").fetchall()
    return {r[0] for r in rows}


def missing_kinds(cur: duckdb.DuckDBPyConnection) -> set[Kind]:
    """Kinds with at least one derived table not built yet."""
    have = _existing(cur)
    return {b.kind for b in builders() if not set(b.tables) <= have}


def available(cur: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the derived ``table`` exists in this workspace (else use the canonical ones)."""
    rows = cur.execute("select count(*) from duckdb_tables() where table_name = $t "
                       "and database_name = current_database() and not temporary",
                       {"t": table}).fetchall()
    return bool(rows[0][0])


def drop(cur: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    """Drop the derived tables of ``kind`` (its canonical table is now served from a frame,
    so readers must use that)."""
    from retention_core.sql import quote_ident

    for builder in builders():
        if builder.kind == kind:
            for table in builder.tables:
                cur.execute(f"drop table if exists {quote_ident(table)}")
