"""E-commerce crisis lexicon: weighted terms in categories, matched with one compiled regex.

The terms live in ``crisis_lexicon.yaml`` (package data). Matching runs on the normalised text (NFKC,
lower case: see :func:`ingestion.sentiment.model.normalize`), longest term first and non-overlapping.
A term of a *negatable* category directly after a negator ("没有过敏", "不是假货") is skipped unless the
negator is part of a question form ("是不是假货", "有没有异物"). Known limits: negation is only looked for
right before the term (no scope over a clause: "没发现任何过敏" still matches), irony and quoted speech are
not understood, and a term inside an unrelated word matches (e.g. "记者" in "记者节").

The same file holds a small social e-commerce vocabulary (``domain_terms``: signed points on the model's
calibrated logit) and the question rule (``question_shrink``): see ``crisis_lexicon.yaml``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

LEXICON_FILE = Path(__file__).with_name("crisis_lexicon.yaml")

_ASCII_WORD = re.compile(r"^[0-9a-z]+$")
_ASCII_CHAR = re.compile(r"[0-9a-z]").fullmatch


@dataclass(frozen=True)
class CrisisTerm:
    term: str
    weight: float
    category: str
    negatable: bool


@dataclass(frozen=True)
class CrisisMatch:
    """The distinct matched terms of one text, heaviest first (ties: longer, then alphabetical)."""

    terms: tuple[str, ...] = ()
    weight: float = 0.0  # sum of the distinct terms' weights
    max_weight: float = 0.0

    @property
    def joined(self) -> str | None:
        return "|".join(self.terms) if self.terms else None


@dataclass(frozen=True)
class Analysis:
    crisis: CrisisMatch
    domain_points: float  # signed sum of the matched domain terms (0 when none)
    domain_terms: int  # how many domain terms matched (negated ones included)


NO_MATCH = CrisisMatch()
_NOTHING = Analysis(NO_MATCH, 0.0, 0)
# trailing characters ignored when looking for a final question particle
_TRAILING = " \t\r\n~～!！.。,，…、·-_*^♪" + "".join(chr(c) for c in range(0x1F300, 0x1FAFF + 1))


class CrisisLexicon:
    def __init__(
        self,
        terms: list[CrisisTerm],
        *,
        negators: list[str],
        questions: list[str],
        severe_weight: float,
        categories: dict[str, dict[str, str]] | None = None,
        sha256: str = "",
        domain_terms: dict[str, float] | None = None,
        domain_negators: list[str] | None = None,
        question_shrink: float = 1.0,
        question_cues: list[str] | None = None,
        question_ends: list[str] | None = None,
        rhetorical_cues: list[str] | None = None,
    ) -> None:
        by_term: dict[str, CrisisTerm] = {}
        for t in terms:
            key = t.term.lower()
            if not key:
                raise ValueError("empty crisis term")
            if key in by_term:
                raise ValueError(f"duplicate crisis term {t.term!r}")
            if t.weight <= 0:
                raise ValueError(f"crisis term {t.term!r}: weight must be > 0")
            by_term[key] = CrisisTerm(key, float(t.weight), t.category, t.negatable)
        self.terms = by_term
        self.negators = tuple(sorted({n.lower() for n in negators}, key=len, reverse=True))
        self.questions = tuple(q.lower() for q in questions)
        self.severe_weight = float(severe_weight)
        self.categories = categories or {}
        self.sha256 = sha256
        self.domain = {k.lower(): float(v) for k, v in (domain_terms or {}).items()}
        clash = set(self.domain) & set(by_term)
        if clash:
            raise ValueError(f"terms both crisis and domain terms: {sorted(clash)}")
        self.domain_negators = tuple(
            sorted({n.lower() for n in (domain_negators or [])} | set(self.negators), key=len, reverse=True)
        )
        self.question_shrink = float(question_shrink)
        self.question_ends = tuple(q.lower() for q in (question_ends or []))
        cues = [q.lower() for q in (question_cues or [])]
        self._question = re.compile("|".join(["\\?", *map(re.escape, cues)])).search
        rhet = [r.lower() for r in (rhetorical_cues or [])]
        self._rhetorical = re.compile("|".join(map(re.escape, rhet))).search if rhet else None
        # a plain alternation, longest first (a lookbehind would disable the regex engine's first-character
        # scan and make matching ~7x slower): ASCII word boundaries are checked on each match instead
        everything = sorted([*by_term, *self.domain], key=lambda k: (-len(k), k))
        self._ascii = frozenset(k for k in everything if _ASCII_WORD.match(k))
        self._re = re.compile("|".join(map(re.escape, everything))) if everything else None
        self._search = self._re.search if self._re else None

    def __len__(self) -> int:
        return len(self.terms)

    @staticmethod
    def _ascii_bounded(text: str, start: int, end: int) -> bool:
        """An ASCII term is a whole word/number: no ASCII letter or digit right before or after it."""
        return not (start > 0 and _ASCII_CHAR(text[start - 1])) and not (
            end < len(text) and _ASCII_CHAR(text[end])
        )

    def _negated(self, text: str, start: int, negators: tuple[str, ...]) -> bool:
        before = text[max(0, start - 5) : start]
        if not before:
            return False
        if any(before.endswith(q) for q in self.questions):
            return False
        return any(before.endswith(n) for n in negators)

    def analyze(self, norm_text: str) -> Analysis:
        """Crisis terms and domain points of an already normalised text (NFKC + lower case)."""
        if self._search is None or self._search(norm_text) is None:
            return _NOTHING
        assert self._re is not None
        return self._collect(norm_text, self._re.finditer(norm_text))

    def analyze_many(self, norm_texts: Sequence[str]) -> list[Analysis]:
        """``analyze`` of every text, with one regex pass over the texts joined by NUL (never in a term)."""
        out = [_NOTHING] * len(norm_texts)
        if self._re is None or not norm_texts:
            return out
        joined = "\x00".join(norm_texts)
        if self._search is None or self._search(joined) is None:
            return out
        ends = list(accumulate(len(t) + 1 for t in norm_texts))  # end (exclusive, + the NUL) of text i
        groups: dict[int, list[re.Match[str]]] = {}
        i = 0
        for m in self._re.finditer(joined):
            pos = m.start()
            while ends[i] <= pos:
                i += 1
            groups.setdefault(i, []).append(m)
        for i, ms in groups.items():
            out[i] = self._collect(joined, ms)
        return out

    def _collect(self, text: str, matches: Iterable[re.Match[str]]) -> Analysis:
        found: dict[str, CrisisTerm] = {}
        points = 0.0
        seen_domain: set[str] = set()
        for m in matches:
            key = m.group(0)
            if key in self._ascii and not self._ascii_bounded(text, m.start(), m.end()):
                continue
            term = self.terms.get(key)
            if term is None:
                if key in seen_domain:
                    continue
                seen_domain.add(key)
                w = self.domain[key]
                if self._negated(text, m.start(), self.domain_negators):
                    w = -w if w > 0 else 0.0
                points += w
                continue
            if term.term in found:
                continue
            if term.negatable and self._negated(text, m.start(), self.negators):
                continue
            found[term.term] = term
        if not found:
            return Analysis(NO_MATCH, points, len(seen_domain)) if seen_domain else _NOTHING
        ordered = sorted(found.values(), key=lambda t: (-t.weight, -len(t.term), t.term))
        cm = CrisisMatch(
            tuple(t.term for t in ordered),
            float(sum(t.weight for t in ordered)),
            float(ordered[0].weight),
        )
        return Analysis(cm, points, len(seen_domain))

    def match(self, norm_text: str) -> CrisisMatch:
        """The crisis terms of an already normalised text (NFKC + lower case)."""
        return self.analyze(norm_text).crisis

    def is_question(self, norm_text: str) -> bool:
        """An information request: "?" or a question cue or a final question particle, no rhetorical cue."""
        if self._rhetorical is not None and self._rhetorical(norm_text):
            return False
        if self._question(norm_text):
            return True
        core = norm_text.rstrip(_TRAILING)
        return bool(core) and core.endswith(self.question_ends)

    def is_severe(self, m: CrisisMatch) -> bool:
        return m.max_weight >= self.severe_weight


def parse_lexicon(doc: dict[str, Any], sha256: str = "") -> CrisisLexicon:
    terms: list[CrisisTerm] = []
    cats: dict[str, dict[str, str]] = {}
    for cat, spec in (doc.get("categories") or {}).items():
        neg = bool(spec.get("negatable", False))
        cats[str(cat)] = {
            "label_zh": str(spec.get("label_zh", cat)),
            "label_en": str(spec.get("label_en", cat)),
        }
        for term, weight in (spec.get("terms") or {}).items():
            terms.append(CrisisTerm(str(term), float(weight), str(cat), neg))
    domain: dict[str, float] = {}
    spec = doc.get("domain_terms") or {}
    for sign, part in ((1.0, "positive"), (-1.0, "negative")):
        for term, weight in (spec.get(part) or {}).items():
            if float(weight) <= 0:
                raise ValueError(f"domain term {term!r}: weight must be > 0")
            if str(term).lower() in domain:
                raise ValueError(f"duplicate domain term {term!r}")
            domain[str(term).lower()] = sign * float(weight)
    return CrisisLexicon(
        terms,
        negators=[str(n) for n in doc.get("negators", [])],
        questions=[str(q) for q in doc.get("questions", [])],
        severe_weight=float(doc.get("severe_weight", 3)),
        categories=cats,
        sha256=sha256,
        domain_terms=domain,
        domain_negators=[str(n) for n in doc.get("domain_negators", [])],
        question_shrink=float(doc.get("question_shrink", 1.0)),
        question_cues=[str(q) for q in doc.get("question_cues", [])],
        question_ends=[str(q) for q in doc.get("question_ends", [])],
        rhetorical_cues=[str(q) for q in doc.get("rhetorical_cues", [])],
    )


@cache
def load_lexicon(path: Path = LEXICON_FILE) -> CrisisLexicon:
    raw = path.read_bytes()
    doc = yaml.safe_load(raw.decode("utf-8"))
    return parse_lexicon(doc, hashlib.sha256(raw).hexdigest())
