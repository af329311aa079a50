"""RFC 4180 delimited text and §2.13 row numbers."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.readers import FileRejected, delimited, read_document


def _read(data: bytes, delimiter: str = ","):
    doc = read_document(data)
    assert doc.file_type == "csv"
    assert doc.text is not None
    return delimited(doc.text, delimiter)


def test_quoted_delimiter_newlines_and_doubled_quotes() -> None:
    data = (
        "订单编号,订单状态,作品名称\r\n"
        '1,"买家已付款,等待卖家发货","标题 第一行\r\n第二行\n第三行"\r\n'
        '2,"他说""好""",x\r\n'
    ).encode()
    t = _read(data)
    assert t.rows == [
        ["订单编号", "订单状态", "作品名称"],
        ["1", "买家已付款,等待卖家发货", "标题 第一行\r\n第二行\n第三行"],
        ["2", '他说"好"', "x"],
    ]
    assert t.row_numbers == [1, 2, 3]
    assert t.name is None


@pytest.mark.parametrize("eol", ["\r", "\r\n", "\n"])
def test_line_ends(eol: str) -> None:
    text = eol.join(["a,b", "1,2", '"x' + eol + 'y",3', "4,5"]) + eol
    t = delimited(text, ",")
    assert t.rows == [["a", "b"], ["1", "2"], ["x" + eol + "y", "3"], ["4", "5"]]
    assert t.row_numbers == [1, 2, 3, 4]


def test_cr_only_file_via_read_document() -> None:
    t = _read(b"a,b\r1,2\r3,4")
    assert t.rows == [["a", "b"], ["1", "2"], ["3", "4"]]


def test_row_numbers_preamble_blank_lines_and_multiline_records() -> None:
    text = (
        "最多导出1000条\n"  # 1 hint row
        "标题,时间,播放量\n"  # 2 header
        "\n"  # 3 blank line
        '"多行\n标题",2024-11-01,3\n'  # 4 (one record over two lines)
        ",,\n"  # 5 all fields empty
        "  , \t ,\n"  # 6 whitespace only
        "b,2024-11-02,4\n"  # 7
        "\r\n"  # 8 blank
        "c,2024-11-03,5"  # 9, no final line end
    )
    t = delimited(text, ",")
    assert t.row_numbers == [1, 2, 4, 7, 9]
    assert [r[0] for r in t.rows] == ["最多导出1000条", "标题", "多行\n标题", "b", "c"]


def test_rows_not_padded_or_truncated() -> None:
    t = delimited("a,b,c\n1\n1,2,3,4,\n", ",")
    assert t.rows == [["a", "b", "c"], ["1"], ["1", "2", "3", "4", ""]]


def test_tab_delimiter() -> None:
    text = "时间\t新关注人数\n2024-11-01\t3,5\n"
    assert delimited(text, "\t").rows == [["时间", "新关注人数"], ["2024-11-01", "3,5"]]
    assert delimited(text, ",").rows == [["时间\t新关注人数"], ["2024-11-01\t3", "5"]]


def test_unicode_line_separators_are_not_line_ends() -> None:
    text = "a,b\n1,x\u2028y\x0cz\x85w\n2,3\n"
    t = delimited(text, ",")
    assert t.rows == [["a", "b"], ["1", "x\u2028y\x0cz\x85w"], ["2", "3"]]
    assert t.row_numbers == [1, 2, 3]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('a,b\n1,2\n3,"open\nstill open\n', 3),
        ('a,b\r\n1,"x\r\ny",2\r\n3,"never closed', 4),
        ('a,b\r"x\ry","z\rw', 3),
        ('"', 1),
        ('a\n"b\n', 2),
    ],
)
def test_unterminated_quote_rejects_with_line(text: str, line: int) -> None:
    with pytest.raises(FileRejected) as info:
        delimited(text, ",")
    assert info.value.reason == "malformed_csv"
    assert info.value.detail["line"] == line
    assert f"line {line}" in info.value.message


def test_quote_inside_unquoted_field_is_literal() -> None:
    assert delimited('a,5"x\n', ",").rows == [["a", '5"x']]


def test_empty_text() -> None:
    t = delimited("", ",")
    assert (t.rows, t.row_numbers) == ([], [])


def test_large_field() -> None:
    big = "x" * 300_000
    assert delimited(f'a,"{big}"\n', ",").rows == [["a", big]]


def test_many_lines_across_chunks() -> None:
    n = 60_000
    text = "".join(f'{i},"v\r\n{i}",z\r\n' for i in range(n))  # > 1 MiB, multi-line records
    t = delimited(text, ",")
    assert len(t.rows) == n
    assert t.row_numbers[-1] == n
    assert t.rows[-1] == [str(n - 1), f"v\r\n{n - 1}", "z"]


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(_cell, min_size=1, max_size=5), min_size=0, max_size=12),
    eol=st.sampled_from(["\r\n", "\n", "\r"]),
    delimiter=st.sampled_from([",", "\t", ";"]),
    quote_all=st.booleans(),
)
def test_csv_round_trip(rows: list[list[str]], eol: str, delimiter: str, quote_all: bool) -> None:
    # QUOTE_MINIMAL only quotes CR/LF that are part of the writer's line terminator, so pair it with CRLF.
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    if not quote_all:
        eol = "\r\n"
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator=eol, quoting=quoting).writerows(rows)
    text = buf.getvalue()
    t = delimited(text, delimiter)
    blank = [not any(c.strip() for c in r) for r in rows]
    # csv.writer writes a one-empty-field row as '""' and a one-cell row of a lone "\r" quoted,
    # so every written row is one record; blank rows keep their number but are omitted.
    assert t.rows == [r for r, b in zip(rows, blank) if not b]
    assert t.row_numbers == [i for i, b in enumerate(blank, 1) if not b]


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(_cell, min_size=1, max_size=4), min_size=1, max_size=8))
def test_csv_round_trip_through_read_document(rows: list[list[str]]) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    text = buf.getvalue()
    stripped = text.lstrip()
    if "\x00" in text or stripped[:1] in ("{", "[", "<") or not text:
        return  # other branches of §2.2
    data = text.encode()
    if len(data) - len(data.translate(None, bytes(range(1, 32)))) > 0:
        return  # control characters may trip the binary sniffing
    t = _read(b"\xef\xbb\xbf" + data)
    blank = [not any(c.strip() for c in r) for r in rows]
    assert t.rows == [r for r, b in zip(rows, blank) if not b]
    assert t.row_numbers == [i for i, b in enumerate(blank, 1) if not b]


@pytest.mark.parametrize("delimiter", ["|", ";", "a", "o", "-", "\u3001"])
def test_any_single_character_delimiter(delimiter: str) -> None:
    text = f"x{delimiter}y\r\n1{delimiter}2\r\n"
    assert delimited(text, delimiter).rows == [["x", "y"], ["1", "2"]]


@pytest.mark.parametrize("delimiter", ["", ",,", '"', "\n", "\r"])
def test_invalid_delimiter(delimiter: str) -> None:
    with pytest.raises(ValueError):
        delimited("a,b\n", delimiter)
