"""The workspace: one DuckDB file holding the canonical tables and the list of imports.

- Imports are idempotent: rows are keyed on ``order_id`` / ``response_id`` /
  ``event_id``; a row already present with the same values is left alone, a row with
  the same key and new values replaces the old one (a later export wins).
- An import runs in one transaction: if anything fails, nothing changes.
- ``version`` increases with every change; app-side caches key on it.
- One process owns the file. Threads (Streamlit sessions) each get a cursor from
  :meth:`Workspace.cursor`; writes are serialised by a lock so two imports at the same
  time both land.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from retention_core import derived
from retention_core.errors import InputError, WorkspaceError
from retention_core.schema import COLUMNS, EXCLUDED_STATUSES, KEYS, KINDS, REQUIRED, Kind
from retention_core.sql import load_sql, query_frame, quote_ident

SCHEMA_VERSION = 1

_POLARS_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "TIMESTAMP": pl.Datetime("us"),
    "DOUBLE": pl.Float64(),
    "BOOLEAN": pl.Boolean(),
    "INTEGER": pl.Int32(),
}


def default_workspace_path() -> Path:
    """``$RETENTION_WORKSPACE`` if set, else a per-user file under the XDG data home."""
    env = os.environ.get("RETENTION_WORKSPACE")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "retention-dashboard" / "workspace.duckdb"


@dataclass(frozen=True)
class ImportResult:
    """What one import did to the workspace."""

    import_id: int
    kind: Kind
    rows: int
    new: int
    updated: int
    unchanged: int


def conform(kind: Kind, frame: pl.DataFrame) -> pl.DataFrame:
    """Return ``frame`` with exactly the canonical columns of ``kind``, canonically typed.

    Missing optional columns become NULL. Raises :class:`InputError` when a required
    column is absent or NULL, or a key is duplicated.
    """
    columns = COLUMNS[kind]
    unknown = [c for c in frame.columns if c not in columns]
    if unknown:
        raise InputError(f"{kind}: columns {unknown} are not part of the {kind} table")
    if kind == "orders" and "is_excluded" not in frame.columns:
        frame = frame.with_columns(_excluded(frame).alias("is_excluded"))
    if kind == "events" and "event_id" not in frame.columns:
        frame = frame.with_columns(event_identity(frame).alias("event_id"))
    if kind == "events" and "raw_event" not in frame.columns and "stage" in frame.columns:
        frame = frame.with_columns(pl.col("stage").alias("raw_event"))
    exprs = []
    for name, sqltype in columns.items():
        dtype = _POLARS_TYPES[sqltype]
        if name in frame.columns:
            col = pl.col(name)
            if sqltype == "TIMESTAMP" and frame.schema[name] == pl.Date():
                col = col.cast(pl.Datetime("us"))
            elif sqltype == "TIMESTAMP" and isinstance(frame.schema[name], pl.Datetime):
                tz = frame.schema[name].time_zone  # type: ignore[union-attr]
                col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None) if tz else col
                col = col.dt.cast_time_unit("us")
            exprs.append(col.cast(dtype).alias(name))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    try:
        out = frame.select(exprs)
    except pl.exceptions.PolarsError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{kind}: a value cannot be stored in the {kind} table ({reason})") from None
    for name in REQUIRED[kind]:
        nulls = out.get_column(name).null_count()
        if nulls:
            raise InputError(f"{kind}: required column {name!r} is empty in {nulls} row(s)")
    key = KEYS[kind]
    keys = out.get_column(key)
    # Hashing first: distinct 64-bit hashes prove distinct keys at a quarter of the cost
    # of comparing strings; only a collision (or a real duplicate) pays the exact count.
    if keys.hash().n_unique() != out.height:
        dup = out.height - keys.n_unique()
        if dup:
            raise InputError(f"{kind}: {dup} duplicated {key} value(s); each must be unique")
    return out


def _excluded(orders: pl.DataFrame) -> pl.Series:
    """``is_excluded`` from ``status`` (cancelled / refunded / ... in any case or spacing).

    Decided once per distinct status, then looked up: a shop has a handful of statuses
    and millions of orders.
    """
    if "status" not in orders.columns:
        return pl.repeat(False, orders.height, dtype=pl.Boolean, eager=True)
    status = orders.get_column("status").cast(pl.String)
    distinct = status.unique()
    hits = distinct.filter(
        distinct.str.to_lowercase().str.strip_chars().is_in(list(EXCLUDED_STATUSES)))
    return status.is_in(hits.implode()).fill_null(False)


def event_identity(frame: pl.DataFrame) -> pl.Series:
    """A stable identity for an event row: hash of session, time, raw event and value.

    Re-importing the same log (or an overlapping one) then finds the same events.
    """
    parts = [c for c in ("session_id", "customer_id", "event_at", "raw_event", "stage", "value")
             if c in frame.columns]
    hashed = frame.select(pl.struct(parts).hash(seed=0)).to_series()
    return hashed.cast(pl.String).alias("event_id")


@cache
def _upsert_sql(kind: str) -> dict[str, str]:
    """Statements on one canonical table.

    The only identifiers are the canonical table and column names of ``schema.py``
    (checked here), so the f-strings cannot carry anything from a file.
    """
    if kind not in KINDS:
        raise WorkspaceError(f"Unknown table {kind!r}")
    table = quote_ident(kind)
    key = quote_ident(KEYS[kind])  # type: ignore[index]
    cols = ", ".join(quote_ident(c) for c in COLUMNS[kind])  # type: ignore[index]
    return {
        # Rows that are new or differ from what is stored. Only the stored rows with an
        # incoming key are compared (a week's export against millions of stored rows
        # reads the stored keys, not every column of every row).
        "stage_changes": (
            f"create or replace temp table changed_rows as "  # noqa: S608
            f"select {cols} from incoming_rows except "
            f"select {cols} from {table} where {key} in (select {key} from incoming_rows)"
        ),
        "count_changes": (
            f"select count(*) filter (where stored.{key} is null), "  # noqa: S608
            f"count(*) filter (where stored.{key} is not null) "
            f"from changed_rows left join (select distinct {key} from {table} "
            f"where {key} in (select {key} from changed_rows)) as stored using ({key})"
        ),
        # What derived.refresh updates from (derived tables that can follow a change in
        # place): every changed row as stored before (written = false) and as written
        # after (written = true).
        "stage_touched": (
            f"create or replace temp table touched_rows as "  # noqa: S608
            f"select {cols}, false as written from {table} "
            f"where {key} in (select {key} from changed_rows) "
            f"union all select {cols}, true as written from changed_rows"
        ),
        "stage_deleted": (
            f"create or replace temp table touched_rows as "  # noqa: S608
            f"select {cols}, false as written from {table} where import_id = $id"
        ),
        "delete_changed": f"delete from {table} where {key} in (select {key} from changed_rows)",  # noqa: S608
        "insert_changed": f"insert into {table} ({cols}, import_id) select {cols}, $id from changed_rows",  # noqa: S608
        "insert_all": f"insert into {table} ({cols}, import_id) select {cols}, $id from incoming_rows",  # noqa: S608
        "is_empty": f"select not exists (select 1 from {table})",  # noqa: S608
        "delete_import": f"delete from {table} where import_id = $id",  # noqa: S608
        "delete_all": f"delete from {table}",  # noqa: S608
        "count": f"select count(*) from {table}",  # noqa: S608
        "count_import": f"select count(*) from {table} where import_id = $id",  # noqa: S608
    }


def _next_import_id(cur: duckdb.DuckDBPyConnection) -> int:
    """A new import number, never reused (deleting the newest import must not let a
    later one take its number: another session may be about to delete by number)."""
    cur.execute("insert into meta values ('last_import_id', '0') on conflict do nothing")
    rows = cur.execute(
        "update meta set value = cast(greatest(cast(value as bigint), "
        "(select coalesce(max(import_id), 0) from imports)) + 1 as varchar) "
        "where key = 'last_import_id' returning value"
    ).fetchall()
    return int(rows[0][0])


def _record_import(cur: duckdb.DuckDBPyConnection, import_id: int, kind: str, file_name: str,
                   file_hash: str, preset: str | None, rows: int, new: int, updated: int,
                   report: dict[str, Any] | None) -> None:
    cur.execute(
        "insert into imports values ($id, $kind, $file, $at, $hash, $preset, $rows, "
        "$new, $updated, $details)",
        {"id": import_id, "kind": kind, "file": file_name,
         "at": datetime.now(UTC).replace(tzinfo=None), "hash": file_hash,
         "preset": preset, "rows": rows, "new": new, "updated": updated,
         "details": json.dumps(report or {}, default=str)},
    )


@cache
def _temp_definitions() -> tuple[str, ...]:
    """The views and macros of ``workspace/schema.sql`` as temp (per-connection) ones."""
    out = []
    for statement in duckdb.extract_statements(load_sql("workspace/schema")):
        text = re.sub(r"^(\s*--[^\n]*\n)*\s*", "", statement.query)
        found = re.match(r"create\s+or\s+replace\s+(view|macro)\s", text, re.IGNORECASE)
        if found:
            out.append(f"create or replace temp {found.group(1)} {text[found.end():]}")
    return tuple(out)


def _arrow(frame: pl.DataFrame) -> Any:
    """``frame`` as Arrow without copying: polars' string views are kept (DuckDB reads them);
    the default conversion rewrites every string column (~0.1 s per million rows)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


# Rows written per statement by a first import (a progress step: ~0.4 s at 10M rows).
STORE_SLICE_ROWS = 1_000_000


def _stages_touched(cur: duckdb.DuckDBPyConnection, kind: str, rows: int) -> bool:
    """Whether a change of ``rows`` rows (old and new versions) to ``kind`` stages them as
    ``touched_rows`` for :func:`derived.refresh`: only when a derived table of the kind can
    follow the change in place, and the change is small next to the stored table (a large
    one rebuilds anyway, and copying it would only cost time and memory)."""
    if not derived.updates(kind):
        return False
    stored = cur.execute(_upsert_sql(kind)["count"]).fetchall()[0][0]
    return rows <= derived.UPDATE_MAX_SHARE * stored


def _with_incoming(cur: duckdb.DuckDBPyConnection, rows: pl.DataFrame, statement: str,
                   params: dict[str, Any] | None = None) -> None:
    """Run ``statement`` with ``rows`` visible as ``incoming_rows`` (Arrow, no copy)."""
    cur.register("incoming_rows", _arrow(rows))
    try:
        cur.execute(statement, params)
    finally:
        cur.unregister("incoming_rows")


def _mount_on(cur: duckdb.DuckDBPyConnection, kind: str, frame: pl.DataFrame) -> None:
    """Shadow table ``kind`` for this cursor with a temp view over ``frame``.

    Temp objects come first in DuckDB's search path, also inside the views and macros of
    the schema (``kept_orders``, ``scoped_orders``), so every query reads the frame.
    """
    if kind not in KINDS:
        raise WorkspaceError(f"Unknown table {kind!r}")
    source = f"mounted_{kind}"
    cur.register(source, _arrow(frame))
    cur.execute(f"create or replace temp view {quote_ident(kind)} as "  # noqa: S608
                f"select * from {quote_ident(source)}")


class Workspace:
    """A DuckDB database with the canonical tables.

    Parameters
    ----------
    path
        File to open (created if missing); ``":memory:"`` for a throw-away workspace;
        ``None`` for :func:`default_workspace_path`.
    read_only
        Open an existing file without changing it.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        if path is None:
            path = default_workspace_path()
        self.path = str(path)
        self._lock = threading.RLock()
        self._local = threading.local()
        self._mounted: dict[str, pl.DataFrame] = {}
        self.read_only = read_only
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise WorkspaceError(f"Cannot open the workspace {self.path}: {exc}") from exc
        if not read_only:
            self._create_schema()
            self._build_missing_derived()

    # -- connection -------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread (DuckDB connections are not thread-safe)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            if self.read_only:
                # A file written by an older version lacks the newer views and macros and
                # cannot be changed: define them for this cursor only.
                for statement in _temp_definitions():
                    cur.execute(statement)
            for kind, frame in self._mounted.items():
                _mount_on(cur, kind, frame)
            self._local.cursor = cur
        return cur

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create_schema(self) -> None:
        con = self._con
        with self._lock:
            for kind in KINDS:
                cols = ", ".join(f"{quote_ident(n)} {t}" for n, t in COLUMNS[kind].items())
                con.execute(f"create table if not exists {kind} ({cols}, import_id INTEGER)")
            con.execute(load_sql("workspace/schema"))
            rows = con.execute("select value from meta where key = 'schema_version'").fetchall()
            if not rows:
                con.execute("insert into meta values ('schema_version', $v), ('version', '0')",
                            {"v": str(SCHEMA_VERSION)})

    def _build_missing_derived(self) -> None:
        """Build derived tables a file written by an older version does not have yet.

        The version stays as it is: derived tables answer exactly what the canonical
        tables answer, so no cached result changes.
        """
        missing = derived.missing_kinds(self._con)
        if missing:
            with self.transaction(bump_version=False) as cur:
                derived.refresh(cur, sorted(missing))

    # -- state ------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """Increases with every import, delete or reset; the cache key of every result."""
        rows = self.cursor().execute("select value from meta where key = 'version'").fetchall()
        return int(rows[0][0]) if rows else 0

    def counts(self) -> dict[str, int]:
        """Rows per canonical table (orders counts every stored order, excluded ones too)."""
        cur = self.cursor()
        return {k: cur.execute(_upsert_sql(k)["count"]).fetchall()[0][0] for k in KINDS}

    def is_empty(self) -> bool:
        return not any(self.counts().values())

    def has(self, kind: Kind) -> bool:
        return self.counts()[kind] > 0

    @contextmanager
    def snapshot(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run several reads on one consistent state (one read transaction).

        Without it, a page made of several queries could mix the states before and
        after an import that commits in between. Nested use joins the outer snapshot.
        """
        cur = self.cursor()
        if getattr(self._local, "in_snapshot", False):
            yield cur
            return
        cur.execute("begin transaction")
        self._local.in_snapshot = True
        try:
            yield cur
        finally:
            self._local.in_snapshot = False
            cur.execute("rollback")  # nothing to keep: reads only

    # -- imports ----------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, bump_version: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction; roll everything back if it raises.

        The workspace version (every cached result's key) goes up on commit, unless the
        block changes nothing a result depends on (``bump_version=False``).
        """
        with self._lock:
            cur = self.cursor()
            cur.execute("begin transaction")
            try:
                yield cur
                if bump_version:
                    cur.execute("update meta set value = "
                                "cast(cast(value as bigint) + 1 as varchar) where key = 'version'")
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise

    def import_frame(self, kind: Kind, frame: pl.DataFrame, *, file_name: str,
                     file_hash: str = "", preset: str | None = None,
                     report: dict[str, Any] | None = None,
                     progress: Callable[[int, int], None] | None = None) -> ImportResult:
        """Upsert canonical rows of ``kind`` and record the import.

        Rows whose key exists with identical values are left alone (idempotent
        re-import); rows whose key exists with other values are replaced. ``progress``
        is called with ``(rows stored, rows in all)`` as the rows are written (the Data
        page's progress bar).
        """
        if kind in self._mounted:
            raise WorkspaceError(f"the {kind} table is served from a frame and is read-only")
        staged = conform(kind, frame)
        total = staged.height
        sql = _upsert_sql(kind)
        with self.transaction() as cur:
            import_id = _next_import_id(cur)
            touched = False  # True: the changed rows are staged for derived.refresh
            if cur.execute(sql["is_empty"]).fetchall()[0][0]:
                # First import of this kind: nothing to compare with, so no EXCEPT over
                # every row (half the time of a 10M-row import). Written in slices so that
                # progress can be shown; the rows keep their order.
                for start in range(0, total, STORE_SLICE_ROWS):
                    _with_incoming(cur, staged.slice(start, STORE_SLICE_ROWS),
                                   sql["insert_all"], {"id": import_id})
                    if progress is not None:
                        progress(min(start + STORE_SLICE_ROWS, total), total)
                new, updated = total, 0
            else:
                # Compared with what is stored in one statement (EXCEPT per slice would
                # scan the stored table once per slice).
                _with_incoming(cur, staged, sql["stage_changes"])
                new, updated = cur.execute(sql["count_changes"]).fetchall()[0]
                touched = _stages_touched(cur, kind, 2 * updated + new)
                if touched:
                    cur.execute(sql["stage_touched"])
                cur.execute(sql["delete_changed"])
                cur.execute(sql["insert_changed"], {"id": import_id})
                cur.execute("drop table changed_rows")
                if progress is not None:
                    progress(total, total)
            derived.refresh(cur, [kind], touched=touched)
            if touched:
                cur.execute("drop table touched_rows")
            _record_import(cur, import_id, kind, file_name, file_hash, preset, total,
                           new, updated, report)
        return ImportResult(import_id, kind, total, new, updated, total - new - updated)

    def mount_frame(self, kind: Kind, frame: pl.DataFrame, *, file_name: str,
                    file_hash: str = "", preset: str | None = None,
                    report: dict[str, Any] | None = None) -> ImportResult:
        """Serve the canonical rows of ``kind`` straight from ``frame``, without copying them.

        For throw-away in-memory workspaces (the CLI reading files): the rows are checked
        and typed as by :meth:`import_frame` (:func:`conform`), the import is recorded,
        and the table ``kind`` is then a view over the frame in every cursor of this
        workspace (Arrow scan, no copy into DuckDB's storage). The table must be empty and
        is read-only afterwards. Mount before handing the workspace to other threads.
        """
        if self.path != ":memory:":
            raise WorkspaceError("only an in-memory workspace can serve a table from a frame")
        if kind in self._mounted or self.has(kind):
            raise WorkspaceError(f"the {kind} table already holds rows; cannot mount a frame")
        staged = conform(kind, frame)
        with self.transaction() as cur:
            import_id = _next_import_id(cur)
            _record_import(cur, import_id, kind, file_name, file_hash, preset, staged.height,
                           staged.height, 0, report)
            derived.drop(cur, kind)
        staged = staged.with_columns(pl.lit(import_id, dtype=pl.Int32).alias("import_id"))
        self._mounted[kind] = staged
        _mount_on(self.cursor(), kind, staged)
        return ImportResult(import_id, kind, staged.height, staged.height, 0, 0)

    def list_imports(self) -> pl.DataFrame:
        """One row per import, newest first, with the rows it still owns."""
        return query_frame(self.cursor(), load_sql("workspace/list_imports"))

    def import_details(self, import_id: int) -> dict[str, Any]:
        rows = self.cursor().execute("select details from imports where import_id = $id",
                                     {"id": import_id}).fetchall()
        return json.loads(rows[0][0]) if rows and rows[0][0] else {}

    def delete_import(self, import_id: int) -> None:
        """Remove an import and the rows it (last) wrote."""
        with self.transaction() as cur:
            found = cur.execute("select kind from imports where import_id = $id",
                                {"id": import_id}).fetchall()
            if not found or found[0][0] not in KINDS:
                raise WorkspaceError(f"There is no import number {import_id}")
            kind = found[0][0]
            deleted = cur.execute(_upsert_sql(kind)["count_import"],
                                  {"id": import_id}).fetchall()[0][0]
            touched = _stages_touched(cur, kind, deleted)
            if touched:
                cur.execute(_upsert_sql(kind)["stage_deleted"], {"id": import_id})
            cur.execute(_upsert_sql(kind)["delete_import"], {"id": import_id})
            cur.execute("delete from imports where import_id = $id", {"id": import_id})
            derived.refresh(cur, [kind], touched=touched)
            if touched:
                cur.execute("drop table touched_rows")

    def reset(self) -> None:
        """Empty every table (the file stays)."""
        with self.transaction() as cur:
            for kind in KINDS:
                cur.execute(_upsert_sql(kind)["delete_all"])
            cur.execute("delete from imports")
            derived.refresh(cur, KINDS)

    def load_frames(self, **frames: pl.DataFrame) -> None:
        """Import canonical frames directly (tests, demo data): ``orders=..., surveys=...``."""
        for kind, frame in frames.items():
            if frame is not None:
                self.import_frame(kind, frame, file_name=f"{kind} (in memory)")  # type: ignore[arg-type]

    @classmethod
    def from_frames(cls, path: str | Path = ":memory:", **frames: pl.DataFrame) -> Workspace:
        """A workspace (in memory by default) holding the given canonical frames."""
        ws = cls(path)
        ws.load_frames(**frames)
        return ws
