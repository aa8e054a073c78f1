"""Text helpers the metrics share: SQuAD normalisation, offline sentence splitting, claim splitting, content words.

Everything here is deterministic and offline. Sentences come from `steward.language.split_sentences` (the one
home of where a sentence ends): ROUGE-Lsum uses it when a summary does not already put one sentence per line,
and the RAG metrics use it (through `split_claims`) to cut answers into claims and contexts into evidence.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from functools import lru_cache

from nltk.stem.porter import PorterStemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from steward.language import split_sentences

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)

_CLAUSE_CUT = re.compile(r";\s+|\s+[-–—]\s+|:\s+(?=\S+\s+\S+\s+\S+)")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'’-][A-Za-z0-9]+)*")
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower case, drop punctuation and articles (a, an, the), squash whitespace."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def split_claims(text: str, min_words: int = 3) -> list[str]:
    """Atomic-ish claims of an answer: its sentences, further cut at `;`, dashes and list-introducing colons.

    Pieces shorter than `min_words` words are glued to the previous claim: a fragment is not a claim.
    """
    claims: list[str] = []
    for sentence in split_sentences(text):
        sentence = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", sentence)  # list markers are not content
        for piece in _CLAUSE_CUT.split(sentence):
            piece = piece.strip()
            if not piece:
                continue
            if claims and len(_WORD.findall(piece)) < min_words:
                claims[-1] = f"{claims[-1]} {piece}"
            else:
                claims.append(piece)
    return [c for c in claims if _WORD.search(c)]


@lru_cache(maxsize=1)
def _stemmer() -> PorterStemmer:
    return PorterStemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Porter stem of a lower-case word (memoised: vocabularies repeat, stemming is the slow part)."""
    return _stemmer().stem(word) if len(word) > 3 else word


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits, keeping inner dots, apostrophes and hyphens)."""
    return [w.lower() for w in _WORD.findall(text)]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry content: stop words dropped, numbers kept."""
    return [stem(w) for w in words(text) if w not in ENGLISH_STOP_WORDS]


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
