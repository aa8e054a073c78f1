"""Text helpers the metrics share: SQuAD normalisation and numbers; sentences, claims and content words come
from `steward.language` (their one home, shared with serving) and are re-exported here for the metrics.

Everything here is deterministic and offline. ROUGE-Lsum uses `split_sentences` when a summary does not already
put one sentence per line; the RAG metrics cut answers into claims with `split_claims`, the grounding check's own
cut, so the faithfulness an evaluation reports scores the claims the gateway checks.
"""

from __future__ import annotations

import re
import string
from collections import Counter

from steward.language import content_stems, split_claims, split_sentences, stem, words

__all__ = [
    "content_stems",
    "normalize_answer",
    "numbers",
    "split_claims",
    "split_sentences",
    "stem",
    "token_f1",
    "words",
]

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)

_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower case, drop punctuation and articles (a, an, the), squash whitespace."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def numbers(text: str) -> set[str]:
    """Numbers written in a text (dates, times, amounts), with thousands separators removed."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token-level F1 between normalised texts."""
    pred_tokens = normalize_answer(prediction).split()
    ref_tokens = normalize_answer(reference).split()
    if not pred_tokens or not ref_tokens:
        return float(pred_tokens == ref_tokens)
    common = Counter(pred_tokens) & Counter(ref_tokens)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(pred_tokens)
    recall = overlap / len(ref_tokens)
    return 2 * precision * recall / (precision + recall)
