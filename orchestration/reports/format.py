"""Number formatting for the report: Chinese readers get 万/亿 for large counts (12345 -> 1.2万), English
readers K/M/B; percentages with one decimal (0.3126 -> 31.3%); money in yuan (¥). Pure functions; None and
NaN render as an em dash so a missing figure never looks like a zero."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Literal

Lang = Literal["zh", "en"]
MISSING = "—"

_ZH_UNITS = ((1e8, "亿"), (1e4, "万"))
_EN_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "K"))
# counts below this are written out in full with thousands separators (9,876), above it with a unit
_ZH_UNIT_FROM = 1e4
_EN_UNIT_FROM = 1e4


def is_missing(value: object) -> bool:
    """None, NaN, pandas NA/NaT (without importing pandas: NaN and NaT are not equal to themselves)."""
    if value is None:
        return True
    try:
        if math.isnan(float(value)):  # type: ignore[arg-type]
            return True
    except (TypeError, ValueError):
        pass
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return True  # pandas.NA refuses bool(): it is a missing value


def _num(value: object) -> float | None:
    if is_missing(value):
        return None
    return float(value)  # type: ignore[arg-type]


def _scaled(v: float, units: tuple[tuple[float, str], ...], decimals: int) -> str | None:
    """v in the largest unit it reaches after rounding (99,999,999 -> 1亿, not 10000万)."""
    for size, unit in units:
        rounded = round(abs(v) / size, decimals)
        if rounded >= 1:
            return _trim(f"{rounded:.{decimals}f}") + unit
    return None


def _trim(text: str) -> str:
    """1.0 -> 1, 12.50 -> 12.5: a trailing zero after the decimal point carries no information."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_count(value: object, lang: Lang = "zh", *, signed: bool = False) -> str:
    """12345 -> 1.2万 (zh) / 12.3K (en); 9876 -> 9,876; 123456789 -> 1.2亿 / 123.5M."""
    v = _num(value)
    if v is None:
        return MISSING
    sign = ("+" if v > 0 else "") if signed else ""
    if v < 0:
        sign = "-"
    a = abs(v)
    unit_from, units = (_ZH_UNIT_FROM, _ZH_UNITS) if lang == "zh" else (_EN_UNIT_FROM, _EN_UNITS)
    if a >= unit_from:
        scaled = _scaled(a, units, 1)
        if scaled is not None:
            return sign + scaled
    if a == int(a):
        return sign + f"{int(a):,}"
    return sign + _trim(f"{a:,.1f}")


def fmt_pct(value: object, *, decimals: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.3126 -> 31.3%; tiny non-zero values say so (<0.1%) instead of 0.0%."""
    v = _num(value)
    if v is None:
        return MISSING
    pct = v * 100
    floor = 10.0**-decimals
    if 0 < abs(pct) < floor / 2:
        return ("-" if pct < 0 else ("+" if signed else "")) + f"<{floor:.{decimals}f}%"
    rounded = round(pct, decimals)
    if rounded == 0:
        return f"{0:.{decimals}f}%"
    return f"{rounded:+.{decimals}f}%" if signed else f"{rounded:.{decimals}f}%"


def fmt_pp(value: object, lang: Lang = "zh") -> str:
    """A difference of two fractions in percentage points: 0.012 -> +1.2 个百分点 / +1.2 pp."""
    v = _num(value)
    if v is None:
        return MISSING
    unit = " 个百分点" if lang == "zh" else " pp"
    points = round(v * 100, 1)
    return f"{(points or 0.0):+.1f}{unit}"  # a change that rounds to zero is +0.0, never -0.0


def fmt_money(value: object, lang: Lang = "zh") -> str:
    """Yuan: ¥6,525.69 below 10,000, then ¥15.6万 (zh) / ¥155.7K (en)."""
    v = _num(value)
    if v is None:
        return MISSING
    sign = "-" if v < 0 else ""
    a = abs(v)
    if a >= (_ZH_UNIT_FROM if lang == "zh" else _EN_UNIT_FROM):
        return f"{sign}¥{fmt_count(a, lang)}"
    return f"{sign}¥{a:,.2f}"


def fmt_ratio(value: object, decimals: int = 2) -> str:
    """A multiple such as ROAS: 0.5253 -> 0.53."""
    v = _num(value)
    if v is None:
        return MISSING
    return f"{v:.{decimals}f}"


def fmt_minutes(value: object, lang: Lang = "zh") -> str:
    """Response times: 35.24 -> 35.2 分钟 / 35.2 min; from 90 minutes on in hours (2.1 小时 / 2.1 h)."""
    v = _num(value)
    if v is None:
        return MISSING
    if abs(v) >= 90:
        return f"{v / 60:.1f} 小时" if lang == "zh" else f"{v / 60:.1f} h"
    return f"{v:.1f} 分钟" if lang == "zh" else f"{v:.1f} min"


def fmt_date(value: date | None, lang: Lang = "zh") -> str:
    if is_missing(value) or value is None:
        return MISSING
    return f"{value.year}年{value.month}月{value.day}日" if lang == "zh" else value.isoformat()


def fmt_datetime(value: datetime | None, lang: Lang = "zh") -> str:
    """A wall-clock time to the minute: 2026年9月16日 20:00 / 2026-09-16 20:00."""
    if value is None or is_missing(value):
        return MISSING
    return f"{fmt_date(value.date(), lang)} {value.hour:02d}:{value.minute:02d}"


def fmt_range(start: date, end: date, lang: Lang = "zh") -> str:
    if lang == "zh":
        tail = f"{end.month}月{end.day}日" if end.year == start.year else fmt_date(end, lang)
        return f"{fmt_date(start, lang)}—{tail}"
    return f"{start.isoformat()} – {end.isoformat()}"


def fmt_hour(hour: object) -> str:
    v = _num(hour)
    if v is None:
        return MISSING
    return f"{int(v):02d}:00"
