"""File type detection (§2.2), encodings (§2.3) and file rejections (§5.1)."""

from __future__ import annotations

import io
import zipfile

import pytest
import xlsxwriter

from ingestion.readers import Document, FileRejected, delimited, read_document


def _reject(data: bytes) -> FileRejected:
    with pytest.raises(FileRejected) as info:
        read_document(data)
    return info.value


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("数据")
    ws.write_row(0, 0, ["时间", "新关注人数"])
    for i in range(200):
        ws.write_row(i + 1, 0, [f"2024-11-{i % 28 + 1:02d}", i])
    wb.close()
    return buf.getvalue()


def test_empty_file_is_unreadable() -> None:
    assert _reject(b"").reason == "unreadable_file"


def test_xlsx_detected() -> None:
    doc = read_document(_xlsx_bytes())
    assert doc.file_type == "xlsx"
    assert doc.encoding is None
    assert doc.tables[0].rows[0] == ["时间", "新关注人数"]


def test_truncated_xlsx_is_unreadable() -> None:
    data = _xlsx_bytes()
    for cut in (len(data) // 2, len(data) - 30, 40):
        assert _reject(data[:cut]).reason == "unreadable_file", cut


def test_corrupt_member_is_unreadable() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a' r:id='x'")  # not well-formed
    assert _reject(buf.getvalue()).reason == "unreadable_file"


def test_encrypted_zip_member_is_unreadable() -> None:
    data = bytearray(_xlsx_bytes())
    # Set the "encrypted" general-purpose flag on every local and central directory header.
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos >= 0:
            data[pos + off] |= 0x01
            pos = data.find(sig, pos + 4)
    assert _reject(bytes(data)).reason == "unreadable_file"


def test_zip_without_workbook_is_unsupported() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    err = _reject(buf.getvalue())
    assert err.reason == "unsupported_file_type"


def test_empty_zip_is_unsupported() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w"):
        pass
    assert _reject(buf.getvalue()).reason == "unsupported_file_type"


def test_corrupt_ole_is_unreadable() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4
    assert _reject(data).reason == "unreadable_file"


def test_pdf_is_unsupported() -> None:
    err = _reject(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert err.reason == "unsupported_file_type"
    assert "PDF" in err.message


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"GIF89a\x01\x00",
        b"\x1f\x8b\x08\x00",
    ],
)
def test_images_and_archives_are_unsupported(data: bytes) -> None:
    assert _reject(data).reason == "unsupported_file_type"


def test_nul_byte_names_offset() -> None:
    err = _reject(b"a,b\r\n1,2\x00\r\n")
    assert err.reason == "unsupported_file_type"
    assert err.detail["offset"] == 8
    assert "8" in err.message


def test_control_bytes_are_binary() -> None:
    assert _reject(bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 50).reason == "unsupported_file_type"


def test_xml_spreadsheet_2003_is_unsupported() -> None:
    data = (
        b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        b'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S">'
        b'<Table><Row><Cell><Data ss:Type="String">a</Data></Cell></Row></Table></Worksheet></Workbook>'
    )
    assert _reject(data).reason == "unsupported_file_type"


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_utf16_bom_is_unsupported_encoding(bom: bytes) -> None:
    codec = "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"
    data = bom + "时间,新关注人数\r\n2024-11-01,3\r\n".encode(codec)
    assert _reject(data).reason == "unsupported_encoding"


def test_utf8_bom_stripped() -> None:
    doc = read_document(b"\xef\xbb\xbf" + "时间,新关注人数\r\n2024-11-01,3\r\n".encode())
    assert doc.file_type == "csv"
    assert doc.encoding == "utf-8-sig"
    assert doc.text is not None
    assert doc.text.startswith("时间,")
    assert doc.tables == []


def test_plain_utf8() -> None:
    doc = read_document("时间,新关注人数\n".encode())
    assert (doc.file_type, doc.encoding) == ("csv", "utf-8")


def test_gbk_csv_decodes_as_gb18030() -> None:
    text = '订单编号,订单状态,买家应付货款\r\n4200001234,"买家已付款,等待卖家发货",12.50\r\n'
    doc = read_document(text.encode("gbk"))
    assert (doc.file_type, doc.encoding) == ("csv", "gb18030")
    assert doc.text == text
    assert delimited(doc.text, ",").rows == [
        ["订单编号", "订单状态", "买家应付货款"],
        ["4200001234", "买家已付款,等待卖家发货", "12.50"],
    ]


def test_undecodable_text_is_encoding_undetected() -> None:
    err = _reject(b"a,b\r\n\x80\xff,1\r\n")
    assert err.reason == "encoding_undetected"


def test_bom_with_invalid_utf8_is_encoding_undetected() -> None:
    assert _reject(b"\xef\xbb\xbfa,b\r\n\xb6\xa9,1\r\n").reason == "encoding_undetected"


def test_html_detected() -> None:
    doc = read_document(b"\n  <html><body><table><tr><td>a</td><td>b</td></tr></table></body></html>")
    assert doc.file_type == "html"
    assert doc.tables[0].rows == [["a", "b"]]


def test_markup_without_table_is_text() -> None:
    doc = read_document(b"<p>hello</p>\n")
    assert doc.file_type == "csv"


def test_json_and_jsonl_detected() -> None:
    assert read_document(b' \n{"a": 1}').file_type == "json"
    assert read_document(b"\xef\xbb\xbf[1, 2]").json_value == [1, 2]
    assert read_document(b'{"a": 1}\n{"a": 2}\n').file_type == "jsonl"


def test_csv_is_not_parsed_eagerly() -> None:
    doc = read_document(b'a,b\r\n"unterminated\r\n')  # malformed, but only delimited() finds out
    assert isinstance(doc, Document)
    assert doc.file_type == "csv"
    assert doc.tables == []


def test_text_starting_like_a_magic_number_is_still_text() -> None:
    doc = read_document(b"PK_ID,RIFF,BZh\r\n1,2,3\r\n")
    assert doc.file_type == "csv"


def test_rtf_is_unsupported() -> None:
    assert _reject(b"{\\rtf1\\ansi hello}").reason == "unsupported_file_type"


def test_public_api_shapes() -> None:
    import pickle

    from ingestion.readers import Table

    err = FileRejected("malformed_csv", "unterminated quote", {"line": 3})
    assert (err.reason, err.message, err.detail) == ("malformed_csv", "unterminated quote", {"line": 3})
    again = pickle.loads(pickle.dumps(err))
    assert (again.reason, again.message, again.detail) == (err.reason, err.message, err.detail)
    doc = Document("csv", "utf-8", [], None, None, [], "a,b")
    assert (doc.text, doc.date1904) == ("a,b", False)
    assert Table("S", [["a"]], [1]).hidden is False
