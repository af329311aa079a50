"""The report on the bundled sample (built by `fanops run`, shared with the data-quality tests through
tests/expectations/dqlib.sample_warehouse), in both languages: every section heading, self-contained HTML,
deterministic output, the week/month periods, graceful degradation when marts are missing, and an off-track
scorecard row turning into a suggestion with its per-week gap."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from markupsafe import escape

from orchestration.reports import ReportResult, write_report
from orchestration.reports.build import ReportDataError, resolve_period
from orchestration.reports.i18n import LANGS, SECTION_IDS, t
from tests.expectations.dqlib import copy_warehouse, execute, sample_warehouse

pytestmark = pytest.mark.slow

EXTERNAL = re.compile(
    r"""(?:src|href|xlink:href|action|poster)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I
)
ALWAYS_PRESENT = {
    "growth",
    "audience",
    "content",
    "campaigns",
    "service",
    "competitors",
    "quality",
    "suggestions",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_warehouse(sample_warehouse(tmp_path_factory), tmp_path_factory.mktemp("report_wh"))


@pytest.fixture(scope="module")
def reports(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportResult]:
    out = tmp_path_factory.mktemp("reports")
    return {lang: write_report(warehouse, out, period="week", lang=lang, pdf=False) for lang in LANGS}


def has_table(warehouse: Path, schema: str, table: str) -> bool:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()
    finally:
        con.close()
    return bool(row and row[0])


@pytest.mark.parametrize("lang", LANGS)
def test_every_section_heading_is_present(reports: dict[str, ReportResult], lang: str) -> None:
    result = reports[lang]
    html = result.html_path.read_text(encoding="utf-8")
    assert result.html_path.name == f"report_week_{result.period_end.isoformat()}_{lang}.html"
    for section in SECTION_IDS:
        assert f'<section id="{section}"' in html
        assert f"<h2>{t(lang, f'sec_{section}')}</h2>" in html  # type: ignore[arg-type]
    assert html.count("<h2>") == len(SECTION_IDS)


@pytest.mark.parametrize("lang", LANGS)
def test_report_is_self_contained(reports: dict[str, ReportResult], lang: str) -> None:
    html = reports[lang].html_path.read_text(encoding="utf-8")
    assert not EXTERNAL.findall(html)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html and "<link" not in html and "@import" not in html and "url(" not in html
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', html))
    assert html.count('<svg class="chart"') >= 8


def test_sample_sections_and_periods(reports: dict[str, ReportResult], warehouse: Path) -> None:
    zh, en = reports["zh"], reports["en"]
    for result in (zh, en):
        assert result.period_start.isoweekday() == 1 and result.period_end.isoweekday() == 7
        assert result.period_end - result.period_start == timedelta(days=6)
        assert result.period_end <= result.as_of < result.period_end + timedelta(days=7)
        assert set(result.sections_present) >= ALWAYS_PRESENT
        assert result.suggestion_count > 0
        assert result.pdf_path is None and result.pdf_message == "PDF not requested"
    assert zh.sections_present == en.sections_present and zh.suggestion_count == en.suggestion_count
    if has_table(warehouse, "marts", "fct_sentiment_hourly"):
        assert "sentiment" in zh.sections_present
    else:  # issue 6 not landed: a visible "no data yet" note
        assert "sentiment" in zh.sections_missing
        assert "舆情评分与危机预警尚未上线" in zh.html_path.read_text(encoding="utf-8")
    if has_table(warehouse, "marts", "kpi_scorecard"):
        assert "scorecard" in zh.sections_present
        assert zh.scorecard_markdown.startswith("| 指标 |") and "粉丝净增长率" in zh.scorecard_markdown
        assert "Fan growth (net)" in en.scorecard_markdown
    if has_table(warehouse, "marts", "fct_content_calendar"):
        assert "execution" in zh.sections_present


def test_sample_crisis_week(warehouse: Path, tmp_path: Path) -> None:
    """The sample's negative burst on the evening of 2026-09-16 (Asia/Shanghai) is one level-1 alert in the
    week report of 09-14 .. 09-20, with the level-1 playbook, its timeline and the own brand's negative share
    rising against the week before; the week of the default as-of (November) has no alert."""
    if not has_table(warehouse, "marts", "fct_crisis_alerts"):
        pytest.skip("this sample build predates the crisis marts (issue 6)")
    pages = {
        lang: write_report(
            warehouse, tmp_path, period="week", lang=lang, as_of=date(2026, 9, 20), pdf=False
        ).html_path.read_text(encoding="utf-8")
        for lang in LANGS
    }
    zh = pages["zh"][
        pages["zh"].index('<section id="sentiment"') : pages["zh"].index('<section id="competitors"')
    ]
    en = pages["en"][
        pages["en"].index('<section id="sentiment"') : pages["en"].index('<section id="competitors"')
    ]
    alerts = zh[zh.index(t("zh", "sentiment_alerts")) :]
    alerts = alerts[: alerts.index("</table>")]
    assert alerts.count("<tr>") == 2  # the header and one alert
    assert "1 级 · 特别严重" in alerts and "2026年9月16日 2" in alerts and "1.2亿" in alerts
    assert "1. 启动应急预案；2. 成立危机处理小组" in zh and t("zh", "timeline_caption") in zh
    assert "Level 1 · most severe" in en and "1. Start the emergency plan; 2. Convene the crisis team" in en
    assert 'data-rule="negative_share_rise"' in pages["zh"]
    november = write_report(warehouse, tmp_path, period="week", lang="zh", pdf=False)
    assert t("zh", "alerts_none") in november.html_path.read_text(encoding="utf-8")


def test_sample_audience(reports: dict[str, ReportResult], warehouse: Path, tmp_path: Path) -> None:
    """The sample's follower portraits (data/sample/landing/*/qinghe_*/fans_portrait). Default week (as of
    11-12, window 08-17 .. 11-08): Douyin's 10-12 snapshot, female 214,424 of 303,634 = 70.6 % against 184,601
    of 256,065 = 72.1 % on 08-13 (-1.5 points); the gender mix over both accounts =
    (214,424 + 61,862) / (303,634 + 86,532) = 70.8 %. Week of 09-20 (window 06-29 .. 09-20): WeChat's 08-12
    snapshot, male 19,931 of 73,818 = 27.0 % against 17,812 of 59,122 = 30.1 % on 06-13: -3.1 points, the
    biggest mover, and a segment-drop suggestion."""
    zh = reports["zh"].html_path.read_text(encoding="utf-8")
    audience = zh[zh.index('<section id="audience"') : zh.index('<section id="content"')]
    assert "抖音 · 青禾茶饮官方旗舰店：快照 2026年10月12日（上一期 2026年8月13日）" in audience
    rows = [
        "|".join(re.findall(r"<td[^>]*>(.*?)</td>", r)) for r in re.findall(r"<tr>(.*?)</tr>", audience, re.S)
    ]
    assert "性别|女|21.4万|70.6%|72.1%|-1.5 个百分点" in rows  # Douyin
    assert "性别|女|27.6万|70.8%" in rows  # overall
    assert "无画像数据：" in audience and "快手 · 青禾茶饮" in audience
    en = reports["en"].html_path.read_text(encoding="utf-8")
    assert "Douyin · 青禾茶饮官方旗舰店: snapshot 2026-10-12 (previous 2026-08-13)" in en
    september = write_report(
        warehouse, tmp_path, period="week", lang="zh", as_of=date(2026, 9, 20), pdf=False
    )
    page = september.html_path.read_text(encoding="utf-8")
    audience = page[page.index('<section id="audience"') : page.index('<section id="content"')]
    movers = audience[audience.index(t("zh", "audience_movers", n=3)) :]
    movers = movers[: movers.index("</table>")]
    mover_rows = [
        "|".join(re.findall(r"<td[^>]*>(.*?)</td>", r)) for r in re.findall(r"<tr>(.*?)</tr>", movers)
    ]
    assert "微信公众号|青禾茶饮|性别|男|27.0%|30.1%|-3.1 个百分点" in mover_rows
    assert '<td class="num neg">-3.1 个百分点</td>' in movers  # past the 2-point threshold: highlighted
    assert (
        "微信公众号 · 青禾茶饮粉丝中性别「男」占比降至 27.0%，上一期画像（2026年6月13日）为 30.1%（-3.1 个百分点）"
        in page
    )


def test_numbers_are_formatted_for_chinese_readers(reports: dict[str, ReportResult]) -> None:
    zh = reports["zh"].html_path.read_text(encoding="utf-8")
    en = reports["en"].html_path.read_text(encoding="utf-8")
    assert re.search(r">[+-]?\d+(\.\d)?万<", zh)  # large counts in 万
    assert re.search(r">\d+\.\d%<", zh)  # percentages with one decimal
    assert "¥" in zh and "个百分点" in zh
    assert re.search(r">[+-]?\d+(\.\d)?K<", en)


def test_report_is_deterministic(warehouse: Path, reports: dict[str, ReportResult], tmp_path: Path) -> None:
    again = write_report(warehouse, tmp_path, period="week", lang="zh", pdf=False)
    assert again.html_path.read_bytes() == reports["zh"].html_path.read_bytes()


def test_month_report(warehouse: Path, tmp_path: Path) -> None:
    result = write_report(warehouse, tmp_path, period="month", lang="en", pdf=False)
    assert result.period_start == result.as_of.replace(day=1) and result.period_end == result.as_of
    assert result.html_path.name == f"report_month_{result.as_of.isoformat()}_en.html"
    html = result.html_path.read_text(encoding="utf-8")
    assert "Fan operations monthly report" in html


def test_explicit_as_of(warehouse: Path, tmp_path: Path) -> None:
    result = write_report(warehouse, tmp_path, period="week", lang="zh", as_of=date(2026, 10, 4), pdf=False)
    assert (result.period_start, result.period_end) == (date(2026, 9, 28), date(2026, 10, 4))
    assert "（指定）" in result.html_path.read_text(encoding="utf-8")


def test_off_track_scorecard_row_becomes_a_suggestion(warehouse: Path, tmp_path: Path) -> None:
    """A hand-made scorecard: Douyin's account 20 % against a 50 % target with 49 days (7 weeks) left and
    100,000 followers at plan start -> 30,000 followers to add, 4,286 a week (rounded up)."""
    wh = copy_warehouse(warehouse, tmp_path / "wh")
    execute(
        wh,
        "create schema if not exists marts",
        "drop table if exists marts.kpi_scorecard",
        """
        create table marts.kpi_scorecard as
        select * from (values
            (date '2026-11-12', 'account:douyin/qinghe_dy', 'fan_growth_net', '6m', date '2026-12-31',
             date '2026-11-12', 100000.0, 0.20, 0.50, 0.3668, 0.31, 0.40, 'off_track'),
            (date '2026-11-12', 'overall', 'fan_growth_net', '6m', date '2026-12-31',
             date '2026-11-12', 600000.0, 0.40, 0.50, 0.3668, 0.61, 0.80, 'on_track')
        ) as t(as_of_date, scope, kpi, horizon, deadline, data_through_date, baseline, actual, target,
               expected_by_now, projected_at_deadline, attainment, status)
        """,
    )
    zh = write_report(wh, tmp_path / "out", period="week", lang="zh", pdf=False)
    html = zh.html_path.read_text(encoding="utf-8")
    assert "scorecard" in zh.sections_present
    assert 'data-rule="growth_off_track"' in html
    assert "抖音 · 青禾茶饮官方旗舰店粉丝增长落后" in html
    assert "3万" in html and "4,286" in html
    assert 'status status-off_track"' in html
    en = write_report(wh, tmp_path / "out", period="week", lang="en", pdf=False)
    assert "about 4,286 a week" in en.html_path.read_text(encoding="utf-8")


def test_missing_marts_degrade_to_notes(tmp_path: Path) -> None:
    wh = tmp_path / "bare.duckdb"
    execute(
        wh,
        "create schema intermediate",
        "create table intermediate.int_as_of as select date '2026-11-12' as as_of_date",
    )
    for lang in LANGS:
        result = write_report(wh, tmp_path / "out", period="week", lang=lang, pdf=False)
        html = result.html_path.read_text(encoding="utf-8")
        assert result.sections_present == ("suggestions",)
        assert result.suggestion_count == 0
        for section in SECTION_IDS:
            assert f"<h2>{t(lang, f'sec_{section}')}</h2>" in html  # type: ignore[arg-type]
        assert html.count(t(lang, "no_mart", tables="marts.fct_account_daily")) == 1  # type: ignore[arg-type]
        assert escape(t(lang, "suggestions_none")) in html  # type: ignore[arg-type]
        assert result.scorecard_markdown.startswith("_")


def test_no_as_of_is_a_clear_error(tmp_path: Path) -> None:
    wh = tmp_path / "empty.duckdb"
    execute(wh, "create schema marts")
    with pytest.raises(ReportDataError, match="no as-of date"):
        write_report(wh, tmp_path, period="week", lang="zh", pdf=False)
    with pytest.raises(ReportDataError, match="does not exist"):
        write_report(tmp_path / "nowhere.duckdb", tmp_path, period="week", lang="zh", pdf=False)
    with pytest.raises(ValueError, match="period"):
        write_report(wh, tmp_path, period="year", lang="zh")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "as_of", "expected"),
    [
        # Thursday: the last complete ISO week
        (
            "week",
            date(2026, 11, 12),
            (date(2026, 11, 2), date(2026, 11, 8), date(2026, 10, 26), date(2026, 11, 1)),
        ),
        # Sunday: its own week
        (
            "week",
            date(2026, 11, 8),
            (date(2026, 11, 2), date(2026, 11, 8), date(2026, 10, 26), date(2026, 11, 1)),
        ),
        # Monday: the week before
        (
            "week",
            date(2026, 11, 9),
            (date(2026, 11, 2), date(2026, 11, 8), date(2026, 10, 26), date(2026, 11, 1)),
        ),
        # month to date against the same days of the month before
        (
            "month",
            date(2026, 11, 12),
            (date(2026, 11, 1), date(2026, 11, 12), date(2026, 10, 1), date(2026, 10, 12)),
        ),
        # ... capped at the previous month's last day
        (
            "month",
            date(2026, 3, 31),
            (date(2026, 3, 1), date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28)),
        ),
        (
            "month",
            date(2027, 1, 5),
            (date(2027, 1, 1), date(2027, 1, 5), date(2026, 12, 1), date(2026, 12, 5)),
        ),
    ],
)
def test_periods(kind: str, as_of: date, expected: tuple[date, date, date, date]) -> None:
    p = resolve_period(kind, as_of)  # type: ignore[arg-type]
    assert (p.start, p.end, p.prev_start, p.prev_end) == expected
    assert p.lookback_start <= p.start and p.lookback_days == (84 if kind == "week" else 182)
