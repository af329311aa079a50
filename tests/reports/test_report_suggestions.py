"""Each suggestion rule on small hand-built frames: it fires at its threshold and not just below it, and its
evidence carries the figures a reader needs to check it."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from orchestration.reports.suggestions import (
    DEFAULT_THRESHOLDS as TH,
)
from orchestration.reports.suggestions import (
    Thresholds,
    best_hour,
    calendar_on_time,
    describe_rules,
    format_gap,
    growth_off_track,
    kol_tier_cpe,
    pace_off_track,
    sla_below_target,
)

AS_OF = date(2026, 11, 12)


def formats(er_a: float, er_b: float, posts_a: int = 5, posts_b: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "platform": "douyin",
                "format": "video",
                "rated_posts": posts_a,
                "views": 10_000,
                "interactions": er_a * 10_000,
            },
            {
                "platform": "douyin",
                "format": "image_text",
                "rated_posts": posts_b,
                "views": 10_000,
                "interactions": er_b * 10_000,
            },
        ]
    )


def test_format_gap_fires_at_the_margin() -> None:
    # 0.12 / 0.10 - 1 = 20 % exactly: reaches the 20 % threshold
    [s] = format_gap(formats(0.12, 0.10))
    assert s.rule == "format_gap" and s.subject == "douyin"
    e = s.evidence
    assert (e["best_format"], e["worst_format"]) == ("video", "image_text")
    assert e["best_er"] == pytest.approx(0.12) and e["worst_er"] == pytest.approx(0.10)
    assert e["relative"] == pytest.approx(0.20)
    assert "12.0%" in s.text("zh") and "10.0%" in s.text("zh") and "20.0%" in s.text("zh")
    assert "Video" in s.text("en")


def test_format_gap_silent_below_margin_or_posts() -> None:
    assert format_gap(formats(0.1199, 0.10)) == []  # 19.9 %
    assert format_gap(formats(0.12, 0.10, posts_b=4)) == []  # too few posts of one format
    assert format_gap(formats(0.12, 0.10), Thresholds(format_min_relative=0.25)) == []
    assert format_gap(None) == [] and format_gap(pd.DataFrame()) == []
    one = formats(0.12, 0.10).iloc[:1]
    assert format_gap(one) == []  # a single format has nothing to beat


def scorecard(
    status: str = "off_track", deadline: date = AS_OF + timedelta(days=28), **extra: object
) -> pd.DataFrame:
    row = {
        "scope": "account:douyin/qinghe_dy",
        "kpi": "fan_growth_net",
        "horizon": "6m",
        "deadline": pd.Timestamp(deadline),
        "baseline": 10_000.0,  # followers at plan start
        "actual": 0.30,
        "target": 0.50,
        "expected_by_now": 0.45,
        "status": status,
    }
    row.update(extra)
    return pd.DataFrame([row])


def test_growth_off_track_gives_the_gap_per_week() -> None:
    names = {("douyin", "qinghe_dy"): "青禾茶饮官方旗舰店"}
    [s] = growth_off_track(scorecard(), AS_OF, TH, names)
    e = s.evidence
    # (0.50 - 0.30) x 10,000 = 2,000 followers over 28 days = 4 weeks -> 500 a week
    assert e["followers_needed"] == pytest.approx(2000)
    assert e["weeks_left"] == pytest.approx(4)
    assert e["per_week"] == pytest.approx(500)
    assert s.priority == 1
    zh = s.text("zh")
    assert "青禾茶饮官方旗舰店" in zh and "2,000" in zh and "500" in zh and "30.0%" in zh and "50.0%" in zh
    assert "about 500 a week" in s.text("en")


def test_growth_off_track_only_for_off_track_rows_of_the_current_horizon() -> None:
    assert growth_off_track(scorecard("at_risk"), AS_OF) == []
    assert growth_off_track(scorecard("on_track"), AS_OF) == []
    assert growth_off_track(scorecard(deadline=AS_OF - timedelta(days=1)), AS_OF) == []  # horizon over
    assert growth_off_track(scorecard(actual=None), AS_OF) == []
    assert (
        len(growth_off_track(scorecard("at_risk"), AS_OF, Thresholds(pace_statuses=("off_track", "at_risk"))))
        == 1
    )
    # a deadline within a week still spreads the gap over one week, not a fraction of one
    [s] = growth_off_track(scorecard(deadline=AS_OF + timedelta(days=3)), AS_OF)
    assert s.evidence["weeks_left"] == 1 and s.evidence["per_week"] == pytest.approx(2000)
    # without followers at plan start: the gap in points per week
    [s] = growth_off_track(scorecard(baseline=None), AS_OF)
    assert s.evidence["followers_needed"] is None and s.evidence["gap_per_week"] == pytest.approx(0.05)


def test_uplift_off_track_gives_the_engagement_rate_to_reach() -> None:
    # baseline engagement rate 5 %, uplift +10 % now (5.5 %), target +30 % -> 6.5 % needed
    frame = scorecard(
        kpi="interaction_rate_uplift", baseline=0.05, actual=0.10, target=0.30, expected_by_now=0.2
    )
    [s] = pace_off_track(frame, AS_OF)
    assert s.rule == "uplift_off_track"
    assert s.evidence["rate_now"] == pytest.approx(0.055) and s.evidence["rate_needed"] == pytest.approx(
        0.065
    )
    zh = s.text("zh")
    assert "+10.0%" in zh and "+30.0%" in zh and "5.50%" in zh and "6.50%" in zh
    assert "from 5.50% to 6.50%" in s.text("en")
    assert growth_off_track(frame, AS_OF) == []
    assert pace_off_track(frame, AS_OF, Thresholds(pace_kpis=("fan_growth_net",))) == []


def test_pace_rows_per_scope_without_repeating_a_single_account_platform() -> None:
    account = scorecard()
    platform = scorecard(scope="platform:douyin")
    other = scorecard(scope="account:douyin/qinghe_live", actual=0.10)
    overall = scorecard(scope="overall", baseline=50_000.0)
    frame = pd.concat([account, platform, other, overall], ignore_index=True)
    found = pace_off_track(frame, AS_OF)
    # overall first, then the platform; the account equal to its platform is dropped, the other kept
    assert [s.subject for s in found] == ["overall", "platform:douyin", "account:douyin/qinghe_live"]
    # the nearest upcoming deadline is the current horizon
    later = scorecard(horizon="9m", deadline=AS_OF + timedelta(days=90))
    [s] = pace_off_track(pd.concat([later, scorecard(horizon="6m")], ignore_index=True), AS_OF)
    assert s.evidence["horizon"] == "6m"


def kols(head_fee: float) -> pd.DataFrame:
    rows = [
        {"tier": "head", "fee": head_fee / 2, "interactions": 500},
        {"tier": "head", "fee": head_fee / 2, "interactions": 500},
        {"tier": "mid", "fee": 600, "interactions": 500},
        {"tier": "mid", "fee": 400, "interactions": 500},
        {"tier": "tail", "fee": 100, "interactions": 100},  # one row only: not a tier to compare
    ]
    return pd.DataFrame(rows)


def test_kol_tier_cpe_fires_at_the_margin() -> None:
    # mid CPE = 1000 / 1000 = 1.00; head CPE = 800 / 1000 = 0.80 = 20 % cheaper exactly
    [s] = kol_tier_cpe(kols(800))
    assert s.subject == "head"
    assert s.evidence["cpe"] == pytest.approx(0.8) and s.evidence["others_cpe"] == pytest.approx(1.0)
    assert s.evidence["others_tiers"] == ["mid"]
    assert "¥0.80" in s.text("zh") and "头部" in s.text("zh")
    assert kol_tier_cpe(kols(801)) == []  # 19.9 % cheaper
    assert kol_tier_cpe(kols(800).iloc[[0, 1, 4]]) == []  # one comparable tier only
    assert kol_tier_cpe(None) == []


def hours(best_er: float, posts: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "platform": "kuaishou",
                "hour": 7,
                "posts": posts,
                "views": 1000,
                "interactions": best_er * 1000,
            },
            {"platform": "kuaishou", "hour": 20, "posts": 10, "views": 9000, "interactions": 900},
        ]
    )


def test_best_hour_fires_at_the_margin() -> None:
    # platform ER = (x + 900) / 10,000; hour 07 ER = x / 1,000 >= 1.2 x platform ER  <=>  x >= 121.95...
    platform_er = (130 + 900) / 10_000
    [s] = best_hour(hours(0.130))
    assert s.evidence["hour"] == 7 and s.evidence["posts"] == 3
    assert s.evidence["platform_er"] == pytest.approx(platform_er)
    assert "07:00" in s.text("zh") and "07:00" in s.text("en")
    assert best_hour(hours(0.121)) == []  # 0.121 < 1.2 x 0.1021
    assert best_hour(hours(0.130, posts=2)) == []  # too few posts in that hour
    # exactly at the threshold: ER = 1.2 x platform ER
    x = 1.2 * 900 / (10_000 - 1.2 * 1000)
    assert len(best_hour(hours(x))) == 1


def service(met: int, eligible: int = 20) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "platform": "weibo",
                "channel": "comment",
                "sla_eligible": eligible,
                "sla_met": met,
                "median_response_minutes": 74.3,
            }
        ]
    )


def test_sla_below_target() -> None:
    [s] = sla_below_target(service(17))  # 85 % < 90 %
    assert s.evidence["attainment"] == pytest.approx(0.85) and s.evidence["missed"] == 3
    assert s.priority == 2
    assert "85.0%" in s.text("zh") and "微博评论" in s.text("zh")
    assert sla_below_target(service(18)) == []  # 90 % exactly meets the target
    assert sla_below_target(service(5, eligible=19)) == []  # too few inbound to judge
    [s] = sla_below_target(service(5))
    assert s.priority == 1  # 25 %: 65 points below target


def test_calendar_on_time() -> None:
    frame = pd.DataFrame([{"platform": "wechat", "published": 5, "on_time": 3, "overdue": 1}])
    [s] = calendar_on_time(frame)  # 60 % < 80 %
    assert s.evidence["rate"] == pytest.approx(0.6) and s.evidence["overdue"] == 1
    assert calendar_on_time(frame.assign(on_time=4)) == []  # 80 % meets the target
    assert calendar_on_time(frame.assign(published=4, on_time=1)) == []  # too few items


def test_rules_are_described_with_their_thresholds() -> None:
    zh = describe_rules("zh")
    en = describe_rules("en", Thresholds(format_min_relative=0.25))
    assert len(zh) == len(en) == 9
    assert any("20.0%" in text and "5 篇" in text for _, text in zh)
    assert any("25.0%" in text for _, text in en)
