"""What a connector lands loads to the same raw rows as the bundled sample's hand-made dumps of the same
responses: the local server answers with the sample files' recorded `calls[].response`, the connector pulls
the same window at the same time (`fetched_at`), and both trees are ingested; the raw tables must match
except for the file lineage columns (sha256, row number, load time)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.config import SAMPLE_LANDING
from ingestion.connectors import pull
from ingestion.connectors.base import Window
from tests.connectors.conftest import accounts_tree
from tests.connectors.mock_api import MockApi, credentials_env, read_docs, sample_calls, seed
from tests.connectors.test_pull import Sleeps, cfg_for
from tests.ingestion.test_support import manifest, run

LINEAGE = ("_file_sha256", "_row_number", "_loaded_at")
D = dt.date


def _statuses_by_id() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for p in sorted((SAMPLE_LANDING / "weibo" / "qinghe_wb" / "posts").rglob("*.json*")):
        if p.name.endswith(".meta.json"):
            continue
        for doc in read_docs(p):
            items = doc if isinstance(doc, list) else doc.get("statuses", [doc]) if "calls" not in doc else [
                s for c in doc["calls"] for s in c["response"]["statuses"]]
            for s in items:
                out[s["idstr"]] = s
    return out


def _wechat_comment_files(articles_file: Path) -> list[Path]:
    msgids = {a["msgid"] for c in sample_calls([articles_file]) for a in c["response"]["list"]}
    chosen: dict[str, Path] = {}
    for p in sorted((SAMPLE_LANDING / "wechat" / "qinghe_wx" / "comments").rglob("*.json")):
        for c in sample_calls([p]):
            key = f"{c['request']['msg_data_id']}_{c['request'].get('index', 0) + 1}"
            if key in msgids:
                chosen.setdefault(key, p)
    return sorted(set(chosen.values()))


S = SAMPLE_LANDING
WX_ART = S / "wechat/qinghe_wx/articles/datacube/getarticletotal_20260517.json"
DY_COMMENTS = S / "douyin/qinghe_dy/comments/2026-05/comments_00002.json"
WB_COMMENTS = S / "weibo/qinghe_wb/comments/2026-05/comments_5110642885707799.json"

CASES = {
    # id: (platform, account, dataset, sample files, window)
    "wechat/user_growth": ("wechat", "qinghe_wx", "user_growth",
                           [S / "wechat/qinghe_wx/user_growth/datacube/usersummary_20261101.json"], (D(2026, 11, 1), D(2026, 11, 14))),
    "wechat/articles": ("wechat", "qinghe_wx", "articles", [WX_ART], (D(2026, 5, 17), D(2026, 5, 17))),
    "wechat/comments": ("wechat", "qinghe_wx", "comments", None, (D(2026, 5, 17), D(2026, 5, 17))),
    "douyin/fans": ("douyin", "qinghe_dy", "fans", [S / "douyin/qinghe_dy/fans/fans_7d_20260521.json"],
                    (D(2026, 5, 15), D(2026, 5, 21))),
    "douyin/comments": ("douyin", "qinghe_dy", "comments", [DY_COMMENTS], None),
    "douyin/fans_portrait": ("douyin", "qinghe_dy", "fans_portrait",
                             [S / "douyin/qinghe_dy/fans_portrait/fans_data_20260614.json"], (D(2026, 6, 13), D(2026, 6, 13))),
    "kuaishou/videos": ("kuaishou", "qinghe_ks", "videos", [S / "kuaishou/qinghe_ks/videos/api/photo_list_20260520.json"],
                        (D(2026, 1, 1), D(2026, 5, 19))),
    "weibo/posts": ("weibo", "qinghe_wb", "posts", [S / "weibo/qinghe_wb/posts/2026-06/statuses_20260614.json"],
                    (D(2026, 5, 1), D(2026, 6, 13))),
    "weibo/comments": ("weibo", "qinghe_wb", "comments", [WB_COMMENTS], None),
}


def raw_rows(wh: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema = 'raw'"
        ).fetchall()]
        out = {}
        for t in tables:
            cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall() if r[0] not in LINEAGE]
            sel = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
            rows = con.execute(f"SELECT {sel} FROM {t}").fetchall()
            if rows:
                out[t] = sorted(rows, key=lambda r: tuple("" if v is None else v for v in r))
        return out
    finally:
        con.close()


@pytest.mark.parametrize("case", list(CASES))
def test_pulled_files_load_like_the_sample_dumps(case: str, api: MockApi, tmp_path: Path) -> None:
    platform, account, dataset, files, window = CASES[case]
    if case == "wechat/comments":
        files = _wechat_comment_files(WX_ART)
        seed(api.data, [WX_ART])  # discovery: the articles sent that day
    assert files
    seed(api.data, files)
    docs = [read_docs(p)[0] for p in files]
    fetched = dt.datetime.fromisoformat(docs[0]["fetched_at"])
    if case == "douyin/comments":
        created = dt.datetime.fromtimestamp(docs[0]["calls"][0]["request"]["item_create_time"], fetched.tzinfo).date()
        window = (created, created)
    if case == "weibo/comments":
        status = _statuses_by_id()[docs[0]["calls"][0]["request"]["id"]]
        api.data.wb_statuses = [status]
        created = dt.datetime.strptime(status["created_at"], "%a %b %d %H:%M:%S %z %Y").date()
        window = (created, created)
    api.today = fetched.date()

    expected = accounts_tree(tmp_path / "expected")
    for p in files:
        dst = expected / p.relative_to(S)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dst)
    pulled = accounts_tree(tmp_path / "pulled")
    res = pull(cfg_for(api), pulled, platform, account, dataset, Window(*window), now=fetched,
               env=credentials_env(), sleep=Sleeps())
    assert res.path is not None and res.calls >= len([c for d in docs for c in d["calls"]])

    run(expected, tmp_path / "expected.duckdb")
    run(pulled, tmp_path / "pulled.duckdb")
    want, got = raw_rows(tmp_path / "expected.duckdb"), raw_rows(tmp_path / "pulled.duckdb")
    assert {m["status"] for m in manifest(tmp_path / "pulled.duckdb")} == {"loaded"}
    tables = {t for t in want if t.startswith(f"raw.{platform}_")}
    assert tables and all(want[t] for t in tables), want.keys()
    assert got == want
    assert json.loads(res.path.read_text(encoding="utf-8"))["fetched_at"] == docs[0]["fetched_at"]
