"""§2.11 identifiers (``id``, ``key``), reference per cell."""

from __future__ import annotations

import math
import re

from ingestion.cells import Cell, Num
from ingestion.types import ColumnType

from .common import ParseContext, fail

SCIENTIFIC_RE = re.compile(r"[-+]?\d+(?:\.\d*)?[eE][-+]?\d+", re.ASCII)
NUM_ID_LIMIT = 10**15
JSON_FLOAT_LIMIT = 2**53


def clean_id_text(s: str) -> str:
    """Strip surrounding whitespace/tabs and one leading backtick; never change case."""
    t = s.strip()
    if t.startswith("`"):
        t = t[1:].strip()
    return t


def ref_id(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[str | None, None]:
    if isinstance(cell, str):
        t = clean_id_text(cell)
        if SCIENTIFIC_RE.fullmatch(t):
            raise fail(
                "id_in_scientific_notation", ctx, cell, "is an id in scientific notation; its digits are lost"
            )
        return (t or None), None
    if isinstance(cell, bool):
        return ("true" if cell else "false"), None
    if isinstance(cell, int):
        return str(cell), None
    if isinstance(cell, Num):
        v = cell.value
        if not math.isfinite(v) or v != int(v) or abs(v) >= NUM_ID_LIMIT:
            raise fail(
                "id_precision_lost",
                ctx,
                cell,
                "is a numeric spreadsheet cell that cannot hold the id exactly (>= 10^15 or fractional)",
            )
        return str(int(v)), None
    if isinstance(cell, float):
        if not math.isfinite(cell) or cell != int(cell) or abs(cell) >= JSON_FLOAT_LIMIT:
            raise fail("id_precision_lost", ctx, cell, "is a JSON float that cannot hold the id exactly")
        return str(int(cell)), None
    raise fail("id_precision_lost", ctx, cell, "is not an id")
