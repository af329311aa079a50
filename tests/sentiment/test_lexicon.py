"""The crisis lexicon: weights and categories from the package file, matching, negation, domain terms."""

from __future__ import annotations

import pytest

from ingestion.sentiment.lexicon import LEXICON_FILE, load_lexicon, parse_lexicon
from ingestion.sentiment.model import normalize


@pytest.fixture(scope="module")
def lx():
    return load_lexicon()


def test_lexicon_file_weights_and_categories(lx) -> None:
    assert LEXICON_FILE.name == "crisis_lexicon.yaml"
    assert len(lx.sha256) == 64
    cats = {t.category for t in lx.terms.values()}
    assert cats == {"quality", "fakes", "refunds", "safety", "complaints", "media"}
    for term, weight, cat in [
        ("异物", 4, "quality"),
        ("假货", 4, "fakes"),
        ("退货", 1, "refunds"),
        ("过敏", 4, "safety"),
        ("12315", 4, "complaints"),
        ("市场监管", 4, "complaints"),
        ("曝光", 3, "media"),
        ("中毒", 5, "safety"),
    ]:
        assert lx.terms[term].weight == weight
        assert lx.terms[term].category == cat
    assert lx.severe_weight == 3
    assert all(1 <= t.weight <= 5 for t in lx.terms.values())
    assert lx.categories["quality"]["label_zh"] == "质量问题"


def test_matching_heaviest_first_sum_and_max(lx) -> None:
    m = lx.match(normalize("喝出异物还过敏了，退货！"))
    # 异物 4, 过敏 4 (tie: same length, then code point order 异 < 过), 退货 1
    assert m.terms == ("异物", "过敏", "退货")
    assert m.weight == 9.0
    assert m.max_weight == 4.0
    assert m.joined == "异物|过敏|退货"
    assert lx.is_severe(m)


def test_no_match(lx) -> None:
    m = lx.match(normalize("今天天气不错"))
    assert m.terms == () and m.weight == 0.0 and m.max_weight == 0.0 and m.joined is None


def test_longest_term_wins_and_terms_count_once(lx) -> None:
    assert lx.match("拒绝退款,拒绝退款").terms == ("拒绝退款",)
    assert lx.match("假货假货假货").weight == 4.0
    assert lx.match("投诉无门").terms == ("投诉无门",)


def test_negation_of_negatable_categories_only(lx) -> None:
    assert lx.match("没有过敏").terms == ()
    assert lx.match("不是假货").terms == ()
    assert lx.match("无异物").terms == ()
    assert lx.match("是不是假货").terms == ("假货",)  # a question is a suspicion
    assert lx.match("有没有异物").terms == ("异物",)
    assert lx.match("不退款").terms == ("退款",)  # refunds are never negated
    assert lx.match("不投诉").terms == ("投诉",)


def test_ascii_terms_match_whole_numbers_only(lx) -> None:
    assert lx.match(normalize("已投诉到１２３１５")).terms == ("12315", "投诉")
    assert lx.match("订单号1231508").terms == ()
    assert lx.match("315晚会").terms == ("315",)
    assert lx.match("价格3150元").terms == ()


def test_analyze_many_equals_analyze(lx) -> None:
    texts = ["我没有", "过敏了", "", "12", "315", "好喝", "不好喝", "假货?", "退款难退款难", "没有\x00过敏"]
    many = lx.analyze_many(texts)
    assert many == [lx.analyze(t) for t in texts]
    # a negator at the end of one text does not negate a term at the start of the next
    assert many[1].crisis.terms == ("过敏",)
    # "12" + "315" are two texts, not the number 12315
    assert many[4].crisis.terms == ("315",)


def test_domain_points_and_negation(lx) -> None:
    assert lx.analyze("好喝").domain_points == 2.0
    assert lx.analyze("不好喝").domain_points == -2.0
    assert lx.analyze("不太喜欢").domain_points == -1.5
    assert lx.analyze("一点都不涩").domain_points == 0.0  # a negated negative term counts zero
    assert lx.analyze("太慢了").domain_points == -1.5
    assert lx.analyze("种草了,回购").domain_points == 3.5
    assert lx.analyze("好喝好喝").domain_terms == 1


def test_questions(lx) -> None:
    assert lx.is_question("什么时候补货")
    assert lx.is_question("还有货吗~")
    assert lx.is_question("保质期多久?")
    assert lx.is_question("有货吗🍵")
    assert not lx.is_question("为什么还没发货?")  # rhetorical
    assert not lx.is_question("好的")
    assert not lx.is_question("")


def test_invalid_lexicons_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        parse_lexicon({"categories": {"a": {"terms": {"假货": 3}}, "b": {"terms": {"假货": 2}}}})
    with pytest.raises(ValueError, match="weight"):
        parse_lexicon({"categories": {"a": {"terms": {"假货": 0}}}})
    with pytest.raises(ValueError, match="both"):
        parse_lexicon(
            {"categories": {"a": {"terms": {"假货": 3}}}, "domain_terms": {"negative": {"假货": 1}}}
        )
    with pytest.raises(ValueError, match="weight"):
        parse_lexicon({"categories": {}, "domain_terms": {"positive": {"好": -1}}})
