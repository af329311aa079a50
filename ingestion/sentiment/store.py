"""`sentiment.text_scores`: one row per distinct masked text of the comment, message and mention datasets.

The texts are the raw columns of contract type ``text_masked`` of every ``<platform>/comments`` dataset,
``ops/messages`` and ``listening/mentions`` (staging exposes them unchanged as ``text_masked`` /
``reply_text_masked``), so ``md5(staging.text_masked)`` always finds its row. Incremental: the anti-join
against the table (on ``md5(text)`` = ``text_hash``, current model version only) runs in DuckDB; only new
distinct texts are fetched, streamed in Arrow batches, scored in Python and appended. Rows of another model
version are deleted in the same transaction, so a new model or lexicon rescores everything. Texts are
never logged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from ingestion.contracts import all_datasets
from ingestion.sentiment.model import SentimentScorer, load_scorer

TABLE = "sentiment.text_scores"
BATCH_ROWS = 50_000

COLUMNS: tuple[tuple[str, str], ...] = (
    ("text_hash", "VARCHAR"),
    ("model_version", "VARCHAR"),
    ("sentiment_score", "DOUBLE"),
    ("sentiment_label", "VARCHAR"),
    ("crisis_terms", "VARCHAR"),
    ("crisis_weight", "DOUBLE"),
    ("crisis_max_weight", "DOUBLE"),
    ("scored_at", "TIMESTAMP"),
)


@dataclass(frozen=True)
class ScoringResult:
    texts_seen: int  # distinct non-empty texts in the source columns
    texts_scored: int  # newly scored this run
    seconds: float
    model_version: str
    texts_rescored: int = 0  # rows of another model version deleted (and scored again) this run
    labels: dict[str, int] = field(default_factory=dict)  # labels of the newly scored texts


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS sentiment")
    cols = ", ".join(f"{n} {t}" for n, t in COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({cols})")


TEXT_DATASETS = ("ops/messages", "listening/mentions")  # and every <platform>/comments


def is_text_dataset(d: Any) -> bool:
    """The landing datasets whose texts enter the sentiment series: comments, messages, mentions."""
    return bool(d.folder == "comments" or d.id in TEXT_DATASETS)


def text_dataset_ids() -> list[str]:
    return sorted(d.id for d in all_datasets() if is_text_dataset(d))


DEFAULT_BAND = (-0.2, 0.2)


def labelled_version(model_version: str, negative_below: float, positive_above: float) -> str:
    """The stored version: the model's, plus the label band when it is not the default (crisis.scorer in
    fanops.yaml), so changing the band relabels every stored text on the next run."""
    if (negative_below, positive_above) == DEFAULT_BAND:
        return model_version
    return f"{model_version}~{negative_below:g}..{positive_above:g}"


@cache
def text_sources() -> tuple[tuple[str, str], ...]:
    """(raw table, column) of every text_masked column of the comment, message and mention datasets."""
    out: list[tuple[str, str]] = []
    for d in all_datasets():
        if not is_text_dataset(d):
            continue
        for t in d.tables:
            for c in t.columns:
                if c.stored and c.ctype is not None and c.ctype.kind == "text_masked":
                    out.append((t.qualified, c.name))
    return tuple(out)


def _existing_sources(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT table_schema || '.' || table_name, column_name FROM information_schema.columns"
    ).fetchall()
    have = {(t, c) for t, c in rows}
    return [s for s in text_sources() if s in have]


def _texts_sql(sources: list[tuple[str, str]]) -> str:
    parts = [
        f"SELECT {col} AS t FROM {table} WHERE {col} IS NOT NULL AND length(trim({col})) > 0"
        for table, col in sources
    ]
    return " UNION ".join(parts)


def score_new_texts(
    con: duckdb.DuckDBPyConnection,
    *,
    negative_below: float = -0.2,
    positive_above: float = 0.2,
    cache_dir: Path | str | None = None,
    scorer: SentimentScorer | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ScoringResult:
    """Score the distinct texts not yet in `sentiment.text_scores` for the current model version."""
    if not negative_below <= positive_above:
        raise ValueError("negative_below must be <= positive_above")
    t0 = time.perf_counter()
    scorer = scorer or load_scorer(cache_dir)
    version = labelled_version(scorer.model_version, negative_below, positive_above)
    ensure_schema(con)
    sources = _existing_sources(con)
    if not sources:
        return ScoringResult(0, 0, time.perf_counter() - t0, version)
    texts = _texts_sql(sources)
    seen_row = con.execute(f"SELECT count(*) FROM ({texts})").fetchone()
    seen = int(seen_row[0]) if seen_row else 0
    scored_at = datetime.now(UTC).replace(tzinfo=None)
    labels: dict[str, int] = {"negative": 0, "neutral": 0, "positive": 0}
    scored = 0
    # the reader is a second connection to the same database: its snapshot is taken before the writes
    reader = con.cursor()
    try:
        batches = reader.sql(
            f"""
            SELECT x.t, x.h FROM (SELECT t, md5(t) AS h FROM ({texts})) AS x
            WHERE NOT EXISTS (
                SELECT 1 FROM {TABLE} AS s WHERE s.text_hash = x.h AND s.model_version = ?
            )
            """,
            params=[version],
        ).to_arrow_reader(batch_rows)
        con.execute("BEGIN TRANSACTION")
        try:
            deleted_row = con.execute(
                f"DELETE FROM {TABLE} WHERE model_version IS DISTINCT FROM ? RETURNING 1", [version]
            ).fetchall()
            rescored = len(deleted_row)
            for batch in batches:
                raw = batch.column(0).to_pylist()
                hashes = batch.column(1).to_pylist()
                batch_scores = scorer.score_batch(raw)
                del raw
                scores = batch_scores.scores
                lab = np.where(
                    scores < negative_below,
                    "negative",
                    np.where(scores > positive_above, "positive", "neutral"),
                )
                values, counts = np.unique(lab, return_counts=True)
                for v, k in zip(values.tolist(), counts.tolist()):
                    labels[v] += k
                crisis = batch_scores.crisis
                n = len(scores)
                frame = pa.table(
                    {
                        "text_hash": pa.array(hashes, pa.string()),
                        "model_version": pa.array([version] * n, pa.string()),
                        "sentiment_score": pa.array(scores, pa.float64()),
                        "sentiment_label": pa.array(lab.tolist(), pa.string()),
                        "crisis_terms": pa.array([c.joined for c in crisis], pa.string()),
                        "crisis_weight": pa.array([c.weight for c in crisis], pa.float64()),
                        "crisis_max_weight": pa.array([c.max_weight for c in crisis], pa.float64()),
                        "scored_at": pa.array([scored_at] * n, pa.timestamp("us")),
                    }
                )
                con.register("_sentiment_batch", frame)
                try:
                    names = ", ".join(col for col, _ in COLUMNS)
                    con.execute(f"INSERT INTO {TABLE} ({names}) SELECT {names} FROM _sentiment_batch")
                finally:
                    con.unregister("_sentiment_batch")
                scored += n
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        reader.close()
    return ScoringResult(seen, scored, time.perf_counter() - t0, version, rescored, labels)
