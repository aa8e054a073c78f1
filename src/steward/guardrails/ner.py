"""spaCy NER for Presidio, run only where a name can be: windows around capitalised words.

spaCy's small English model costs about 0.1 ms of CPU per token for its NER (its own token-to-vector CNN plus
the transition parser), ~17 ms for a 1 kB prompt, and most of a customer-service prompt holds no name at all. A
person, place or organisation name is a capitalised word, so `CandidateNerEngine` tokenises the whole text
(cheap), finds the capitalised words that are not a sentence-initial common word, a code (`BA117`, `QX7P2M`) or a
weekday/month, and runs the NER only on windows of `WINDOW` tokens either side of them, batched with `nlp.pipe`.
The CNN sees four tokens either side of a token and the parser's features the neighbours of the token being
decided, so a window of six gives the tokens near a candidate the context they have in the full text; entities
found in a window are mapped back onto the full document by character offsets (a test checks that the names found
equal those of NER on the whole text). Regex recognisers still run on all the text. Text made mostly of
capitalised words gets NER on nearly all of it, at the full cost. Only the NER component is loaded; without the
lemmatizer `NoContextEnhancer` replaces Presidio's lemma-based context booster (it needs lemmas, and walking the
tokens to find none cost ~6 ms per prompt). The windows are decoded by `GreedyNerDecoder`
(`steward.guardrails.ner_decode`), which gives spaCy's entities without its compiled loop's GIL round trips;
spaCy's own loop stays as the fallback.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import spacy
from presidio_analyzer import RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.attrs import IDX
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Span

from steward.guardrails.ner_decode import Entity, GreedyNerDecoder, UnsupportedNerModel

logger = logging.getLogger(__name__)

# Components the small English pipeline has that NER does not need. The NER embeds tokens with its own
# Tok2Vec layer (not a listener of the shared `tok2vec` component, which feeds only the tagger and parser), so
# the shared one is excluded as well: it was ~40 % of the NER's time, computing vectors nobody read.
EXCLUDED_COMPONENTS = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]
# Tokens either side of a capitalised word: the NER's CNN sees 4 tokens either side of a token (depth 4, window
# 1) and its transition features the tokens next to the one being decided, so 6 gives every token within 2 of
# the candidate the same vectors it has in the full text.
WINDOW = 6
# Capitalised words that start a sentence but are not names ("Hello, my name is…", "Thanks", "Could you…").
_OPENERS = {"hello", "hi", "hey", "thanks", "thank", "dear", "yes", "no", "ok", "okay", "sorry", "also", "good"}
_CALENDAR = {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "september",
    "october",
    "november",
    "december",
}  # April, May, June, August are also given names and stay candidates


# Capitalised words of the Latin alphabet with its diacritics: "Özgür", "Łukasz", "Émilie" are candidates too
# (session 15: an ASCII-only class left "Özgür's account" out of every window, so spaCy never read it). Not
# Greek or Cyrillic: the English model reads their companies as people (family 4's "АО «Фадеев»").
_UPPER = "".join(chr(c) for c in range(0x41, 0x250) if chr(c).isupper())
_CAPITALISED = re.compile(r"(?<![\w'’\-])[" + re.escape(_UPPER) + r"](?:[^\W\d_]|['’\-])*")
_OPENING = re.compile(r"(^|[.!?:;\n\"“(\-–]\s*)$")


def name_candidates(text: str) -> list[int]:
    """Character offsets of capitalised words that could be (part of) a name."""
    found = []
    for match in _CAPITALISED.finditer(text):
        word = match.group(0)
        lower = word.lower()
        if word == "I" or (word.isupper() and len(word) <= 8) or lower in _CALENDAR:
            continue  # codes such as PNRs and flight numbers are not names; the scanner drops them anyway
        opening = _OPENING.search(text, max(0, match.start() - 3), match.start()) is not None
        if opening and (lower in STOP_WORDS or lower in _OPENERS):
            continue
        found.append(match.start())
    return found


def windows(candidates: list[int], starts: np.ndarray, width: int = WINDOW) -> list[tuple[int, int]]:
    """Merged token ranges [start, end) of `width` tokens either side of each candidate's token."""
    merged: list[tuple[int, int]] = []
    for token in np.searchsorted(starts, candidates, side="right") - 1:
        start, end = max(0, int(token) - width), min(len(starts), int(token) + width + 1)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class CandidateNerEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, loading only NER and running it on name-candidate windows.

    The artifacts carry entities and tokens but no lemmas (nothing to lemmatise with), so Presidio's context
    booster has nothing to read; `NoContextEnhancer` stands in for it.
    """

    person_score: float = 0.85  # the scanner lowers it when spaCy's people only fill gaps

    def load(self) -> None:
        pipelines = {m["lang_code"]: spacy.load(m["model_name"], exclude=EXCLUDED_COMPONENTS) for m in self.models}
        self.nlp: Any = pipelines
        self.decoders = {language: _checked_decoder(nlp) for language, nlp in pipelines.items()}

    def _entities(self, language: str, parts: list[Doc]) -> list[list[tuple[int, int, str]]]:
        """(start char, end char, label) of the entities in each part, by the fast decoder or spaCy's own."""
        decoder = self.decoders.get(language)
        if decoder is None:
            ner = self.nlp[language].get_pipe("ner")
            return [[(e.start_char, e.end_char, e.label_) for e in part.ents] for part in ner.pipe(parts)]
        return [_char_spans(part, found) for part, found in zip(parts, decoder(parts), strict=True)]

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        nlp = self.nlp[language]
        doc = nlp.make_doc(text)
        starts = doc.to_array(IDX).astype(np.int64)
        chars = [
            (int(starts[s]), int(starts[e]) if e < len(doc) else len(text))
            for s, e in windows(name_candidates(text), starts)
        ]
        parts = [nlp.make_doc(text[a:b]) for a, b in chars]
        entities: list[Span] = []
        for (offset, _), found in zip(chars, self._entities(language, parts), strict=True):
            for start, end, label in found:
                span = doc.char_span(offset + start, offset + end, label, alignment_mode="expand")
                if span is not None:
                    entities.append(span)
        default = float(self.ner_model_configuration.default_score or 0.85)
        # spaCy's people fill gaps only (`pii.SPACY_GAP_SCORE`): scored below every Steward name recogniser, so
        # that Presidio's de-duplication of equal spans keeps a keyed or cued name ("last_name": "Kaziród")
        # rather than spaCy's copy, which the scanner may then drop as implausible.
        scores = [self.person_score if e.label_ == "PERSON" else default for e in entities]
        entities, scores = self._get_updated_entities(entities, scores)
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=starts.tolist(),
            lemmas=[],
            nlp_engine=self,
            language=language,
            scores=scores,
        )


# Checked against spaCy's own decoding when the engine loads (a test compares them on thousands of texts): if a
# BLAS kernel or a spaCy release made them differ, spaCy's loop is kept.
SELF_CHECK_TEXTS = (
    "Hello, my name is Anna Keller and I fly to Lisbon on 3 May with Mei Ling Zhou of Acme Corp.",
    "John Smith paid $1,200 for 2 tickets to New York.\n\nCall Dr. Priya Natarajan at 10:45 tomorrow.",
    "My colleague Lucas Martin asked whether the Priority Pass lounge at Heathrow Terminal 5 has showers.",
    "Thanks a lot. Could you also tell Maria Garcia that claim CLM-2024-00123 for the Toyota was approved?",
    "Barack Obama, the 44th President of the United States, met Angela Merkel in Berlin in June 2009.",
)


def _checked_decoder(nlp: Any) -> GreedyNerDecoder | None:
    """The fast decoder for this pipeline's NER, or None (spaCy's loop is kept) if it cannot reproduce it."""
    ner = nlp.get_pipe("ner")
    try:
        decoder = GreedyNerDecoder(ner)
    except UnsupportedNerModel as exc:
        logger.warning("spaCy's own NER decoding is used: %s", exc)
        return None
    docs = [nlp.make_doc(text) for text in SELF_CHECK_TEXTS]
    want = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in ner.pipe(list(docs))]
    try:
        got = [_char_spans(doc, found) for doc, found in zip(docs, decoder(docs), strict=True)]
    except Exception as exc:  # any failure of the fast path leaves spaCy's own, which is correct by definition
        logger.warning("spaCy's own NER decoding is used: the fast decoder failed on a check text (%r)", exc)
        return None
    if got != want:
        logger.warning("spaCy's own NER decoding is used: the fast decoder disagreed with it on a check text")
        return None
    return decoder


def _char_spans(doc: Doc, entities: list[Entity]) -> list[tuple[int, int, str]]:
    return [(doc[e.start].idx, doc[e.end - 1].idx + len(doc[e.end - 1]), e.label) for e in entities]


class NoContextEnhancer(ContextAwareEnhancer):
    """Leaves scores as the recognisers gave them (no lemmas to match context words against)."""

    def __init__(self) -> None:
        super().__init__(
            context_similarity_factor=0.0,
            min_score_with_context_similarity=0.0,
            context_prefix_count=0,
            context_suffix_count=0,
        )

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[Any],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        return raw_results
