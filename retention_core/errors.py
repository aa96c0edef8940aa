"""User-facing errors.

Every problem a person can fix (a bad file, a missing column, too little data for a
model) is a :class:`RetentionError` whose message says what is wrong, where, and what to
do. Pages show it with ``st.error``; the CLI prints it on one line and exits 2. Any
other exception is a bug.
"""

from __future__ import annotations


class RetentionError(Exception):
    """Base class: ``str(err)`` is a sentence for people."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class InputError(RetentionError):
    """A file or argument cannot be read or understood."""


class MappingError(InputError):
    """A required canonical column has no source column."""


class DataError(RetentionError):
    """The data is readable but cannot support the requested computation."""


class ModelError(DataError):
    """A model cannot be fitted on this data (too short, too few repeaters, no convergence)."""


class WorkspaceError(RetentionError):
    """The workspace file cannot be opened or changed."""


class LimitError(InputError):
    """A file is larger than the configured limits allow."""
