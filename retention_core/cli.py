"""The command-line interface (SPEC.md, "Command-line interface").

``python -m retention_core COMMAND``. Each command lives in ``retention_core/commands/``
as a module with ``register(subparsers)``; they are discovered, so adding a command
touches no other file. Bad input exits 2 with one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from retention_core import commands
from retention_core.errors import RetentionError

# Order in `--help`; commands not listed here follow alphabetically.
COMMAND_ORDER = ("demo", "ingest", "kpis", "retention", "clv", "report")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="retention-core",
                     description="E-commerce retention metrics from shop exports.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    names = [m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    names.sort(key=lambda n: (COMMAND_ORDER.index(n) if n in COMMAND_ORDER else 99, n))
    for name in names:
        importlib.import_module(f"retention_core.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except RetentionError as err:
        sys.stderr.write(f"retention-core {args.command}: {_one_line(str(err))}\n")
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as err:
        sys.stderr.write(f"retention-core {args.command}: cannot read {err.filename}: "
                         f"{err.strerror}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug: say so in one line unless debugging
        if os.environ.get("RETENTION_DEBUG"):
            raise
        sys.stderr.write(f"retention-core {args.command}: internal error "
                         f"({type(err).__name__}: {_one_line(str(err))}); "
                         "set RETENTION_DEBUG=1 for details\n")
        return 1


def _one_line(text: str) -> str:
    return " ".join(text.split())
