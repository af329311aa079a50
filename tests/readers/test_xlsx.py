"""xlsx reader: a workbook hand-built from XML parts, plus files written by xlsxwriter/openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import xlsxwriter

from ingestion.cells import Num
from ingestion.readers import read_document

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
PKG = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook {NS} {RNS}>
  <workbookPr date1904="1"/>
  <sheets>
    <sheet name="数据" sheetId="1" r:id="rId1"/>
    <sheet name="隐藏" sheetId="2" state="hidden" r:id="rId2"/>
  </sheets>
</workbook>"""

RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Type="{PKG}/worksheet" Target="worksheets/sheet1.xml"/>
  <Relationship Id="rId2" Type="{PKG}/worksheet" Target="/xl/worksheets/other.xml"/>
  <Relationship Id="rId3" Type="{PKG}/sharedStrings" Target="sharedStrings.xml"/>
  <Relationship Id="rId4" Type="{PKG}/styles" Target="styles.xml"/>
</Relationships>"""

SST = f"""<?xml version="1.0" encoding="UTF-8"?>
<sst {NS} count="3" uniqueCount="3">
  <si><t>时间</t></si>
  <si><r><t>播放</t></r><r><rPr><b/></rPr><t xml:space="preserve">量 </t></r><rPh sb="0" eb="1"><t>ボ</t></rPh></si>
  <si><t xml:space="preserve"> 合计 </t></si>
</sst>"""

STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet {NS}>
  <numFmts count="3">
    <numFmt numFmtId="164" formatCode="0.0%"/>
    <numFmt numFmtId="165" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>
    <numFmt numFmtId="166" formatCode="[Red]#,##0;&quot;day&quot;0"/>
  </numFmts>
  <cellStyleXfs count="1"><xf numFmtId="10"/></cellStyleXfs>
  <dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></dxf></dxfs>
  <cellXfs count="7">
    <xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/><xf numFmtId="165"/>
    <xf numFmtId="166"/><xf numFmtId="22"/><xf numFmtId="21"/>
  </cellXfs>
</styleSheet>"""

SHEET1 = f"""<?xml version="1.0" encoding="UTF-8"?>
<worksheet {NS} {RNS}>
  <dimension ref="A1:F8"/>
  <sheetData>
    <row r="1" spans="1:4">
      <c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>
      <c r="C1" t="inlineStr"><is><r><t>完播</t></r><r><t>率</t></r></is></c><c r="D1" s="1"/>
    </row>
    <row r="2">
      <c r="A2" s="3"><v>45597</v></c><c r="B2"><v>1234</v></c><c r="C2" s="1"><v>0.206</v></c>
      <c r="E2" s="2"><v>45598</v></c>
    </row>
    <row r="4">
      <c t="inlineStr"><is><t>x</t></is></c><c><v>2</v></c>
      <c r="E4" t="b"><v>1</v></c><c r="F4" t="e"><v>#DIV/0!</v></c>
    </row>
    <row r="5">
      <c r="A5"><f>SUM(B2:B4)</f><v>1236</v></c><c r="B5"><f>A5*2</f></c>
      <c r="C5" t="str"><f>A1&amp;"x"</f><v>时间x</v></c><c r="D5" t="str"><f>A1</f></c>
    </row>
    <row r="6"><c r="A6" s="1"/><c r="B6" s="2"/></row>
    <row r="7">
      <c r="A7" t="s"><v>2</v></c><c r="B7" s="5"><v>45597.5</v></c><c r="C7" s="6"><v>0.5</v></c>
      <c r="D7" s="4"><v>3</v></c><c r="XFD7" s="1"/>
    </row>
    <row><c r="B8" t="inlineStr"><is><t>  </t></is></c></row>
    <row><c r="C9" t="b"><v>0</v></c></row>
  </sheetData>
  <mergeCells count="1"><mergeCell ref="A1:A2"/></mergeCells>
</worksheet>"""

SHEET2 = f"""<?xml version="1.0" encoding="UTF-8"?>
<worksheet {NS}><sheetData><row r="3"><c r="B3" t="inlineStr"><is><t>secret</t></is></c></row></sheetData>
</worksheet>"""


def _zip(parts: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def _hand_built() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": "<Types/>",
            "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": RELS,
            "xl/sharedStrings.xml": SST,
            "xl/styles.xml": STYLES,
            "xl/worksheets/sheet1.xml": SHEET1,
            "xl/worksheets/other.xml": SHEET2,
        }
    )


def test_hand_built_workbook() -> None:
    doc = read_document(_hand_built())
    assert doc.file_type == "xlsx"
    assert doc.encoding is None
    assert doc.date1904 is True
    assert [(t.name, t.hidden) for t in doc.tables] == [("数据", False), ("隐藏", True)]
    sheet = doc.tables[0]
    assert sheet.row_numbers == [1, 2, 4, 5, 7, 9]  # row 6 (styled empty cells) and 8 (blank text) omitted
    r1, r2, r4, r5, r7, r9 = sheet.rows
    assert r1 == ["时间", "播放量 ", "完播率"]  # rich runs joined, phonetic run dropped, D1 empty
    assert r2 == [
        Num(45597.0, "date", True),
        Num(1234.0, "general", True),
        Num(0.206, "percent", True),
        None,  # D2 skipped: E2 stays in column E
        Num(45598.0, "date", True),
    ]
    assert r4 == ["x", Num(2.0, "general", True), None, None, True, "#DIV/0!"]
    assert r5 == [Num(1236.0, "general", True), None, "时间x"]  # no cached value → None
    assert r7 == [" 合计 ", Num(45597.5, "datetime", True), Num(0.5, "time", True), Num(3.0, "general", True)]
    assert r9 == [None, None, False]
    assert doc.tables[1].rows == [[None, "secret"]]
    assert doc.tables[1].row_numbers == [3]


def test_default_part_locations_without_rels_and_strict_namespace() -> None:
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    doc = read_document(
        _zip(
            {
                "xl/workbook.xml": f'<workbook xmlns="{strict}"><sheets><sheet name="S" sheetId="1"/></sheets></workbook>',
                "xl/sharedStrings.xml": f'<sst xmlns="{strict}"><si><t>a</t></si></sst>',
                "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{strict}"><sheetData><row r="2">'
                '<c r="B2" t="s"><v>0</v></c><c r="C2"><v>1.5</v></c></row></sheetData></worksheet>',
            }
        )
    )
    assert doc.date1904 is False
    assert doc.tables[0].rows == [[None, "a", Num(1.5)]]
    assert doc.tables[0].row_numbers == [2]


def test_xlsxwriter_workbook(tmp_path) -> None:
    path = tmp_path / "涨粉数据.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    pct = wb.add_format({"num_format": "0.00%"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ts = wb.add_format({"num_format": "yyyy/m/d h:mm"})
    ws = wb.add_worksheet("总览")
    ws.write(0, 0, "最多导出1000条")
    ws.write_row(1, 0, ["日期", "完播率", "播放量", "时间", "备注"])
    ws.write_datetime(2, 0, dt.datetime(2024, 11, 1), date)
    ws.write_number(2, 1, 0.206, pct)
    ws.write_number(2, 2, 3593)
    ws.write_datetime(2, 3, dt.datetime(2024, 11, 1, 12, 30), ts)
    ws.write_string(2, 4, "a & b <c>")
    ws.write_formula(3, 2, "=C3*2", None, 7186)
    ws.merge_range(5, 0, 5, 2, "合并")
    hidden = wb.add_worksheet("隐藏")
    hidden.write(0, 0, "h")
    hidden.hide()
    wb.close()
    doc = read_document(path.read_bytes())
    assert [(t.name, t.hidden) for t in doc.tables] == [("总览", False), ("隐藏", True)]
    t = doc.tables[0]
    assert t.row_numbers == [1, 2, 3, 4, 6]
    assert t.rows[2] == [
        Num(45597.0, "date"),
        Num(0.206, "percent"),
        Num(3593.0),
        t.rows[2][3],
        "a & b <c>",
    ]
    stamp = t.rows[2][3]
    assert isinstance(stamp, Num)
    assert stamp.fmt == "datetime"
    assert stamp.value == pytest.approx(45597 + 12.5 / 24, abs=1e-9)
    assert t.rows[3] == [None, None, Num(7186.0)]
    assert t.rows[4] == ["合并"]  # merged value only in the top-left cell


def test_openpyxl_workbook_formula_without_cache(tmp_path) -> None:
    path = tmp_path / "ops.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "campaigns"
    ws.append(["campaign_id", "budget", "ok"])
    ws.append(["C001", 1200.5, True])
    ws["D2"] = "=B2*2"  # openpyxl stores no cached value
    ws["B5"] = "后面"
    wb.close()
    wb.save(path)
    doc = read_document(path.read_bytes())
    t = doc.tables[0]
    assert t.rows == [["campaign_id", "budget", "ok"], ["C001", Num(1200.5), True], [None, "后面"]]
    assert t.row_numbers == [1, 2, 5]


def test_large_sheet_row_placement() -> None:
    rows = "".join(
        f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="C{i}" t="inlineStr"><is><t>v{i}</t></is></c></row>'
        for i in range(1, 5001)
    )
    data = _zip(
        {
            "xl/workbook.xml": f'<workbook {NS} {RNS}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
            "xl/_rels/workbook.xml.rels": RELS,
            "xl/worksheets/sheet1.xml": f"<worksheet {NS}><sheetData>{rows}</sheetData></worksheet>",
        }
    )
    t = read_document(data).tables[0]
    assert len(t.rows) == 5000
    assert t.rows[4999] == [Num(5000.0), None, "v5000"]
    assert t.row_numbers[-1] == 5000
