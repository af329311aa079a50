"""§2.5 rows 32–34, §2.11 ids, text, bool, enum, list, header normalisation."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ingestion.cells import Num
from ingestion.values import normalise_header
from tests.values.values_testlib import one, parse, reason


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("`4200001234202411110123456789", "4200001234202411110123456789"),  # row 33
        (" \t`4200001234202411110123456789 ", "4200001234202411110123456789"),
        ("``abc", "`abc"),  # only ONE leading backtick
        ("@8hxdhauTCMpp==", "@8hxdhauTCMpp=="),  # case kept
        ("oQ7kS5xYz2B8mN1pL4rT6vW9aC3e", "oQ7kS5xYz2B8mN1pL4rT6vW9aC3e"),
        ("00123", "00123"),  # never numeric
        (Num(2247485082.0), "2247485082"),
        (Num(999_999_999_999_999.0), "999999999999999"),
        (7433012285546614066, "7433012285546614066"),  # JSON ints exact
        (2247485082.0, "2247485082"),
        ("5097012345678901", "5097012345678901"),
        ("%E9%9D%92", "%E9%9D%92"),  # never URL-decoded
    ],
)
def test_id_examples(cell, value):
    assert one(cell, kind="id") == value
    assert one(cell, kind="key") == value


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("7.43299E+18", "id_in_scientific_notation"),  # row 32
        ("1.23E+18", "id_in_scientific_notation"),
        ("`7.43299e+18", "id_in_scientific_notation"),
        (Num(3.87261559021845e18), "id_precision_lost"),  # row 34
        (Num(1e15), "id_precision_lost"),
        (Num(12.5), "id_precision_lost"),
        (float(2**53), "id_precision_lost"),
        (1.5, "id_precision_lost"),
    ],
)
def test_id_errors(cell, code):
    assert reason(cell, kind="id") == code


def test_text_trims_and_keeps_internal_newlines():
    out = parse(["  桂花乌龙冷泡教程 3步搞定\n秋天的第一杯 ", Num(3593.0), 12, 1.5, True, "\u3000x\u3000"], kind="text")
    assert out.values.to_pylist() == ["桂花乌龙冷泡教程 3步搞定\n秋天的第一杯", "3593", "12", "1.5", "true", "x"]


def test_text_masked():
    out = parse([" 电话13812345678谢谢 ", "@青禾 好喝"], kind="text_masked")
    assert out.values.to_pylist() == ["电话[PHONE]谢谢", "@青禾 好喝"]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("true", True), ("FALSE", False), ("1", True), ("0", False), ("是", True), ("否", False),
        ("Y", True), ("n", False), ("Yes", True), ("NO", False), (" ｙｅｓ ", True), (True, True),
        (False, False), (1, True), (0, False), (Num(1.0), True),
    ],
)
def test_bool(cell, value):
    assert one(cell, kind="bool") is value


@pytest.mark.parametrize("cell", ["maybe", "2", 2, "对", Num(0.5)])
def test_bool_errors(cell):
    assert reason(cell, kind="bool") == "unknown_enum_value"


FORMAT = {"图文": "image_text", "视频": "video"}
STATUS = {"启用": "active", "停用": "inactive"}


def test_enum_platform_keeps_unknown_as_other():
    out = parse(["图文", " 视频 ", "1-3min视频", "Video", "ＶＩＤＥＯ"], kind="enum", enum_map=FORMAT)
    assert out.values.to_pylist() == ["image_text", "video", "other", "video", "video"]
    assert out.raw.to_pylist() == ["图文", "视频", "1-3min视频", "Video", "ＶＩＤＥＯ"]
    assert not out.errors


def test_enum_strict():
    out = parse(["启用", "停用", "暂停", "active"], kind="enum", enum_map=STATUS, strict=True)
    assert out.values.to_pylist() == ["active", "inactive", None, "active"]
    assert out.errors[2][0] == "unknown_enum_value"
    assert "暂停" in out.errors[2][1]
    assert out.raw.to_pylist()[2] == "暂停"


def test_enum_fullwidth_comma_and_nfkc():
    out = parse(["A，B"], kind="enum", enum_map={"a,b": "ab"})
    assert out.values.to_pylist() == ["ab"]


def test_list_split_and_map():
    out = parse(["抖音|快手、微博", "微信, 抖音；", " ; ", "抖音;B站"], kind="list",
                item_enum={"抖音": "douyin", "快手": "kuaishou", "微博": "weibo", "微信": "wechat"}, strict=True)
    assert out.values.type == pa.list_(pa.string())
    assert out.values.to_pylist()[:3] == [["douyin", "kuaishou", "weibo"], ["wechat", "douyin"], None]
    assert out.errors[3][0] == "unknown_enum_value"


def test_text_list_without_enum():
    out = parse(["QH11 | QH12，QH13", "#冷泡茶;#桂花乌龙"], kind="list")
    assert out.values.to_pylist() == [["QH11", "QH12", "QH13"], ["#冷泡茶", "#桂花乌龙"]]


def test_list_non_strict_unknown_is_other():
    assert one("抖音|B站", kind="list", item_enum={"抖音": "douyin"}) == ["douyin", "other"]


@pytest.mark.parametrize(
    ("header", "norm"),
    [
        ("平均播放时长（秒）", "平均播放时长(秒)"),
        ("平均播放时长(秒) ", "平均播放时长(秒)"),
        ("平均播放\n时长(秒)", "平均播放时长(秒)"),
        ("5S完播率", "5s完播率"),
        ("\ufeff时间", "时间"),
        ("订单\u200b付款时间\u3000", "订单付款时间"),
        ("完播率（％）", "完播率(%)"),
    ],
)
def test_normalise_header(header, norm):
    assert normalise_header(header) == norm
