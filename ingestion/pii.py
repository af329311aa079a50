"""Personal data (contract §4): keyed pseudonyms and free-text masking."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

KEY_ENV = "FANOPS_PII_KEY"


class PiiKeyMissing(RuntimeError):
    """The pseudonymisation key is not configured."""


def load_key(env: Mapping[str, str] | None = None) -> tuple[bytes, str]:
    """Read ``FANOPS_PII_KEY``: (key bytes = UTF-8 of the value, key version = first 8 hex of sha256(key))."""
    source = os.environ if env is None else env
    value = source.get(KEY_ENV)
    if not value:
        raise PiiKeyMissing(
            f"{KEY_ENV} is not set: personal data cannot be pseudonymised without the secret key "
            "(set it in the environment; it must never be stored in the repository or the warehouse)"
        )
    key = value.encode("utf-8")
    return key, hashlib.sha256(key).hexdigest()[:8]


def pseudonymise(
    ids: pa.Array | pa.ChunkedArray | Sequence[str | None], namespaces: str | Sequence[str], key: bytes
) -> pa.Array:
    """First 32 hex characters of HMAC-SHA256(key, namespace + "\\x1f" + id); nulls stay null."""
    values = ids.to_pylist() if isinstance(ids, (pa.Array, pa.ChunkedArray)) else list(ids)
    if isinstance(namespaces, str):
        ns_list: Sequence[str] | None = None
        one_ns = namespaces
    else:
        ns_list = list(namespaces)
        one_ns = ""
        if len(ns_list) != len(values):
            raise ValueError(f"{len(ns_list)} namespaces for {len(values)} ids")
    memo: dict[tuple[str, str], str] = {}
    out: list[str | None] = []
    for i, v in enumerate(values):
        if v is None:
            out.append(None)
            continue
        ns = one_ns if ns_list is None else ns_list[i]
        k = (ns, v)
        p = memo.get(k)
        if p is None:
            msg = (ns + "\x1f" + v).encode("utf-8")
            p = hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]
            memo[k] = p
        out.append(p)
    return pa.array(out, pa.string())


_FOLD = {0xFF10 + i: ord("0") + i for i in range(10)}
_FOLD[0xFF0B] = ord("+")
_FOLD[0xFF0D] = ord("-")

PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
ID_CARD_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def mask_text(text: str) -> str:
    """§4 masking: fold full-width digits/＋/－, then e-mails, ID cards and mainland mobiles.

    E-mails go first so that ``13812345678@qq.com`` becomes one ``[EMAIL]`` (not ``[PHONE]@qq.com``). ID
    cards and phones cannot overlap: both are bounded by non-digits, an ID card is 18 contiguous
    characters while a phone is at most 13 contiguous digits, so their order does not change the result.
    """
    t = text.translate(_FOLD)
    if "@" in t:
        t = EMAIL_RE.sub("[EMAIL]", t)
    t = ID_CARD_RE.sub("[ID]", t)
    return PHONE_RE.sub("[PHONE]", t)


# RE2 pre-filter: only texts that can contain something to mask (>= 11 decimal digits, an e-mail shape) or
# that hold characters the fold step changes go through Python ``re`` (which has the look-behinds RE2
# lacks). ``@handles`` alone (``@青禾``) are not candidates.
_CANDIDATE = "[０-９＋－]|[A-Za-z0-9._%+-]@[A-Za-z0-9-]"


def mask_array(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    if len(arr) == 0:
        return arr
    digits = pc.count_substring_regex(arr, r"\p{Nd}")
    cand = pc.or_kleene(pc.greater_equal(digits, 11), pc.match_substring_regex(arr, _CANDIDATE))
    cand = pc.fill_null(cand, False)
    idx = pc.indices_nonzero(cand)
    if len(idx) == 0:
        return arr
    subset = pc.take(arr, idx).to_pylist()
    memo: dict[str, str] = {}
    masked = []
    for s in subset:
        m = memo.get(s)
        if m is None:
            m = memo[s] = mask_text(s)
        masked.append(m)
    return pc.replace_with_mask(arr, cand, pa.array(masked, arr.type))
