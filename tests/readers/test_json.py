"""JSON / JSONL documents (§2.2, §2.14)."""

from __future__ import annotations

import pytest

from ingestion.readers import FileRejected, read_document


def test_json_wrapper_with_big_ints() -> None:
    data = (
        b'{"fanops_api_dump": 1, "fetched_at": "2026-07-28T09:30:00+08:00", "calls": [{"api": "x", '
        b'"response": {"id": 7432990123456789012345, "mid": 18446744073709551615, "neg": -9223372036854775809,'
        b' "small": 12, "f": 1.5, "s": "\xe4\xb8\xad"}}]}'
    )
    doc = read_document(data)
    assert (doc.file_type, doc.encoding) == ("json", "utf-8")
    resp = doc.json_value["calls"][0]["response"]  # type: ignore[index]
    assert resp["id"] == 7432990123456789012345
    assert isinstance(resp["id"], int)
    assert resp["mid"] == 18446744073709551615
    assert resp["neg"] == -9223372036854775809
    assert resp == {**resp, "small": 12, "f": 1.5, "s": "中"}
    assert doc.json_lines is None and doc.bad_lines == [] and doc.text is None


def test_json_64bit_ints_exact_via_orjson() -> None:
    doc = read_document(b"[9223372036854775807, -9223372036854775808, 4200001234202411110]")
    assert doc.json_value == [9223372036854775807, -9223372036854775808, 4200001234202411110]


def test_json_array_with_bom_and_leading_space() -> None:
    doc = read_document(b'\xef\xbb\xbf \r\n [{"a": null}]')
    assert (doc.file_type, doc.encoding, doc.json_value) == ("json", "utf-8-sig", [{"a": None}])


def test_one_line_file_is_json() -> None:
    assert read_document(b'{"a": 1}\n').file_type == "json"


def test_jsonl_with_bad_line_and_crlf() -> None:
    data = (
        b'{"id": 1, "text": "a\\nb"}\r\n'
        b"\r\n"  # blank: skipped, but counts as a physical line
        b'{"id": 2, "big": 123456789012345678901234}\r\n'
        b'{"id": 3,\r\n'  # broken
        b'  {"id": 4}  \r\n'
        b"{} {}\r\n"  # two objects on one line
        b'{"id": 5}'
    )
    doc = read_document(data)
    assert doc.file_type == "jsonl"
    assert doc.json_value is None
    assert doc.json_lines == [
        (1, {"id": 1, "text": "a\nb"}),
        (3, {"id": 2, "big": 123456789012345678901234}),
        (5, {"id": 4}),
        (7, {"id": 5}),
    ]
    assert [n for n, _ in doc.bad_lines] == [4, 6]
    assert all(msg for _, msg in doc.bad_lines)


def test_jsonl_cr_only_and_u2028_inside_strings() -> None:
    doc = read_document('{"t": "x\u2028y"}\r{"t": 2}\r'.encode())
    assert doc.json_lines == [(1, {"t": "x\u2028y"}), (2, {"t": 2})]


def test_jsonl_line_that_is_not_an_object() -> None:
    doc = read_document(b'{"a": 1}\n{"a": 2}\n{"a": [1]} \n')
    assert doc.file_type == "jsonl"
    doc = read_document(b'{"a": 1}\n{"a": 2} \n{"a": 3}]\n')
    assert doc.bad_lines[0][0] == 3


def test_invalid_json_gives_byte_offset() -> None:
    data = '{\n  "名称": "中文",\n  "x": tru\n}'.encode()
    with pytest.raises(FileRejected) as info:
        read_document(data)
    err = info.value
    assert err.reason == "invalid_json"
    offset = data.index(b"tru")
    assert err.detail["offset"] == offset
    assert err.detail["line"] == 3
    assert str(offset) in err.message


def test_invalid_json_offset_counts_bom_and_gb18030_bytes() -> None:
    data = b"\xef\xbb\xbf" + '[1, "中", oops]'.encode()
    with pytest.raises(FileRejected) as info:
        read_document(data)
    assert info.value.detail["offset"] == data.index(b"oops")
    gbk = '[1, "中文", x]'.encode("gbk")
    with pytest.raises(FileRejected) as info:
        read_document(gbk)
    assert info.value.detail["offset"] == gbk.index(b"x")


def test_jsonl_mixed_with_non_object_lines_is_invalid_json() -> None:
    with pytest.raises(FileRejected) as info:
        read_document(b'{"a": 1}\n[2]\n')
    assert info.value.reason == "invalid_json"
    assert info.value.detail["offset"] == 9


@pytest.mark.parametrize("data", [b"[NaN]", b"[1e400]", b"[" * 5000 + b"]" * 5000, b"[1,]"])
def test_non_json_constants_and_deep_nesting(data: bytes) -> None:
    with pytest.raises(FileRejected) as info:
        read_document(data)
    assert info.value.reason == "invalid_json"
