"""Crisis detection scenarios with known answers (issue 6 "Tests"; models/*/crisis).

The crisis models are built alone on a scratch DuckDB file whose upstream relations (brands, inbound texts,
mentions and their brand matches, the content calendar, sentiment.text_scores) are seeded directly. Each
scenario is its own own-brand (alerts are per own brand), all in one build:

  background (every scenario, 2026-08-01 … 09-07 UTC): weibo one positive mention every hour 02–14 UTC and
    one negative at 12:00 (20:00 Shanghai); xiaohongshu one neutral at 06:00, douyin one at 08:00. The
    weibo 12:00 baseline is 1, every other hour's 0, so the background alone never triggers.
  S1-crisis   2026-09-03: 12:00 weibo +20 severe texts (one author with 2 000 000 followers) → level 2
              (rule 2: reach); 13:00 weibo +20 mentions +5 inbound comments, xiaohongshu +15 → level 2
              (rule 1: 2 platforms); 14:00 weibo +20, xiaohongshu +10, douyin +12 → level 1 (3 platforms,
              the 2 000 000 author within the 3-hour window); 15:00 weibo +5 severe → level 4. De-escalates
              to 4 at 21:00 (six hours after 14:00), closes at 15:00 + 1 h + 24 h.
  S2-slow     a slow burn, one incident: 09-01 12:00 +6 severe (level 4), 09-02 12:00 +16 (level 3), 09-03
              12:00 weibo +20 and xiaohongshu +12 (level 2); consecutive triggers 24 h apart stay one alert.
  S3-blip     09-02 06:00 +9 plain negatives on weibo → level 4 (rule 1: share jump), closed 25 h later.
  S4-weekly   every Saturday 12:00 +10 negatives: the hour-of-week median makes the regular peak its own
              baseline (anomaly 0), so nothing triggers (with the day median alone: anomaly 7.1 → level 4).
  S5-quiet    background only, plus a burst of 30 severe mentions whose time is only hour-precise (left
              out of the hourly series) → no alert.
  C-rival     a competitor's burst at 09-03 12:00 → rows in fct_sentiment_hourly, never an alert.

De-duplication: a first build sees data up to 09-03 14:00 only (S1 open at level 1); the second build sees
everything. The same incident keeps its alert_id and its first events unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[3]
DBT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
SELECT = ["path:models/staging/crisis", "path:models/intermediate/crisis", "path:models/marts/crisis"]
CUT = dt.datetime(2026, 9, 3, 14, 59)  # first build: data up to the 14:00 hour of the S1 crisis

TEXTS = {  # masked text -> (label, score, crisis_terms, weight, max_weight)
    "好评": ("positive", 0.8, None, 0.0, 0.0),
    "一般": ("neutral", 0.0, None, 0.0, 0.0),
    "差评": ("negative", -0.6, None, 0.0, 0.0),
    "假货投诉": ("negative", -0.9, "假货|投诉", 7.0, 4.0),
}
BRANDS = [
    ("S1-crisis", "危机品牌", True),
    ("S2-slow", "慢热品牌", True),
    ("S3-blip", "小波动品牌", True),
    ("S4-weekly", "周期品牌", True),
    ("S5-quiet", "平静品牌", True),
    ("C-rival", "竞品", False),
]
CALENDAR = [  # plan_id, platform, planned_date, is_cancelled
    ("P1", "weibo", dt.date(2026, 9, 4), False),
    ("P2", "douyin", dt.date(2026, 9, 6), False),
    ("P3", "kuaishou", dt.date(2026, 9, 4), False),
    ("P4", "xiaohongshu", dt.date(2026, 9, 5), True),
    ("P5", "weibo", dt.date(2026, 9, 7), False),
]


def _utc(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day) + dt.timedelta(hours=hour, minutes=minute)


class Texts:
    """Mentions and inbound texts of the scenarios."""

    def __init__(self) -> None:
        self.mentions: list[dict[str, Any]] = []
        self.matches: list[tuple[str, str]] = []
        self.inbound: list[dict[str, Any]] = []

    def mention(
        self, brand: str, platform: str, at: dt.datetime, text: str, n: int = 1, followers: int = 100,
        precision: str = "second",
    ) -> None:
        for _ in range(n):
            key = f"{platform}:{brand}:{len(self.mentions)}"
            created = at + dt.timedelta(seconds=len(self.mentions) % 200)  # spread, within the hour
            self.mentions.append({
                "mention_key": key, "platform": platform, "created_at": created,
                "created_date": (created + dt.timedelta(hours=8)).date(), "created_at_precision": precision,
                "author_followers": followers, "text_masked": text,
            })
            self.matches.append((key, brand))

    def comment(self, platform: str, at: dt.datetime, text: str, n: int) -> None:
        for _ in range(n):
            key = f"{platform}:acct:comment:post:{len(self.inbound)}"
            self.inbound.append({
                "interaction_key": key, "platform": platform, "account": "acct", "channel": "comment",
                "created_at": at + dt.timedelta(minutes=len(self.inbound) % 50),
                "created_date": (at + dt.timedelta(hours=8)).date(), "text_masked": text,
            })


def scenario_texts() -> Texts:
    t = Texts()
    day = dt.date(2026, 8, 1)
    while day <= dt.date(2026, 9, 7):
        d = day.isoformat()
        for brand, _, _ in BRANDS:
            for hour in range(2, 15):
                t.mention(brand, "weibo", _utc(d, hour, 5), "好评")
            t.mention(brand, "weibo", _utc(d, 12, 10), "差评")
            t.mention(brand, "xiaohongshu", _utc(d, 6, 5), "一般")
            t.mention(brand, "douyin", _utc(d, 8, 5), "一般")
        if day.weekday() == 5:  # Saturday
            t.mention("S4-weekly", "weibo", _utc(d, 12, 20), "差评", n=10)
        day += dt.timedelta(days=1)
    # S1: a multi-platform crisis with a high-reach author; inbound comments count for the smallest own brand
    t.mention("S1-crisis", "weibo", _utc("2026-09-03", 12, 12), "假货投诉", followers=2_000_000)
    t.mention("S1-crisis", "weibo", _utc("2026-09-03", 12, 15), "假货投诉", n=19)
    t.mention("S1-crisis", "weibo", _utc("2026-09-03", 13, 1), "假货投诉", n=20)
    t.comment("weibo", _utc("2026-09-03", 13, 2), "假货投诉", n=5)
    t.mention("S1-crisis", "xiaohongshu", _utc("2026-09-03", 13, 3), "假货投诉", n=15)
    t.mention("S1-crisis", "weibo", _utc("2026-09-03", 14, 1), "假货投诉", n=20)
    t.mention("S1-crisis", "xiaohongshu", _utc("2026-09-03", 14, 2), "假货投诉", n=10)
    t.mention("S1-crisis", "douyin", _utc("2026-09-03", 14, 3), "假货投诉", n=12)
    t.mention("S1-crisis", "weibo", _utc("2026-09-03", 15, 1), "假货投诉", n=5)
    # S2: a slow burn over three evenings
    t.mention("S2-slow", "weibo", _utc("2026-09-01", 12, 20), "假货投诉", n=6)
    t.mention("S2-slow", "weibo", _utc("2026-09-02", 12, 20), "假货投诉", n=16)
    t.mention("S2-slow", "weibo", _utc("2026-09-03", 12, 20), "假货投诉", n=20)
    t.mention("S2-slow", "xiaohongshu", _utc("2026-09-03", 12, 21), "假货投诉", n=12)
    # S3: one hour of plain complaints
    t.mention("S3-blip", "weibo", _utc("2026-09-02", 6, 20), "差评", n=9)
    # S5: a burst known to the hour only (relative times): out of the hourly series
    t.mention("S5-quiet", "weibo", _utc("2026-09-04", 10), "假货投诉", n=30, precision="hour")
    # the competitor's own burst
    t.mention("C-rival", "weibo", _utc("2026-09-03", 12, 30), "假货投诉", n=50)
    return t


def seed(path: Path, texts: Texts, until: dt.datetime | None) -> None:
    """The upstream relations the crisis models read, as tables (only the columns they use)."""
    mentions = pd.DataFrame([m for m in texts.mentions if until is None or m["created_at"] <= until])
    matches = pd.DataFrame(texts.matches, columns=["mention_key", "brand_id"])
    matches = matches[matches["mention_key"].isin(mentions["mention_key"])]
    inbound = pd.DataFrame([i for i in texts.inbound if until is None or i["created_at"] <= until])
    brands = pd.DataFrame(BRANDS, columns=["brand_id", "brand_name", "is_own_brand"])
    calendar = pd.DataFrame(CALENDAR, columns=["plan_id", "platform", "planned_date", "is_cancelled"])
    scores = pd.DataFrame(
        [(hashlib.md5(text.encode()).hexdigest(), score, label, terms, w, mw)
         for text, (label, score, terms, w, mw) in TEXTS.items()],
        columns=["text_hash", "sentiment_score", "sentiment_label", "crisis_terms", "crisis_weight",
                 "crisis_max_weight"],
    )
    con = duckdb.connect(str(path))
    try:
        frames = {"brands": brands, "mentions": mentions, "matches": matches, "inbound": inbound,
                  "calendar": calendar, "scores": scores}
        for name, frame in frames.items():
            con.register(name, frame)
        for schema in ("staging", "intermediate", "marts", "sentiment"):
            con.execute(f"create schema if not exists {schema}")
        con.execute("create or replace table staging.stg_ops_competitor_brands as select * from brands")
        con.execute(
            "create or replace table staging.stg_listening_mentions as select mention_key, platform, "
            "cast(created_at as timestamp) as created_at, cast(created_date as date) as created_date, "
            "created_at_precision, cast(author_followers as bigint) as author_followers, text_masked from mentions")
        con.execute("create or replace table intermediate.int_brand_mentions as select * from matches")
        con.execute(
            "create or replace table intermediate.int_inbound as select interaction_key, platform, account, "
            "channel, cast(created_at as timestamp) as created_at, cast(created_date as date) as created_date, "
            "text_masked from inbound")
        con.execute(
            "create or replace table marts.fct_content_calendar as select plan_id, platform, "
            "cast(planned_date as date) as planned_date, is_cancelled, false as is_published, "
            "cast(null as timestamp) as published_at, cast(null as date) as published_date from calendar")
        con.execute(
            "create or replace table sentiment.text_scores as select text_hash, 'test-1' as model_version, "
            "sentiment_score, sentiment_label, crisis_terms, crisis_weight, crisis_max_weight, "
            "timestamp '2026-09-08 00:00:00' as scored_at from scores")
    finally:
        con.close()


def build(path: Path, tmp: Path) -> None:
    env = {**os.environ, "FANOPS_WAREHOUSE": str(path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [str(DBT), "build", "--select", *SELECT, "--exclude", "test_type:unit", "--profiles-dir", str(DBT_DIR),
           "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    proc = subprocess.run(cmd, cwd=DBT_DIR, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"dbt build failed:\n{proc.stdout[-4000:]}"


def query(path: Path, sql: str, *params: Any) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    tmp = tmp_path_factory.mktemp("crisis")
    prepared = DBT_DIR / "target" / "partial_parse.msgpack"
    if prepared.is_file():  # the session's prepared manifest (tests/conftest) spares a full parse
        (tmp / "target").mkdir()
        shutil.copy2(prepared, tmp / "target" / "partial_parse.msgpack")
    texts = scenario_texts()
    first, full = tmp / "first.duckdb", tmp / "full.duckdb"
    seed(first, texts, until=CUT)
    build(first, tmp)
    shutil.copy2(first, full)  # the same warehouse, with the later hours delivered
    seed(full, texts, until=None)
    build(full, tmp)
    yield first, full


def events(path: Path, brand: str) -> list[tuple]:
    return query(
        path,
        "select e.event_seq, e.event_at, e.event, e.level, e.previous_level, e.negative, e.trigger "
        "from marts.fct_crisis_alert_events as e where e.brand_id = ? order by e.alert_id, e.event_seq",
        brand,
    )


def alerts(path: Path, brand: str) -> list[dict[str, Any]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute("select * from marts.fct_crisis_alerts where brand_id = ? order by opened_at", [brand])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def alert_id(brand: str, opened_at: str) -> str:
    return hashlib.md5(f"{brand}|{opened_at}".encode()).hexdigest()[:16]


def test_quiet_week_and_hour_precise_burst_raise_nothing(builds: tuple[Path, Path]) -> None:
    _, full = builds
    assert alerts(full, "S5-quiet") == []
    # the hour-precise burst is in the sentiment series but not in the hourly one
    hourly = query(full, "select sum(negative) from marts.fct_sentiment_hourly where brand_id = 'S5-quiet' "
                   "and hour_date = date '2026-09-04'")
    assert hourly == [(1,)]  # the background's one negative of that day
    assert query(full, "select count(*) from intermediate.int_sentiment_texts where brand_id = 'S5-quiet' "
                 "and hour_at is null") == [(30,)]


def test_level_4_blip(builds: tuple[Path, Path]) -> None:
    _, full = builds
    # 09-02 06:00: weibo 9 negative + 1 positive, xiaohongshu 1 neutral → share 9/11 against the previous 7 days'
    # 7/112 = 0.0625 → jump 0.7557; baseline 0 → anomaly 9
    trigger = "level 4 rule 1: negative 9 ≥ 8, anomaly_score 9.0 ≥ 3, share_jump 0.76 ≥ 0.15"
    assert events(full, "S3-blip") == [
        (1, dt.datetime(2026, 9, 2, 6), "opened", 4, None, 9, trigger),
        (2, dt.datetime(2026, 9, 3, 7), "closed", 4, 4, 0,
         "closed: no level rule held in the 24 h cool-down after the last triggered hour (2026-09-02 06:00:00 UTC)"),
    ]
    (alert,) = alerts(full, "S3-blip")
    assert alert["alert_id"] == alert_id("S3-blip", "2026-09-02 06:00:00")
    assert (alert["level"], alert["level_name"], alert["status"], alert["platforms"]) == (4, "一般", "closed", "weibo")
    assert alert["calendar_action"] is None and alert["playbook_codes"] == "watch|adjust_content_if_needed|publish_facts"
    assert alert["top_terms"] is None and alert["negative_texts"] == 9


def test_multi_platform_level_1_crisis_with_a_high_reach_author(builds: tuple[Path, Path]) -> None:
    _, full = builds
    assert events(full, "S1-crisis") == [
        # weibo 20 + the background negative; weibo baseline 1 at 20:00 Shanghai → (21 − 1)/√2 = 14.1
        (1, dt.datetime(2026, 9, 3, 12), "opened", 2, None, 21,
         "level 2 rule 2: negative 21 ≥ 15, anomaly_score 14.1 ≥ 5, reach 2000000 ≥ 1000000"),
        # 13:00 weibo 20 mentions + 5 inbound comments, xiaohongshu 15 (level 2 rule 1 at 13:00: no event);
        # 14:00 weibo 20, xiaohongshu 10, douyin 12 → 3 platforms, the 2 000 000 author within 12:00–14:00
        (2, dt.datetime(2026, 9, 3, 14), "escalated", 1, 2, 42,
         "level 1 rule 1: negative 42 ≥ 40, anomaly_score 42.0 ≥ 8, platforms 3 ≥ 3, reach 2000000 ≥ 1000000"),
        # level 1 left the 6-hour window (14:00 + 1 + 6); the level-4 hour 15:00 is still in it
        (3, dt.datetime(2026, 9, 3, 21), "deescalated", 4, 1, 0,
         "level 4 rule 2: negative 5 ≥ 5, anomaly_score 5.0 ≥ 3, severe_texts 5 ≥ 3"),
        (4, dt.datetime(2026, 9, 4, 16), "closed", 4, 4, 0,
         "closed: no level rule held in the 24 h cool-down after the last triggered hour (2026-09-03 15:00:00 UTC)"),
    ]
    (alert,) = alerts(full, "S1-crisis")
    assert alert["alert_id"] == alert_id("S1-crisis", "2026-09-03 12:00:00")
    assert (alert["level"], alert["level_name"], alert["current_level"], alert["status"]) == (1, "特别严重", 4, "closed")
    assert alert["opened_date"] == dt.date(2026, 9, 3) and alert["closed_at"] == dt.datetime(2026, 9, 4, 16)
    assert alert["platforms"] == "douyin,weibo,xiaohongshu"
    # 21 + 40 + 42 + 5 negative texts in 12:00–15:00, 107 of them with both crisis terms
    assert (alert["negative_texts"], alert["peak_negative"], alert["max_reach"]) == (108, 42, 2_000_000)
    assert alert["top_terms"] == "假货(107)、投诉(107)"
    assert alert["sample_interaction_keys"].split(",")[0] == "weibo:S1-crisis:" + str(_first_key_index())
    assert alert["calendar_action"] == "pause" and alert["calendar_plan_ids"] == "P1,P2"
    assert alert["playbook"].startswith("1. 启动应急预案；2. 成立危机处理小组；3. 暂停所有相关排期内容")
    # the inbound comments are the S1 series' (the smallest own brand_id)
    assert query(full, "select sum(mentions) from marts.fct_sentiment_hourly where brand_id = 'S1-crisis' "
                 "and platform = 'weibo' and hour_at = timestamp '2026-09-03 13:00:00'") == [(26,)]


def _first_key_index() -> int:
    texts = scenario_texts()
    return next(i for i, m in enumerate(texts.mentions) if m["author_followers"] == 2_000_000)


def test_slow_burn_escalates_within_one_incident(builds: tuple[Path, Path]) -> None:
    _, full = builds
    rows = events(full, "S2-slow")
    assert [(seq, at, event, level, prev, neg) for seq, at, event, level, prev, neg, _ in rows] == [
        (1, dt.datetime(2026, 9, 1, 12), "opened", 4, None, 7),  # 6 severe + 1 background → rule 2
        (2, dt.datetime(2026, 9, 2, 12), "escalated", 3, 4, 17),  # 24 h later: same incident
        (3, dt.datetime(2026, 9, 3, 12), "escalated", 2, 3, 33),  # weibo 21 + xiaohongshu 12
        (4, dt.datetime(2026, 9, 4, 13), "closed", 2, 2, 0),
    ]
    assert rows[0][6] == "level 4 rule 2: negative 7 ≥ 5, anomaly_score 4.2 ≥ 3, severe_texts 6 ≥ 3"
    assert rows[1][6] == "level 3 rule 1: negative 17 ≥ 15, anomaly_score 11.3 ≥ 5, severe_texts 16 ≥ 5"
    assert rows[2][6] == "level 2 rule 1: negative 33 ≥ 30, anomaly_score 22.6 ≥ 8, platforms 2 ≥ 2"
    (alert,) = alerts(full, "S2-slow")
    assert (alert["level"], alert["status"], alert["platforms"]) == (2, "closed", "weibo,xiaohongshu")
    assert alert["calendar_action"] == "review" and alert["calendar_plan_ids"] == "P1"


def test_weekly_cycle_does_not_trigger(builds: tuple[Path, Path]) -> None:
    _, full = builds
    assert alerts(full, "S4-weekly") == []
    saturdays = query(
        full,
        "select hour_at, negative, baseline_day_median, baseline_week_median, baseline, anomaly_score "
        "from marts.fct_sentiment_hourly where brand_id = 'S4-weekly' and platform = 'weibo' "
        "and hour_of_day = 20 and dayofweek(hour_date) = 6 order by hour_at",
    )
    assert saturdays[0] == (dt.datetime(2026, 8, 1, 12), 11, None, None, None, None)  # no history yet
    for row in saturdays[1:]:
        # the day median stays 1; the same hour a week earlier was 11 → baseline 11, anomaly 0
        assert row[1:] == (11, 1.0, 11.0, 11.0, 0.0), row


def test_competitor_rows_never_alert(builds: tuple[Path, Path]) -> None:
    _, full = builds
    assert alerts(full, "C-rival") == []
    assert query(full, "select is_own_brand, negative from marts.fct_sentiment_hourly where brand_id = 'C-rival' "
                 "and platform = 'weibo' and hour_at = timestamp '2026-09-03 12:00:00'") == [(False, 51)]


def test_an_incident_keeps_its_alert_id_when_more_hours_arrive(builds: tuple[Path, Path]) -> None:
    first, full = builds
    before, after = alerts(first, "S1-crisis"), alerts(full, "S1-crisis")
    assert len(before) == len(after) == 1
    assert before[0]["alert_id"] == after[0]["alert_id"] == alert_id("S1-crisis", "2026-09-03 12:00:00")
    assert (before[0]["status"], before[0]["level"], before[0]["closed_at"]) == ("open", 1, None)
    assert (before[0]["updated_at"], after[0]["updated_at"]) == (dt.datetime(2026, 9, 3, 14), dt.datetime(2026, 9, 4, 16))
    # the events a notifier already sent are unchanged; later ones are appended
    assert events(first, "S1-crisis") == events(full, "S1-crisis")[:2]
    # the slow burn: still open at the cut with its first three events, closed later
    assert events(first, "S2-slow") == events(full, "S2-slow")[:3]
    assert [a["alert_id"] for a in alerts(first, "S2-slow")] == [a["alert_id"] for a in alerts(full, "S2-slow")]
