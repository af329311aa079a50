"""Inline SVG charts: well-formed, deterministic, honest about missing values."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from orchestration.reports import charts
from orchestration.reports.charts import Series
from orchestration.reports.format import fmt_pct

LABELS = ["11-02", "11-03", "11-04", "11-05"]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on malformed XML
    assert root.tag == "svg"
    assert root.get("class") == "chart"
    assert root.get("viewBox")
    return root


def test_line_chart_valid_and_deterministic() -> None:
    series = [
        Series("抖音·青禾", [1.0, 2.0, 3.0, 4.0]),
        Series("Weibo <&>", [4.0, 3.0, 2.0, 1.0], dashed=True),
    ]
    one = charts.line_chart(
        "c1", LABELS, series, title="粉丝 & <总数>", empty_text="none", refs=[("目标", 3.5)]
    )
    two = charts.line_chart(
        "c1", LABELS, series, title="粉丝 & <总数>", empty_text="none", refs=[("目标", 3.5)]
    )
    assert one == two
    root = parse(one)
    assert root.get("data-chart") == "c1" and root.get("data-kind") == "line"
    assert root.get("data-empty") is None
    assert len(root.findall("polyline")) == 2
    assert "Weibo &lt;&amp;&gt;" in one and "<&>" not in one  # every text escaped
    assert root.find("title").text == "粉丝 & <总数>"  # type: ignore[union-attr]
    assert "http" not in one  # no namespace URL, no external reference


def test_line_chart_gaps_are_not_zeros() -> None:
    svg = charts.line_chart(
        "gaps", LABELS, [Series("a", [1.0, None, 3.0, float("nan")])], title="t", empty_text="e"
    )
    root = parse(svg)
    # two lone points (a gap either side), never a line through a zero
    assert root.findall("polyline") == []
    assert len(root.findall("circle")) == 2
    svg = charts.line_chart("gaps2", LABELS, [Series("a", [1.0, 2.0, None, 4.0])], title="t", empty_text="e")
    root = parse(svg)
    assert len(root.findall("polyline")) == 1 and len(root.findall("circle")) == 1


@pytest.mark.parametrize(
    "series",
    [[], [Series("a", [])], [Series("a", [None, None, None, None])], [Series("a", [float("nan")] * 4)]],
)
def test_empty_or_null_series_say_so(series: list[Series]) -> None:
    for svg in (
        charts.line_chart("e", LABELS, series, title="t", empty_text="暂无可绘制的数据"),
        charts.grouped_bar_chart("e", LABELS, series, title="t", empty_text="暂无可绘制的数据"),
    ):
        root = parse(svg)
        assert root.get("data-empty") == "true"
        assert "暂无可绘制的数据" in svg
    svg = charts.bar_chart("e", [], [], title="t", empty_text="nothing")
    assert parse(svg).get("data-empty") == "true"
    svg = charts.hbar_chart("e", ["a"], [None], title="t", empty_text="nothing")
    assert parse(svg).get("data-empty") == "true"


def test_bar_charts() -> None:
    svg = charts.grouped_bar_chart(
        "g",
        ["抖音\n评论", "微博\n私信", "小红书"],
        [Series("本期", [0.27, None, 0.75]), Series("对比期", [0.26, 0.0, -0.1])],
        title="SLA",
        empty_text="e",
        y_format=fmt_pct,
        value_format=fmt_pct,
    )
    root = parse(svg)
    rects = root.findall("rect")
    assert len(rects) == 5  # the missing value leaves its slot empty
    assert all(float(r.get("height", "0")) > 0 for r in rects)
    assert "75.0%" in svg and "-10.0%" in svg
    assert len(root.findall(".//tspan")) == 4  # two two-line category labels
    assert svg == charts.grouped_bar_chart(
        "g",
        ["抖音\n评论", "微博\n私信", "小红书"],
        [Series("本期", [0.27, None, 0.75]), Series("对比期", [0.26, 0.0, -0.1])],
        title="SLA",
        empty_text="e",
        y_format=fmt_pct,
        value_format=fmt_pct,
    )


def test_hbar_funnel_keeps_tiny_stages_visible() -> None:
    svg = charts.hbar_chart(
        "f",
        ["曝光", "互动", "订单"],
        [3_000_000, 145_000, 129],
        title="漏斗",
        empty_text="e",
        value_labels=["a", "b", "c"],
    )
    root = parse(svg)
    widths = [float(r.get("width", "0")) for r in root.findall("rect")]
    assert widths[0] > widths[1] > widths[2] >= 2.0


def test_legend_wraps_and_grows_the_chart() -> None:
    few = charts.line_chart(
        "l", LABELS, [Series(f"s{i}", [1, 2, 3, 4]) for i in range(2)], title="t", empty_text="e"
    )
    many = charts.line_chart(
        "l",
        LABELS,
        [Series(f"平台{i}·一个很长的账号名称", [1, 2, 3, 4]) for i in range(8)],
        title="t",
        empty_text="e",
    )
    h_few = float(parse(few).get("viewBox", "").split()[3])
    h_many = float(parse(many).get("viewBox", "").split()[3])
    assert h_many > h_few
    assert all(f"平台{i}" in many for i in range(8))  # no legend entry dropped


@pytest.mark.parametrize(("lo", "hi"), [(0, 0.3126), (-3, 1234), (5, 5), (0.0512, 0.0731), (-20, -10)])
def test_nice_ticks_cover_the_range(lo: float, hi: float) -> None:
    ticks = charts.nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi
    assert 2 <= len(ticks) <= 12
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
