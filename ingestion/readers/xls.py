"""Old binary BIFF ``.xls`` via xlrd (contract §2.2, quirk 4).

Numbers become ``Num`` (percent-formatted ones ``fmt='percent'`` when xlrd can read the formatting);
date-typed cells become ``Num(serial, 'date' | 'datetime' | 'time', date1904=datemode == 1)``; text is
``str``; booleans ``bool``; errors their Excel text (``#DIV/0!``); empty cells ``None``.
"""

from __future__ import annotations

import contextlib
from typing import Any

import xlrd

from ingestion.cells import Cell, Num, NumFormat

from .model import Document, FileRejected, Table, gc_paused, is_blank_row
from .numfmt import builtin_family, classify_code

# Directory entry names (UTF-16LE) of an OLE container holding an encrypted OOXML (xlsx) package.
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")


def _open(data: bytes) -> Any:
    try:
        return xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=False)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise FileRejected("unreadable_file", "the workbook is password-protected", {}) from None
        first: Exception = exc
    except Exception as exc:
        first = exc
    # formatting_info=True rejects some otherwise readable files; retry without it.
    try:
        return xlrd.open_workbook(file_contents=data, formatting_info=False, on_demand=False)
    except Exception as exc:
        msg = str(exc) or str(first)
        if _ENCRYPTED_OOXML in data:
            raise FileRejected(
                "unreadable_file", "the workbook is an encrypted (password-protected) xlsx package", {}
            ) from None
        if "encrypt" in msg.lower():
            raise FileRejected("unreadable_file", "the workbook is password-protected", {}) from None
        raise FileRejected(
            "unreadable_file", f"corrupt or unreadable xls: {type(exc).__name__}: {msg}", {}
        ) from None


def _xf_families(book: Any) -> list[NumFormat]:
    families: list[NumFormat] = []
    format_map = getattr(book, "format_map", None) or {}
    for xf in getattr(book, "xf_list", None) or []:
        key = xf.format_key
        fmt = format_map.get(key)
        code = getattr(fmt, "format_str", None) if fmt is not None else None
        families.append(classify_code(code) if code else builtin_family(key))
    return families


def read_xls(data: bytes) -> Document:
    book = _open(data)
    try:
        with gc_paused():
            return _read_book(book)
    except FileRejected:
        raise
    except Exception as exc:
        raise FileRejected("unreadable_file", f"corrupt xls: {type(exc).__name__}: {exc}", {}) from None
    finally:
        with contextlib.suppress(Exception):
            book.release_resources()


def _read_book(book: Any) -> Document:
    date1904 = book.datemode == 1
    families = _xf_families(book)
    n_fam = len(families)
    tables: list[Table] = []
    for sheet in book.sheets():
        xf_rows = getattr(sheet, "_cell_xf_indexes", None) if families else None
        rows: list[list[Cell]] = []
        numbers: list[int] = []
        for rx in range(sheet.nrows):
            types = sheet.row_types(rx)
            values = sheet.row_values(rx)
            xfs = xf_rows[rx] if xf_rows is not None and rx < len(xf_rows) else None
            cells: list[Cell] = []
            for cx, (ctype, val) in enumerate(zip(types, values)):
                cell: Cell
                if ctype == xlrd.XL_CELL_NUMBER:
                    fam: NumFormat = "general"
                    if xfs is not None and cx < len(xfs) and 0 <= xfs[cx] < n_fam:
                        fam = families[xfs[cx]]
                        if fam in ("date", "time", "datetime"):
                            fam = "general"  # xlrd would have typed it XL_CELL_DATE
                    cell = Num(float(val), fam, date1904)
                elif ctype == xlrd.XL_CELL_DATE:
                    fam = "date" if float(val) == int(val) else "datetime"
                    if xfs is not None and cx < len(xfs) and 0 <= xfs[cx] < n_fam:
                        f2 = families[xfs[cx]]
                        if f2 in ("date", "time", "datetime"):
                            fam = f2
                    cell = Num(float(val), fam, date1904)
                elif ctype == xlrd.XL_CELL_TEXT:
                    cell = str(val)
                elif ctype == xlrd.XL_CELL_BOOLEAN:
                    cell = bool(val)
                elif ctype == xlrd.XL_CELL_ERROR:
                    cell = xlrd.error_text_from_code.get(val, f"#ERR{val}")
                else:
                    cell = None
                cells.append(cell)
            while cells and cells[-1] is None:
                cells.pop()
            if cells and not is_blank_row(cells):
                rows.append(cells)
                numbers.append(rx + 1)
        tables.append(Table(name=sheet.name, rows=rows, row_numbers=numbers, hidden=sheet.visibility != 0))
    return Document(file_type="xls", encoding=None, tables=tables, date1904=date1904)
