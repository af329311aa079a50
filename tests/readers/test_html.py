"""HTML tables delivered as .xls (WeChat 用户分析_用户增长.xls)."""

from __future__ import annotations

import pytest

from ingestion.readers import FileRejected, read_document

WECHAT = """<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>
<body>
<table border="1">
  <tr><td colspan="3">用户增长</td></tr>
  <tr><td colspan="3">导出时间：2024-11-08 10:05</td></tr>
  <tr></tr>
  <tr><th rowspan="2">时间</th><th colspan="2">用户</th></tr>
  <tr><th>新关注<br>人数</th><th>取消关注人数</th></tr>
  <tr><td>2024-11-01</td><td> 12 </td><td>3</td></tr>
  <tr><td>2024-11-02</td><td>https://mp.weixin.qq.com/s?__biz=Mz&amp;mid=2247489321&amp;idx=1</td><td>&nbsp;</td></tr>
</table>
</body></html>
"""


def test_wechat_html_xls_gb2312() -> None:
    doc = read_document(WECHAT.encode("gbk"))
    assert (doc.file_type, doc.encoding) == ("html", "gb18030")
    [t] = doc.tables
    assert t.name == "table 1"
    assert t.row_numbers == [1, 2, 4, 5, 6, 7]  # the empty <tr> (row 3) keeps its number
    assert t.rows == [
        ["用户增长", "用户增长", "用户增长"],
        ["导出时间：2024-11-08 10:05"] * 3,
        ["时间", "用户", "用户"],
        ["时间", "新关注\n人数", "取消关注人数"],
        ["2024-11-01", "12", "3"],
        ["2024-11-02", "https://mp.weixin.qq.com/s?__biz=Mz&mid=2247489321&idx=1", ""],
    ]
    assert t.hidden is False


def test_meta_charset_utf8_and_implied_end_tags_and_nested_tables() -> None:
    html = """\ufeff  <!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>
    <TABLE><TR><TD>a<TD>b
             c<TR><TD>d<td><table><tr><td>inner</td></tr></table>tail
    </TABLE>
    <table><tr><td rowspan=3>r</td><td>1</td><tr><td>2</td></tr><tr></tr></table>
    </body></html>"""
    doc = read_document(html.encode("utf-8"))
    assert (doc.file_type, doc.encoding) == ("html", "utf-8-sig")
    outer, inner, third = doc.tables
    assert [t.name for t in doc.tables] == ["table 1", "table 2", "table 3"]
    assert outer.rows == [["a", "b c"], ["d", "tail"]]
    assert inner.rows == [["inner"]]
    assert third.rows == [["r", "1"], ["r", "2"], ["r"]]
    assert third.row_numbers == [1, 2, 3]


def test_html_without_meta_uses_detection_order() -> None:
    doc = read_document("<table><tr><td>订单</td></tr></table>".encode("gbk"))
    assert doc.encoding == "gb18030"
    assert doc.tables[0].rows == [["订单"]]


def test_html_declaring_unsupported_charset_with_non_utf8_bytes() -> None:
    html = b'<html><head><meta charset="big5"></head><table><tr><td>\xa4\xa4</td></tr></table></html>'
    with pytest.raises(FileRejected) as info:
        read_document(html)
    assert info.value.reason == "unsupported_encoding"


def test_html_declared_charset_is_followed_then_falls_back() -> None:
    # UTF-8 bytes under a gbk declaration that happen to decode as GB18030: the declaration wins
    # (the engine's header match then rejects encoding_suspect).
    doc = read_document('<meta charset="gbk"><table><tr><td>时间</td></tr></table>'.encode())
    assert doc.encoding == "gb18030"
    assert doc.tables[0].rows == [["鏃堕棿"]]
    # ... and when they do not decode as GB18030 at all, the §2.3 order applies.
    doc = read_document('<meta charset="gbk"><table><tr><td>时</td></tr></table>'.encode())
    assert doc.encoding == "utf-8"
    assert doc.tables[0].rows == [["时"]]


def test_html_gb18030_text_in_attribute_content() -> None:
    html = '<html><meta content="text/html;charset=GBK"><table><tr><td>新关注&amp;取关</td></tr></table>'
    doc = read_document(html.encode("gbk"))
    assert doc.tables[0].rows == [["新关注&取关"]]


def test_script_style_comments_and_marked_sections_are_not_text() -> None:
    html = (
        "<html><style>td {color: red}</style><table><tr><td>a<!-- note -->b<script>x<y</script>"
        "<![if !supportMisalignedColumns]>c<![endif]><![bogus[ z ]]>d<script/>e</td></tr></table>"
    )
    assert read_document(html.encode()).tables[0].rows == [["abcde"]]
