"""§2.8 rates (``rate``, unit f | %s | %n), reference per cell."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from ingestion.cells import Cell, Num
from ingestion.types import ColumnType

from .common import ParseContext, fail, nfkc_trim

PLAIN_RE = re.compile(r"(?P<sign>[-+\u2212])?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?", re.ASCII)

_UNIT_NAMES = {"f": "a fraction", "%s": "a percent string", "%n": "a percent number", None: "undeclared"}


def _plain(t: str) -> Decimal | None:
    m = PLAIN_RE.fullmatch(t)
    if m is None:
        return None
    v = Decimal(m["int"].replace(",", "") + ("." + m["frac"] if m["frac"] else ""))
    return -v if m["sign"] in ("-", "\u2212") else v


def ref_rate(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[float, None]:
    unit = ctype.rate_unit
    value: float
    if isinstance(cell, str):
        t = nfkc_trim(cell)  # NFKC folds the full-width ％
        if t.endswith("%"):
            d = _plain(t[:-1].rstrip())
            if d is None:
                raise fail("invalid_rate", ctx, cell, "is not a number followed by '%'")
            value = float(d / 100)
        else:
            d = _plain(t)
            if d is None:
                raise fail("invalid_rate", ctx, cell, "is not a rate")
            value = _bare(float(d), d, unit, ctx, cell)
    elif isinstance(cell, bool) or cell is None:
        raise fail("invalid_rate", ctx, cell, "is not a rate")
    elif isinstance(cell, Num):
        if not math.isfinite(cell.value):
            raise fail("invalid_rate", ctx, cell, "is not a finite number")
        if cell.fmt == "percent":
            value = float(cell.value)
        elif cell.fmt == "general":
            value = _bare(float(cell.value), Decimal(repr(float(cell.value))), unit, ctx, cell)
        else:
            raise fail("invalid_rate", ctx, cell, "is a date/time cell, not a rate")
    else:
        if isinstance(cell, float) and not math.isfinite(cell):
            raise fail("invalid_rate", ctx, cell, "is not a finite number")
        d = Decimal(cell) if isinstance(cell, int) else Decimal(repr(cell))
        value = _bare(float(cell), d, unit, ctx, cell)
    if not 0.0 <= value <= 1.0:
        raise fail(
            "rate_out_of_range",
            ctx,
            cell,
            f"gives {value!r}, outside [0, 1] for a rate declared as {_UNIT_NAMES.get(unit, unit)}",
        )
    return value, None


def _bare(f: float, d: Decimal, unit: str | None, ctx: ParseContext, cell: Cell) -> float:
    if unit == "f":
        return f
    if unit == "%n":
        return float(d / 100)
    raise fail(
        "rate_unit_ambiguous",
        ctx,
        cell,
        "is a bare number but the column is declared as a percent string"
        if unit == "%s"
        else "is a bare number but the column declares no rate unit",
    )
