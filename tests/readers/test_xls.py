"""BIFF .xls via xlrd, fixtures written by xlwt."""

from __future__ import annotations

import datetime as dt

import pytest
import xlwt

from ingestion.cells import Num
from ingestion.readers import FileRejected, read_document


def _workbook(tmp_path) -> bytes:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("内容分析")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ts_style = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")
    pct_style = xlwt.easyxf(num_format_str="0.00%")
    ws.write(0, 0, "内容标题")
    ws.write(0, 1, "发表时间")
    ws.write(0, 2, "送达人数")
    ws.write(0, 3, "阅读率")
    ws.write(0, 4, "原创")
    ws.write(0, 5, "时刻")
    ws.write(2, 0, "标题一")
    ws.write(2, 1, dt.date(2022, 3, 29), date_style)
    ws.write(2, 2, 3593.0)
    ws.write(2, 3, 0.0374, pct_style)
    ws.write(2, 4, True)
    ws.write(2, 5, dt.datetime(2022, 3, 29, 12, 30), ts_style)
    ws.write(3, 1, 20220329.0)
    ws.write(4, 0, "")  # an empty string cell only: fully empty row
    hidden = wb.add_sheet("隐藏")
    hidden.write(0, 0, "x")
    hidden.visibility = 1
    path = tmp_path / "内容分析.xls"
    wb.save(str(path))
    return path.read_bytes()


def test_biff_workbook(tmp_path) -> None:
    doc = read_document(_workbook(tmp_path))
    assert (doc.file_type, doc.encoding, doc.date1904) == ("xls", None, False)
    assert [(t.name, t.hidden) for t in doc.tables] == [("内容分析", False), ("隐藏", True)]
    t = doc.tables[0]
    assert t.row_numbers == [1, 3, 4]
    assert t.rows[0] == ["内容标题", "发表时间", "送达人数", "阅读率", "原创", "时刻"]
    title, date, reached, rate, original, stamp = t.rows[1]
    assert title == "标题一"
    assert date == Num(44649.0, "date", False)
    assert reached == Num(3593.0)
    assert rate == Num(0.0374, "percent")
    assert original is True
    assert isinstance(stamp, Num)
    assert stamp.fmt == "datetime"
    assert stamp.value == pytest.approx(44649 + 12.5 / 24)
    assert t.rows[2] == [None, Num(20220329.0)]


def test_truncated_xls_is_unreadable(tmp_path) -> None:
    data = _workbook(tmp_path)
    with pytest.raises(FileRejected) as info:
        read_document(data[: len(data) // 2])
    assert info.value.reason == "unreadable_file"


def test_password_protected_xls_is_unreadable(tmp_path) -> None:
    data = _workbook(tmp_path)
    # Turn the INTERFACEHDR record after the globals BOF into a FILEPASS record (encrypted workbook).
    bof = data.find(b"\x09\x08\x10\x00\x00\x06\x05\x00")
    pos = data.find(b"\xe1\x00\x02\x00", bof)
    assert bof >= 0 and pos > bof
    data = data[:pos] + b"\x2f\x00" + data[pos + 2 :]
    with pytest.raises(FileRejected) as info:
        read_document(data)
    assert info.value.reason == "unreadable_file"
    assert "password" in info.value.message


def test_encrypted_xlsx_package_is_unreadable(tmp_path) -> None:
    # Excel saves a password-protected xlsx as an OLE container with EncryptionInfo/EncryptedPackage
    # streams; simulate it by renaming the Workbook stream of a BIFF file.
    data = bytearray(_workbook(tmp_path))
    old = "Workbook".encode("utf-16-le") + b"\x00\x00"
    new = "EncryptedPackage".encode("utf-16-le") + b"\x00\x00"
    pos = bytes(data).find(old)
    assert pos >= 0
    data[pos : pos + len(new)] = new
    data[pos + 64 : pos + 66] = len(new).to_bytes(2, "little")
    with pytest.raises(FileRejected) as info:
        read_document(bytes(data))
    assert info.value.reason == "unreadable_file"
    assert "encrypted" in info.value.message
