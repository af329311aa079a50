"""Shared pieces of the value parsers: context, result, missing markers, normalisation, errors."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from ingestion.cells import Cell, Num


@dataclass
class ParseContext:
    column: str  # header / field name as delivered, for messages
    export_at: datetime | None  # effective export time, tz-aware UTC
    export_at_in_file: bool = False  # True when it came from the file or a sidecar


@dataclass
class ParsedColumn:
    values: pa.Array
    capped: pa.Array | None = None
    precision: pa.Array | None = None
    raw: pa.Array | None = None
    errors: dict[int, tuple[str, str]] = field(default_factory=dict)


class CellError(Exception):
    """A cell that cannot be parsed for its declared type: contract §5.2 reason code + readable message."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.extra: object = None  # side value kept on error (enum: the raw value)


_MISSING = frozenset({"", "-", "--", "null"})


def is_missing(cell: Cell) -> bool:
    """§2.7: None, empty, whitespace only, ``-``, ``--``, ``null`` (any case) are missing."""
    if cell is None:
        return True
    if type(cell) is str:
        return cell.strip().lower() in _MISSING
    return False


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def lower_ascii(s: str) -> str:
    return s.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def normalise_header(h: str) -> str:
    """§2.4 ``norm(h)``: NFKC, drop BOM/zero-width characters and all whitespace, lowercase ASCII."""
    s = unicodedata.normalize("NFKC", h.translate(_ZERO_WIDTH)).translate(_ZERO_WIDTH)
    s = "".join(ch for ch in s if not ch.isspace())
    return lower_ascii(s)


def nfkc_trim(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip()


def show(cell: Cell) -> str:
    """The cell as shown in messages."""
    if isinstance(cell, Num):
        v = cell.value
        txt = natural_number(v) if math.isfinite(v) and abs(v) < 1e15 else repr(v)
        return f"{txt} (spreadsheet {cell.fmt} number)"
    return repr(cell)


def natural_number(v: int | float) -> str:
    """A number as text: integral floats without ``.0``."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if math.isfinite(v) and v == int(v) and abs(v) < 1e21:
        return str(int(v))
    return repr(v)


def fail(reason: str, ctx: ParseContext, cell: Cell, what: str) -> CellError:
    return CellError(reason, f"column {ctx.column}: {show(cell)} {what}")
