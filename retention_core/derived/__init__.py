"""Tables derived from the canonical ones, rebuilt whenever those change (issue 9).

The warm path (a click on a page) must not rescan ten million raw rows per query when
a smaller table computed once at import answers the same question. Each module here
owns some derived tables of one canonical kind and registers a builder with
:func:`register`:

- the builder gets a cursor *inside the transaction that changed the canonical table*
  (import, delete, reset), so a derived table is never out of step with its source;
- it must (re)create its tables from the canonical tables alone (``create or replace
  table ...``), and be quick on an empty table;
- it may also register an ``update``: given the rows a transaction changed (the temp table
  ``touched_rows``: each changed row as stored before, ``written`` false, and as written
  after, ``written`` true), it brings
  its tables up to date in place and returns True, or returns False to have them rebuilt
  (a large change, or tables of another version); an import of a week's orders into a
  workspace of millions then does not rebuild from every order;
- readers call :func:`available` first and fall back to the canonical tables when a
  derived table is missing: a workspace written by an older version opened read-only,
  or a throw-away workspace whose tables are mounted from files (the CLI), has none.

A workspace opened for writing builds any missing derived table on open
(:func:`missing_kinds`), so older files catch up once. A builder whose tables change shape
or meaning raises its ``version``: the version each table was built by is recorded as the
table's comment (a table without one, from before versions were recorded, is version 1);
a table of another version is not :func:`available` (readers fall back) and is rebuilt
when the workspace is next opened for writing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from retention_core.schema import Kind
from retention_core.sql import quote_ident, quote_literal


@dataclass(frozen=True)
class Builder:
    kind: Kind               # the canonical table it is derived from
    tables: tuple[str, ...]  # the tables it creates
    build: Callable[[duckdb.DuckDBPyConnection], None]
    version: int = 1         # raised when the tables change shape or meaning
    # updates the tables from the temp table touched_rows; False: rebuild them instead
    update: Callable[[duckdb.DuckDBPyConnection], bool] | None = None


_BUILDERS: list[Builder] = []


_COMMENT = "retention_core derived table, version "  # + the builder's version


def register(kind: Kind, tables: tuple[str, ...], version: int = 1,
             update: Callable[[duckdb.DuckDBPyConnection], bool] | None = None):
    """Decorator: ``build(cur)`` (re)creates ``tables`` from the canonical ``kind``;
    ``update(cur)``, if given, brings them up to date from ``touched_rows`` (see above)."""
    def wrap(build: Callable[[duckdb.DuckDBPyConnection], None]):
        _BUILDERS.append(Builder(kind, tables, build, version, update))
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


@contextmanager
def memory_cap(cur: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's memory limit lowered to ``limit`` for a build in a workspace file: a large
    sort then spills to the file's temp directory instead of adding its full size to the
    import's peak. A throw-away workspace in memory keeps its limit (no file to spill
    beside). The limit is the database's, so queries of other cursors share it meanwhile.
    """
    in_file = cur.execute("select path is not null from duckdb_databases() "
                          "where database_name = current_database()").fetchall()
    if not (in_file and in_file[0][0]):
        yield
        return
    cur.execute(f"set memory_limit = {quote_literal(limit)}")
    try:
        yield
    finally:
        # back to DuckDB's default (the workspace sets no limit of its own; the value it
        # shows, e.g. '18.7 GiB', is rounded, so it could not be set back exactly)
        cur.execute("reset memory_limit")


def refresh(cur: duckdb.DuckDBPyConnection, kinds: Iterable[Kind], *,
            touched: bool = False) -> None:
    """Bring every derived table of ``kinds`` up to date (call inside the changing
    transaction): rebuilt, or with ``touched`` (one kind, whose changed rows are in the
    temp table ``touched_rows``) updated by the builders that can and whose tables are
    current."""
    changed = set(kinds)
    if touched and len(changed) != 1:
        raise ValueError("touched rows belong to one kind")
    for builder in builders():
        if builder.kind in changed:
            updated = (touched and builder.update is not None
                       and available(cur, *builder.tables) and builder.update(cur))
            if not updated:
                builder.build(cur)
            for table in builder.tables:  # (also after an update: it may recreate one)
                comment = quote_literal(f"{_COMMENT}{int(builder.version)}")
                cur.execute(f"comment on table {quote_ident(table)} is {comment}")


# A change of more rows than this share of the stored table (old and new versions) is not
# staged for an update: its derived tables are rebuilt.
UPDATE_MAX_SHARE = 0.4


def updates(kind: Kind) -> bool:
    """Whether a builder of ``kind`` can update its tables from ``touched_rows`` (so the
    changing transaction should stage them)."""
    return any(b.kind == kind and b.update is not None for b in builders())


def _built(cur: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> dict[str, int]:
    """The version each of ``tables`` that exists was built by (one catalogue query)."""
    rows = cur.execute(
        "select table_name, comment from duckdb_tables() where database_name = "
        "current_database() and not temporary and table_name = any($names)",
        {"names": list(tables)}).fetchall()
    return {name: int(comment.removeprefix(_COMMENT))
            if comment and comment.startswith(_COMMENT) else 1
            for name, comment in rows}


def missing_kinds(cur: duckdb.DuckDBPyConnection) -> set[Kind]:
    """Kinds with at least one derived table not built yet, or built by another version."""
    all_builders = builders()
    built = _built(cur, [t for b in all_builders for t in b.tables])
    return {b.kind for b in all_builders
            if any(built.get(t) != b.version for t in b.tables)}


def available(cur: duckdb.DuckDBPyConnection, *tables: str) -> bool:
    """Whether every derived table of ``tables`` exists in this workspace, built by the
    current version of its builder (else use the canonical ones); one catalogue query."""
    versions = {t: b.version for b in builders() for t in b.tables}
    built = _built(cur, tables)
    return all(built.get(t) == versions.get(t, 1) for t in tables)


def drop(cur: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    """Drop the derived tables of ``kind`` (its canonical table is now served from a frame,
    so readers must use that)."""
    for builder in builders():
        if builder.kind == kind:
            for table in builder.tables:
                cur.execute(f"drop table if exists {quote_ident(table)}")
