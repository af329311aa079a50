"""Reader result types and the file-rejection exception (see docs/INTERFACES.md, *Readers*)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ingestion.cells import Cell

#: Contract §5.1 reasons a reader itself can raise.
READER_REASONS = frozenset(
    {
        "unsupported_file_type",
        "unreadable_file",
        "unsupported_encoding",
        "encoding_undetected",
        "malformed_csv",
        "invalid_json",
    }
)


class FileRejected(Exception):
    """The whole file is rejected (contract §5.1).

    ``reason`` is a §5.1 code, ``message`` human text, ``detail`` machine-readable extras
    (for example ``{"line": 12}`` for ``malformed_csv`` or ``{"offset": 4096}`` for ``invalid_json``).
    """

    def __init__(self, reason: str, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.detail: dict[str, Any] = dict(detail or {})

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across process pools
        return (type(self), (self.reason, self.message, self.detail))


@dataclass
class Table:
    name: str | None
    rows: list[list[Cell]]
    row_numbers: list[int]
    hidden: bool = False


@dataclass
class Document:
    file_type: str
    encoding: str | None
    tables: list[Table] = field(default_factory=list)
    json_value: object | None = None
    json_lines: list[tuple[int, object]] | None = None
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    text: str | None = None
    date1904: bool = False


def is_blank_row(row: list[Cell]) -> bool:
    """True when every cell is None or a whitespace-only string (a "fully empty" row, §2.4)."""
    for cell in row:
        if cell is None:
            continue
        if isinstance(cell, str):
            if cell and not cell.isspace():
                return False
            continue
        return False
    return True


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building millions of row lists (none of them form cycles).

    Generation-0 collections triggered by every 700 new lists otherwise re-scan the growing row list
    and roughly double the parse time. The previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
