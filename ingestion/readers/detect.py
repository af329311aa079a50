"""``read_document``: file type detection by content (contract §2.2) and dispatch to the readers."""

from __future__ import annotations

import re

from .encoding import bom_length, check_utf16_bom, decode_html, decode_text
from .htmltable import read_tables
from .jsondoc import read_json, try_json_bytes
from .model import Document, FileRejected
from .xls import read_xls
from .xlsx import read_xlsx

_HEAD = 65536
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XML2003_NS = b"urn:schemas-microsoft-com:office:spreadsheet"
_TABLE_TAG = re.compile(rb"<table[\s>/]", re.IGNORECASE)

# Magic numbers of binary formats that are not deliveries (checked after xlsx/xls). Only prefixes no
# CSV header could start with; binary formats whose magic is plain ASCII mostly hold NUL bytes anyway.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"PK\x05\x06", "zip archive"),
    (b"PK\x07\x08", "zip archive"),
    (b"PK\x01\x02", "zip archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"\x7fELF", "ELF executable"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"{\\rtf", "RTF document"),
)
# C0 control bytes that never occur in text deliveries (TAB, LF, VT, FF, CR and ESC/SUB excluded).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26, 27))
_CONTROL_SHARE = 0.05


def read_document(data: bytes) -> Document:
    """Detect the type of ``data`` by content and read it; raises :class:`FileRejected` (§5.1)."""
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not data:
        raise FileRejected("unreadable_file", "the file is empty (0 bytes)", {})
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data)
    if data.startswith(_OLE):
        return read_xls(data)
    check_utf16_bom(data)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise FileRejected("unsupported_file_type", f"{what} is not a supported delivery format", {})
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FileRejected(
            "unsupported_file_type",
            f"binary content: NUL byte at byte offset {nul}",
            {"offset": nul},
        )
    head = data[:_HEAD]
    sample = head[:4096]
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    if controls > max(1, _CONTROL_SHARE * len(sample)):
        raise FileRejected(
            "unsupported_file_type",
            f"binary content: {controls} control bytes in the first {len(sample)} bytes",
            {"control_bytes": controls},
        )
    bom = bom_length(data)
    start = head[bom:].lstrip()
    if start.startswith(b"<?xml") and _XML2003_NS in data:
        raise FileRejected("unsupported_file_type", "XML Spreadsheet 2003 workbooks are not supported", {})
    if start.startswith(b"<") and _TABLE_TAG.search(head) is not None:
        text, encoding = decode_html(data)
        try:
            tables = read_tables(text)
        except Exception as exc:  # html.parser can raise on pathological markup
            raise FileRejected(
                "unreadable_file", f"HTML could not be parsed: {type(exc).__name__}: {exc}", {}
            ) from None
        return Document(file_type="html", encoding=encoding, tables=tables)
    json_like = start[:1] in (b"{", b"[")
    if json_like:
        fast = try_json_bytes(data, bom)
        if fast is not None:
            return fast
    text, encoding = decode_text(data)
    if _first_non_space(text) in ("{", "["):
        return read_json(text, encoding, bom, whole_tried=json_like)
    return Document(file_type="csv", encoding=encoding, text=text)


def _first_non_space(text: str) -> str:
    for i in range(min(len(text), _HEAD)):
        ch = text[i]
        if not ch.isspace() and ch != "\ufeff":
            return ch
    return ""


__all__ = ["read_document"]
