"""Query analysis: which words of a question a keyword search looks for (language, not storage).

`search_terms` lower-cases the question, splits it into words (letters and digits; `_` and punctuation split)
and drops a short list of English function words, keeping the first 32 distinct terms in order. The store's
`keyword_search` (FTS5 `bm25()` on SQLite, `ts_rank_cd` on PostgreSQL) ranks chunks by these terms.
"""

from __future__ import annotations

import re

from steward.language import SEARCH_STOP_WORDS

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def search_terms(question: str, limit: int = 32) -> list[str]:
    """The distinct non-stop words of `question`, lower-case, in order, at most `limit`."""
    terms: list[str] = []
    for word in WORD.findall(question.lower()):
        if word not in SEARCH_STOP_WORDS and word not in terms:
            terms.append(word)
    return terms[:limit]
