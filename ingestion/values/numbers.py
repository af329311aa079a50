"""§2.6 numbers: ``count``, ``signed``, ``int``, ``num``, ``ratio``, ``money`` (reference, per cell)."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ingestion.cells import Cell, Num
from ingestion.types import ColumnType

from .common import ParseContext, fail, nfkc_trim

INT64_MAX = 2**63 - 1

_UNITS = {"万": 10_000, "w": 10_000, "W": 10_000, "千": 1_000, "亿": 100_000_000}

# after NFKC + trim; U+2212 is not folded by NFKC
NUMBER_RE = re.compile(
    r"(?P<sign>[-+\u2212])?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?P<unit>[万wW千亿])?(?P<cap>\+)?",
    re.ASCII,
)
MONEY_RE = re.compile(
    r"(?P<sign1>[-+\u2212])?¥?(?P<sign>[-+\u2212])?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?P<unit>[万wW千亿])?元?",
    re.ASCII,
)


def parse_decimal_text(
    s: str, ctx: ParseContext, cell: Cell, *, money: bool = False
) -> tuple[Decimal, bool, bool]:
    """Return (value, unit_applied, capped) for a §2.6 number string."""
    t = nfkc_trim(s)
    if money:
        m = MONEY_RE.fullmatch(t)
        if m is None or (m["sign1"] and m["sign"]):
            raise fail("invalid_number", ctx, cell, "is not an amount of money")
        sign = m["sign1"] or m["sign"]
        cap = False
    else:
        m = NUMBER_RE.fullmatch(t)
        if m is None:
            raise fail("invalid_number", ctx, cell, "is not a number")
        sign = m["sign"]
        cap = bool(m["cap"])
    digits = m["int"].replace(",", "") + ("." + m["frac"] if m["frac"] else "")
    value = Decimal(digits)
    unit = m["unit"]
    if unit:
        value = value * _UNITS[unit]
    if sign in ("-", "\u2212"):
        value = -value
    return value, bool(unit), cap


def _decimal_of_scalar(cell: Cell, ctx: ParseContext) -> Decimal:
    """Num / JSON int / JSON float used as it is."""
    if isinstance(cell, bool):
        raise fail("invalid_number", ctx, cell, "is a boolean, not a number")
    v = cell.value if isinstance(cell, Num) else cell
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise fail("invalid_number", ctx, cell, "is not a finite number")
        return Decimal(repr(v))
    raise fail("invalid_number", ctx, cell, "is not a number")


def ref_integer(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[int, bool]:
    """``count`` / ``signed`` / ``int``: (value, capped)."""
    kind = ctype.kind
    if isinstance(cell, str):
        if kind == "int":
            t = nfkc_trim(cell)
            if not re.fullmatch(r"[-+\u2212]?\d+", t, re.ASCII):
                raise fail("invalid_number", ctx, cell, "is not an integer code")
            value, unit, cap = Decimal(t.replace("\u2212", "-")), False, False
        else:
            value, unit, cap = parse_decimal_text(cell, ctx, cell)
        if unit:
            value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    else:
        value, cap = _decimal_of_scalar(cell, ctx), False
    if value != value.to_integral_value():
        raise fail("invalid_number", ctx, cell, "is a fractional number in a whole-number column")
    iv = int(value)
    if abs(iv) > INT64_MAX:
        raise fail("invalid_number", ctx, cell, "is too large")
    if kind == "count" and iv < 0:
        raise fail("negative_count", ctx, cell, "is negative in a count column")
    return iv, cap


def ref_float(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[float, None]:
    """``num`` / ``ratio``: a DOUBLE. A trailing ``+`` (lower bound) has no place to go: invalid_number."""
    if isinstance(cell, str):
        value, _unit, cap = parse_decimal_text(cell, ctx, cell)
        if cap:
            raise fail("invalid_number", ctx, cell, "is a lower bound ('+'), not an exact number")
        return float(value), None
    return float(_decimal_of_scalar(cell, ctx)), None


_CENT = Decimal("0.01")
MONEY_MAX = Decimal("9999999999999999.99")


def ref_money(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[Decimal, None]:
    """``money``: DECIMAL(18,2) yuan, rounded half-up."""
    if isinstance(cell, str):
        value, _unit, _cap = parse_decimal_text(cell, ctx, cell, money=True)
    else:
        value = _decimal_of_scalar(cell, ctx)
    try:
        q = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise fail("invalid_number", ctx, cell, "is too large for an amount") from None
    if abs(q) > MONEY_MAX:
        raise fail("invalid_number", ctx, cell, "is too large for an amount")
    return q, None
