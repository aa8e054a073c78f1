"""Test sets from a RAG collection: easy, complex and distracting questions with reference answers and chunk ids.

Each generated case names the chunk(s) that hold its answer, so a suite can score retrieval exactly (context
precision and recall by chunk id) as well as the answer. Three kinds, after RAGAS's evolutions:

* easy — one fact sentence of a chunk, asked as a direct question about it;
* complex — two facts of one chunk asked together, with the wording paraphrased away from the source so
  keyword matching alone does not find it;
* distracting — an easy question preceded by a related but irrelevant statement taken from the nearest chunk
  of another document (nearest by the stored embeddings), which retrieval and the model must ignore.

Questions are written by a generator. The default `template` generator is deterministic and offline: it turns
a fact's answer span (a time, an amount, a quantity, a name) into a wh-phrase in place ("closes how many
minutes before departure?"). A model generator (`model:ID` or `app:NAME`) asks an LLM for a natural question
and keeps it only if its output parses and the answer is supported by the chunk; otherwise the template
question is used and counted, so a weak model degrades gracefully instead of producing garbage cases.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from steward.errors import InvalidRequest, NotFound
from steward.evals.judge import Judge, make_judge
from steward.evals.support import SupportScorer
from steward.evals.text import words
from steward.language import split_sentences

if TYPE_CHECKING:
    from steward.store import Store

KINDS = ("easy", "complex", "distracting")

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_SPANS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b(?:from|between)\s+\d{1,2}[:.]\d{2}\s*(?:to|and|-|–)\s*\d{1,2}[:.]\d{2}\b", re.I),
        "during what hours",
    ),
    (re.compile(rf"\b(?:on\s+)?\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?\b", re.I), "on what date"),
    (re.compile(r"\b(?:at|from|until|by)?\s*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?\b", re.I), "at what time"),
    (re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:euros?|eur|dollars?|usd|pounds?|gbp|€|\$)", re.I), "how much"),
    (re.compile(r"[€$£]\s*\d+(?:[.,]\d+)?"), "how much"),
    (re.compile(r"\b\d+(?:[.,]\d+)?\s+([a-z]+)", re.I), "how many {unit}"),
    (re.compile(r"\b(?:in|at|near|next to)\s+((?:[A-Z][\w-]*\s?)+(?:\d+\w*)?)"), "where"),
)
_PARAPHRASE = {
    "closes": "ends",
    "opens": "starts",
    "before": "prior to",
    "after": "following",
    "departure": "take-off",
    "passengers": "travellers",
    "luggage": "baggage",
    "must": "have to",
    "allowed": "permitted",
    "available": "offered",
    "every": "each",
    "minutes": "min",
    "located": "found",
    "travel": "fly",
    "kept": "held",
}


@dataclass(frozen=True)
class Chunk:
    id: str
    document: str
    text: str
    vector: np.ndarray = field(repr=False, compare=False)


def load_chunks(store: Store, collection: str) -> list[Chunk]:
    """Every chunk of a collection with its document key and stored embedding."""

    with store.reading() as tx:
        rag = tx.rag
        ids, vectors = rag.embeddings(collection)
        rows = rag.chunk_rows([int(i) for i in ids])
    chunks = [
        Chunk(str(int(i)), rows[int(i)].document_key, rows[int(i)].text, v)
        for i, v in zip(ids, vectors, strict=True)
    ]
    return sorted(chunks, key=lambda c: int(c.id))


def is_prose(sentence: str) -> bool:
    """A sentence, not a record: few `key: value` separators, mostly alphabetic words, not a heading."""
    tokens = words(sentence)
    alphabetic = sum(t.isalpha() for t in tokens)
    separators = sentence.count(";") + len(re.findall(r"\w:\s", sentence)) + 2 * sentence.count(">")
    starts_well = sentence[:1].isupper() or sentence[:1].isdigit()  # not a fragment cut at a chunk boundary
    return 5 <= len(tokens) <= 40 and alphabetic >= 0.6 * len(tokens) and separators <= 1 and starts_well


def fact_sentences(text: str) -> list[str]:
    """Sentences worth asking about: prose of 5-40 words with a span a question can target."""
    return [
        s
        for s in split_sentences(text)
        if is_prose(s) and not s.endswith("?") and template_question(s) is not None
    ]


def template_question(sentence: str) -> str | None:
    """The sentence with its answer span replaced by a wh-phrase, as a question; None when it has no span."""
    body = sentence.rstrip(" .!")
    for pattern, phrase in _SPANS:
        match = pattern.search(body)
        if match is None or (match.start() == 0 and phrase == "where"):
            continue
        wh = phrase.format(unit=match.group(1)) if "{unit}" in phrase else phrase
        question = f"{body[: match.start()].rstrip()} {wh} {body[match.end() :].lstrip()}".strip()
        question = re.sub(r"\s+", " ", question).rstrip(" ,;:")
        return question[0].upper() + question[1:] + "?"
    return None


def paraphrase(question: str) -> str:
    """Swap common words for synonyms so the question shares fewer keywords with its source."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        replacement = _PARAPHRASE.get(word.lower(), word)
        return replacement.capitalize() if word[0].isupper() and replacement != word else replacement

    return re.sub(r"[A-Za-z]+", swap, question)


_MODEL_PROMPT = """Write one question a traveller could ask that the FACT below answers, and its short answer.
{style}
Reply with JSON only: {{"question": "...", "answer": "..."}}

FACT: {fact}
"""
_STYLES = {
    "easy": "Ask it directly.",
    "complex": "Word it differently from the fact (use other words), as a customer would.",
}


@dataclass
class Generator:
    """Writes questions: by template, or by a model checked against its chunk."""

    judge: Judge | None = None
    scorer: SupportScorer = field(default_factory=SupportScorer)
    fallbacks: int = 0

    def question(self, fact: str, kind: str) -> str:
        fallback = template_question(fact) or f"What do the documents say about {' '.join(words(fact)[:6])}?"
        if kind == "complex":
            fallback = paraphrase(fallback)
        if self.judge is None:
            return fallback
        reply = self.judge.ask(_MODEL_PROMPT.format(style=_STYLES.get(kind, ""), fact=fact))
        parsed = _question_from(reply)
        if parsed is None or not self.scorer.supported([parsed[1]], [fact])[0]:
            self.fallbacks += 1
            return fallback
        return parsed[0]


def _question_from(reply: str) -> tuple[str, str] | None:
    from steward.evals.judge import _json_objects

    for obj in _json_objects(reply):
        question, answer = obj.get("question"), obj.get("answer")
        if (
            isinstance(question, str)
            and isinstance(answer, str)
            and question.strip().endswith("?")
            and answer.strip()
        ):
            return question.strip(), answer.strip()
    return None


def _nearest_other_documents(chunk: Chunk, chunks: Sequence[Chunk], k: int = 3) -> list[Chunk]:
    """The `k` most similar chunks of other documents that have prose (related but irrelevant distractors)."""
    with_prose = [c for c in chunks if any(is_prose(s) for s in split_sentences(c.text))]
    others = [c for c in with_prose if c.document != chunk.document] or [c for c in with_prose if c.id != chunk.id]
    if not others:
        return []
    similarity = np.stack([c.vector for c in others]) @ chunk.vector
    return [others[int(i)] for i in np.argsort(-similarity)[:k]]


def _case(
    kind: str, index: int, question: str, answer: str, chunk_ids: list[str], collection: str, document: str
) -> dict[str, Any]:
    return {
        "id": f"{kind}-{index:04d}",
        "input": question,
        "references": [answer],
        "reference_ids": chunk_ids,
        "tags": [kind, "generated"],
        "source": {"collection": collection, "document": document},
    }


def _draw(
    kind: str, chunk: Chunk, fact: str, chunks: Sequence[Chunk], rng: random.Random, generator: Generator
) -> tuple[str, str]:
    """(question, reference answer) of one kind about one fact."""
    if kind == "complex":
        others = [s for s in fact_sentences(chunk.text) if s != fact]
        question, answer = generator.question(fact, "complex"), fact
        if others:
            second = rng.choice(others)
            follow = generator.question(second, "complex")
            question = f"{question.rstrip('?')}, and {follow[0].lower()}{follow[1:]}"
            answer = f"{fact} {second}"
        return question, answer
    question = generator.question(fact, "easy")
    if kind == "distracting" and (near := _nearest_other_documents(chunk, chunks)):
        prose = [p for p in split_sentences(rng.choice(near).text) if is_prose(p)]
        distractor = rng.choice(prose) if prose else near[0].text[:200]
        question = f"{distractor.rstrip('.')}. But my question is: {question[0].lower()}{question[1:]}"
    return question, fact


def generate(
    chunks: Sequence[Chunk],
    collection: str,
    n: int,
    *,
    mix: dict[str, float] | None = None,
    seed: int = 0,
    generator: Generator | None = None,
) -> list[dict[str, Any]]:
    """Up to `n` distinct cases drawn from the chunks' fact sentences, kinds in the proportions of `mix`.

    Fewer come back only when the collection cannot give `n` distinct questions.
    """
    if n < 1:
        raise InvalidRequest("--n must be at least 1.")
    facts = [(chunk, sentence) for chunk in chunks for sentence in fact_sentences(chunk.text)]
    if not facts:
        raise InvalidRequest(
            f"collection {collection!r} has no sentence a question can be asked about; ingest "
            "documents with factual sentences (times, amounts, places) first."
        )
    weights = mix or {"easy": 0.4, "complex": 0.3, "distracting": 0.3}
    unknown = set(weights) - set(KINDS)
    if unknown:
        raise InvalidRequest(f"unknown question kind {sorted(unknown)[0]!r}; kinds are {', '.join(KINDS)}.")
    rng = random.Random(seed)
    generator = generator or Generator()
    cases: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(20 * n):
        if len(cases) == n:
            break
        kind = rng.choices(list(weights), weights=list(weights.values()))[0]
        chunk, fact = rng.choice(facts)
        question, answer = _draw(kind, chunk, fact, chunks, rng, generator)
        if question not in seen:
            seen.add(question)
            cases.append(_case(kind, len(cases), question, answer, [chunk.id], collection, chunk.document))
    return cases


def generate_testset(
    pipeline: Any,
    collection: str,
    n: int,
    *,
    mix: dict[str, float] | None = None,
    seed: int = 0,
    generator: str | Judge | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Generate `n` cases from a project's collection; returns the cases and how many fell back to templates."""
    known = getattr(pipeline.project, "collections", {})
    if collection not in known:
        raise NotFound(
            f"unknown collection {collection!r}; the project declares: {', '.join(sorted(known)) or 'none'}."
        )
    chunks = load_chunks(pipeline.store, collection)
    if not chunks:
        raise InvalidRequest(
            f"collection {collection!r} has no chunks yet; ingest documents with "
            f"`steward rag ingest {collection} PATH` first."
        )
    writer = Generator(
        judge=make_judge(generator if generator != "template" else None, pipeline.project, pipeline.settings)
    )
    return generate(chunks, collection, n, mix=mix, seed=seed, generator=writer), writer.fallbacks


def write_jsonl(cases: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
