"""`sentiment.text_scores` on a real DuckDB file: schema, incremental scoring, rescoring on a new model
version, md5 equality with Python, the source columns taken from the contract."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from ingestion.sentiment import score_new_texts
from ingestion.sentiment.model import SentimentScorer, label_for
from ingestion.sentiment.store import COLUMNS, ensure_schema, text_sources
from ingestion.warehouse import ensure_schema as ensure_raw_schema

TEXTS = {
    "raw.weibo_comments": ["避雷青禾！过敏+假货，已投诉到12315", "青禾的桂花乌龙真的好喝😋", "", None, "   "],
    "raw.douyin_comments": ["青禾的桂花乌龙真的好喝😋", "什么时候补货"],
    "raw.listening_mentions": ["安利青禾白桃乌龙，冷泡超清爽✨", "青禾物流太慢了"],
    "raw.ops_messages": ["我的订单什么时候发货", None],
}
WECHAT = [("谢谢喜欢！", "感谢支持，有问题随时私信～"), ("包装好看！", None)]
DISTINCT = {
    "避雷青禾！过敏+假货，已投诉到12315",
    "青禾的桂花乌龙真的好喝😋",
    "什么时候补货",
    "安利青禾白桃乌龙，冷泡超清爽✨",
    "青禾物流太慢了",
    "我的订单什么时候发货",
    "谢谢喜欢！",
    "感谢支持，有问题随时私信～",
    "包装好看！",
}


def make_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    ensure_raw_schema(con)
    for table, texts in TEXTS.items():
        for t in texts:
            con.execute(f"INSERT INTO {table} (text_masked) VALUES (?)", [t])
    for t, reply in WECHAT:
        con.execute(
            "INSERT INTO raw.wechat_comments (text_masked, reply_text_masked) VALUES (?, ?)", [t, reply]
        )
    return con


@pytest.fixture
def con(tmp_path: Path):
    c = make_warehouse(tmp_path / "wh.duckdb")
    yield c
    c.close()


def rows(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    out = con.execute(
        "SELECT text_hash, model_version, sentiment_score, sentiment_label, crisis_terms, crisis_weight, "
        "crisis_max_weight, scored_at FROM sentiment.text_scores"
    ).fetchall()
    return {r[0]: r for r in out}


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def test_text_sources_from_the_contract() -> None:
    assert text_sources() == (
        ("raw.wechat_comments", "text_masked"),
        ("raw.wechat_comments", "reply_text_masked"),
        ("raw.douyin_comments", "text_masked"),
        ("raw.weibo_comments", "text_masked"),
        ("raw.ops_messages", "text_masked"),
        ("raw.listening_mentions", "text_masked"),
    )


def test_schema_exact_columns(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    ensure_schema(con)
    ensure_schema(con)  # idempotent
    got = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'sentiment' AND table_name = 'text_scores' ORDER BY ordinal_position"
    ).fetchall()
    assert got == list(COLUMNS)
    assert [c for c, _ in COLUMNS] == [
        "text_hash",
        "model_version",
        "sentiment_score",
        "sentiment_label",
        "crisis_terms",
        "crisis_weight",
        "crisis_max_weight",
        "scored_at",
    ]


def test_incremental_and_idempotent(con: duckdb.DuckDBPyConnection, scorer: SentimentScorer) -> None:
    r1 = score_new_texts(con, scorer=scorer, batch_rows=4)  # several Arrow batches
    assert r1.texts_seen == len(DISTINCT)
    assert r1.texts_scored == len(DISTINCT)
    assert r1.model_version == scorer.model_version
    assert sum(r1.labels.values()) == len(DISTINCT)
    got = rows(con)
    assert set(got) == {md5(t) for t in DISTINCT}  # NULL, '' and blank texts are skipped
    r2 = score_new_texts(con, scorer=scorer)
    assert (r2.texts_seen, r2.texts_scored, r2.texts_rescored) == (len(DISTINCT), 0, 0)
    assert rows(con) == got
    con.execute(
        "INSERT INTO raw.listening_mentions (text_masked) VALUES ('青禾出新品了'), ('青禾物流太慢了')"
    )
    r3 = score_new_texts(con, scorer=scorer)
    assert (r3.texts_seen, r3.texts_scored) == (len(DISTINCT) + 1, 1)
    assert md5("青禾出新品了") in rows(con)


def test_values_labels_and_crisis_columns(con: duckdb.DuckDBPyConnection, scorer: SentimentScorer) -> None:
    score_new_texts(con, scorer=scorer, negative_below=-0.3, positive_above=0.4)
    got = rows(con)
    for text in DISTINCT:
        ref = scorer.score_texts([text])[0]
        _, version, score, label, terms, weight, max_weight, scored_at = got[md5(text)]
        assert version == f"{scorer.model_version}~-0.3..0.4"  # a band other than the default is in it
        assert score == pytest.approx(ref.score, abs=1e-12)
        assert -1.0 <= score <= 1.0
        assert label == label_for(score, -0.3, 0.4)
        assert terms == ref.crisis.joined
        assert (weight, max_weight) == (ref.crisis.weight, ref.crisis.max_weight)
        assert scored_at is not None
    crisis = got[md5("避雷青禾！过敏+假货，已投诉到12315")]
    assert crisis[3] == "negative"
    assert (
        crisis[4] == "12315|假货|过敏|投诉|避雷"
    )  # weights 4, 4, 4, 3, 3: heaviest, then longer, then code point
    assert (crisis[5], crisis[6]) == (18.0, 4.0)
    plain = got[md5("什么时候补货")]
    assert (plain[4], plain[5], plain[6]) == (None, 0.0, 0.0)


def test_md5_equals_python_and_joins_staging_like_text(
    con: duckdb.DuckDBPyConnection, scorer: SentimentScorer
) -> None:
    score_new_texts(con, scorer=scorer)
    for text in ["青禾的桂花乌龙真的好喝😋", "安利青禾白桃乌龙，冷泡超清爽✨"]:
        row = con.execute("SELECT md5(?)", [text]).fetchone()
        assert row is not None and row[0] == md5(text)
    joined = con.execute(
        "SELECT count(*), count(s.text_hash) FROM raw.weibo_comments AS c "
        "LEFT JOIN sentiment.text_scores AS s ON s.text_hash = md5(c.text_masked) "
        "WHERE length(trim(c.text_masked)) > 0"
    ).fetchone()
    assert joined == (2, 2)


def test_new_model_version_rescored_everything(
    con: duckdb.DuckDBPyConnection, scorer: SentimentScorer
) -> None:
    score_new_texts(con, scorer=scorer)
    other = SentimentScorer(scorer.model, scorer.lexicon, "test-version-2")
    r = score_new_texts(con, scorer=other)
    assert (r.texts_scored, r.texts_rescored) == (len(DISTINCT), len(DISTINCT))
    assert con.execute("SELECT DISTINCT model_version FROM sentiment.text_scores").fetchall() == [
        ("test-version-2",)
    ]
    assert con.execute("SELECT count(*) FROM sentiment.text_scores").fetchone() == (len(DISTINCT),)
    assert score_new_texts(con, scorer=other).texts_scored == 0


def test_a_new_label_band_relabels_every_text(con: duckdb.DuckDBPyConnection, scorer: SentimentScorer) -> None:
    """crisis.scorer's band is part of the stored version: changing it in fanops.yaml relabels every text."""
    score_new_texts(con, scorer=scorer)
    r = score_new_texts(con, scorer=scorer, negative_below=-0.9, positive_above=0.9)
    assert (r.texts_scored, r.texts_rescored) == (len(DISTINCT), len(DISTINCT))
    assert r.model_version == f"{scorer.model_version}~-0.9..0.9"
    labels = con.execute(
        "SELECT sentiment_label, min(sentiment_score), max(sentiment_score) FROM sentiment.text_scores GROUP BY 1"
    ).fetchall()
    for label, low, high in labels:  # each label obeys the new band
        if label == "neutral":
            assert low >= -0.9 and high <= 0.9
        elif label == "positive":
            assert low > 0.9
        else:
            assert high < -0.9


def test_failed_run_rolls_back(con: duckdb.DuckDBPyConnection, scorer: SentimentScorer) -> None:
    score_new_texts(con, scorer=scorer)

    class Boom(SentimentScorer):
        def score_batch(self, texts):  # type: ignore[override]
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        score_new_texts(con, scorer=Boom(scorer.model, scorer.lexicon, "v-broken"))
    # the delete of the old version's rows was rolled back with the failed run
    assert con.execute("SELECT DISTINCT model_version FROM sentiment.text_scores").fetchall() == [
        (scorer.model_version,)
    ]
    assert con.execute("SELECT count(*) FROM sentiment.text_scores").fetchone() == (len(DISTINCT),)


def test_warehouse_without_text_tables(tmp_path: Path, scorer: SentimentScorer) -> None:
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    r = score_new_texts(con, scorer=scorer)
    assert (r.texts_seen, r.texts_scored) == (0, 0)
    assert con.execute("SELECT count(*) FROM sentiment.text_scores").fetchone() == (0,)


def test_band_must_be_ordered(con: duckdb.DuckDBPyConnection, scorer: SentimentScorer) -> None:
    with pytest.raises(ValueError):
        score_new_texts(con, scorer=scorer, negative_below=0.5, positive_above=0.1)


def test_default_scorer_from_cache_dir(
    con: duckdb.DuckDBPyConnection, model_cache: Path, scorer: SentimentScorer
) -> None:
    r = score_new_texts(con, cache_dir=model_cache)
    assert r.model_version == scorer.model_version
    assert r.texts_scored == len(DISTINCT)
