"""§2.9 durations (``dur``, DOUBLE seconds), reference per cell."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from ingestion.cells import Cell, Num
from ingestion.types import ColumnType

from .common import ParseContext, fail, nfkc_trim

_N = r"\d+(?:\.\d+)?"
SECONDS_RE = re.compile(rf"(?P<n>{_N})\s*(?:秒|s|S|sec|secs|秒钟)", re.ASCII)
BARE_RE = re.compile(rf"(?P<n>{_N})", re.ASCII)
COLON2_RE = re.compile(r"(?P<m>\d{1,3}):(?P<s>\d{1,2}(?:\.\d+)?)", re.ASCII)
COLON3_RE = re.compile(r"(?P<h>\d+):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)", re.ASCII)
CN_RE = re.compile(
    rf"(?:(?P<h>{_N})\s*(?:小时|时))?\s*(?:(?P<m>{_N})\s*(?:分钟|分))?\s*(?:(?P<s>{_N})\s*(?:秒钟|秒))?",
    re.ASCII,
)


def _dec(s: str | None) -> Decimal:
    return Decimal(s) if s else Decimal(0)


def ref_duration(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[float, None]:
    per_unit = 60 if ctype.dur_unit == "min" else 1
    if isinstance(cell, str):
        t = nfkc_trim(cell)
        if m := BARE_RE.fullmatch(t):
            return float(m["n"]) * per_unit, None
        if m := SECONDS_RE.fullmatch(t):
            return float(m["n"]), None
        if m := COLON2_RE.fullmatch(t):
            s = Decimal(m["s"])
            if s >= 60:
                raise fail("invalid_duration", ctx, cell, "has 60 or more seconds in m:ss")
            return float(int(m["m"]) * 60 + s), None
        if m := COLON3_RE.fullmatch(t):
            mi, s = int(m["m"]), Decimal(m["s"])
            if mi >= 60 or s >= 60:
                raise fail("invalid_duration", ctx, cell, "has 60 or more minutes/seconds in h:mm:ss")
            return float(int(m["h"]) * 3600 + mi * 60 + s), None
        if (m := CN_RE.fullmatch(t)) and (m["h"] or m["m"] or m["s"]):
            return float(_dec(m["h"]) * 3600 + _dec(m["m"]) * 60 + _dec(m["s"])), None
        raise fail("invalid_duration", ctx, cell, "is not a duration")
    if isinstance(cell, bool) or cell is None:
        raise fail("invalid_duration", ctx, cell, "is not a duration")
    if isinstance(cell, Num):
        v = cell.value
        if not math.isfinite(v) or v < 0:
            raise fail("invalid_duration", ctx, cell, "is not a duration")
        if cell.fmt == "time":
            return float(v) * 86400.0, None
        if cell.fmt != "general":
            raise fail("invalid_duration", ctx, cell, "is a date cell, not a duration")
        return float(v) * per_unit, None
    if isinstance(cell, float) and (not math.isfinite(cell) or cell < 0):
        raise fail("invalid_duration", ctx, cell, "is not a duration")
    if cell < 0:
        raise fail("invalid_duration", ctx, cell, "is a negative duration")
    return float(cell) * per_unit, None
