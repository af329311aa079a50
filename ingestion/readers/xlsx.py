"""xlsx reader over ``zipfile`` + ``ElementTree.iterparse`` (no openpyxl).

Cells are placed by their ``r`` reference (a cell without one takes the next column), rows by
``<row r>``; only cached values are used (a formula without a cached ``<v>`` is ``None``). Shared and
inline rich-text runs are concatenated (phonetic ``<rPh>`` runs are not text). Numeric cells become
``Num(value, family, date1904)`` with the family of the cell's number format (``styles.xml``).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import posixpath
import zipfile
from typing import IO
from xml.etree.ElementTree import Element, iterparse

from ingestion.cells import Cell, Num, NumFormat

from .model import Document, FileRejected, Table, gc_paused, is_blank_row
from .numfmt import builtin_family, classify_code

_NS_MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_NS_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _tags(local: str) -> frozenset[str]:
    return frozenset([local, *(f"{{{ns}}}{local}" for ns in _NS_MAIN)])


_ROW, _C, _V, _F, _IS, _T, _R, _RPH, _SI = (
    _tags(x) for x in ("row", "c", "v", "f", "is", "t", "r", "rPh", "si")
)
_SHEETDATA = _tags("sheetData")
_NUMFMT, _NUMFMTS, _CELLXFS, _XF, _SHEET, _WBPR = (
    _tags(x) for x in ("numFmt", "numFmts", "cellXfs", "xf", "sheet", "workbookPr")
)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_COL_CACHE: dict[str, int] = {}


def _col_index(letters: str) -> int:
    """0-based column of ``letters`` ('A' → 0, 'AA' → 26)."""
    idx = _COL_CACHE.get(letters)
    if idx is None:
        n = 0
        for ch in letters.upper():
            o = ord(ch) - 64
            if not 1 <= o <= 26:
                raise ValueError(f"bad cell reference column {letters!r}")
            n = n * 26 + o
        if n == 0 or n > 16384:
            raise ValueError(f"bad cell reference column {letters!r}")
        idx = n - 1
        if len(_COL_CACHE) < 100_000:
            _COL_CACHE[letters] = idx
    return idx


def _rich_text(elem: Element) -> str:
    """Text of an ``<si>`` / ``<is>``: a direct ``<t>`` or the ``<r><t>`` runs; ``<rPh>`` skipped."""
    parts: list[str] = []
    for child in elem:
        tag = child.tag
        if tag in _T:
            parts.append(child.text or "")
        elif tag in _R:
            for t in child:
                if t.tag in _T:
                    parts.append(t.text or "")
    return "".join(parts)


class _Book:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = {info.filename: info for info in zf.infolist()}

    def _info(self, name: str) -> zipfile.ZipInfo | None:
        info = self.names.get(name)
        if info is None:
            # Some writers use a different case or a leading slash.
            for other, inf in self.names.items():
                if other.lower().lstrip("/") == name.lower():
                    return inf
        return info

    def open(self, name: str) -> IO[bytes]:
        info = self._info(name)
        if info is None:
            raise KeyError(name)
        if info.flag_bits & 0x1:
            raise FileRejected("unreadable_file", "the workbook is encrypted (password-protected)", {})
        return self.zf.open(info)

    def has(self, name: str) -> bool:
        return self._info(name) is not None

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target part path) for ``part``."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        out: dict[str, tuple[str, str]] = {}
        try:
            fh = self.open(rels_name)
        except KeyError:
            return out
        with fh:
            for _, el in iterparse(fh):
                if _local(el.tag) == "Relationship":
                    target = el.get("Target", "")
                    if el.get("TargetMode") == "External":
                        continue
                    if target.startswith("/"):
                        path = target.lstrip("/")
                    else:
                        path = posixpath.normpath(posixpath.join(folder, target))
                    out[el.get("Id", "")] = (el.get("Type", ""), path)
        return out


def _shared_strings(book: _Book, path: str) -> list[str]:
    out: list[str] = []
    try:
        fh = book.open(path)
    except KeyError:
        return out
    with fh:
        for _, el in iterparse(fh):
            if el.tag in _SI:
                out.append(_rich_text(el))
                el.clear()
    return out


def _styles(book: _Book, path: str) -> list[NumFormat]:
    try:
        fh = book.open(path)
    except KeyError:
        return []
    custom: dict[int, str] = {}
    xf_ids: list[int] = []
    with fh:
        # Only <numFmts>/<numFmt> (not the ones inside conditional-format <dxf>s) and the <cellXfs>
        # list (not <cellStyleXfs>) count: a cell's s attribute indexes cellXfs.
        in_cellxfs = in_numfmts = False
        for event, el in iterparse(fh, events=("start", "end")):
            tag = el.tag
            if tag in _CELLXFS:
                in_cellxfs = event == "start"
            elif tag in _NUMFMTS:
                in_numfmts = event == "start"
            elif event == "end":
                if tag in _NUMFMT and in_numfmts:
                    with contextlib.suppress(ValueError):
                        custom[int(el.get("numFmtId", ""))] = el.get("formatCode", "")
                elif tag in _XF and in_cellxfs:
                    try:
                        xf_ids.append(int(el.get("numFmtId", "0")))
                    except ValueError:
                        xf_ids.append(0)
    families: list[NumFormat] = []
    for fid in xf_ids:
        code = custom.get(fid)
        families.append(classify_code(code) if code is not None else builtin_family(fid))
    return families


def _read_sheet(
    fh: IO[bytes], sst: list[str], families: list[NumFormat], date1904: bool
) -> tuple[list[list[Cell]], list[int]]:
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    last_row = 0
    n_fam = len(families)
    n_sst = len(sst)
    row_tags, c_tags, v_tags, is_tags = _ROW, _C, _V, _IS
    col_cache = _COL_CACHE
    digits = "0123456789"
    # Only "end" events: a row is complete when it ends. Clearing it drops its cells; the emptied row
    # element itself stays in <sheetData> (a few dozen bytes per row).
    for _, el in iterparse(fh):
        if el.tag not in row_tags:
            continue
        r_attr = el.get("r")
        row_no = int(r_attr) if r_attr else last_row + 1
        if row_no < 1:
            raise ValueError(f"bad row number {r_attr!r}")
        last_row = row_no
        cells: list[Cell] = []
        col = -1
        for c in el:
            if c.tag not in c_tags:
                continue
            ref = c.get("r")
            if ref:
                letters = ref.rstrip(digits)
                cached = col_cache.get(letters)
                col = cached if cached is not None else _col_index(letters)
            else:
                col += 1
            t = c.get("t")
            v: str | None = None
            inline: Element | None = None
            for child in c:
                ctag = child.tag
                if ctag in v_tags:
                    v = child.text
                elif ctag in is_tags:
                    inline = child
            value: Cell
            if t is None or t == "n":
                if v is None or not v.strip():
                    value = None
                else:
                    s = c.get("s")
                    fam: NumFormat = "general"
                    if s:
                        si = int(s)
                        if 0 <= si < n_fam:
                            fam = families[si]
                    value = Num(float(v), fam, date1904)
            elif t == "s":
                if v is None:
                    value = None
                else:
                    idx = int(v)
                    if not 0 <= idx < n_sst:
                        raise ValueError(f"shared string index {idx} out of range")
                    value = sst[idx]
            elif t == "inlineStr":
                value = _rich_text(inline) if inline is not None else v
            elif t == "b":
                value = None if v is None else v.strip() in ("1", "true", "TRUE")
            else:  # "str" (cached formula text), "e" (error text), "d" (ISO date) and unknown types
                value = v
            n = len(cells)
            if col == n:
                cells.append(value)
            elif col > n:
                cells.extend([None] * (col - n))
                cells.append(value)
            else:
                cells[col] = value
        el.clear()
        while cells and cells[-1] is None:
            cells.pop()
        if cells and not is_blank_row(cells):
            rows.append(cells)
            numbers.append(row_no)
    if numbers and any(b <= a for a, b in itertools.pairwise(numbers)):
        order = sorted(range(len(numbers)), key=numbers.__getitem__)
        rows = [rows[i] for i in order]
        numbers = [numbers[i] for i in order]
    return rows, numbers


def read_xlsx(data: bytes) -> Document:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, OSError, ValueError, EOFError, ...
        raise FileRejected("unreadable_file", f"corrupt or truncated zip/xlsx: {exc}", {}) from None
    with zf:
        book = _Book(zf)
        if not book.has("xl/workbook.xml"):
            raise FileRejected(
                "unsupported_file_type", "zip archive without xl/workbook.xml (not an xlsx workbook)", {}
            )
        try:
            return _read_book(book)
        except FileRejected:
            raise
        except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
            raise FileRejected("unreadable_file", f"unreadable xlsx: {exc}", {}) from None
        except Exception as exc:  # zlib.error, struct.error, ParseError, KeyError, ValueError, ...
            raise FileRejected(
                "unreadable_file", f"corrupt or truncated xlsx: {type(exc).__name__}: {exc}", {}
            ) from None


def _read_book(book: _Book) -> Document:
    wb_path = "xl/workbook.xml"
    sheets: list[tuple[str, str, bool]] = []  # (name, r:id, hidden)
    date1904 = False
    with book.open(wb_path) as fh:
        for _, el in iterparse(fh):
            tag = el.tag
            if tag in _WBPR:
                date1904 = (el.get("date1904") or "").strip().lower() in ("1", "true")
            elif tag in _SHEET:
                rid = ""
                for key, val in el.attrib.items():
                    if _local(key) == "id" and key != "id":
                        rid = val
                state = (el.get("state") or "visible").strip()
                sheets.append((el.get("name") or "", rid, state in ("hidden", "veryHidden")))
    rels = book.rels(wb_path)
    sst_path = "xl/sharedStrings.xml"
    styles_path = "xl/styles.xml"
    for rtype, target in rels.values():
        if rtype.endswith("/sharedStrings"):
            sst_path = target
        elif rtype.endswith("/styles"):
            styles_path = target
    sst = _shared_strings(book, sst_path)
    families = _styles(book, styles_path)
    tables: list[Table] = []
    for index, (name, rid, hidden) in enumerate(sheets, start=1):
        rel = rels.get(rid)
        path = rel[1] if rel else f"xl/worksheets/sheet{index}.xml"
        if rel and not rel[0].endswith("/worksheet"):
            tables.append(Table(name=name, rows=[], row_numbers=[], hidden=hidden))  # chartsheet etc.
            continue
        with book.open(path) as raw, io.BufferedReader(raw, 1 << 20) as fh, gc_paused():  # type: ignore[type-var]
            rows, numbers = _read_sheet(fh, sst, families, date1904)
        tables.append(Table(name=name, rows=rows, row_numbers=numbers, hidden=hidden))
    return Document(file_type="xlsx", encoding=None, tables=tables, date1904=date1904)
