"""`fanops check` outside a landing tree: the dataset is recognised from the file's own content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingestion.engine import check_files
from tests.ingestion.contract_examples import write_tree

# every contract example, by its path in the example tree -> the dataset it must be recognised as
EXPECTED = {
    "wechat/qinghe_wx/user_growth/用户分析_用户增长.csv": "wechat/user_growth",
    "wechat/qinghe_wx/user_growth/datacube_20241102.json": "wechat/user_growth",
    "wechat/qinghe_wx/articles/2024-11/articles.csv": "wechat/articles",
    "wechat/qinghe_wx/comments/c_2247489321.json": "wechat/comments",
    "douyin/qinghe_dy/videos/videos.csv": "douyin/videos",
    "douyin/qinghe_dy/fans/fans.json": "douyin/fans",
    "douyin/qinghe_dy/comments/comments.json": "douyin/comments",
    "douyin/qinghe_dy/live_sessions/live.csv": "douyin/live_sessions",
    "douyin/qinghe_dy/fans_portrait/portrait.json": "douyin/fans_portrait",
    "kuaishou/qinghe_ks/videos/export.csv": "kuaishou/videos",
    "kuaishou/qinghe_ks/videos/photos.json": "kuaishou/videos",
    "xiaohongshu/qinghe_xhs/notes/笔记列表明细.xlsx": "xiaohongshu/notes",
    "xiaohongshu/qinghe_xhs/fans/涨粉数据.xlsx": "xiaohongshu/fans",
    "weibo/qinghe_wb/posts/statuses.json": "weibo/posts",
    "weibo/qinghe_wb/fans/fans.csv": "weibo/fans",
    "weibo/qinghe_wb/comments/comments.json": "weibo/comments",
    "shop/qinghe_tmall/orders/orders.csv": "shop/orders",
    "ops/accounts/accounts.csv": "ops/accounts",
    "ops/campaigns/campaigns.csv": "ops/campaigns",
    "ops/campaign_costs/costs.csv": "ops/campaign_costs",
    "ops/kols/kols.csv": "ops/kols",
    "ops/kol_posts/kol_posts.csv": "ops/kol_posts",
    "ops/content_calendar/calendar.csv": "ops/content_calendar",
    "ops/competitor_brands/brands.csv": "ops/competitor_brands",
    "ops/competitor_observations/obs.csv": "ops/competitor_observations",
    "ops/team/team.csv": "ops/team",
    "ops/messages/messages.jsonl": "ops/messages",
    "listening/mentions/mentions.jsonl": "listening/mentions",
}


@pytest.fixture(scope="module")
def loose_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("check")
    tree = write_tree(base / "landing")
    out = {}
    for rel in EXPECTED:
        dst = base / "loose" / rel.replace("/", "__")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tree / rel, dst)
        side = tree / (rel + ".meta.json")
        if side.exists():
            shutil.copy(side, dst.with_name(dst.name + ".meta.json"))
        out[rel] = dst
    return out


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_dataset_recognised_by_content(rel: str, loose_files: dict[str, Path]) -> None:
    [report] = check_files([loose_files[rel]])
    assert report.dataset == EXPECTED[rel]
    assert not report.rejected, report.render()
    text = report.render()
    assert "detected by content" in text
    assert "would load" in text


def test_check_writes_nothing(loose_files: dict[str, Path], tmp_path: Path) -> None:
    before = sorted(p.name for p in next(iter(loose_files.values())).parent.iterdir())
    check_files(list(loose_files.values()))
    after = sorted(p.name for p in next(iter(loose_files.values())).parent.iterdir())
    assert before == after
