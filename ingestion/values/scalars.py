"""``text``, ``text_masked``, ``bool``, ``enum``, ``list`` (reference, per cell)."""

from __future__ import annotations

import re
import unicodedata

from ingestion.cells import Cell, Num
from ingestion.types import ColumnType

from .common import CellError, ParseContext, fail, lower_ascii, natural_number


def cell_text(cell: Cell) -> str:
    """A cell as text: strings as delivered, numbers in their natural form."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, Num):
        return natural_number(cell.value)
    if isinstance(cell, (bool, int, float)):
        return natural_number(cell)
    return ""


def ref_text(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[str | None, None]:
    t = cell_text(cell).strip()
    return (t or None), None


def ref_text_masked(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[str | None, None]:
    from ingestion.pii import mask_text

    t = cell_text(cell).strip()
    return (mask_text(t) if t else None), None


_TRUE = frozenset({"true", "1", "是", "y", "yes"})
_FALSE = frozenset({"false", "0", "否", "n", "no"})


def ref_bool(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[bool, None]:
    if isinstance(cell, bool):
        return cell, None
    if isinstance(cell, str):
        t = lower_ascii(unicodedata.normalize("NFKC", cell).strip())
        if t in _TRUE:
            return True, None
        if t in _FALSE:
            return False, None
    else:
        v = cell.value if isinstance(cell, Num) else cell
        if v == 1:
            return True, None
        if v == 0:
            return False, None
    raise fail("unknown_enum_value", ctx, cell, "is not a boolean (true/false, 1/0, 是/否, Y/N, yes/no)")


def norm_label(s: str) -> str:
    """Enum normalisation: NFKC, trim, lowercase ASCII (NFKC already folds ``，`` to ``,``)."""
    return lower_ascii(unicodedata.normalize("NFKC", s).strip().replace("，", ","))


_LOOKUPS: dict[int, tuple[dict[str, str], dict[str, str]]] = {}


def _lookup(mapping: dict[str, str]) -> dict[str, str]:
    """Normalised label -> code; the codes themselves are accepted too (ops sheets may write the code)."""
    hit = _LOOKUPS.get(id(mapping))
    if hit is not None and hit[0] is mapping:
        return hit[1]
    table = {norm_label(code): code for code in mapping.values()}
    table.update({norm_label(label): code for label, code in mapping.items()})
    _LOOKUPS[id(mapping)] = (mapping, table)
    return table


def map_enum(label: str, mapping: dict[str, str], strict: bool, ctx: ParseContext, cell: Cell) -> str:
    code = _lookup(mapping).get(norm_label(label))
    if code is not None:
        return code
    if strict:
        raise fail("unknown_enum_value", ctx, cell, f"has the unknown value {label.strip()!r}")
    return "other"


def ref_enum(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[str, str]:
    raw = cell_text(cell).strip()
    try:
        return map_enum(raw, ctype.enum_map, ctype.strict, ctx, cell), raw
    except CellError as e:
        e.extra = raw  # the quarantine keeps the raw value beside the error
        raise


SPLIT_RE = re.compile(r"[|、,，;；]")


def ref_list(cell: Cell, ctype: ColumnType, ctx: ParseContext) -> tuple[list[str] | None, None]:
    if isinstance(cell, (list, tuple)):  # a JSON array (listening matched_keywords)
        items = [cell_text(x).strip() for x in cell if x is not None]
    else:
        items = [p.strip() for p in SPLIT_RE.split(cell_text(cell))]
    items = [p for p in items if p]
    if not items:
        return None, None
    if ctype.item_enum:
        items = [map_enum(p, ctype.item_enum, ctype.strict, ctx, cell) for p in items]
    return items, None
