"""Size limits for files people upload: refuse clearly instead of running out of memory.

Each limit can be raised through an environment variable (read when ``Limits()`` is
created), so an operator with a big machine does not need to change code:

=============================  ==================================  ==============
setting                        environment variable                default
=============================  ==================================  ==============
``max_file_bytes``             ``RETENTION_MAX_FILE_BYTES``        1 GiB
``max_decompressed_bytes``     ``RETENTION_MAX_DECOMPRESSED_BYTES``  4 GiB
``max_rows``                   ``RETENTION_MAX_ROWS``              20,000,000
=============================  ==================================  ==============
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from retention_core.errors import LimitError

ENV_MAX_FILE_BYTES = "RETENTION_MAX_FILE_BYTES"
ENV_MAX_DECOMPRESSED_BYTES = "RETENTION_MAX_DECOMPRESSED_BYTES"
ENV_MAX_ROWS = "RETENTION_MAX_ROWS"

# (attribute, environment variable, default, what it limits) -- documented once, here.
SETTINGS: tuple[tuple[str, str, int, str], ...] = (
    ("max_file_bytes", ENV_MAX_FILE_BYTES, 1 << 30, "size of a file as uploaded or on disk"),
    ("max_decompressed_bytes", ENV_MAX_DECOMPRESSED_BYTES, 4 << 30,
     "expanded size of a .gz file or of the parts of an .xlsx/.parquet file"),
    ("max_rows", ENV_MAX_ROWS, 20_000_000, "data rows in one file (and in files read together)"),
)
_ENV = {attr: env for attr, env, _default, _help in SETTINGS}


def _from_env(attr: str, default: int) -> int:
    raw = os.environ.get(_ENV[attr], "").strip().replace("_", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Limits:
    """How much a reader accepts before refusing a file with a :class:`LimitError`.

    Defaults come from the environment variables in :data:`SETTINGS` when set.
    """

    max_file_bytes: int = field(default_factory=lambda: _from_env("max_file_bytes", 1 << 30))
    max_decompressed_bytes: int = field(
        default_factory=lambda: _from_env("max_decompressed_bytes", 4 << 30))
    max_rows: int = field(default_factory=lambda: _from_env("max_rows", 20_000_000))


def human_bytes(n: int) -> str:
    """``1073741824`` -> ``'1 GiB'``, ``1536`` -> ``'1.5 KiB'``."""
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            if unit == "bytes":
                return f"{int(value)} bytes"
            return f"{value:.1f}".rstrip("0").rstrip(".") + f" {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def file_too_big(name: str, size: int | None, limits: Limits) -> LimitError:
    """The error for a file larger than ``limits.max_file_bytes``."""
    got = f" ({human_bytes(size)})" if size is not None else ""
    return LimitError(
        f"the file is larger{got} than the limit of {human_bytes(limits.max_file_bytes)}; "
        f"split the export, or raise the limit with the environment variable "
        f"{ENV_MAX_FILE_BYTES} (in bytes)", file=name)


def expands_too_much(name: str, limits: Limits, what: str = "decompressed") -> LimitError:
    """The error for a compressed file that expands past ``limits.max_decompressed_bytes``."""
    return LimitError(
        f"the file expands to more than {human_bytes(limits.max_decompressed_bytes)} when "
        f"{what}; this limit protects the server from compressed files that unpack to "
        f"gigabytes. Split the export, or raise the limit with the environment variable "
        f"{ENV_MAX_DECOMPRESSED_BYTES} (in bytes)", file=name)


def too_many_rows(name: str, limits: Limits) -> LimitError:
    """The error for a file with more than ``limits.max_rows`` data rows."""
    return LimitError(
        f"the file has more than {limits.max_rows:,} rows, the limit; split the export "
        f"(e.g. one file per month), or raise the limit with the environment variable "
        f"{ENV_MAX_ROWS}", file=name)
