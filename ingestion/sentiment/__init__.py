"""Offline Chinese sentiment and crisis-term scoring of masked texts (see model.py, lexicon.py, store.py)."""

from ingestion.sentiment.lexicon import CrisisLexicon, CrisisMatch, load_lexicon
from ingestion.sentiment.model import SentimentScorer, TextScore, label_for, load_scorer
from ingestion.sentiment.store import ScoringResult, ensure_schema, score_new_texts, text_sources

__all__ = [
    "CrisisLexicon",
    "CrisisMatch",
    "ScoringResult",
    "SentimentScorer",
    "TextScore",
    "ensure_schema",
    "label_for",
    "load_lexicon",
    "load_scorer",
    "score_new_texts",
    "text_sources",
]
