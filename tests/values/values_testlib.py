"""Helpers for the value-parser tests (not a test module)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from ingestion.types import ColumnType
from ingestion.values import ParseContext, ParsedColumn, parse_column, parse_column_reference

EXPORT_AT = datetime(2024, 11, 8, 1, 30, tzinfo=UTC)  # 2024-11-08 09:30 +08:00


def ctx(column: str = "col", export_at: datetime | None = EXPORT_AT, in_file: bool = True) -> ParseContext:
    return ParseContext(column=column, export_at=export_at, export_at_in_file=in_file)


def same(a: pa.Array | None, b: pa.Array | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if a.type != b.type:
        return False
    for x, y in zip(a.to_pylist(), b.to_pylist(), strict=True):
        if isinstance(x, float) and isinstance(y, float):
            if not (x == y or (math.isnan(x) and math.isnan(y))):
                return False
        elif x != y:
            return False
    return True


def assert_equivalent(v: ParsedColumn, r: ParsedColumn) -> None:
    assert same(v.values, r.values), (v.values.to_pylist(), r.values.to_pylist())
    assert same(v.capped, r.capped)
    assert same(v.precision, r.precision), (v.precision, r.precision)
    assert same(v.raw, r.raw)
    assert v.errors == r.errors


def parse(cells: Any, c: ParseContext | None = None, **kw: Any) -> ParsedColumn:
    """Parse through the vectorised driver and check it equals the reference."""
    ctype = ColumnType(**kw)
    c = c or ctx()
    out = parse_column(cells, ctype, c)
    assert_equivalent(out, parse_column_reference(cells, ctype, c))
    assert len(out.values) == len(cells)
    return out


def one(cell: Any, c: ParseContext | None = None, **kw: Any) -> Any:
    out = parse([cell], c, **kw)
    assert not out.errors, out.errors
    return out.values.to_pylist()[0]


def reason(cell: Any, c: ParseContext | None = None, **kw: Any) -> str:
    out = parse([cell], c, **kw)
    assert 0 in out.errors, f"no error for {cell!r}: {out.values.to_pylist()}"
    assert out.values.to_pylist()[0] is None
    return out.errors[0][0]
