"""Query analysis: which words of a question a keyword search looks for (language, not storage).

`search_terms` lower-cases the question, splits it into words (letters and digits; `_` and punctuation split)
and drops a short list of English function words, keeping the first 32 distinct terms in order. The store's
`keyword_search` (FTS5 `bm25()` on SQLite, `ts_rank_cd` on PostgreSQL) ranks chunks by these terms.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "tell",
        "that",
        "the",
        "their",
        "there",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def search_terms(question: str, limit: int = 32) -> list[str]:
    """The distinct non-stop words of `question`, lower-case, in order, at most `limit`."""
    terms: list[str] = []
    for word in WORD.findall(question.lower()):
        if word not in STOPWORDS and word not in terms:
            terms.append(word)
    return terms[:limit]
