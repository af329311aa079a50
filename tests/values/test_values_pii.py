"""§4 pseudonyms and the masking recall suite."""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.pii import PiiKeyMissing, load_key, mask_array, mask_text, pseudonymise

KEY = b"test-key"


def test_pseudonym_definition():
    got = pseudonymise(["5523187046", None, " x"], "weibo:user", KEY).to_pylist()
    want = hmac.new(KEY, b"weibo:user\x1f5523187046", hashlib.sha256).hexdigest()[:32]
    assert got[0] == want and len(got[0]) == 32
    assert got[1] is None
    assert got[2] == hmac.new(KEY, b"weibo:user\x1f x", hashlib.sha256).hexdigest()[:32]


def test_pseudonym_namespaces_per_element_and_arrow_input():
    ids = pa.array(["u1", "u1", None])
    got = pseudonymise(ids, ["douyin:user", "weibo:user", "weibo:user"], KEY).to_pylist()
    assert got[0] != got[1]
    assert got[1] == pseudonymise(["u1"], "weibo:user", KEY).to_pylist()[0]
    assert got[2] is None
    with pytest.raises(ValueError):
        pseudonymise(["a", "b"], ["x"], KEY)


def test_load_key():
    key, version = load_key({"FANOPS_PII_KEY": "s3cret"})
    assert key == b"s3cret"
    assert version == hashlib.sha256(b"s3cret").hexdigest()[:8]
    with pytest.raises(PiiKeyMissing, match="FANOPS_PII_KEY"):
        load_key({})
    with pytest.raises(PiiKeyMissing):
        load_key({"FANOPS_PII_KEY": ""})


RECALL = [
    ("13812345678", "[PHONE]"),
    ("１３８１２３４５６７８", "[PHONE]"),  # full-width digits
    ("电话：１３８-１２３４-５６７８", "电话：[PHONE]"),
    ("+86 138-1234-5678", "[PHONE]"),
    ("＋８６ １３８ １２３４ ５６７８", "[PHONE]"),
    ("138 1234 5678", "[PHONE]"),
    ("138-1234-5678", "[PHONE]"),
    ("86-13812345678", "[PHONE]"),
    ("8613812345678", "[PHONE]"),
    ("+8613812345678", "[PHONE]"),
    ("📞13812345678", "📞[PHONE]"),  # emoji beside digits
    ("13812345678📞", "[PHONE]📞"),
    ("电话13812345678谢谢", "电话[PHONE]谢谢"),  # Chinese glued to digits
    ("加我微信13912345678,或者15012345678。", "加我微信[PHONE],或者[PHONE]。"),  # several phones
    ("第一行 13812345678\n第二行 19912345678", "第一行 [PHONE]\n第二行 [PHONE]"),  # newlines
    ("号码13812345678\n", "号码[PHONE]\n"),
    ("身份证11010119900307123X", "身份证[ID]"),  # ID card with X
    ("身份证 11010119900307123x 已核", "身份证 [ID] 已核"),
    ("110101199003071234", "[ID]"),
    ("ID１１０１０１１９９００３０７１２３４", "ID[ID]"),
    ("a.b+c@mail.example.com 联系", "[EMAIL] 联系"),  # e-mails with dots/plus
    ("邮箱first.last+tag@qq.com谢谢", "邮箱[EMAIL]谢谢"),
    ("13812345678@qq.com", "[EMAIL]"),
    ("电话13812345678 邮箱x@y.cn 身份证11010119900307123X", "电话[PHONE] 邮箱[EMAIL] 身份证[ID]"),
]
KEPT = [
    "@青禾茶饮 好喝",  # @handles kept
    "转发 @qinghe_official 看看",
    "订单3872615590218446871已发货",  # 19-digit order id
    "作品7433012285546614066",  # Douyin aweme id
    "5097012345678901",  # 16-digit Weibo mid
    "4200001234202411110123456789",  # 28-digit pay id
    "1381234567812",  # 13 digits starting like a phone
    "213812345678",  # 12 digits
    "12345678901",  # 11 digits, not a mobile prefix
    "价格 ３９.９ 元",  # folded, nothing masked
    "",
    "no digits at all",
]


@pytest.mark.parametrize(("text", "masked"), RECALL)
def test_mask_recall(text, masked):
    assert mask_text(text) == masked
    assert mask_array(pa.array([text])).to_pylist() == [masked]


@pytest.mark.parametrize("text", KEPT)
def test_mask_keeps(text):
    folded = text.translate({0xFF10 + i: ord("0") + i for i in range(10)})
    assert mask_text(text) == folded
    assert mask_array(pa.array([text])).to_pylist() == [folded]


def test_fold_preserves_positions():
    assert mask_text("价格３９元－１０＋") == "价格39元-10+"


def test_mask_array_nulls_and_chunked():
    arr = pa.chunked_array([["电话13812345678", None], ["ok"]])
    assert mask_array(arr).to_pylist() == ["电话[PHONE]", None, "ok"]
    assert mask_array(pa.array([], pa.string())).to_pylist() == []


def test_mask_idempotent():
    for text, _ in RECALL:
        once = mask_text(text)
        assert mask_text(once) == once


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("0123456789０１２３ +-＋－@.abcX谢📞\n")), max_size=40),
                max_size=20))
def test_mask_array_equals_mask_text(texts):
    assert mask_array(pa.array(texts, pa.string())).to_pylist() == [mask_text(t) for t in texts]


@settings(max_examples=100, deadline=None)
@given(st.integers(3, 9), st.integers(0, 10**9 - 1), st.sampled_from(["", " ", "-"]))
def test_any_mobile_is_masked(second, rest, sep):
    digits = f"1{second}{rest:09d}"
    phone = digits[:3] + sep + digits[3:7] + sep + digits[7:]
    text = f"电话{phone}谢谢"
    assert "[PHONE]" in mask_text(text)
    assert digits[3:7] not in mask_text(text)
