"""§2.10 dates and times (``date``, ``ts``), reference per cell.

``ts`` values are microseconds since 1970-01-01 UTC; ``date`` values are days since 1970-01-01.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ingestion.cells import Cell, Num
from ingestion.types import ColumnType

from .common import CellError, ParseContext, fail, nfkc_trim

UNIX_ORDINAL = date(1970, 1, 1).toordinal()
SHANGHAI_OFFSET_S = 8 * 3600
US = 1_000_000
DAY_US = 86_400 * US
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2099, 12, 31)
# plausibility lower bound: 2009-01-01 00:00 Asia/Shanghai
PLAUSIBLE_FROM_US = (date(2009, 1, 1).toordinal() - UNIX_ORDINAL) * DAY_US - SHANGHAI_OFFSET_S * US
EXCEL_EPOCH = {False: date(1899, 12, 30).toordinal(), True: date(1904, 1, 1).toordinal()}

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    )
}
_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"

_TIME = (
    r"(?:(?:T|\s+|(?<=日))(?:(?P<h>\d{1,2}):(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?:[.,](?P<f>\d+))?)?"
    r"|(?P<hc>\d{1,2})时(?P<mic>\d{1,2})分(?:(?P<sc>\d{1,2})秒)?))?"
)
_ZONE = r"(?:\s*(?P<z>Z|z|UTC|[+-]\d{2}(?::?\d{2})?))?"
ABS_RE = re.compile(
    r"(?:(?P<y>\d{4})(?P<sep>[-/.])(?P<mo>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"|(?P<yc>\d{4})年(?P<moc>\d{1,2})月(?P<dc>\d{1,2})日)" + _TIME + _ZONE,
    re.ASCII,
)
YEARLESS_RE = re.compile(
    r"(?:(?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})|(?P<moc>\d{1,2})月(?P<dc>\d{1,2})日)" + _TIME,
    re.ASCII,
)
WEIBO_RE = re.compile(
    rf"(?:{_DAYS}) (?P<mon>[A-Z][a-z]{{2}}) (?P<d>\d{{1,2}}) (?P<h>\d{{1,2}}):(?P<mi>\d{{2}}):(?P<s>\d{{2}}) "
    r"(?P<z>[+-]\d{4}) (?P<y>\d{4})",
    re.ASCII,
)
RELATIVE_RE = re.compile(
    r"(?P<now>刚刚)|(?P<n>\d+)\s*(?P<u>秒|分钟|小时|天)前|(?P<half>半小时前)"
    r"|(?P<day>今天|昨天|前天)\s*(?P<h>\d{1,2}):(?P<mi>\d{1,2})",
    re.ASCII,
)
_BARE_MSG = (
    "is a bare number but neither a yyyymmdd date (19900101-20991231) nor an Excel serial (32874-73050)"
)
DIGITS_RE = re.compile(r"\d+", re.ASCII)
DECIMAL_RE = re.compile(r"(?P<i>\d+)\.(?P<f>\d+)", re.ASCII)


@dataclass(frozen=True, slots=True)
class Moment:
    utc_us: int
    local_days: int  # Asia/Shanghai calendar date (days since epoch)
    precision: str  # second | minute | hour | day
    absolute: bool  # written as a calendar date/time (end_of_period applies), not relative/epoch


def _code(kind: str) -> str:
    return "invalid_date" if kind == "date" else "invalid_timestamp"


def _zone_seconds(z: str | None) -> int:
    if z is None:
        return SHANGHAI_OFFSET_S
    if z in ("Z", "z", "UTC"):
        return 0
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    hh, mm = int(digits[:2]), int(digits[2:4] or 0)
    if hh > 23 or mm > 59:
        raise ValueError("has an impossible UTC offset")
    return sign * (hh * 3600 + mm * 60)


def _local(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int, off_s: int, precision: str) -> Moment:
    """Validate and convert local wall time with offset ``off_s`` (raises ValueError when it does not exist)."""
    try:
        dt = datetime(y, mo, d, h, mi, s, us)
    except ValueError:
        raise ValueError("names a day or time that does not exist") from None
    days = dt.toordinal() - UNIX_ORDINAL
    utc_us = (days * 86_400 + h * 3600 + mi * 60 + s - off_s) * US + us
    local_days = (utc_us + SHANGHAI_OFFSET_S * US) // DAY_US
    return Moment(utc_us, local_days, precision, True)


def _time_fields(m: re.Match[str]) -> tuple[int, int, int, int, str]:
    if m["h"] is not None:
        f = (m["f"] or "")[:6].ljust(6, "0")
        sec = m["s"]
        return int(m["h"]), int(m["mi"]), int(sec or 0), int(f), "second" if sec is not None else "minute"
    if m["hc"] is not None:
        sec = m["sc"]
        return int(m["hc"]), int(m["mic"]), int(sec or 0), 0, "second" if sec is not None else "minute"
    return 0, 0, 0, 0, "day"


def _serial(v: float, date1904: bool, ranged: bool) -> Moment:
    """Excel serial (fraction = time of day), as a Shanghai wall time."""
    total_s = round(v * 86_400)
    days, secs = divmod(total_s, 86_400)
    ordinal = EXCEL_EPOCH[date1904] + days
    if ordinal < 1:
        raise ValueError("is an Excel serial before year 1")
    dd = date.fromordinal(ordinal)
    if ranged and not MIN_DATE <= dd <= MAX_DATE:
        raise ValueError(_BARE_MSG)
    precision = "day" if v == int(v) else "second"
    return _local(
        dd.year, dd.month, dd.day, secs // 3600, secs // 60 % 60, secs % 60, 0, SHANGHAI_OFFSET_S, precision
    )


def _bare_number(v: float, int_text: str | None) -> Moment:
    """Bare number in a date/ts column without epoch: yyyymmdd (8 digits) or Excel serial (§2.10)."""
    if int_text is not None and len(int_text) == 8 and v == int(v):
        if 19900101 <= v <= 20991231:
            n = int(v)
            return _local(n // 10000, n // 100 % 100, n % 100, 0, 0, 0, 0, SHANGHAI_OFFSET_S, "day")
        raise ValueError(_BARE_MSG)
    if 32874 <= v < 73051:
        return _serial(v, False, True)
    raise ValueError(_BARE_MSG)


def _epoch(n: int, digits: int, ctype: ColumnType, ctx: ParseContext, cell: Cell) -> Moment:
    want = 10 if ctype.epoch == "epoch_s" else 13
    if digits != want:
        raise fail(
            "epoch_unit_mismatch",
            ctx,
            cell,
            f"has {digits} digits but the column is declared {ctype.epoch} ({want} digits)",
        )
    utc_us = n * US if want == 10 else n * 1000
    return Moment(utc_us, (utc_us + SHANGHAI_OFFSET_S * US) // DAY_US, "second", False)


def _export_us(ctx: ParseContext) -> int | None:
    if ctx.export_at is None:
        return None
    e = ctx.export_at if ctx.export_at.tzinfo else ctx.export_at.replace(tzinfo=UTC)
    delta = e - datetime(1970, 1, 1, tzinfo=UTC)
    return delta // timedelta(microseconds=1)


def _need_export(ctype: ColumnType, ctx: ParseContext, cell: Cell, kind: str, what: str) -> int:
    if kind != "ts" or not ctype.allow_relative:
        raise fail(_code(kind), ctx, cell, f"is {what}, which this column does not accept")
    exp = _export_us(ctx)
    if exp is None or not ctx.export_at_in_file:
        raise fail(
            "relative_time_without_export_time",
            ctx,
            cell,
            f"is {what}, but the export time does not come from the file or a sidecar",
        )
    return exp


def _relative(m: re.Match[str], exp: int) -> Moment:
    if m["now"]:
        utc, prec = exp, "minute"
    elif m["half"]:
        utc, prec = exp - 1800 * US, "minute"
    elif m["n"] is not None:
        n = int(m["n"])
        step, prec = {
            "秒": (1, "second"),
            "分钟": (60, "minute"),
            "小时": (3600, "hour"),
            "天": (86_400, "day"),
        }[m["u"]]
        utc = exp - n * step * US
    else:
        back = {"今天": 0, "昨天": 1, "前天": 2}[m["day"]]
        local_day = (exp + SHANGHAI_OFFSET_S * US) // DAY_US - back
        dd = date.fromordinal(local_day + UNIX_ORDINAL)
        mo = _local(dd.year, dd.month, dd.day, int(m["h"]), int(m["mi"]), 0, 0, SHANGHAI_OFFSET_S, "minute")
        return Moment(mo.utc_us, mo.local_days, "minute", False)
    return Moment(utc, (utc + SHANGHAI_OFFSET_S * US) // DAY_US, prec, False)


def _yearless(m: re.Match[str], exp: int) -> Moment:
    mo_, d_ = (m["mo"], m["d"]) if m["mo"] is not None else (m["moc"], m["dc"])
    h, mi, s, us, prec = _time_fields(m)
    year = date.fromordinal((exp + SHANGHAI_OFFSET_S * US) // DAY_US + UNIX_ORDINAL).year
    try:
        mom = _local(year, int(mo_), int(d_), h, mi, s, us, SHANGHAI_OFFSET_S, prec)
        if mom.utc_us <= exp + DAY_US:
            return mom
    except ValueError:
        pass
    return _local(year - 1, int(mo_), int(d_), h, mi, s, us, SHANGHAI_OFFSET_S, prec)


def parse_moment(cell: Cell, ctype: ColumnType, ctx: ParseContext, kind: str) -> Moment:
    """Parse one non-missing cell into a Moment; raises CellError."""
    code = _code(kind)
    epoch = ctype.epoch if kind == "ts" else None
    try:
        if isinstance(cell, bool):
            raise fail(code, ctx, cell, "is a boolean, not a date")
        if isinstance(cell, Num):
            v = cell.value
            if not math.isfinite(v):
                raise fail(code, ctx, cell, "is not a finite number")
            if cell.fmt in ("date", "datetime"):
                return _serial(v, cell.date1904, False)
            if cell.fmt != "general":
                raise fail(code, ctx, cell, f"is a {cell.fmt} cell, not a date")
            if epoch:
                if v != int(v) or v < 0:
                    raise fail("epoch_unit_mismatch", ctx, cell, "is not a whole epoch number")
                n = int(v)
                return _epoch(n, len(str(n)), ctype, ctx, cell)
            return _bare_number(v, str(int(v)) if v == int(v) else None)
        if isinstance(cell, int):
            if epoch:
                return _epoch(cell, len(str(abs(cell))) + (cell < 0), ctype, ctx, cell)
            return _bare_number(float(cell), str(cell))
        if isinstance(cell, float):
            if not math.isfinite(cell):
                raise fail(code, ctx, cell, "is not a finite number")
            if epoch:
                if cell != int(cell) or cell < 0:
                    raise fail("epoch_unit_mismatch", ctx, cell, "is not a whole epoch number")
                n = int(cell)
                return _epoch(n, len(str(n)), ctype, ctx, cell)
            return _bare_number(cell, str(int(cell)) if cell == int(cell) else None)
        if not isinstance(cell, str):
            raise fail(code, ctx, cell, "is not a date")
        t = nfkc_trim(cell)
        if DIGITS_RE.fullmatch(t):
            if epoch:
                return _epoch(int(t), len(t), ctype, ctx, cell)
            return _bare_number(float(t), t)
        if dm := DECIMAL_RE.fullmatch(t):
            if epoch:
                raise fail("epoch_unit_mismatch", ctx, cell, f"is not a whole number of {epoch}")
            v = float(t)
            return _bare_number(v, dm["i"] if int(dm["f"]) == 0 else None)
        if m := ABS_RE.fullmatch(t):
            y, mo, d = (m["y"], m["mo"], m["d"]) if m["y"] is not None else (m["yc"], m["moc"], m["dc"])
            h, mi, s, us, prec = _time_fields(m)
            return _local(int(y), int(mo), int(d), h, mi, s, us, _zone_seconds(m["z"]), prec)
        if m := WEIBO_RE.fullmatch(t):
            month = _MONTHS.get(m["mon"])
            if month is None:
                raise ValueError("has an unknown English month name")
            return _local(
                int(m["y"]),
                month,
                int(m["d"]),
                int(m["h"]),
                int(m["mi"]),
                int(m["s"]),
                0,
                _zone_seconds(m["z"]),
                "second",
            )
        if m := RELATIVE_RE.fullmatch(t):
            return _relative(m, _need_export(ctype, ctx, cell, kind, "a relative time"))
        if m := YEARLESS_RE.fullmatch(t):
            return _yearless(m, _need_export(ctype, ctx, cell, kind, "a date without a year"))
        raise fail(code, ctx, cell, "matches no date form" if kind == "date" else "matches no timestamp form")
    except (ValueError, OverflowError) as e:
        what = (
            str(e) if isinstance(e, ValueError) and str(e)[:3] in ("nam", "is ", "has") else "is out of range"
        )
        raise fail(code, ctx, cell, what) from None


_END_OF = {"day": DAY_US - 1000, "minute": 60 * US - 1000}


def ref_ts(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[int, str]:
    mom = parse_moment(cell, ctype, ctx, "ts")
    utc = mom.utc_us
    if ctype.end_of_period and mom.absolute and mom.precision in _END_OF:
        utc += _END_OF[mom.precision]
    check_plausible(utc, ctype, ctx, cell)
    return utc, mom.precision


def check_plausible(utc: int, ctype: ColumnType, ctx: ParseContext, cell: Cell) -> None:
    if ctype.planned:
        return
    if utc < PLAUSIBLE_FROM_US:
        raise fail("implausible_timestamp", ctx, cell, "is before 2009-01-01")
    exp = _export_us(ctx)
    if exp is not None and utc > exp + DAY_US:
        raise fail("implausible_timestamp", ctx, cell, "is more than a day after the export time")


def ref_date(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[int, None]:
    try:
        mom = parse_moment(cell, ctype, ctx, "date")
    except CellError:
        raise
    return mom.local_days, None
