"""The report's sentiment and crisis section on a hand-built warehouse (the issue 6 marts with a few rows whose
figures are worked out below), in both languages; plus the crisis suggestion rules on small frames.

Week report as of Sunday 2026-09-20: period 09-14 .. 09-20, previous period 09-07 .. 09-13 (Asia/Shanghai).

fct_sentiment_hourly (hour_at UTC -> hour_date Asia/Shanghai):
  own brand 青禾 weibo   09-08 02:00 (prev)   100 texts,  5 negative, 40 positive
                         09-13 17:00 = 09-14 01:00 local (period!)  20 texts, 5 negative, 10 positive
                         09-16 12:00 (period) 200 texts, 60 negative, 30 positive
                 douyin  09-09 04:00 (prev)    50 texts,  5 negative, 20 positive
                         09-16 14:00 (period) 100 texts, 15 negative, 24 positive
                 zhihu   09-16 14:00 (period) no text (the mart is dense): no row in the platform table
  competitor 竞品甲 weibo 09-10 02:00 (prev) 40 / 2 / 10; 09-15 02:00 (period) 80 / 8 / 20
  own brand, period:   320 texts, 80 negative (25.0 %), 64 positive (20.0 %)
             previous: 150 texts, 10 negative (6.7 %), 60 positive (40.0 %)  -> +18.3 / -20.0 points
  weibo 65 / 220 = 29.5 % (prev 5.0 %, +24.5 points); douyin 15 / 100 = 15.0 % (prev 10.0 %, +5.0 points)
  competitor 8 / 80 = 10.0 % (prev 5.0 %, +5.0 points), positive 25.0 % both periods
  daily baseline of 09-16 = negatives / texts of 09-09 .. 09-15 = (5 + 5) / (50 + 20) = 14.3 %
fct_crisis_alerts: a2 (level 3, opened 09-05, still open), a5 (level 4, closed 09-14 00:00 local), a1 (level
  1, 09-16 20:00 .. 09-19 00:00 local) are active in the period; a3 (closed 09-13 23:00 local) and a4 (opened
  09-22) are not.
int_sentiment_texts: the own brand's negative texts carry 过敏 4 times and 假货 3 times in the period, 过敏 once
  in the previous period (a positive text's 投诉 and a competitor's 假货 do not count)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape

from ingestion.config import CRISIS_LEVELS, PLAYBOOK_STEPS
from orchestration.reports import write_report
from orchestration.reports.build import gather
from orchestration.reports.i18n import LANGS, level_label, platform_list, playbook_steps, t, terms_text
from orchestration.reports.suggestions import Thresholds, crisis_open, describe_rules, negative_share_rise
from tests.expectations.dqlib import execute

AS_OF = date(2026, 9, 20)

HOURLY = """
create table marts.fct_sentiment_hourly as
select brand_id, brand, is_own_brand, platform, hour_at,
    cast(hour_at + interval 8 hour as date) as hour_date,
    cast(extract(hour from hour_at + interval 8 hour) as integer) as hour_of_day,
    mentions, negative, positive, mentions - negative - positive as neutral,
    negative / mentions as negative_share, cast(null as double) as baseline,
    cast(null as double) as anomaly_score, cast(0 as bigint) as severe_texts,
    cast(null as bigint) as max_author_followers
from (values
    ('qinghe', '青禾', true, 'weibo', timestamp '2026-09-08 02:00', 100, 5, 40),
    ('qinghe', '青禾', true, 'weibo', timestamp '2026-09-13 17:00', 20, 5, 10),
    ('qinghe', '青禾', true, 'weibo', timestamp '2026-09-16 12:00', 200, 60, 30),
    ('qinghe', '青禾', true, 'douyin', timestamp '2026-09-09 04:00', 50, 5, 20),
    ('qinghe', '青禾', true, 'douyin', timestamp '2026-09-16 14:00', 100, 15, 24),
    ('qinghe', '青禾', true, 'zhihu', timestamp '2026-09-16 14:00', 0, 0, 0),
    ('rival', '竞品甲', false, 'weibo', timestamp '2026-09-10 02:00', 40, 2, 10),
    ('rival', '竞品甲', false, 'weibo', timestamp '2026-09-15 02:00', 80, 8, 20)
) as t(brand_id, brand, is_own_brand, platform, hour_at, mentions, negative, positive)
"""

L1 = "|".join(CRISIS_LEVELS[1].playbook)
L3 = "|".join(CRISIS_LEVELS[3].playbook)
L4 = "|".join(CRISIS_LEVELS[4].playbook)

ALERTS = f"""
create table marts.fct_crisis_alerts as
select alert_id, 'qinghe' as brand_id, opened_at, cast(opened_at + interval 8 hour as date) as opened_date,
    coalesce(closed_at, opened_at) as updated_at, closed_at,
    case when closed_at is null then 'open' else 'closed' end as status,
    level, level_name, level as current_level, level_name as current_level_name,
    opened_at as last_triggered_at, platforms, trigger, peak_negative, negative_texts, max_reach, top_terms,
    cast(null as varchar) as sample_interaction_keys, '1. …' as playbook, playbook_codes, calendar_action,
    calendar_plan_ids
from (values
    ('a1', timestamp '2026-09-16 12:00', timestamp '2026-09-18 16:00', 1, '特别严重',
     'douyin,weibo,xiaohongshu', 'level 1 rule 1: negative 60 ≥ 40', 60, 95, 120000000,
     '过敏(52)、假货(41)', '{L1}', 'pause', 'CC-1,CC-2'),
    ('a2', timestamp '2026-09-05 02:00', null, 3, '较重',
     'weibo', 'level 3 rule 1: negative 18 ≥ 15', 18, 40, 5200, '投诉(9)', '{L3}', 'review', 'CC-3'),
    ('a3', timestamp '2026-09-01 02:00', timestamp '2026-09-13 15:00', 4, '一般',
     'weibo', 'level 4 rule 2', 6, 6, null, null, '{L4}', null, null),
    ('a4', timestamp '2026-09-22 02:00', null, 2, '严重',
     'weibo', 'level 2 rule 1', 31, 31, null, null, '', 'review', null),
    ('a5', timestamp '2026-09-12 01:00', timestamp '2026-09-13 16:00', 4, '一般',
     'douyin', 'level 4 rule 1', 9, 12, 800, '退货(3)', '{L4}', null, null)
) as t(alert_id, opened_at, closed_at, level, level_name, platforms, trigger, peak_negative, negative_texts,
       max_reach, top_terms, playbook_codes, calendar_action, calendar_plan_ids)
"""

EVENTS = """
create table marts.fct_crisis_alert_events as
select alert_id, event_seq, event_at, event, level, level_name, previous_level, negative, mentions,
    anomaly_score, platforms, reach, 'rule' as trigger
from (values
    ('a1', 1, timestamp '2026-09-16 12:00', 'opened', 2, '严重', null, 30, 120, 12.54, 2, 1520000),
    ('a1', 2, timestamp '2026-09-16 13:00', 'escalated', 1, '特别严重', 2, 60, 200, 31.0, 3, 120000000),
    ('a1', 3, timestamp '2026-09-17 03:00', 'deescalated', 2, '严重', 1, 20, 90, 6.0, 1, 5000),
    ('a1', 4, timestamp '2026-09-18 16:00', 'closed', 2, '严重', 2, 0, 30, 0.0, 0, null),
    ('a2', 1, timestamp '2026-09-05 02:00', 'opened', 3, '较重', null, 18, 60, 5.2, 1, 5200),
    ('a3', 1, timestamp '2026-09-01 02:00', 'opened', 4, '一般', null, 6, 30, 3.1, 1, null),
    ('a5', 1, timestamp '2026-09-12 01:00', 'opened', 4, '一般', null, 9, 40, 3.5, 1, 800),
    ('a5', 2, timestamp '2026-09-13 16:00', 'closed', 4, '一般', 4, 0, 20, 0.0, 0, null)
) as t(alert_id, event_seq, event_at, event, level, level_name, previous_level, negative, mentions,
       anomaly_score, platforms, reach)
"""

CALENDAR = """
create table marts.fct_content_calendar as
select * from (values
    ('CC-1', date '2026-09-17', 'weibo', '中秋新品预告'),
    ('CC-2', date '2026-09-18', 'douyin', '冷泡教程'),
    ('CC-3', date '2026-09-06', 'weibo', '话题互动'),
    ('CC-9', date '2026-09-17', 'weibo', '不相关')
) as t(plan_id, planned_date, platform, title)
"""

TEXTS = """
create table intermediate.int_sentiment_texts as
select * from (values
    (true, 'negative', '过敏|假货', date '2026-09-16'),
    (true, 'negative', '过敏|假货', date '2026-09-16'),
    (true, 'negative', '假货|过敏', date '2026-09-17'),
    (true, 'negative', '过敏', date '2026-09-18'),
    (true, 'negative', null, date '2026-09-18'),
    (true, 'positive', '投诉', date '2026-09-14'),
    (false, 'negative', '假货', date '2026-09-16'),
    (true, 'negative', '过敏', date '2026-09-10'),
    (true, 'negative', '过敏', date '2026-09-21')
) as t(is_own_brand, sentiment_label, crisis_terms, created_date)
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("sentiment_wh") / "wh.duckdb"
    execute(
        wh,
        "create schema marts",
        "create schema intermediate",
        "create table intermediate.int_as_of as select date '2026-09-20' as as_of_date",
        HOURLY,
        ALERTS,
        EVENTS,
        CALENDAR,
        TEXTS,
    )
    return wh


@pytest.fixture(scope="module")
def html(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("sentiment_out")
    pages = {}
    for lang in LANGS:
        result = write_report(warehouse, out, period="week", lang=lang, pdf=False)
        assert "sentiment" in result.sections_present
        pages[lang] = section(result.html_path.read_text(encoding="utf-8"), "sentiment")
    return pages


def section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}"')
    return page[start : page.index("</section>", start)]


def cells(text: str) -> str:
    """A row's cells as 'a|b|c' (tags stripped), for whole-row assertions."""
    import re

    return "|".join(re.findall(r"<td[^>]*>(.*?)</td>", text))


def rows(fragment: str) -> list[str]:
    import re

    return [cells(r) for r in re.findall(r"<tr>(.*?)</tr>", fragment, re.S) if "<td" in r]


def table(fragment: str, caption: str) -> list[str]:
    start = fragment.index(f"<caption>{escape(caption)}</caption>")
    return rows(fragment[start : fragment.index("</table>", start)])


def test_gathered_figures(warehouse: Path) -> None:
    data = gather(warehouse, "week", AS_OF)
    p = data.period
    assert (p.start, p.end, p.prev_start, p.prev_end) == (
        date(2026, 9, 14),
        date(2026, 9, 20),
        date(2026, 9, 7),
        date(2026, 9, 13),
    )
    assert data.alerts is not None and list(data.alerts["alert_id"]) == ["a2", "a5", "a1"]
    assert data.alert_events is not None
    assert [(a, s) for a, s in zip(data.alert_events["alert_id"], data.alert_events["event_seq"])] == [
        ("a2", 1),
        ("a5", 1),
        ("a5", 2),
        ("a1", 1),
        ("a1", 2),
        ("a1", 3),
        ("a1", 4),
    ]
    assert data.alert_calendar is not None and list(data.alert_calendar["plan_id"]) == [
        "CC-3",
        "CC-1",
        "CC-2",
    ]
    sp = data.sentiment_platforms
    assert sp is not None
    by = {r["platform"]: r for r in sp.to_dict("records")}
    assert (by["weibo"]["mentions"], by["weibo"]["negative"], by["weibo"]["positive"]) == (220, 65, 40)
    assert (by["weibo"]["mentions_prev"], by["weibo"]["negative_prev"]) == (100, 5)
    assert by["weibo"]["negative_share"] == pytest.approx(65 / 220)
    assert by["douyin"]["positive_share_prev"] == pytest.approx(0.4)
    sb = data.sentiment_brands
    assert sb is not None and list(sb["brand"]) == ["青禾", "竞品甲"]  # own brand first
    rival = sb.iloc[1]
    assert (rival["negative_share"], rival["negative_share_prev"]) == (
        pytest.approx(0.1),
        pytest.approx(0.05),
    )
    sd = data.sentiment_daily
    assert sd is not None
    day = sd[sd["date_day"] == pd.Timestamp("2026-09-16")].iloc[0]
    assert (day["mentions"], day["negative"]) == (300, 75)
    assert day["negative_share"] == pytest.approx(0.25)
    assert day["baseline_share"] == pytest.approx(10 / 70)
    first = sd[sd["date_day"] == pd.Timestamp("2026-09-08")].iloc[0]
    assert pd.isna(first["baseline_share"])  # nothing in the 7 days before
    terms = data.negative_terms
    assert terms is not None
    assert [(r.term, r.texts, r.texts_prev) for r in terms.itertuples()] == [("过敏", 4, 1), ("假货", 3, 0)]


def test_alert_table_zh(html: dict[str, str]) -> None:
    zh = html["zh"]
    assert table(zh, t("zh", "sentiment_alerts")) == [
        "1|3 级 · 较重|进行中|2026年9月5日 10:00|进行中|微博|投诉(9)|18|40|5,200",
        "2|4 级 · 一般|已关闭|2026年9月12日 09:00|2026年9月14日 00:00|抖音|退货(3)|9|12|800",
        "3|1 级 · 特别严重|已关闭|2026年9月16日 20:00|2026年9月19日 00:00|抖音、微博、小红书|过敏(52)、假货(41)|60|95|1.2亿",
    ]
    assert "a3" not in zh and "2026年9月1日" not in zh and "2026年9月22日" not in zh
    playbook = table(zh, t("zh", "playbook_caption"))
    assert playbook[0].startswith(
        "1|3 级 · 较重|1. 内部通报；2. 适度调整内容；3. 发布事实说明；4. 初步调查|复核 1 条|"
    )
    assert playbook[1].startswith("2|4 级 · 一般|1. 持续监测；2. 必要时调整内容；3. 发布事实说明|—|")
    assert playbook[2] == (
        "3|1 级 · 特别严重|1. 启动应急预案；2. 成立危机处理小组；3. 暂停所有相关排期内容；4. 协调合作方与媒体；"
        "5. 调查原因并整改；6. 发布澄清与更正|暂停 2 条|level 1 rule 1: negative 60 ≥ 40"
    )
    assert table(zh, t("zh", "calendar_caption")) == [
        "1|复核|2026年9月6日|微博|话题互动|CC-3",
        "3|暂停|2026年9月17日|微博|中秋新品预告|CC-1",
        "3|暂停|2026年9月18日|抖音|冷泡教程|CC-2",
    ]
    assert table(zh, t("zh", "timeline_caption")) == [
        "1|2026年9月5日 10:00|开启|3 级|18|60|5.2|1|5,200",
        "2|2026年9月12日 09:00|开启|4 级|9|40|3.5|1|800",
        "2|2026年9月14日 00:00|关闭|4 级|0|20|0.0|0|—",
        "3|2026年9月16日 20:00|开启|2 级|30|120|12.5|2|152万",
        "3|2026年9月16日 21:00|升级|2 级 → 1 级|60|200|31.0|3|1.2亿",
        "3|2026年9月17日 11:00|降级|1 级 → 2 级|20|90|6.0|1|5,000",
        "3|2026年9月19日 00:00|关闭|2 级|0|30|0.0|0|—",
    ]


def test_sentiment_shares_zh(html: dict[str, str]) -> None:
    zh = html["zh"]
    assert (
        "本品牌（青禾）本期负面占比 25.0%（对比期 6.7%，+18.3 个百分点），正面占比 20.0%（对比期 40.0%，"
        "-20.0 个百分点）；共 320 条文本" in zh
    )
    assert table(zh, t("zh", "sentiment_platforms_caption")) == [
        "抖音|100|15|15.0%|10.0%|+5.0 个百分点|24.0%|40.0%|-16.0 个百分点",
        "微博|220|65|29.5%|5.0%|+24.5 个百分点|18.2%|40.0%|-21.8 个百分点",
        "合计|320|80|25.0%|6.7%|+18.3 个百分点|20.0%|40.0%|-20.0 个百分点",
    ]
    assert table(zh, t("zh", "sentiment_brands_caption")) == [
        "青禾|320|25.0%|6.7%|+18.3 个百分点|20.0%|40.0%|-20.0 个百分点",
        "竞品甲|80|10.0%|5.0%|+5.0 个百分点|25.0%|25.0%|+0.0 个百分点",
    ]
    assert table(zh, t("zh", "negative_terms_caption")) == ["过敏|4|1", "假货|3|0"]
    assert 'data-chart="sentiment-negative-share"' in zh
    assert escape(t("zh", "sentiment_baseline", days=7)) in zh


def test_section_in_english(html: dict[str, str]) -> None:
    en = html["en"]
    alerts = table(en, t("en", "sentiment_alerts"))
    assert alerts[0] == "1|Level 3 · serious|open|2026-09-05 10:00|open|Weibo|投诉(9)|18|40|5,200"
    assert alerts[2] == (
        "3|Level 1 · most severe|closed|2026-09-16 20:00|2026-09-19 00:00|Douyin, Weibo, Xiaohongshu|"
        "过敏(52), 假货(41)|60|95|120M"
    )
    playbook = table(en, t("en", "playbook_caption"))
    steps = "; ".join(f"{n}. {PLAYBOOK_STEPS[c][1]}" for n, c in enumerate(CRISIS_LEVELS[1].playbook, 1))
    assert playbook[2].startswith(f"3|Level 1 · most severe|{steps}|Pause 2 item(s)|")
    assert "1. Start the emergency plan; 2. Convene the crisis team" in steps
    timeline = table(en, t("en", "timeline_caption"))
    assert timeline[4] == "3|2026-09-16 21:00|escalated|Level 2 → Level 1|60|200|31.0|3|120M"
    assert timeline[5].split("|")[2] == "de-escalated"
    assert table(en, t("en", "calendar_caption"))[1] == "3|Pause|2026-09-17|Weibo|中秋新品预告|CC-1"
    assert "Own brand (青禾): negative share 25.0% this period (previous 6.7%, +18.3 pp)" in en
    assert table(en, t("en", "sentiment_platforms_caption"))[2] == (
        "Total|320|80|25.0%|6.7%|+18.3 pp|20.0%|40.0%|-20.0 pp"
    )
    # no Chinese label of a level or step is re-typed into the English report
    for info in CRISIS_LEVELS.values():
        assert info.name_zh not in en
    for zh_step, _ in PLAYBOOK_STEPS.values():
        assert zh_step not in en


def test_suggestions_and_tiles(warehouse: Path, tmp_path: Path) -> None:
    for lang in LANGS:
        result = write_report(warehouse, tmp_path, period="week", lang=lang, pdf=False)
        page = result.html_path.read_text(encoding="utf-8")
        sugg = section(page, "suggestions")
        assert sugg.count('data-rule="crisis_open"') == 1  # a2 only: a1 and a5 are closed
        assert sugg.count('data-rule="negative_share_rise"') == 1
        assert sugg.index('data-rule="crisis_open"') < sugg.index('data-rule="negative_share_rise"')
        if lang == "zh":
            assert (
                "3 级（较重）舆情预警仍未关闭（2026年9月5日 10:00 开启，涉及微博）：请按该级别预案处置："
                "内部通报 → 适度调整内容 → 发布事实说明 → 初步调查；复核相关排期内容 1 条。" in sugg
            )
            assert (
                "本品牌负面占比 25.0%，较对比期 6.7% 上升 +18.3 个百分点：请复盘本期高频负面词（过敏(4)、假货(3)）"
                in sugg
            )
            assert "<dd>80 / 320</dd>" in sugg and "<dd>10 / 150</dd>" in sugg
            assert '<div class="k">负面占比</div><div class="v">25.0%</div>' in page
            assert '<div class="k">舆情预警</div><div class="v">3</div><div class="s">进行中 1</div>' in page
        else:
            assert (
                "Level 3 (serious) crisis alert opened 2026-09-05 10:00 on Weibo is still open: follow the level&#39;s "
                "playbook: Communicate internally → Adjust content moderately → Publish the facts → Carry out a "
                "preliminary investigation; review the 1 related scheduled item(s)." in sugg
            )
            assert "review the period&#39;s top negative terms (过敏(4), 假货(3))" in sugg
            assert '<div class="s">1 open</div>' in page


def test_no_alert_in_the_period(warehouse: Path, tmp_path: Path) -> None:
    """A later week (10-05 .. 10-11): a2 and a4 are still open (listed), a1 closed before it; no texts in
    either period. A week before any alert (08-24 .. 08-30): no alert."""
    result = write_report(warehouse, tmp_path, period="week", lang="zh", as_of=date(2026, 10, 11), pdf=False)
    page = section(result.html_path.read_text(encoding="utf-8"), "sentiment")
    assert [r.split("|")[0:4] for r in table(page, t("zh", "sentiment_alerts"))] == [
        ["1", "3 级 · 较重", "进行中", "2026年9月5日 10:00"],
        ["2", "2 级 · 严重", "进行中", "2026年9月22日 10:00"],
    ]
    assert escape(t("zh", "no_rows", tables="marts.fct_sentiment_hourly")) in page
    before = write_report(warehouse, tmp_path, period="week", lang="en", as_of=date(2026, 8, 30), pdf=False)
    page = section(before.html_path.read_text(encoding="utf-8"), "sentiment")
    assert escape(t("en", "alerts_none")) in page


def test_partial_warehouses(tmp_path: Path) -> None:
    """Alerts without the hourly mart, and the hourly mart without the alert marts: the section is there and
    names what is missing; neither mart: 'no data yet'."""
    base = [
        "create schema marts",
        "create schema intermediate",
        "create table intermediate.int_as_of as select date '2026-09-20' as as_of_date",
    ]
    only_alerts = tmp_path / "alerts.duckdb"
    execute(only_alerts, *base, ALERTS)
    result = write_report(only_alerts, tmp_path / "a", period="week", lang="zh", pdf=False)
    page = section(result.html_path.read_text(encoding="utf-8"), "sentiment")
    assert "sentiment" in result.sections_present
    assert len(table(page, t("zh", "sentiment_alerts"))) == 3
    assert escape(t("zh", "no_mart", tables="marts.fct_crisis_alert_events")) in page
    assert escape(t("zh", "no_mart", tables="marts.fct_sentiment_hourly")) in page
    # no calendar mart: the plan ids are still listed, without their date, platform and title
    assert table(page, t("zh", "calendar_caption"))[0] == "1|复核|—|—|—|CC-3"
    only_hourly = tmp_path / "hourly.duckdb"
    execute(only_hourly, *base, HOURLY)
    result = write_report(only_hourly, tmp_path / "h", period="week", lang="en", pdf=False)
    page = section(result.html_path.read_text(encoding="utf-8"), "sentiment")
    assert "sentiment" in result.sections_present
    assert escape(t("en", "no_mart", tables="marts.fct_crisis_alerts")) in page
    assert "Total|320|80|25.0%" in "\n".join(table(page, t("en", "sentiment_platforms_caption")))
    assert t("en", "negative_terms_caption") not in page  # no int_sentiment_texts
    bare = tmp_path / "bare.duckdb"
    execute(bare, *base)
    result = write_report(bare, tmp_path / "b", period="week", lang="zh", pdf=False)
    assert "sentiment" in result.sections_missing
    assert "舆情评分与危机预警尚未上线" in result.html_path.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------------------- rule units


def own(texts: int, negative: int, texts_prev: int, negative_prev: int) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "platform": "weibo",
                "mentions": texts,
                "negative": negative,
                "mentions_prev": texts_prev,
                "negative_prev": negative_prev,
            }
        ]
    )


def test_negative_share_rise_at_the_margin() -> None:
    # 13 / 100 against 10 / 100: +3 points exactly reaches the threshold
    [s] = negative_share_rise(own(100, 13, 100, 10))
    assert s.priority == 2 and s.evidence["rise"] == pytest.approx(0.03)
    assert "+3.0 个百分点" in s.text("zh") and "本期负面文本的集中问题" in s.text("zh")
    assert negative_share_rise(own(1000, 129, 100, 10)) == []  # +2.9 points
    assert negative_share_rise(own(99, 13, 100, 10)) == []  # too few texts this period
    assert negative_share_rise(own(100, 13, 99, 10)) == []  # ... or in the previous one
    assert negative_share_rise(own(100, 13, 100, 10), th=Thresholds(negative_share_rise=0.05)) == []
    assert negative_share_rise(None) == [] and negative_share_rise(own(100, 13, 0, 0)) == []
    terms = pd.DataFrame([{"term": "过敏", "texts": 4}, {"term": "假货", "texts": 3}])
    [s] = negative_share_rise(own(100, 13, 100, 10), terms)
    assert "过敏(4)、假货(3)" in s.text("zh") and "过敏(4), 假货(3)" in s.text("en")


def test_crisis_open_one_per_open_alert_most_severe_first() -> None:
    alerts = pd.DataFrame(
        [
            {"alert_id": "x", "opened_at": pd.Timestamp("2026-09-01 00:00"), "status": "open", "level": 3},
            {"alert_id": "y", "opened_at": pd.Timestamp("2026-09-02 00:00"), "status": "open", "level": 1},
            {"alert_id": "z", "opened_at": pd.Timestamp("2026-09-03 00:00"), "status": "closed", "level": 1},
        ]
    )
    found = crisis_open(alerts)
    assert [s.subject for s in found] == ["y", "x"]
    y = found[0]
    # without playbook codes in the mart the level's own playbook is used
    assert " → ".join(playbook_steps("en", None, 1)) in y.text("en")
    assert "2026年9月2日 08:00" in y.text("zh") and "1 级（特别严重）" in y.text("zh")
    assert crisis_open(None) == [] and crisis_open(alerts.iloc[2:]) == []


def test_crisis_labels() -> None:
    assert level_label("zh", 2) == "2 级 · 严重" and level_label("en", 4.0) == "Level 4 · general"
    assert level_label("en", 9, "自定义") == "Level 9 · 自定义" and level_label("zh", None) == "—"
    assert playbook_steps("zh", "watch|unknown_step") == ["持续监测", "unknown_step"]
    assert platform_list("zh", "weibo, zhihu") == "微博、知乎" and platform_list("en", None) == "—"
    assert terms_text("en", "过敏(2)、假货(1)") == "过敏(2), 假货(1)" and terms_text("zh", "") == "—"


def test_rules_table_names_the_crisis_rules() -> None:
    zh = dict(describe_rules("zh"))
    en = dict(describe_rules("en", Thresholds(negative_share_rise=0.05, negative_share_min_texts=50)))
    assert "舆情预警未关闭" in zh and "+3.0 个百分点" in zh["负面占比上升"] and "100 条" in zh["负面占比上升"]
    assert "+5.0 pp" in en["Negative share rising"] and "50 texts" in en["Negative share rising"]
