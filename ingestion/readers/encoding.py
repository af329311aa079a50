"""Text decoding per contract §2.3 (CSV, TSV, HTML, JSON, JSONL).

Order: UTF-8 BOM → ``utf-8-sig``; UTF-16/32 BOM → ``unsupported_encoding``; strict UTF-8 → ``utf-8``;
strict GB18030 → ``gb18030``; otherwise ``encoding_undetected``. Never ``errors="replace"``, never a
latin-1/cp1252 fallback. The whole file is decoded in one call, so at most the bytes plus the decoded
``str`` are alive at once (no slicing copies: the BOM is consumed by the ``utf-8-sig`` codec).
"""

from __future__ import annotations

import codecs
import re

from .model import FileRejected

UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Charset labels an HTML page may declare, mapped to the codec we decode with.
_HTML_CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}
_UTF16_LABELS = frozenset({"utf-16", "utf-16le", "utf-16be", "utf-32", "unicode", "ucs-2"})

_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE | re.DOTALL
)


def check_utf16_bom(data: bytes) -> None:
    for bom in _UTF16_BOMS:
        if data.startswith(bom):
            name = "UTF-32" if len(bom) == 4 else "UTF-16"
            raise FileRejected(
                "unsupported_encoding",
                f"file starts with a {name} byte-order mark; only UTF-8 and GB18030 are accepted",
                {"encoding": name.lower()},
            )


def bom_length(data: bytes) -> int:
    return 3 if data.startswith(UTF8_BOM) else 0


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode ``data`` per §2.3; returns ``(text, encoding)``; the BOM never survives."""
    check_utf16_bom(data)
    if data.startswith(UTF8_BOM):
        try:
            return codecs.decode(data, "utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            offset = len(UTF8_BOM) + exc.start  # the codec counts from after the BOM; the file from its start
            raise FileRejected(
                "encoding_undetected",
                f"file has a UTF-8 byte-order mark but is not valid UTF-8 (byte offset {offset})",
                {"offset": offset},
            ) from None
    try:
        return codecs.decode(data, "utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_offset = exc.start
    try:
        return codecs.decode(data, "gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileRejected(
            "encoding_undetected",
            "file decodes neither as UTF-8 "
            f"(invalid byte at offset {utf8_offset}) nor as GB18030 (invalid byte at offset {exc.start})",
            {"utf8_offset": utf8_offset, "gb18030_offset": exc.start},
        ) from None


def html_declared_charset(head: bytes) -> str | None:
    """The charset label of the first ``<meta charset=…>`` / ``content="…charset=…"`` in ``head``."""
    m = _META_CHARSET.search(head)
    return m.group(1).decode("ascii").lower().strip("._:-") if m else None


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode an HTML(-as-xls) file: the declared charset wins when it is one we support.

    gb2312/gbk (and their aliases) mean gb18030. A declared charset the bytes do not decode with, or no
    declaration, falls back to the §2.3 order. A declared UTF-16 or other non-supported charset on a file
    that is not plain ASCII is ``unsupported_encoding``.
    """
    check_utf16_bom(data)
    if data.startswith(UTF8_BOM):
        return decode_text(data)
    label = html_declared_charset(data[:65536])
    if label is None:
        return decode_text(data)
    codec = _HTML_CHARSETS.get(label)
    if codec is None:
        # An unsupported label on a file that is really UTF-8 (often plain ASCII) is harmless.
        if label in _UTF16_LABELS or not _decodes(data, "utf-8"):
            raise FileRejected(
                "unsupported_encoding",
                f"HTML declares charset {label!r}; only UTF-8 and GB18030/GBK/GB2312 are accepted",
                {"declared_charset": label},
            )
        return decode_text(data)
    try:
        return codecs.decode(data, codec), codec
    except UnicodeDecodeError:
        return decode_text(data)


def _decodes(data: bytes, codec: str) -> bool:
    try:
        codecs.decode(data, codec)
    except UnicodeDecodeError:
        return False
    return True
