"""The report's audience section (issue 10: marts.fct_fan_portrait) on a hand-built warehouse whose figures are
worked out below, in both languages; plus the portrait suggestion rule on small frames.

Week report as of Sunday 2026-09-20: period 09-14 .. 09-20, lookback window 06-29 .. 09-20.

fct_fan_portrait:
  douyin/dy1 gender 07-01: male 400, female 600 of 1000; 09-01 (latest in the window, previous 07-01): male 450
             (37.5 %, -2.5 points), female 750 (62.5 %, +2.5 points) of 1200
             age 09-01 (first snapshot: no change): 24-30 500 (41.7 %), 1-23 300 (25.0 %), computed other 400
             region 09-01: 广东 300, 浙江 200, 江苏 150, 上海 120, 北京 100, 四川 80, 湖北 50 and a computed other of
             200 (of 1200) -> top 5 kept, other = 80 + 50 + 200 = 330 (27.5 %), no change (first snapshot)
  wechat/wx1 gender 09-10 (previous 06-20, outside the window): male 100 (25.0 %, -5.0 points), female 276
             (69.0 %, +5.0 points), unknown 24 (6.0 %, no change) of 400; a 09-25 snapshot after the period's
             end is ignored
  douyin/dy2 only a snapshot of 05-01, before the window -> no portrait data; weibo/wb1 none at all; the shop
             is not a social account and is not listed
  overall: gender only (age and region are on one account; dy1's age has a computed remainder):
             male 550, female 1026, unknown 24 of 1600 -> 34.4 %, 64.1 %, 1.5 %
  movers: dy1 female +2.5, male -2.5 (tie: the larger share first); wx1 female +5.0, male -5.0 (unknown 0.0
             is not listed)
fct_content in the period: dy1 'A' 100 interactions (campaign C1 中秋活动), 'B' 300; 'Z' (09-10) is outside
  the period; wx1 none -> 0 posts, interactions unknown (—)
suggestion (≥ 2 points lost by a named segment): dy1 male -2.5 and wx1 male -5.0; at 3 points only wx1."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape

from orchestration.reports import write_report
from orchestration.reports.build import gather
from orchestration.reports.format import fmt_pp
from orchestration.reports.i18n import LANGS, bucket_label, t
from orchestration.reports.suggestions import Thresholds, describe_rules, portrait_segment_drop
from tests.expectations.dqlib import execute

AS_OF = date(2026, 9, 20)

PORTRAIT = """
create table marts.fct_fan_portrait as
select platform, account, snapshot_date, dimension, bucket, fans, cast(fans as double) / total as share,
    share_change, previous_snapshot_date, is_computed_other
from (values
    ('douyin', 'dy1', date '2026-07-01', 'gender', 'male', 400, 1000, null, null, false),
    ('douyin', 'dy1', date '2026-07-01', 'gender', 'female', 600, 1000, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'gender', 'male', 450, 1200, -0.025, date '2026-07-01', false),
    ('douyin', 'dy1', date '2026-09-01', 'gender', 'female', 750, 1200, 0.025, date '2026-07-01', false),
    ('douyin', 'dy1', date '2026-09-01', 'age', '24-30', 500, 1200, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'age', '1-23', 300, 1200, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'age', 'other', 400, 1200, null, null, true),
    ('douyin', 'dy1', date '2026-09-01', 'region', '广东', 300, 1200, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'region', '浙江', 200, 1200, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'region', '江苏', 150, 1200, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'region', '上海', 120, 1200, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'region', '北京', 100, 1200, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'region', '四川', 80, 1200, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'region', '湖北', 50, 1200, null, null, false),
    ('douyin', 'dy1', date '2026-09-01', 'region', 'other', 200, 1200, null, null, true),
    ('douyin', 'dy1', date '2026-09-01', 'device', 'iPhone', 600, 1200, null, null, false),
    ('wechat', 'wx1', date '2026-09-10', 'gender', 'male', 100, 400, -0.05, date '2026-06-20', false),
    ('wechat', 'wx1', date '2026-09-10', 'gender', 'female', 276, 400, 0.05, date '2026-06-20', false),
    ('wechat', 'wx1', date '2026-09-10', 'gender', 'unknown', 24, 400, 0.0, date '2026-06-20', false),
    ('wechat', 'wx1', date '2026-09-25', 'gender', 'male', 360, 400, 0.65, date '2026-09-10', false),
    ('douyin', 'dy2', date '2026-05-01', 'gender', 'male', 10, 20, null, null, false)
) as t(platform, account, snapshot_date, dimension, bucket, fans, total, share_change, previous_snapshot_date,
       is_computed_other)
"""

ACCOUNTS = """
create table marts.dim_accounts as
select * from (values
    ('douyin', 'dy1', '抖音一号', false),
    ('douyin', 'dy2', '抖音二号', false),
    ('wechat', 'wx1', '微信一号', false),
    ('weibo', 'wb1', '微博一号', false),
    ('tmall', 'shop1', '旗舰店', true)
) as t(platform, account, account_name, is_shop)
"""

CONTENT = """
create table marts.fct_content as
select * from (values
    ('douyin', 'dy1', date '2026-09-15', 'A', 100, 'C1'),
    ('douyin', 'dy1', date '2026-09-16', 'B', 300, null),
    ('douyin', 'dy1', date '2026-09-10', 'Z', 999, 'C1')
) as t(platform, account, published_date, title, interactions, campaign_id)
"""

CAMPAIGNS = """
create table marts.dim_campaigns as select 'C1' as campaign_id, '中秋活动' as campaign_name
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("audience_wh") / "wh.duckdb"
    execute(
        wh,
        "create schema marts",
        "create schema intermediate",
        "create table intermediate.int_as_of as select date '2026-09-20' as as_of_date",
        PORTRAIT,
        ACCOUNTS,
        CONTENT,
        CAMPAIGNS,
    )
    return wh


@pytest.fixture(scope="module")
def pages(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("audience_out")
    found = {}
    for lang in LANGS:
        result = write_report(warehouse, out, period="week", lang=lang, pdf=False)
        assert "audience" in result.sections_present
        found[lang] = result.html_path.read_text(encoding="utf-8")
    return found


def section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}"')
    return page[start : page.index("</section>", start)]


def rows(fragment: str) -> list[str]:
    return [
        "|".join(re.findall(r"<td[^>]*>(.*?)</td>", r))
        for r in re.findall(r"<tr>(.*?)</tr>", fragment, re.S)
        if "<td" in r
    ]


def table(fragment: str, caption: str) -> list[str]:
    start = fragment.index(f"<caption>{escape(caption)}</caption>")
    return rows(fragment[start : fragment.index("</table>", start)])


def test_gathered_figures(warehouse: Path) -> None:
    data = gather(warehouse, "week", AS_OF)
    pt = data.portrait
    assert pt is not None
    dy1 = pt[pt["account"] == "dy1"]
    assert list(zip(dy1["dimension"], dy1["bucket"])) == [
        ("gender", "female"),
        ("gender", "male"),
        ("age", "24-30"),
        ("age", "1-23"),
        ("age", "other"),
        ("region", "广东"),
        ("region", "浙江"),
        ("region", "江苏"),
        ("region", "上海"),
        ("region", "北京"),
        ("region", "other"),
    ]  # device is not an audience dimension; 四川, 湖北 and the remainder fold into other
    other = dy1[(dy1["dimension"] == "region") & (dy1["bucket"] == "other")].iloc[0]
    assert (other["fans"], other["share"]) == (330, pytest.approx(0.275))
    assert pd.isna(other["share_change"])
    male = dy1[dy1["bucket"] == "male"].iloc[0]
    assert male["share"] == pytest.approx(0.375) and male["share_prev"] == pytest.approx(0.4)
    assert male["snapshot_date"] == pd.Timestamp("2026-09-01")
    assert male["previous_snapshot_date"] == pd.Timestamp("2026-07-01")
    dominant = pt[pt["is_dominant"].astype(bool)]
    assert list(zip(dominant["account"], dominant["bucket"])) == [
        ("dy1", "female"),
        ("dy1", "24-30"),
        ("dy1", "广东"),
        ("wx1", "female"),
    ]
    wx1 = pt[pt["account"] == "wx1"]
    assert set(wx1["snapshot_date"]) == {pd.Timestamp("2026-09-10")}  # 09-25 is after the period
    ov = data.portrait_overall
    assert ov is not None
    assert [(r.dimension, r.bucket, r.fans) for r in ov.itertuples()] == [
        ("gender", "female", 1026),
        ("gender", "male", 550),
        ("gender", "unknown", 24),
    ]
    assert list(ov["share"]) == pytest.approx([1026 / 1600, 550 / 1600, 24 / 1600])
    assert data.portrait_absent is not None
    assert list(zip(data.portrait_absent["platform"], data.portrait_absent["account"])) == [
        ("douyin", "dy2"),
        ("weibo", "wb1"),
    ]
    reach = data.portrait_reach
    assert reach is not None
    assert [(r.account, r.posts) for r in reach.itertuples()] == [("dy1", 2), ("wx1", 0)]
    assert reach["top_title"].iloc[0] == "B" and pd.isna(reach["top_title"].iloc[1])
    assert reach["interactions"].iloc[0] == 400 and pd.isna(reach["interactions"].iloc[1])


def test_section_zh(pages: dict[str, str]) -> None:
    zh = section(pages["zh"], "audience")
    assert f"<h2>{t('zh', 'sec_audience')}</h2>" in zh
    assert escape(t("zh", "audience_scope", start="2026年6月29日", end="2026年9月20日")) in zh
    assert "无画像数据：抖音 · 抖音二号、微博 · 微博一号。" in zh and "旗舰店" not in zh
    dy1 = table(
        zh,
        t("zh", "audience_account", account="抖音 · 抖音一号", date="2026年9月1日", previous="2026年7月1日"),
    )
    assert dy1 == [
        "性别|女|750|62.5%|60.0%|+2.5 个百分点",
        "|男|450|37.5%|40.0%|-2.5 个百分点",
        "年龄|24-30岁|500|41.7%|—|—",
        "|1-23岁|300|25.0%|—|—",
        "|其他|400|33.3%|—|—",
        "地域|广东|300|25.0%|—|—",
        "|浙江|200|16.7%|—|—",
        "|江苏|150|12.5%|—|—",
        "|上海|120|10.0%|—|—",
        "|北京|100|8.3%|—|—",
        "|其他|330|27.5%|—|—",
    ]
    wx1 = table(
        zh,
        t(
            "zh",
            "audience_account",
            account="微信公众号 · 微信一号",
            date="2026年9月10日",
            previous="2026年6月20日",
        ),
    )
    assert wx1 == [
        "性别|女|276|69.0%|64.0%|+5.0 个百分点",
        "|男|100|25.0%|30.0%|-5.0 个百分点",
        "|未知|24|6.0%|6.0%|+0.0 个百分点",
    ]
    assert table(zh, t("zh", "audience_overall", count=2)) == [
        "性别|女|1,026|64.1%",
        "|男|550|34.4%",
        "|未知|24|1.5%",
    ]
    assert table(zh, t("zh", "audience_movers", n=3)) == [
        "抖音|抖音一号|性别|女|62.5%|60.0%|+2.5 个百分点",
        "抖音|抖音一号|性别|男|37.5%|40.0%|-2.5 个百分点",
        "微信公众号|微信一号|性别|女|69.0%|64.0%|+5.0 个百分点",
        "微信公众号|微信一号|性别|男|25.0%|30.0%|-5.0 个百分点",
    ]
    assert escape(t("zh", "audience_reach_note")) in zh
    assert table(zh, t("zh", "audience_reach")) == [
        "抖音|抖音一号|女 62.5% · 24-30岁 41.7% · 广东 25.0%|B（300）|中秋活动 100|2|400",
        "微信公众号|微信一号|女 69.0%|—|—|0|—",
    ]
    charts = re.findall(r'data-chart="(audience-[^"]+)"', zh)
    assert charts == [
        "audience-douyin-dy1-gender",
        "audience-douyin-dy1-age",
        "audience-douyin-dy1-region",
        "audience-wechat-wx1-gender",
    ]


def test_section_en(pages: dict[str, str]) -> None:
    en = section(pages["en"], "audience")
    assert f"<h2>{t('en', 'sec_audience')}</h2>" in en
    assert "No portrait data: Douyin · 抖音二号, Weibo · 微博一号." in en
    dy1 = table(
        en, t("en", "audience_account", account="Douyin · 抖音一号", date="2026-09-01", previous="2026-07-01")
    )
    assert dy1[:3] == [
        "Gender|Female|750|62.5%|60.0%|+2.5 pp",
        "|Male|450|37.5%|40.0%|-2.5 pp",
        "Age|24-30|500|41.7%|—|—",
    ]
    assert dy1[-1] == "|Other|330|27.5%|—|—"
    assert table(en, t("en", "audience_overall", count=2))[1] == "|Male|550|34.4%"
    assert table(en, t("en", "audience_movers", n=3))[3] == "WeChat|微信一号|Gender|Male|25.0%|30.0%|-5.0 pp"
    assert table(en, t("en", "audience_reach"))[0] == (
        "Douyin|抖音一号|Female 62.5% · 24-30 41.7% · 广东 25.0%|B (300)|中秋活动 100|2|400"
    )
    for zh_word in ("性别", "个百分点", "其他", "无画像数据"):
        assert zh_word not in en


def test_segment_drop_suggestion(pages: dict[str, str]) -> None:
    zh, en = section(pages["zh"], "suggestions"), section(pages["en"], "suggestions")
    assert zh.count('data-rule="portrait_segment_drop"') == 2
    assert (
        "微信公众号 · 微信一号粉丝中性别「男」占比降至 25.0%，上一期画像（2026年6月20日）为 30.0%（-5.0 个百分点）："
        "如该人群是目标人群" in zh
    )
    assert "抖音 · 抖音一号粉丝中性别「男」占比降至 37.5%" in zh
    assert "<dd>2026年7月1日 → 2026年9月1日</dd>" in zh and "<dd>下降 ≥ 2.0 个百分点</dd>" in zh
    assert (
        "WeChat · 微信一号: the gender “Male” share of followers fell to 25.0% from 30.0% in the previous "
        "portrait (2026-06-20), -5.0 pp." in en
    )
    assert "目标人群占比下降" in dict(describe_rules("zh")) and "Segment share falling" in dict(
        describe_rules("en")
    )


def frame(*changes: tuple[str, str, str, float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "platform": "douyin",
                "account": account,
                "dimension": dimension,
                "bucket": bucket,
                "snapshot_date": pd.Timestamp("2026-09-01"),
                "previous_snapshot_date": pd.Timestamp("2026-07-01"),
                "share": 0.3,
                "share_prev": None if change is None else 0.3 - change,
                "share_change": change,
            }
            for account, dimension, bucket, change in changes
        ]
    )


def test_segment_drop_rule_at_the_margin() -> None:
    # -2 points exactly reaches the threshold; -1.9 does not; other / unknown / device never count
    [s] = portrait_segment_drop(frame(("a", "age", "24-30", -0.02), ("b", "age", "24-30", -0.019)))
    assert s.subject == "douyin/a" and s.priority == 2 and s.evidence["change"] == pytest.approx(-0.02)
    assert (
        portrait_segment_drop(
            frame(
                ("a", "region", "other", -0.1),
                ("a", "gender", "unknown", -0.1),
                ("a", "device", "iPhone", -0.1),
            )
        )
        == []
    )
    assert portrait_segment_drop(frame(("a", "age", "24-30", None))) == []  # no previous snapshot
    # one suggestion per account, on its largest drop, naming the others
    [s] = portrait_segment_drop(frame(("a", "age", "24-30", -0.021), ("a", "region", "广东", -0.05)))
    assert (s.evidence["dimension"], s.evidence["bucket"]) == ("region", "广东")
    assert s.evidence["others"] == [("age", "24-30", -0.021)]
    assert "年龄「24-30岁」 -2.1 个百分点" in dict(s.evidence_lines("zh"))["其他下降分组"]
    assert (
        portrait_segment_drop(frame(("a", "age", "24-30", -0.025)), Thresholds(portrait_share_drop=0.03))
        == []
    )
    assert portrait_segment_drop(None) == []


def test_no_portrait_in_the_window(warehouse: Path, tmp_path: Path) -> None:
    """As of 2026-12-31 the window (10-08 .. 12-27) holds no snapshot: the section says so, names every
    social account, and no portrait suggestion is made."""
    for lang in LANGS:
        result = write_report(
            warehouse, tmp_path, period="week", lang=lang, as_of=date(2026, 12, 31), pdf=False
        )
        assert "audience" in result.sections_missing
        page = result.html_path.read_text(encoding="utf-8")
        aud = section(page, "audience")
        assert escape(t(lang, "no_rows", tables="marts.fct_fan_portrait")) in aud  # type: ignore[arg-type]
        assert (
            "无画像数据：抖音 · 抖音一号、抖音 · 抖音二号、微信公众号 · 微信一号、微博 · 微博一号"
            if lang == "zh"
            else "No portrait data: Douyin · 抖音一号, Douyin · 抖音二号, WeChat · 微信一号, Weibo · 微博一号"
        ) in aud
        assert "<table" not in aud and 'data-rule="portrait_segment_drop"' not in page


def test_labels() -> None:
    assert bucket_label("zh", "gender", "male") == "男" and bucket_label("en", "gender", "other") == "Other"
    assert bucket_label("zh", "age", "50-") == "50岁以上" and bucket_label("en", "age", "50-") == "50+"
    assert (
        bucket_label("zh", "age", "18岁以下") == "18岁以下"
        and bucket_label("en", "age", "18岁以下") == "under 18"
    )
    assert bucket_label("en", "age", "60岁以上") == "60+" and bucket_label("en", "age", "18-25岁") == "18-25"
    assert bucket_label("en", "region", "广东") == "广东" and bucket_label("zh", "age", None) == "—"
    assert fmt_pp(-0.00001) == "+0.0 个百分点" and fmt_pp(-0.0004, "en") == "+0.0 pp"


def test_first_snapshots_have_no_movers(warehouse: Path, tmp_path: Path) -> None:
    """As of 2026-07-05 (window 04-13 .. 07-05) dy1's 07-01 and dy2's 05-01 snapshots are their first: the
    distribution is shown, changes are unknown (—), not zero, and there is no mover and no suggestion."""
    result = write_report(warehouse, tmp_path, period="week", lang="zh", as_of=date(2026, 7, 5), pdf=False)
    page = result.html_path.read_text(encoding="utf-8")
    aud = section(page, "audience")
    assert "audience" in result.sections_present
    caption = t("zh", "audience_account", account="抖音 · 抖音一号", date="2026年7月1日", previous="—")
    assert table(aud, caption) == ["性别|女|600|60.0%|—|—", "|男|400|40.0%|—|—"]
    assert escape(t("zh", "audience_movers_none")) in aud
    assert "无画像数据：微信公众号 · 微信一号、微博 · 微博一号。" in aud
    assert 'data-rule="portrait_segment_drop"' not in page
