"""The pages' unfiltered views computed ahead, in a background thread.

Results are cached on the workspace version, so every import starts the cache afresh, and
so does a new process. The first computation of a page's unfiltered view reads every
customer's orders: on 10M orders 0.3-2.5 s per call (``benchmarks/bench_first_visit.py``).
So when a page finds the user workspace at a version not warmed yet (after an import, a
delete, or the first page a process serves), a thread computes again the unfiltered
results the pages asked for before, most recently asked first, through the same cache;
then the same calls with each other period (week, month, quarter), which a click on the
sidebar's Period asks for. The first visit of each page then finds them there (or waits
for the one being computed: Streamlit computes a value once, whoever asks).

Only calls whose arguments hold nothing that depends on the data are kept: each
:class:`~retention_core.filters.Filters` is the unfiltered one, and there is no date (a
date range or the data's bounds differ after an import). The list is kept in memory and
next to the workspace file (``<workspace>.views.json``: function names and these plain
arguments, nothing from the data), so a restart warms the same views.

``RETENTION_PREWARM=0`` turns it off (the tests do, except those of this module).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from retention_core.filters import Filters

MAX_CALLS = 48
# Only functions of these modules are called again (a views file is read back from disk).
MODULES = ("retention_core.metrics.", "retention_core.report", "retention_core.ingest.activity.")

Call = tuple[str, tuple, tuple]  # function path, positional args, sorted keyword items
Compute = Callable[[str, str, int, tuple, tuple], Any]

log = logging.getLogger(__name__)
_lock = threading.Lock()
_calls: OrderedDict[Call, None] = OrderedDict()  # least recently asked first
_read: set[Path] = set()  # views files already merged into _calls
_warmed: dict[str, tuple[int, threading.Thread]] = {}  # workspace path -> (version, thread)


def enabled() -> bool:
    return os.environ.get("RETENTION_PREWARM", "1") != "0"


def views_file(workspace_path: str | Path) -> Path:
    return Path(f"{workspace_path}.views.json")


def _plain(value: Any) -> bool:
    """Whether ``value`` means the same whatever the data (see the module docstring)."""
    if isinstance(value, Filters):
        return value == Filters()
    if value is None or isinstance(value, str | bool | int | float):
        return True
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return False


def record(fn_path: str, args: tuple, kwargs: tuple, views: Path) -> None:
    """Note a call a page made (kept only if its arguments are plain); a new one is saved
    to ``views``."""
    if not enabled() or not fn_path.startswith(MODULES) or not _plain(args) \
            or not _plain(tuple(v for _, v in kwargs)):
        return
    call = (fn_path, args, kwargs)
    with _lock:
        new = call not in _calls
        _calls[call] = None
        _calls.move_to_end(call)
        while len(_calls) > MAX_CALLS:
            _calls.popitem(last=False)
        if new:
            _save(views, list(_calls))


def recorded() -> list[Call]:
    """The calls kept, most recently asked first."""
    with _lock:
        return list(reversed(_calls))


def start(ws: Any, compute: Compute, views: Path) -> threading.Thread | None:
    """Warm ``ws`` at its current version in a thread, unless that is done or under way.

    ``compute(fn_path, ws_path, version, args, kwargs)`` is the cached call the pages use.
    Returns the thread started (None when nothing was started).
    """
    if not enabled():
        return None
    version = ws.version
    path = str(ws.path)
    with _lock:
        if _warmed.get(path, (None,))[0] == version:
            return None
        if views not in _read:
            _read.add(views)
            for call in _load(views):
                if call not in _calls and len(_calls) < MAX_CALLS:
                    _calls[call] = None
                    _calls.move_to_end(call, last=False)  # older than this process's own
        calls = list(reversed(_calls))
        calls += [v for v in _period_variants(calls) if v not in _calls]
        thread = threading.Thread(target=_warm, args=(ws, version, calls, compute),
                                  name=f"prewarm v{version}", daemon=True)
        _warmed[path] = (version, thread)
    thread.start()
    return thread


def _period_variants(calls: list[Call]) -> list[Call]:
    """The calls again with each other value of their ``period`` argument (the sidebar's
    Period, or a page's own), in the order of ``calls``, without repeats. The argument
    stays where the page passed it (by position or by name): the cache key depends on it.
    """
    import importlib
    import inspect

    from retention_core.filters import PERIODS

    out: dict[Call, None] = {}
    for fn_path, args, kwargs in calls:
        module, _, name = fn_path.rpartition(".")
        try:
            fn = getattr(importlib.import_module(module), name)
            names = list(inspect.signature(fn).parameters)[1:]  # after the cursor
        except (ImportError, AttributeError, TypeError, ValueError):
            continue
        named = dict(kwargs)
        at = names.index("period") if "period" in names else -1
        if "period" in named:
            current = named["period"]
        elif 0 <= at < len(args):
            current = args[at]
        else:
            continue
        if current not in PERIODS:
            continue
        for other in PERIODS:
            if other == current:
                continue
            if "period" in named:
                variant = (fn_path, args, tuple(sorted({**named, "period": other}.items())))
            else:
                variant = (fn_path, (*args[:at], other, *args[at + 1:]), kwargs)
            out[variant] = None
    return list(out)


def _warm(ws: Any, version: int, calls: list[Call], compute: Compute) -> None:
    for fn_path, args, kwargs in calls:
        try:
            if ws.version != version:  # imported again meanwhile: that version warms itself
                return
            compute(fn_path, str(ws.path), version, args, kwargs)
        except Exception as exc:  # a view that fails says so when a page asks for it
            log.debug("prewarm of %s failed: %s", fn_path, exc)


# -- the views file -------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, Filters):
        return {"filters": None}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"filters"}:
        return Filters()
    if isinstance(value, dict) and set(value) == {"tuple"} and isinstance(value["tuple"], list):
        return tuple(_decode(v) for v in value["tuple"])
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise ValueError(f"not a plain argument: {value!r}")


def _save(views: Path, calls: list[Call]) -> None:
    rows = [{"fn": fn, "args": _encode(args), "kwargs": _encode(kwargs)}
            for fn, args, kwargs in calls]
    try:
        partial = views.with_name(views.name + ".partial")
        partial.write_text(json.dumps(rows), encoding="utf-8")
        partial.replace(views)
    except OSError as exc:  # a read-only folder: warming still works within the process
        log.debug("views file %s not written: %s", views, exc)


def _load(views: Path) -> list[Call]:
    """The calls of a views file, oldest first; none if it is missing or not one of ours."""
    try:
        rows = json.loads(views.read_text(encoding="utf-8"))
        calls = []
        for row in rows:
            fn, args, kwargs = row["fn"], _decode(row["args"]), _decode(row["kwargs"])
            if not (isinstance(fn, str) and fn.startswith(MODULES) and isinstance(args, tuple)
                    and isinstance(kwargs, tuple)
                    and all(isinstance(kv, tuple) and len(kv) == 2 and isinstance(kv[0], str)
                            for kv in kwargs)):
                raise ValueError(f"not a call: {row!r}")
            calls.append((fn, args, kwargs))
        return calls
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("views file %s ignored: %s", views, exc)
        return []
