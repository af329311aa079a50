"""Contract §4: no clear-text personal data anywhere in the warehouse; pseudonyms are keyed HMACs with
per-platform namespaces; dropped columns never load; free text is masked."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path

import duckdb
import pytest

from tests.ingestion import contract_examples as ce
from tests.ingestion.test_support import KEY, KEY2, T0, put, query, raw_tables, run

WB_UID = "6543210987"  # Weibo commenter in the contract example
SECRET_NICK_WB = "隐秘昵称甲"
SECRET_NICK_LM = "隐秘作者乙"
PHONES = ["13812345678", "13912345670", "138-1234-5679", "139 8765 4321", "13700001111"]
EMAIL = "fan.someone@example.com"
ID_CARD = "11010119900307123X"
ADDRESS = "北京市朝阳区望京街道某某路1号"
RECEIVER = "张三丰"

# Weibo comments: one extra comment with phone/e-mail/ID card in the text and a secret nickname, and one
# whose created_at is invalid (quarantined: its user.idstr must not appear in clear text either)
WB_COMMENTS = json.loads(json.dumps(ce.WEIBO_COMMENTS, ensure_ascii=False))
WB_COMMENTS["comments"].append({
    "created_at": "Fri Nov 01 15:00:00 +0800 2024", "id": 5096393512118999, "idstr": "5096393512118999",
    "text": f"电话 +86 139-8765-4321 或 {EMAIL}，身份证{ID_CARD}，全角１３７００００１１１１",
    "user": {"idstr": "5000000001", "screen_name": SECRET_NICK_WB}, "status": {"idstr": "5096358245224017"}})
WB_COMMENTS["comments"].append({
    "created_at": "not a date", "id": 5096393512119000, "idstr": "5096393512119000", "text": "坏时间 13912345670",
    "user": {"idstr": "5000000002", "screen_name": "隐秘昵称丙"}, "status": {"idstr": "5096358245224017"}})

MENTIONS_EXTRA = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in [
    # same Weibo uid as the commenter: one fan across datasets (namespace weibo:user)
    {"platform": "weibo", "mention_id": "5097012345670001", "author_id": WB_UID, "author_name": SECRET_NICK_LM,
     "text": f"青禾客服电话138-1234-5679打不通，邮件{EMAIL}", "created_at": "2024-11-03T06:12:44.000Z",
     "fetched_at": "2024-11-03T14:20:00+08:00", "url": f"https://weibo.com/{WB_UID}/OyZ1a2b3X",
     "is_repost": False},
    # quarantined (invalid created_at): author id and name must not leak via row_json/raw_value
    {"platform": "weibo", "mention_id": "5097012345670002", "author_id": "5000000003", "author_name": "隐秘作者丁",
     "text": "x", "created_at": "2024-13-45", "url": "https://weibo.com/5000000003/OyZ1a2b3Y", "is_repost": False},
])

ORDERS_EXTRA = (
    "订单编号,订单状态,买家实付金额,订单创建时间,买家ID,收货地址,收货人姓名,联系手机,商家备注\n"
    f"3872615590218440001,交易成功,10.00,2024-11-11 10:00:00,tb_secretbuyer1,{ADDRESS},{RECEIVER},13700001111,备注\n"
    # invalid key value in 买家ID? no: invalid order id -> quarantined row still holds the buyer id
    f"3.87262E+18,交易成功,10.00,2024-11-11 10:00:00,tb_secretbuyer2,{ADDRESS},{RECEIVER},13700001111,\n"
    # the personal-data cell itself is invalid (scientific notation in an id column)
    f"3872615590218440003,交易成功,10.00,2024-11-11 10:00:00,1.38123E+10,{ADDRESS},{RECEIVER},13700001111,\n"
)

TEAM_EXTRA = (
    "成员ID,显示名,角色,负责账号,入职日期,离职日期,状态,姓名,手机,身份证号\n"
    f"T009,阿禾,客户服务,qinghe_dy,2024-03-04,,在职,{RECEIVER},13700001111,{ID_CARD}\n"
)

MESSAGES_EXTRA = (
    '{"platform":"douyin","account":"qinghe_dy","conversation_id":"c_1","message_id":"m_9","fan_id":"_000SECRETfan9",'
    '"direction":"in","sent_at":"not-a-time","text":"我的手机13912345670"}\n'
)

CLEAR_IDS = [
    "oQ7kS5xYz2B8mN1pL4rT6vW9aC3e",  # wechat openid
    "3e8f1a52-7b6c-4d09-a1f2-5c9e0d7b8a34",  # douyin comment_user_id (a fan, not the account)
    WB_UID, "5000000001", "5000000002", "5000000003",  # weibo user.idstr / mention author_id
    "tb_q8m2k1x7", "tb_c41nz0p3", "tb_7hw5e2ra", "tb_secretbuyer1", "tb_secretbuyer2", "1.38123E+10",  # 买家ID
    "_000Hx3kP2aQ9vT7sLw", "_000SECRETfan9",  # messages fan_id
    "5523187046",  # mention author_id
]
NICKNAMES = [SECRET_NICK_WB, SECRET_NICK_LM, "隐秘昵称丙", "隐秘作者丁"]
DROPPED = [ADDRESS, RECEIVER, ID_CARD, "11010119900307123"]
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _pseudo(key: bytes, namespace: str, raw_id: str) -> str:
    return hmac.new(key, (namespace + "\x1f" + raw_id).encode(), hashlib.sha256).hexdigest()[:32]


def _tree(root: Path) -> Path:
    land = ce.write_tree(root)
    put(land, "weibo/qinghe_wb/comments/comments.json", WB_COMMENTS)  # replaces the example file
    put(land, "listening/mentions/extra.jsonl", MENTIONS_EXTRA)
    put(land, "shop/qinghe_tmall/orders/orders_pii.csv", ORDERS_EXTRA)
    put(land, "ops/team/team_pii.csv", TEAM_EXTRA)
    put(land, "ops/messages/extra.jsonl", MESSAGES_EXTRA)
    return land


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pii")
    land = _tree(root / "landing")
    w = root / "wh.duckdb"
    run(land, w)
    return w


def _dump(wh: Path) -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, value as text)] for every non-null cell of every raw.* and ops.* table."""
    out: dict[str, list[tuple[str, str]]] = {}
    con = duckdb.connect(str(wh), read_only=True)
    try:
        for t in raw_tables(wh):
            cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()]
            cells: list[tuple[str, str]] = []
            for c in cols:
                for (v,) in con.execute(f'SELECT CAST("{c}" AS VARCHAR) FROM {t} WHERE "{c}" IS NOT NULL').fetchall():
                    cells.append((c, v))
            out[t] = cells
    finally:
        con.close()
    return out


def test_fixture_sanity(wh: Path) -> None:
    q = query(wh, "SELECT path, reason FROM ops.quarantine ORDER BY 1")
    reasons = {(r["path"].split("/")[-1], r["reason"]) for r in q}
    assert ("comments.json", "invalid_timestamp") in reasons
    assert ("extra.jsonl", "invalid_timestamp") in reasons
    assert ("orders_pii.csv", "id_in_scientific_notation") in reasons
    assert len([r for r in q if r["path"].endswith("orders_pii.csv")]) == 2


def test_no_clear_text_personal_ids_anywhere(wh: Path) -> None:
    leaks = []
    for t, cells in _dump(wh).items():
        for col, v in cells:
            for secret in CLEAR_IDS + NICKNAMES + DROPPED:
                if secret in v:
                    leaks.append((t, col, secret, v[:120]))
    assert leaks == []


def test_no_phone_numbers_or_emails_anywhere(wh: Path) -> None:
    phone = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
    leaks = []
    for t, cells in _dump(wh).items():
        for col, v in cells:
            if phone.search(v) or EMAIL in v or "１３７" in v:
                leaks.append((t, col, v[:160]))
    assert leaks == []


def test_free_text_is_masked(wh: Path) -> None:
    texts = [r["t"] for r in query(wh, "SELECT text_masked AS t FROM raw.weibo_comments")]
    masked = next(t for t in texts if "身份证" in t)
    assert "[PHONE]" in masked and "[EMAIL]" in masked and "[ID]" in masked
    assert masked.count("[PHONE]") == 2  # +86 139-8765-4321 and the full-width number
    wc = query(wh, "SELECT text_masked AS t FROM raw.wechat_comments WHERE text_masked LIKE '%电话%'")
    assert [r["t"] for r in wc] == ["桂花乌龙冷泡好喝吗？想买两盒，电话[PHONE]"]
    # @handles are public content and stay
    assert any("回复@喝茶的小鹿" in t for t in texts)


def test_nickname_of_contract_example_only_survives_as_public_handle(wh: Path) -> None:
    for t, cells in _dump(wh).items():
        for col, v in cells:
            if "喝茶的小鹿" in v:
                assert "@喝茶的小鹿" in v and col in ("text_masked", "row_json"), (t, col, v)


def test_dropped_columns_listed_and_never_loaded(wh: Path) -> None:
    m = query(wh, "SELECT dropped_columns AS d FROM ops.file_manifest WHERE path = 'shop/qinghe_tmall/orders/orders_pii.csv'")
    assert {"收货地址", "收货人姓名", "联系手机", "商家备注"} <= set(m[0]["d"])
    cols = {r["c"] for r in query(wh, "SELECT column_name AS c FROM information_schema.columns "
                                      "WHERE table_schema = 'raw' AND table_name = 'shop_orders'")}
    assert not cols & {"收货地址", "收货人姓名", "联系手机", "address", "receiver_name", "phone"}
    mt = query(wh, "SELECT dropped_columns AS d FROM ops.file_manifest WHERE path = 'ops/team/team_pii.csv'")
    assert {"姓名", "手机", "身份证号"} <= set(mt[0]["d"] or [])


def test_pseudonyms_are_keyed_hmac_with_platform_namespaces(wh: Path) -> None:
    wb = {r["k"] for r in query(wh, "SELECT fan_key AS k FROM raw.weibo_comments")}
    assert _pseudo(KEY, "weibo:user", WB_UID) in wb
    lm = {r["k"] for r in query(wh, "SELECT author_key AS k FROM raw.listening_mentions WHERE platform = 'weibo'")}
    assert _pseudo(KEY, "weibo:user", WB_UID) in lm  # same fan across comments and mentions
    wx = {r["k"] for r in query(wh, "SELECT fan_key AS k FROM raw.wechat_comments WHERE fan_key IS NOT NULL")}
    assert wx == {_pseudo(KEY, "wechat:user", "oQ7kS5xYz2B8mN1pL4rT6vW9aC3e")}
    msg = {r["k"] for r in query(wh, "SELECT fan_key AS k FROM raw.ops_messages WHERE platform = 'wechat'")}
    assert msg == wx  # ops/messages use <platform>:user, the same as that platform's commenters
    buyers = {r["k"] for r in query(wh, "SELECT buyer_key AS k FROM raw.shop_orders")}
    assert _pseudo(KEY, "buyer:taobao", "tb_q8m2k1x7") in buyers  # tmall shares buyer:taobao
    # a weibo reply's parent fan key is the same pseudonym
    parents = {r["k"] for r in query(wh, "SELECT parent_fan_key AS k FROM raw.weibo_comments WHERE parent_fan_key IS NOT NULL")}
    assert parents == {_pseudo(KEY, "weibo:user", WB_UID)}


def test_every_key_column_is_32_hex(wh: Path) -> None:
    n = 0
    for t, cells in _dump(wh).items():
        for col, v in cells:
            if col in ("fan_key", "buyer_key", "author_key", "parent_fan_key"):
                assert HEX32.match(v), (t, col, v)
                n += 1
    assert n >= 10


def test_manifest_records_key_version(wh: Path) -> None:
    vers = {r["v"] for r in query(wh, "SELECT DISTINCT key_version AS v FROM ops.file_manifest WHERE status = 'loaded'")}
    assert vers == {"test"}


def test_pseudonyms_stable_across_runs_and_change_with_key(tmp_path: Path, wh: Path) -> None:
    land = _tree(tmp_path / "landing")
    same = tmp_path / "same.duckdb"
    other = tmp_path / "other.duckdb"
    run(land, same, now=T0)
    run(land, other, key=KEY2, now=T0)
    sql = ("SELECT fan_key AS k FROM raw.weibo_comments UNION ALL SELECT author_key FROM raw.listening_mentions "
           "UNION ALL SELECT buyer_key FROM raw.shop_orders UNION ALL SELECT fan_key FROM raw.ops_messages")
    a = sorted(r["k"] for r in query(wh, sql) if r["k"])
    b = sorted(r["k"] for r in query(same, sql) if r["k"])
    c = sorted(r["k"] for r in query(other, sql) if r["k"])
    assert a == b and a
    assert not set(a) & set(c)
    assert _pseudo(KEY2, "weibo:user", WB_UID) in c


def test_comment_from_the_account_itself_is_flagged_before_pseudonymising(wh: Path) -> None:
    rows = query(wh, "SELECT comment_id AS c, is_from_account AS a, fan_key AS k FROM raw.douyin_comments ORDER BY 1")
    flags = {r["c"][:4]: r["a"] for r in rows}
    assert flags == {"@kj5": False, "@pL3": True}
    assert all(HEX32.match(r["k"]) for r in rows)
    wb = {r["c"]: r["a"] for r in query(wh, "SELECT comment_id AS c, is_from_account AS a FROM raw.weibo_comments")}
    assert wb["5096393512118870"] is True and wb["5096360184302231"] is False
    reply = query(wh, "SELECT reply_text_masked AS r FROM raw.wechat_comments WHERE reply_text_masked IS NOT NULL")
    assert [r["r"] for r in reply] == ["冷泡风味更清甜～双11有券哦"]
