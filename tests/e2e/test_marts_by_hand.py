"""`fanops run` end to end on the landing contract's own example files, checked against figures computed by
hand from those files (formats/README.md §3 examples, written by tests/ingestion/contract_examples.py).

Hand computations (DESIGN "Metric definitions" and "Arithmetic"):

* Followers — WeChat qinghe_wx 2024-11-02 from the 用户增长 export: total 52365, new 96, lost 41, net 55.
  Douyin qinghe_dy 2024-11-02: total 86290, new 97, net = 86290 − 86215 = 75, lost NULL (never derived);
  2024-11-01 has no previous day: net NULL. Weibo 2024-11-02: 284470 / 461 / 104 / 357.
* WeChat article 2247489321_1: the export (export time = delivery, i.e. now) is the latest source for views
  4120 and shares 112; saves only from the datacube (latest stat_date 2024-11-02): 28; comments = 2 comment
  rows; likes NULL. interactions = 2 + 112 + 28 = 142; engagement_rate_by_views = 142 / 4120 = 0.0344660.
  Linked to calendar item CC-2024-1101-01 → campaign CMP-2024-11-FS01, content_type product_promo,
  published_at = 实际发布时间 2024-11-01 12:06 +08:00 = 04:06 UTC.
* Douyin video 1 (2026-07-26 03:33): views 18342, interactions 742 + 58 + 91 + 233 = 1124, rate 0.0612801.
  Weibo post 5096358245224017: views NULL, interactions 1046 + 187 + 312 = 1545, engagement_rate_by_views NULL.
* Orders: 3872615590218446871 has coupon QH1111-20 → CMP-2024-11-FS01, rule coupon, 达人ID KOL-0042 known →
  attributed_kol_id KOL-0042. 3872702219905512360: no coupon, no 达人ID, 内容ID = XHS note id of KOL post
  KP-0201 → CMP-2024-11-FS01, rule content, platform xiaohongshu. 3872755018843377125 unpaid: not counted.
* CMP-2024-11-FS01: cost = 38,000.00 + 52,360.50 = 90,360.50; gmv = 128 + 256 = 384 (no refunds: 0.00 and
  empty on a completed order); roas = 384 / 90360.5 = 0.0042496; roi = (384 − 90360.5) / 90360.5 = −0.9957504;
  exposures = article 4120 + KP-0193 1,286,000 (128.6万) + KP-0201 31,000 (3.1w) + live LS20241111A 63,377 =
  1,384,497; cpm = 90360.5 / 1384497 × 1000 = 65.26594; cpa = 90360.5 / 2 = 45180.25; interactions = 142 +
  (42000 + 1873 + 5210 + 960) + (1024 + 86 + 540 + 112) = 51947; participants: only the Douyin message of
  2024-11-11 20:14 falls in the window (comments are from 11-01) → 1.
* Response times: WeChat comment 1 created 1730436069, reply 1730444550 → 8481 s = 141.35 min > 120: sla_met
  false. Weibo comment 5096360184302231 12:07:45 → account reply 14:20:10 = 132.41667 min. Douyin message
  m_000981 20:14:05 → human reply 20:16:41 = 2.6 min by T007, sla_met true. The Douyin comment by the account
  itself is not inbound. WeChat comment 2 (no reply) was fetched 2024-11-02 09:00, after its 16:08 deadline:
  sla_met false.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TEST_PII_KEY
from tests.ingestion.contract_examples import write_tree

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2024-11-12"

pytestmark = pytest.mark.slow


def _run(landing: Path, warehouse: Path) -> subprocess.CompletedProcess[str]:
    # module-scoped: the autouse env fixture (function scope) has not run yet, so set what it would
    home = warehouse.parent / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("FANOPS_CONFIG", "FANOPS_LANDING", "FANOPS_WAREHOUSE")}
    env.update({"FANOPS_PII_KEY": TEST_PII_KEY, "DAGSTER_HOME": str(home), "DAGSTER_DISABLE_TELEMETRY": "1",
                "GX_ANALYTICS_ENABLED": "false"})
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run", "--landing", str(landing), "--warehouse",
         str(warehouse), "--as-of", AS_OF],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e")
    landing = write_tree(root / "landing")
    wh = root / "wh.duckdb"
    proc = _run(landing, wh)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return wh


def _one(wh: Path, sql: str, *params: object) -> tuple:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = con.execute(sql, list(params)).fetchall()
    finally:
        con.close()
    assert len(rows) == 1, (sql, rows)
    return rows[0]


def test_followers_on_a_date(built: Path) -> None:
    q = ("select followers_total, followers_new, followers_lost, followers_net from marts.fct_account_daily "
         "where platform = ? and account = ? and date_day = ?")
    assert _one(built, q, "wechat", "qinghe_wx", "2024-11-02") == (52365, 96, 41, 55)
    assert _one(built, q, "douyin", "qinghe_dy", "2024-11-02") == (86290, 97, None, 75)
    assert _one(built, q, "douyin", "qinghe_dy", "2024-11-01") == (86215, 143, None, None)
    assert _one(built, q, "weibo", "qinghe_wb", "2024-11-02") == (284470, 461, 104, 357)


def test_a_posts_latest_metrics(built: Path) -> None:
    q = ("select views, likes, comments, shares, saves, interactions, engagement_rate_by_views, campaign_id, "
         "content_type, published_at_precision, published_at from marts.fct_content where content_key = ?")
    views, likes, comments, shares, saves, inter, rate, cmp, ctype, precision, published = _one(
        built, q, "wechat:qinghe_wx:2247489321_1"
    )
    assert (views, likes, comments, shares, saves, inter) == (4120, None, 2, 112, 28, 142)
    assert rate == pytest.approx(142 / 4120)
    assert (cmp, ctype) == ("CMP-2024-11-FS01", "product_promo")
    assert str(published) == "2024-11-01 04:06:00"
    assert precision != "day"

    dy = _one(built, "select views, interactions, engagement_rate_by_views, format from marts.fct_content "
              "where platform = 'douyin' and title = '桂花乌龙冷泡教程 3步搞定'")
    assert dy[:2] == (18342, 1124) and dy[2] == pytest.approx(1124 / 18342) and dy[3] == "video"

    wb = _one(built, "select views, interactions, engagement_rate_by_views from marts.fct_content "
              "where content_key = 'weibo:qinghe_wb:5096358245224017'")
    assert wb == (None, 1545, None)


def test_order_attribution_rules(built: Path) -> None:
    q = ("select attribution_rule, attributed_campaign_id, attributed_kol_id, attributed_platform, amount, "
         "refund, net_amount from marts.fct_orders where order_id = ?")
    coupon = _one(built, q, "3872615590218446871")
    assert coupon[:3] == ("coupon", "CMP-2024-11-FS01", "KOL-0042")
    assert (float(coupon[4]), float(coupon[5]), float(coupon[6])) == (128.0, 0.0, 128.0)
    content = _one(built, q, "3872702219905512360")
    assert content[:4] == ("content", "CMP-2024-11-FS01", None, "xiaohongshu")
    assert (float(content[4]), float(content[5])) == (256.0, 0.0)


def test_campaign_roi(built: Path) -> None:
    q = ("select cost, gmv, net_gmv, orders, roas, roi, exposures, cpm, cpa, interactions, participants, "
         "budget_used from marts.fct_campaign_performance where campaign_id = 'CMP-2024-11-FS01'")
    cost, gmv, net, orders, roas, roi, exposures, cpm, cpa, inter, participants, used = _one(built, q)
    assert float(cost) == 90360.50 and float(gmv) == 384.0 and float(net) == 384.0 and orders == 2
    assert roas == pytest.approx(384 / 90360.5)
    assert roi == pytest.approx((384 - 90360.5) / 90360.5)
    assert exposures == 1_384_497
    assert cpm == pytest.approx(90360.5 / 1_384_497 * 1000)
    assert cpa == pytest.approx(45180.25)
    assert inter == 51_947
    assert participants == 1
    assert used == pytest.approx(90360.5 / 150000)


def test_response_times(built: Path) -> None:
    q = ("select response_minutes, sla_met, responded_by from marts.fct_interactions "
         "where platform = ? and channel = ? and interaction_key like ?")
    wx = _one(built, q, "wechat", "comment", "%:2247489321_1:1")
    assert wx[0] == pytest.approx(141.35) and wx[1] is False and wx[2] is None
    # comment 2 (no reply) was due 2024-11-01 16:08 +08:00 and fetched 2024-11-02 09:00: known unanswered
    assert _one(built, q, "wechat", "comment", "%:2247489321_1:2") == (None, False, None)
    wb = _one(built, q, "weibo", "comment", "%:5096360184302231")
    assert wb[0] == pytest.approx(132.41666667) and wb[1] is False
    msg = _one(built, q, "douyin", "message", "%:m_000981")
    assert msg[0] == pytest.approx(2.6) and msg[1] is True and msg[2] == "T007"
    own = _one(built, "select count(*) from marts.fct_interactions where platform = 'douyin' and channel = "
               "'comment'")
    assert own == (1,)  # the account's own comment is never inbound


def test_rerun_gives_identical_marts(built: Path, tmp_path: Path) -> None:
    def digest() -> dict[str, str]:
        con = duckdb.connect(str(built), read_only=True)
        try:
            tables = [r[0] for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_type = 'BASE TABLE' order by 1"  # not the views over run history (dq_daily)
            ).fetchall()]
            out = {}
            for t in tables:
                cols = [r[0] for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'marts' and "
                    "table_name = ? and column_name not like '\\_%' escape '\\' order by ordinal_position", [t]
                ).fetchall()]
                sel = ", ".join(f'"{c}"' for c in cols)
                out[t] = con.execute(
                    f"select count(*), coalesce(sum(hash({sel})), 0) from (select {sel} from marts.{t}) s"
                ).fetchone()
            return out
        finally:
            con.close()

    before = digest()
    landing = next(built.parent.glob("landing"))
    proc = _run(landing, built)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert digest() == before
