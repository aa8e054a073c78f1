"""Grounded prompts with numbered sources, and the grounding check of an answer against them.

The prompt puts the app's system prompt and the collection's instructions in the system message and the
numbered sources right before the question in the last user message, where small models attend to them.
The check needs no LLM judge: each claim-bearing sentence of the answer is scored against the sources it cites
as the mean of (a) the best cosine similarity between the sentence and a source sentence, by the same
embedding model, and (b) the share of the sentence's content words found in the source. A sentence without a
citation (small models often drop the `[n]` markers, or put one marker on the first sentence only) is scored
against every retrieved source and attributed to the one that supports it best, so an uncited but faithful
answer is not declined while an invented one still is; `require_citation: true` restores the strict rule. A
number or code in the sentence (a PNR, a time, a gate) that the scoring source does not contain caps the
sentence's score at 0.2: that is the invented detail small models produce. An answer is supported when every
claim reaches the threshold (calibrated on held-out questions by `bench/retrieval.py --qa`) and it cites no
source that was not given; a refusal ("not in the available documents") is always supported.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from steward.config.rag import Grounding as GroundingPolicy
from steward.rag.embedding import Embedder
from steward.types import Message, Source

CITATION = re.compile(r"\[(\d{1,3})\]")
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*(?:_\d+)?>")  # a pseudonym or mask of personal data: `<EMAIL_ADDRESS_1>`
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
CODE = re.compile(
    r"\b(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b"
)  # tokens with a digit: 290049223, EX123
REFUSAL = re.compile(
    r"not (?:\w+ )?(?:in|found in|mentioned in|contained in|available in|given in|provided in|stated in|"
    r"specified in|included in|part of) (?:the |any of the |any )?"
    r"(?:available |provided |given |above |numbered )?(?:documents?|sources?|context|records?|information)"
    r"|(?:sources?|documents?|context|records?)(?: provided| given| above)? (?:do|does) not (?:\w+ )?"
    r"(?:mention|contain|say|provide|include|specify|state|give)"
    r"|(?:can ?not|can't|couldn't|could not|unable to) (?:find|answer|locate|determine)"
    r"|(?:don't|do not) (?:know|have (?:that|this|any|enough) information)"
    r"|no (?:information|mention) (?:about|on|in|of)",
    re.IGNORECASE,
)
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yes",
        "also",
        "please",
        "thank",
        "thanks",
    ]
)
CAP_UNSUPPORTED_CODE = 0.2


@dataclass(slots=True)
class SentenceSupport:
    """How well one answer sentence is supported."""

    text: str
    score: float
    cited: list[int]
    best_source: int | None
    unsupported_terms: list[str] = field(default_factory=list)

    @property
    def attributed(self) -> bool:
        """Scored against every source because the sentence cites none."""
        return not self.cited


@dataclass(slots=True)
class GroundingVerdict:
    """The grounding check of one answer: goes into `Record.explanation["grounding"]`."""

    supported: bool
    score: float
    policy: str
    threshold: float
    sentences: list[SentenceSupport]
    citations: list[int]
    invalid_citations: list[int]
    attributed: list[int] = field(default_factory=list)  # best sources of the sentences that cite none
    declined: bool = False
    reason: str = ""
    replacement: str | None = None  # the answer to return instead (policy `replace`, unsupported answer)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["score"] = round(self.score, 4)
        for sentence in out["sentences"]:
            sentence["score"] = round(sentence["score"], 4)
        return out


# ---- prompts ---------------------------------------------------------------------------------------------


def format_sources(sources: list[Source], titles: dict[str, str] | None = None) -> str:
    lines = []
    for source in sources:
        title = (titles or {}).get(source.chunk_id)
        head = f"[{source.index}] ({title})" if title else f"[{source.index}]"
        lines.append(f"{head} {source.text.strip()}")
    return "\n\n".join(lines)


def compose(
    system: str,
    instructions: str,
    messages: list[Message],
    sources: list[Source],
    titles: dict[str, str] | None = None,
    reminder: str = "",
) -> list[Message]:
    """The messages to send: one system message, earlier turns, and the question below its sources."""
    turns = [m for m in messages if m.role != "system"]
    last = max(i for i, m in enumerate(turns) if m.role == "user")
    body = format_sources(sources, titles) if sources else "(no sources were found)"
    question = turns[last].content
    turns[last] = Message(
        "user",
        f"Sources:\n{body}\n\nQuestion: {question}\n{reminder}".rstrip(),
    )
    system_text = "\n\n".join(part for part in (system.strip(), instructions.strip()) if part)
    return [Message("system", system_text), *turns]


# ---- the check -----------------------------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return {_stem(w) for w in WORD.findall(text.lower()) if w not in STOP and len(w) > 1}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _codes(text: str) -> set[str]:
    return {c.lower() for c in CODE.findall(text)}


def _has_code(text: str, code: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])", text, re.IGNORECASE) is not None


MARKER = re.compile(r"[ \t]*\[(\d{1,3})\]")


def strip_citations(text: str, given: set[int]) -> tuple[str, list[int]]:
    """`text` without the citation markers that name no given source (and the space before them), and their
    numbers. A marker glued to a word (`items[1]` in code) is an index, not a citation, and is kept."""
    removed: list[int] = []

    def drop(match: re.Match[str]) -> str:
        number = int(match.group(1))
        bracket = match.end() - len(match.group(1)) - 2
        before = match.string[bracket - 1] if bracket > 0 else ""
        if number in given or before.isalnum() or before == "_":
            return match.group(0)
        removed.append(number)
        return ""

    return MARKER.sub(drop, text), sorted(set(removed))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text) if s and s.strip()]


# Words of sentences that only point at the sources ("This information is provided in the source [1].");
# such a sentence makes no claim about the world, so there is nothing for a source to support.
META = frozenset(
    {
        "source", "sources", "document", "documents", "information", "provided", "provide", "found", "find",
        "according", "based", "given", "above", "record", "records", "context", "mentioned", "stated", "listed",
        "shown",
    }
)  # fmt: skip


def _is_claim(sentence: str) -> bool:
    bare = PLACEHOLDER.sub(" ", CITATION.sub("", sentence))
    if _codes(bare):
        return True
    content = {w for w in WORD.findall(bare.lower()) if w not in STOP and len(w) > 1 and w not in META}
    return len(content) >= 2


class GroundingChecker:
    """Scores answers against their sources with the collection's embedder."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def check(
        self, answer: str, sources: list[Source], policy: GroundingPolicy, question: str = ""
    ) -> GroundingVerdict:
        """`question`: the user's turn. What the user said is not the model's claim: its words count as found
        and the conversation's placeholders (`<EMAIL_ADDRESS_1>`) are not scored, so "I will send your booking
        confirmation for PNR 290049223 to anna@example.com" is not declined for the address. Numbers and codes
        must still be in the source: a gate or time the user suggested is not confirmed by being repeated."""
        by_index = {s.index: s for s in sources}
        citations = sorted({int(n) for n in CITATION.findall(answer)})
        invalid = [n for n in citations if n not in by_index]
        sentences = split_sentences(answer)
        claims = [s for s in sentences if _is_claim(s)]
        # A refusal excuses the uncoded sentences from it on ("… not in the documents. Please ask at the desk."),
        # not the claims made before it: a streamed answer has released those before the refusal was written,
        # and streamed and non-streamed answers must reach the same verdict.
        first = next((i for i, s in enumerate(sentences) if REFUSAL.search(s)), None)
        if (
            first is not None
            and not any(_is_claim(s) for s in sentences[:first])
            and not any(_codes(CITATION.sub("", c)) for c in claims if not REFUSAL.search(c))
        ):
            return GroundingVerdict(
                True,
                1.0,
                policy.policy,
                policy.threshold,
                [],
                citations,
                invalid,
                declined=True,
                reason="the answer declines",
            )
        scored = self._score(claims, sources, by_index, _words(PLACEHOLDER.sub(" ", question)))
        score = min((s.score for s in scored), default=1.0)
        attributed = sorted({s.best_source for s in scored if s.attributed and s.best_source is not None})
        reason = ""
        if invalid:
            reason = f"cites sources that were not given: {invalid}"
        elif policy.require_citation and not (set(citations) & set(by_index)) and claims:
            reason = "the answer cites no source"
        elif score < policy.threshold:
            weakest = min(scored, key=lambda s: s.score)
            reason = (
                f"a sentence is not supported by its sources (score {weakest.score:.2f}): {weakest.text[:120]!r}"
            )
        supported = not reason
        replacement = policy.unsupported if not supported and policy.policy == "replace" else None
        return GroundingVerdict(
            supported,
            score,
            policy.policy,
            policy.threshold,
            scored,
            citations,
            invalid,
            attributed=attributed,
            reason=reason or "every sentence is supported by its sources",
            replacement=replacement,
        )

    def _score(
        self, claims: list[str], sources: list[Source], by_index: dict[int, Source], said: set[str] | None = None
    ) -> list[SentenceSupport]:
        said = said or set()
        if not claims or not sources:
            return [SentenceSupport(c, 0.0, [], None) for c in claims]
        source_sentences = [(s.index, part) for s in sources for part in split_sentences(s.text) or [s.text]]
        bare_claims = [PLACEHOLDER.sub(" ", CITATION.sub("", c)).strip() for c in claims]
        vectors = self.embedder.embed(bare_claims + [text for _, text in source_sentences])
        claim_vectors, sentence_vectors = vectors[: len(claims)], vectors[len(claims) :]
        owners = np.asarray([index for index, _ in source_sentences])
        similarity = claim_vectors @ sentence_vectors.T
        out = []
        for row, (claim, bare) in enumerate(zip(claims, bare_claims, strict=True)):
            cited = sorted({int(n) for n in CITATION.findall(claim)} & set(by_index))
            candidates = cited or sorted(by_index)
            best, best_score, missing = None, -1.0, sorted(_codes(bare))
            for index in candidates:
                text = by_index[index].text
                semantic = float(similarity[row, owners == index].max(initial=0.0))
                words = _words(bare)
                lexical = len(words & (_words(text) | said)) / len(words) if words else 1.0
                absent = sorted(c for c in _codes(bare) if not _has_code(text, c))
                score = 0.5 * max(semantic, 0.0) + 0.5 * lexical
                if absent:
                    score = min(score, CAP_UNSUPPORTED_CODE)
                if score > best_score:
                    best, best_score, missing = index, score, absent
            out.append(SentenceSupport(claim, max(best_score, 0.0), cited, best, missing))
        return out
