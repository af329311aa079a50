"""read_document never raises anything but FileRejected with a §5.1 reason, whatever the bytes."""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.readers import Document, FileRejected, delimited, read_document

REASONS_51 = {
    "unsupported_file_type",
    "unreadable_file",
    "unsupported_encoding",
    "encoding_undetected",
    "encoding_suspect",
    "malformed_csv",
    "invalid_json",
}

_PREFIXES = [
    b"",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"<table>",
    b"<html><meta charset=gbk><table><tr><td colspan=3>",
    b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
    b"{",
    b"[",
    b'{"a": 1}\n{',
    b'a,"b\r\n',
    b"%PDF-",
]


def _check(data: bytes) -> None:
    try:
        doc = read_document(data)
    except FileRejected as exc:
        assert exc.reason in REASONS_51, exc.reason
        assert isinstance(exc.message, str) and exc.message
        assert isinstance(exc.detail, dict)
        return
    assert isinstance(doc, Document)
    assert doc.file_type in {"xlsx", "xls", "html", "json", "jsonl", "csv"}
    if doc.file_type == "csv":
        assert doc.text is not None
        for delimiter in (",", "\t"):
            try:
                t = delimited(doc.text, delimiter)
            except FileRejected as exc:
                assert exc.reason == "malformed_csv"
                assert exc.detail["line"] >= 1
            else:
                assert len(t.rows) == len(t.row_numbers)
                assert t.row_numbers == sorted(set(t.row_numbers))
    for table in doc.tables:
        assert len(table.rows) == len(table.row_numbers)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(_PREFIXES), body=st.binary(max_size=400))
def test_arbitrary_bytes(prefix: bytes, body: bytes) -> None:
    _check(prefix + body)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list('ab,"\t\r\n {}[]:<>/tablerd1中é\u2028&;')), max_size=200),
    codec=st.sampled_from(["utf-8", "gb18030"]),
)
def test_arbitrary_text(text: str, codec: str) -> None:
    _check(text.encode(codec))


@settings(max_examples=60, deadline=None)
@given(
    cut=st.integers(min_value=1, max_value=10_000),
    flip=st.integers(min_value=0, max_value=10_000),
    method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)
def test_damaged_xlsx(cut: int, flip: int, method: int) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheets><sheet name="S" sheetId="1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/worksheets/sheet1.xml",
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1</v></c></row></sheetData></worksheet>',
        )
        zf.writestr("xl/sharedStrings.xml", "<sst><si><t>a</t></si></sst>")
    data = bytearray(buf.getvalue())
    data[flip % len(data)] ^= 0x5A
    _check(bytes(data[: max(4, cut % (len(data) + 1))]))
