"""Column-at-a-time parsing: vectorised fast paths for canonical forms, the reference parsers for the rest.

Every kind has a per-cell reference parser (the spec). For all-``str`` (or ``pa.StringArray``) and
all-``int`` columns, canonical forms are parsed with pyarrow.compute / numpy; a fast path only ever
*accepts* a cell it parses exactly like the reference would (anything it does not accept, including every
error, goes through the reference parser, memoised per distinct value), so both give identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.cells import Cell
from ingestion.types import ColumnType

from .common import CellError, ParseContext, ParsedColumn, is_missing
from .dates import _END_OF, DAY_US, PLAUSIBLE_FROM_US, SHANGHAI_OFFSET_S, US, _export_us, ref_date, ref_ts
from .durations import ref_duration
from .ids import ref_id
from .numbers import ref_float, ref_integer, ref_money
from .rates import ref_rate
from .scalars import ref_bool, ref_enum, ref_list, ref_text, ref_text_masked

RefFn = Callable[[Cell, ColumnType, ParseContext], tuple[Any, Any]]


@dataclass(frozen=True)
class KindSpec:
    ref: RefFn
    type: pa.DataType
    extra: str | None  # capped | precision | raw
    extra_type: pa.DataType | None = None


SPECS: dict[str, KindSpec] = {
    "text": KindSpec(ref_text, pa.string(), None),
    "text_masked": KindSpec(ref_text_masked, pa.string(), None),
    "id": KindSpec(ref_id, pa.string(), None),
    "key": KindSpec(ref_id, pa.string(), None),
    "count": KindSpec(ref_integer, pa.int64(), "capped", pa.bool_()),
    "signed": KindSpec(ref_integer, pa.int64(), "capped", pa.bool_()),
    "int": KindSpec(ref_integer, pa.int64(), None),
    "num": KindSpec(ref_float, pa.float64(), None),
    "ratio": KindSpec(ref_float, pa.float64(), None),
    "money": KindSpec(ref_money, pa.decimal128(18, 2), None),
    "rate": KindSpec(ref_rate, pa.float64(), None),
    "dur": KindSpec(ref_duration, pa.float64(), None),
    "date": KindSpec(ref_date, pa.date32(), None),
    "ts": KindSpec(ref_ts, pa.timestamp("us"), "precision", pa.string()),
    "bool": KindSpec(ref_bool, pa.bool_(), None),
    "enum": KindSpec(ref_enum, pa.string(), "raw", pa.string()),
    "list": KindSpec(ref_list, pa.list_(pa.string()), None),
}


@dataclass
class Fast:
    """A fast path's answer: ``handled`` cells (missing ones included) get ``values``/``extra``."""

    handled: np.ndarray  # bool
    values: pa.Array  # full length, null where not handled or missing
    extra: pa.Array | None = None


# ---------------------------------------------------------------------------------------------- helpers


def _np_mask(b: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(b, pa.ChunkedArray):
        b = b.combine_chunks()
    return np.asarray(pc.fill_null(b, False).to_numpy(zero_copy_only=False), dtype=bool)


def _match(a: pa.Array, pattern: str) -> np.ndarray:
    return _np_mask(pc.match_substring_regex(a, pattern))


_MISSING_STRINGS = pa.array(["", "-", "--", "null", "NULL", "Null"])


def _missing_str(a: pa.Array) -> np.ndarray:
    m = pc.or_kleene(pc.is_null(a), pc.is_in(a, value_set=_MISSING_STRINGS))
    m = pc.or_kleene(m, pc.match_substring(a, "null", ignore_case=True))  # any case: 'nUlL' (+ superset)
    return _np_mask(m) & _np_mask(pc.less_equal(pc.binary_length(a), 4)) | _np_mask(pc.is_null(a))


def _only(a: pa.Array, mask: np.ndarray) -> pa.Array:
    """``a`` where ``mask``, null elsewhere."""
    return pc.if_else(pa.array(mask), a, pa.scalar(None, a.type))


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (H. Hinnant's algorithm), vectorised."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_DIM = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _valid_ymd(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    ok_m = (m >= 1) & (m <= 12)
    mm = np.where(ok_m, m, 1)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    dim = _DIM[mm] + ((mm == 2) & leap)
    return ok_m & (d >= 1) & (d <= dim) & (y >= 1)


# ----------------------------------------------------------------------------------- string fast paths

_PY_WS = r"\x00-\x20\x{7f}-\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_TEXT_RE = rf"(?s)^[^{_PY_WS}](?:.*[^{_PY_WS}])?$"


def _fast_text(a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray) -> Fast:
    ok = _match(a, _TEXT_RE) & ~missing
    vals = _only(a, ok)
    if ctype.kind == "text_masked":
        from ingestion.pii import mask_array

        vals = mask_array(vals)
    return Fast(ok | missing, vals)


def _fast_id(a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray) -> Fast:
    ok = _match(a, r"^[0-9A-Za-z_=@/:+.\-]+$") & ~_match(a, r"^[-+]?\d+(?:\.\d*)?[eE][-+]?\d+$") & ~missing
    return Fast(ok | missing, _only(a, ok))


def _fast_integer(a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray) -> Fast:
    plain = r"^\d{1,18}$" if ctype.kind == "count" else r"^-?\d{1,18}$"
    ok = _match(a, plain) & ~missing
    src = a
    if ctype.kind != "int":
        grouped = _match(a, r"^\d{1,3}(?:,\d{3}){1,5}$") & ~missing
        if grouped.any():
            src = pc.replace_substring(a, ",", "")
            ok = ok | grouped
    vals = pc.cast(_only(src, ok), pa.int64())
    extra = None
    if ctype.kind in ("count", "signed"):
        extra = _only(pa.array(np.zeros(len(a), dtype=bool)), ok)
    return Fast(ok | missing, vals, extra)


def _fast_float(a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray) -> Fast:
    ok = _match(a, r"^-?\d{1,15}(?:\.\d{1,15})?$") & ~missing
    return Fast(ok | missing, pc.cast(_only(a, ok), pa.float64()))


def _fast_money(a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray) -> Fast:
    ok = _match(a, r"^-?\d{1,16}(?:\.\d{1,2})?$") & ~missing
    return Fast(ok | missing, pc.cast(_only(a, ok), pa.decimal128(18, 2)))


def _percent_shift(a: pa.Array) -> pa.Array:
    """'20.6' / '20.6%' -> '0.206' as text (exact decimal shift), cast to float64."""
    parts = pc.extract_regex(a, r"^(?P<i>\d+)(?:\.(?P<f>\d*))?%?$")
    ip = pc.utf8_lpad(pc.struct_field(parts, "i"), 3, "0")
    fp = pc.struct_field(parts, "f")
    head = pc.utf8_slice_codeunits(ip, 0, -2)
    tail = pc.utf8_slice_codeunits(ip, -2, 2**31 - 1)
    joined = pc.binary_join_element_wise(head, ".", tail, fp, "")
    return pc.cast(joined, pa.float64())


def _fast_rate(a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray) -> Fast:
    num = r"\d{1,12}(?:\.\d{1,12})?"
    pct = _match(a, rf"^{num}%$") & ~missing
    bare = _match(a, rf"^{num}$") & ~missing
    unit = ctype.rate_unit
    vals = pa.nulls(len(a), pa.float64())
    ok = np.zeros(len(a), dtype=bool)
    if unit == "f" and bare.any():
        vals = pc.cast(_only(a, bare), pa.float64())
        ok = bare
    shift = pct | bare if unit == "%n" else pct
    if shift.any():
        vals = pc.if_else(pa.array(shift), _percent_shift(_only(a, shift)), vals)
        ok = ok | shift
    if ok.any():
        v = np.asarray(pc.fill_null(vals, 0.0).to_numpy(zero_copy_only=False))
        ok = ok & (v >= 0.0) & (v <= 1.0)
        vals = _only(vals, ok)
    return Fast(ok | missing, vals)


def _fast_dur(a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray) -> Fast:
    ok = _match(a, r"^\d{1,15}(?:\.\d{1,15})?$") & ~missing
    vals = pc.cast(_only(a, ok), pa.float64())
    if ctype.dur_unit == "min":
        vals = pc.multiply(vals, 60.0)
    return Fast(ok | missing, vals)


# Canonical ISO-like layouts, told apart by their length (seconds fractions of 3 or 6 digits only):
# length -> (has time, has seconds, fraction digits, zone: "" | "Z" | "off")
_LAYOUTS: dict[int, tuple[bool, bool, int, str]] = {
    10: (False, False, 0, ""),
    16: (True, False, 0, ""),
    17: (True, False, 0, "Z"),
    22: (True, False, 0, "off"),
    19: (True, True, 0, ""),
    20: (True, True, 0, "Z"),
    25: (True, True, 0, "off"),
    23: (True, True, 3, ""),
    24: (True, True, 3, "Z"),
    29: (True, True, 3, "off"),
    26: (True, True, 6, ""),
    27: (True, True, 6, "Z"),
    32: (True, True, 6, "off"),
}
_DATE_RE = r"^\d{4}-\d\d-\d\d$"
_TS_RE = r"^\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.(?:\d{3}|\d{6}))?)?(?:Z|[+-]\d\d:\d\d)?)?$"


def _fixed_width(a: pa.Array, sel: np.ndarray, width: int) -> np.ndarray:
    """The selected strings (all ``width`` ASCII bytes long) as a (width, k) uint8 array, one row per position."""
    sub = a.filter(pa.array(sel))
    offsets = np.frombuffer(sub.buffers()[1], dtype=np.int32, count=len(sub) + 1, offset=sub.offset * 4)
    data = np.frombuffer(sub.buffers()[2], dtype=np.uint8)
    block = data[offsets[0] : offsets[0] + len(sub) * width].reshape(len(sub), width)
    return np.ascontiguousarray(block.T)


def _num(b: np.ndarray, i: int, j: int) -> np.ndarray:
    out = b[i].astype(np.int64) - 48
    for k in range(i + 1, j):
        out = out * 10 + (b[k].astype(np.int64) - 48)
    return out


def _parse_layouts(a: pa.Array, matched: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ok, utc_us, local_days, precision index 0 day / 1 minute / 2 second) for the canonical layouts."""
    n = len(a)
    ok = np.zeros(n, dtype=bool)
    utc = np.zeros(n, dtype=np.int64)
    prec = np.zeros(n, dtype=np.int64)
    if not matched.any():
        return ok, utc, utc.copy(), prec
    lengths = np.asarray(pc.fill_null(pc.binary_length(a), 0).to_numpy(zero_copy_only=False))
    for width, (has_t, has_s, fd, zone) in _LAYOUTS.items():
        sel = matched & (lengths == width)
        if not sel.any():
            continue
        b = _fixed_width(a, sel, width)
        y, mo, d = _num(b, 0, 4), _num(b, 5, 7), _num(b, 8, 10)
        good = _valid_ymd(y, mo, d)
        secs = _days_from_civil(y, mo, d) * 86_400
        us = np.zeros(y.shape[0], dtype=np.int64)
        if has_t:
            h, mi = _num(b, 11, 13), _num(b, 14, 16)
            good &= (h < 24) & (mi < 60)
            secs += h * 3600 + mi * 60
            if has_s:
                sec = _num(b, 17, 19)
                good &= sec < 60
                secs += sec
                if fd:
                    us = _num(b, 20, 20 + fd) * (1000 if fd == 3 else 1)
        if zone == "off":
            zh, zm = _num(b, width - 5, width - 3), _num(b, width - 2, width)
            good &= (zh < 24) & (zm < 60)
            sign = np.where(b[width - 6] == ord("-"), -1, 1)
            secs -= sign * (zh * 3600 + zm * 60)
        elif zone == "":
            secs -= SHANGHAI_OFFSET_S
        idx = np.flatnonzero(sel)
        ok[idx] = good
        utc[idx] = secs * US + us
        prec[idx] = 2 if has_s else (1 if has_t else 0)
    local_days = np.floor_divide(utc + SHANGHAI_OFFSET_S * US, DAY_US)
    return ok, utc, local_days, prec


def _fast_date(a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray) -> Fast:
    ok, _utc, days, _prec = _parse_layouts(a, _match(a, _DATE_RE) & ~missing)
    vals = pa.array(np.where(ok, days, 0).astype(np.int32), pa.date32(), mask=~ok)
    return Fast(ok | missing, vals)


_PRECISIONS = pa.array(["day", "minute", "second"])


def _ts_finish(
    utc: np.ndarray,
    ok: np.ndarray,
    prec_idx: np.ndarray,
    ctype: ColumnType,
    ctx: ParseContext,
    missing: np.ndarray,
    absolute: bool,
) -> Fast:
    if absolute and ctype.end_of_period:
        utc = utc + np.where(prec_idx == 0, _END_OF["day"], np.where(prec_idx == 1, _END_OF["minute"], 0))
    if not ctype.planned:
        ok = ok & (utc >= PLAUSIBLE_FROM_US)
        exp = _export_us(ctx)
        if exp is not None:
            ok = ok & (utc <= exp + DAY_US)
    mask = pa.array(~ok)
    vals = pa.array(np.where(ok, utc, 0), pa.timestamp("us"), mask=~ok)
    prec = pc.if_else(mask, pa.scalar(None, pa.string()), pc.take(_PRECISIONS, pa.array(prec_idx)))
    return Fast(ok | missing, vals, prec)


def _fast_ts(a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray) -> Fast:
    n = len(a)
    if ctype.epoch is not None:
        width = 10 if ctype.epoch == "epoch_s" else 13
        ok = _match(a, rf"^\d{{{width}}}$") & ~missing
        v = np.asarray(pc.fill_null(pc.cast(_only(a, ok), pa.int64()), 0).to_numpy(zero_copy_only=False))
        utc = v * (US if width == 10 else 1000)
        fast = _ts_finish(utc, ok, np.full(n, 2), ctype, ctx, missing, False)
        rest = ~fast.handled
        if not rest.any():
            return fast
        other = _fast_ts_text(a, ctype, ctx, missing, rest)
        pick = pa.array(fast.handled & ~missing)
        return Fast(
            fast.handled | other.handled,
            pc.if_else(pick, fast.values, other.values),
            pc.if_else(pick, fast.extra, other.extra),
        )
    return _fast_ts_text(a, ctype, ctx, missing, np.ones(n, dtype=bool))


def _fast_ts_text(
    a: pa.Array, ctype: ColumnType, ctx: ParseContext, missing: np.ndarray, scope: np.ndarray
) -> Fast:
    ok, utc, _days, prec = _parse_layouts(a, _match(a, _TS_RE) & ~missing & scope)
    return _ts_finish(utc, ok, prec, ctype, ctx, missing, True)


StrFast = Callable[[pa.Array, ColumnType, ParseContext, np.ndarray], Fast]

STRING_FAST: dict[str, StrFast] = {
    "text": _fast_text,
    "text_masked": _fast_text,
    "id": _fast_id,
    "key": _fast_id,
    "count": _fast_integer,
    "signed": _fast_integer,
    "int": _fast_integer,
    "num": _fast_float,
    "ratio": _fast_float,
    "money": _fast_money,
    "rate": _fast_rate,
    "dur": _fast_dur,
    "date": _fast_date,
    "ts": _fast_ts,
}

# -------------------------------------------------------------------------------------- int fast paths

_F53 = 2**53


def _int_fast(a: pa.Array, ctype: ColumnType, ctx: ParseContext) -> Fast | None:
    kind = ctype.kind
    n = len(a)
    valid = _np_mask(pc.is_valid(a))
    missing = ~valid
    v = np.asarray(pc.fill_null(a, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    if kind in ("count", "signed", "int"):
        ok = valid & (v >= 0) if kind == "count" else valid
        extra = _only(pa.array(np.zeros(n, dtype=bool)), ok) if kind != "int" else None
        return Fast(ok | missing, _only(a, ok), extra)
    if kind in ("num", "ratio"):
        ok = valid & (np.abs(v) <= _F53)
        return Fast(ok | missing, pa.array(v.astype(np.float64), pa.float64(), mask=~ok))
    if kind in ("id", "key"):
        return Fast(valid | missing, pc.cast(a, pa.string()))
    if kind == "ts" and ctype.epoch is not None:
        lo, hi, mult = (10**9, 10**10, US) if ctype.epoch == "epoch_s" else (10**12, 10**13, 1000)
        ok = valid & (v >= lo) & (v < hi)
        return _ts_finish(v * mult, ok, np.full(n, 2), ctype, ctx, missing, False)
    return None


# ---------------------------------------------------------------------------------------------- driver


def _as_arrow(cells: Sequence[Cell] | pa.Array | pa.ChunkedArray) -> pa.Array | None:
    """A string or int64 array when the column is all-str / all-int (nulls allowed), else None."""
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    if isinstance(cells, pa.Array):
        if pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type):
            return cells.cast(pa.string()) if pa.types.is_large_string(cells.type) else cells
        if pa.types.is_integer(cells.type):
            return cells.cast(pa.int64())
        return None
    seen = {type(c) for c in cells}
    seen.discard(type(None))
    if seen == {str}:
        try:
            return pa.array(cells, pa.string())
        except (UnicodeError, pa.ArrowInvalid):  # lone surrogates: leave it to the reference parsers
            return None
    if seen == {int}:
        try:
            return pa.array(cells, pa.int64())
        except (OverflowError, pa.ArrowInvalid):
            return None
    return None


SMALL_COLUMN = 512


def parse_column(
    cells: Sequence[Cell] | pa.Array | pa.ChunkedArray, ctype: ColumnType, ctx: ParseContext
) -> ParsedColumn:
    """Parse a whole column for its declared type (see docs/INTERFACES.md).

    Short columns go straight to the memoised reference parsers: the vectorised kernels cost a fixed
    ~1 ms per column, which dominates for the many small files a landing tree holds.
    """
    return _parse(cells, ctype, ctx, vectorised=len(cells) > SMALL_COLUMN)


def parse_column_reference(
    cells: Sequence[Cell] | pa.Array | pa.ChunkedArray, ctype: ColumnType, ctx: ParseContext
) -> ParsedColumn:
    """The same, cell by cell through the reference parsers only (the spec; used by the tests)."""
    return _parse(cells, ctype, ctx, vectorised=False)


def _parse(cells: Any, ctype: ColumnType, ctx: ParseContext, vectorised: bool) -> ParsedColumn:
    spec = SPECS.get(ctype.kind)
    if spec is None:
        raise ValueError(f"unknown column kind {ctype.kind!r}")
    n = len(cells)
    fast: Fast | None = None
    arr = _as_arrow(cells) if vectorised and n else None
    if arr is not None:
        if pa.types.is_string(arr.type):
            fn = STRING_FAST.get(ctype.kind)
            if fn is not None:
                fast = fn(arr, ctype, ctx, _missing_str(arr))
        else:
            fast = _int_fast(arr, ctype, ctx)
    if isinstance(cells, (pa.Array, pa.ChunkedArray)):
        pylist: Sequence[Cell] | None = None
    else:
        pylist = cells

    if fast is None:
        idx: np.ndarray | range = range(n)
        todo = cells.to_pylist() if pylist is None else pylist
    else:
        idx = np.flatnonzero(~fast.handled)
        if pylist is None:
            todo = cells.take(pa.array(idx, pa.int64())).to_pylist()
        else:
            todo = [pylist[i] for i in idx.tolist()]

    vals: list[Any] = []
    extras: list[Any] = []
    errors: dict[int, tuple[str, str]] = {}
    memo: dict[tuple[type, Any], tuple[Any, Any] | CellError] = {}
    ref = spec.ref
    for i, cell in zip(idx, todo):
        if is_missing(cell):
            vals.append(None)
            extras.append(None)
            continue
        key = (type(cell), cell)
        try:
            hit = memo.get(key)
        except TypeError:  # unhashable: never from a reader, but never raise either
            hit, key = None, (type(None), None)
        if hit is None:
            try:
                hit = ref(cell, ctype, ctx)
            except CellError as e:
                hit = e
            except Exception as e:  # a parser bug must not take down a file: report it as the row reason
                hit = CellError(
                    _FALLBACK_REASON.get(ctype.kind, "invalid_number"),
                    f"column {ctx.column}: {cell!r} could not be parsed ({type(e).__name__})",
                )
            if key[0] is not type(None):
                memo[key] = hit
        if isinstance(hit, CellError):
            errors[int(i)] = (hit.reason, hit.message)
            vals.append(None)
            extras.append(hit.extra)
        else:
            vals.append(hit[0])
            extras.append(hit[1])

    values = pa.array(vals, spec.type)
    extra = pa.array(extras, spec.extra_type) if spec.extra_type is not None else None
    if fast is not None:
        rmask = pa.array(~fast.handled)
        values = pc.replace_with_mask(fast.values, rmask, values) if len(vals) else fast.values
        if extra is not None:
            base = fast.extra if fast.extra is not None else pa.nulls(n, spec.extra_type)
            extra = pc.replace_with_mask(base, rmask, extra) if len(vals) else base
    return ParsedColumn(
        values=values,
        capped=extra if spec.extra == "capped" else None,
        precision=extra if spec.extra == "precision" else None,
        raw=extra if spec.extra == "raw" else None,
        errors=errors,
    )


_FALLBACK_REASON = {
    "text": "invalid_number",
    "rate": "invalid_rate",
    "dur": "invalid_duration",
    "date": "invalid_date",
    "ts": "invalid_timestamp",
    "bool": "unknown_enum_value",
    "enum": "unknown_enum_value",
    "list": "unknown_enum_value",
    "id": "id_precision_lost",
    "key": "id_precision_lost",
}
