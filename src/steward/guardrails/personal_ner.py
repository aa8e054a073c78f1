"""Steward's trained personal-data NER, as a Presidio recogniser.

A small spaCy entity recogniser (hash embeddings of NORM/PREFIX/SUFFIX/SHAPE, a 4-layer CNN, the transition-based
NER decoder) trained from scratch by `scripts/train_pii_ner.py` on generated text in 27 locales, with hard
negatives (cities, airports, airlines, companies, products, job titles, months) labelled as nothing. spaCy's small
English model tags many non-English names as organisations or places and never tags a street address, an age or
a date of birth as such; this one was trained for exactly those types (docs/cards/pii.md has the data card and the
figures). The weights ship as float16 arrays (`weights/personal_ner.npz`) with their config and move names
(`weights/personal_ner.json`): no pickle, no msgpack. They are loaded into a freshly built spaCy pipeline, and
loading refuses (ArtefactError) a file whose moves or array shapes do not fit that pipeline.

A second model of the same architecture (`weights/personal_ner_vetter.*`, round 5's retrain) vets the dates of
birth, ages and year-shaped postcodes of the first (`vetted`): session 14's role split, docs/cards/pii.md.
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.errors import ArtefactError
from steward.guardrails.rule_recognizer import RuleRecognizer

WEIGHTS = Path(__file__).parent / "weights"
# The model's labels and the policy's entity names (kept stable: policies list these).
ENTITY_OF_LABEL = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "AGE": "AGE",
    "DATE_OF_BIRTH": "DATE_OF_BIRTH",
    "NATIONALITY": "NATIONALITY",
    "ZIP_CODE": "ZIP_CODE",
}
# Round 6 (issue 15, session 14): what the shipped model (session 7's) calls a date of birth, an age or a postcode
# is kept only where a second model agrees. Session 7's model learnt "a date is a date of birth, a year is a
# postcode, a number before 'years' is an age" from records; the vetting model (round 5's retrain, trained on
# prose where appointment dates, years and durations sit beside personal values as nothing) tells them apart but
# loses names the first one finds, so it decides only these three labels (postcodes only when they could be a
# year) and never adds a span. It runs only on a text where the first model found such a span, so other texts
# cost one model as before.
VETTED = ("DATE_OF_BIRTH", "AGE", "ZIP_CODE")
VETTER_STEM = "personal_ner_vetter"
# Texts are decoded in pieces of at most this many characters, cut at a line break or a space, so a 100 kB
# paste costs linear time and memory like any other text.
PIECE = 5000


class PersonalNer:
    """The loaded pipeline; `entities(text)` gives (start, end, label) character spans."""

    def __init__(self, nlp: Any) -> None:
        from steward.guardrails.ner import _checked_decoder

        self.nlp = nlp
        # spaCy's greedy loop spends most of its time on the GIL; the numpy decoder gives the same entities in
        # a fifth of the time (checked against spaCy's loop at load; spaCy's loop is kept if they differ).
        self.decoder = _checked_decoder(nlp)
        self.lock = threading.Lock()  # spaCy pipelines are not safe to call from several threads at once

    def entities(self, text: str) -> list[tuple[int, int, str]]:
        """Entities of the text as it is (the PII scanner folds invisible and look-alike characters first)."""
        from steward.guardrails.ner import _char_spans

        found = []
        with self.lock:
            for start, piece in _pieces(text):
                if self.decoder is None:
                    spans = [(e.start_char, e.end_char, e.label_) for e in self.nlp(piece).ents]
                else:
                    doc = self.nlp.make_doc(piece)
                    spans = _char_spans(doc, self.decoder([doc])[0])
                found += [(start + a, start + b, label) for a, b, label in spans]
        return found


def _pieces(text: str) -> list[tuple[int, str]]:
    """(offset, piece) cuts of at most PIECE characters, at a line break or a space where there is one."""
    pieces, at = [], 0
    while at < len(text):
        end = min(len(text), at + PIECE)
        if end < len(text):
            cut = max(text.rfind("\n", at, end), text.rfind(" ", at, end))
            end = cut + 1 if cut > at else end
        pieces.append((at, text[at:end]))
        at = end
    return pieces


def vetted(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """`spans` (the shipped model's) without the dates of birth, ages and postcodes to which the vetting model,
    reading the same text, does not give the same label over an overlapping span."""
    doubtful = [span for span in spans if span[2] in VETTED and _doubtful(text, span)]
    if not doubtful:
        return spans
    second = vetter().entities(text)
    agreed = {
        (start, end, label)
        for start, end, label in doubtful
        if any(label == other and s < end and start < e for s, e, other in second)
    }
    return [span for span in spans if span not in doubtful or span in agreed]


def _doubtful(text: str, span: tuple[int, int, str]) -> bool:
    """A date of birth or an age always; a postcode only when it could be a year ("since 1998", "in 2012"), the
    one error the first model makes with postcodes (the vetter misses real postcodes the first model finds)."""
    start, end, label = span
    return label != "ZIP_CODE" or _YEAR.fullmatch(text[start:end].strip()) is not None


def vetter() -> PersonalNer:
    """The model that vets dates of birth, ages and postcodes (`VETTED`)."""
    return personal_ner(WEIGHTS, VETTER_STEM)


@lru_cache(maxsize=2)
def personal_ner(weights: Path = WEIGHTS, stem: str = "personal_ner") -> PersonalNer:
    """Build the pipeline from its config and load the shipped arrays into it (once per process and model)."""
    import numpy as np
    import spacy
    from spacy.training import Example

    meta_path, arrays_path = weights / f"{stem}.json", weights / f"{stem}.npz"
    try:
        meta = json.loads(meta_path.read_text())
        arrays = dict(np.load(arrays_path, allow_pickle=False))
    except (OSError, ValueError) as exc:
        raise ArtefactError(
            f"the personal-data NER weights could not be read ({exc}); reinstall steward or retrain them with "
            f"`python scripts/train_pii_ner.py`."
        ) from None
    nlp = spacy.blank("en")
    ner: Any = nlp.add_pipe("ner", config={"model": meta["model"]})
    doc = nlp.make_doc("x " * len(meta["labels"]))
    spans = [(2 * i, 2 * i + 1, label) for i, label in enumerate(meta["labels"])]
    sample = Example.from_dict(doc, {"entities": spans})
    ner.initialize(lambda: [sample], nlp=nlp, labels=_actions(meta["moves"]))
    moves = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    if moves != meta["moves"]:
        raise ArtefactError(f"{arrays_path} was trained with other moves than this spaCy builds; retrain it.")
    _load_arrays(ner.model, arrays, arrays_path)
    return PersonalNer(nlp)


def _actions(moves: list[str]) -> dict[int, dict[str, int]]:
    """spaCy's action table that gives `moves` in this order: it orders each action's labels by frequency."""
    kinds = {"B": 1, "I": 2, "L": 3, "U": 4, "O": 5}
    actions: dict[int, dict[str, int]] = {kind: {} for kind in kinds.values()}
    for position, move in enumerate(moves):
        kind, _, label = move.partition("-")
        actions[kinds[kind]][label] = len(moves) - position
    return actions


def _load_arrays(model: Any, arrays: dict[str, Any], path: Path) -> None:
    import numpy as np

    expected = set()
    for index, node in enumerate(model.walk()):
        for name in node.param_names:
            key = f"{index}/{node.name}/{name}"
            if key not in arrays:
                continue  # a parameter the training run never initialised (none in a trained model)
            expected.add(key)
            value = arrays[key].astype(np.float32)
            if node.has_param(name) and node.get_param(name).shape != value.shape:
                raise ArtefactError(f"{path}: {key} is {value.shape}, the model's {node.get_param(name).shape}")
            node.set_param(name, value)
    if expected != set(arrays):
        raise ArtefactError(f"{path} holds arrays this model has no place for; retrain it.")


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# Every postcode format: two to ten letters and digits, at most one space or hyphen, at least one digit.
_POSTCODE = re.compile(r"(?=[^\d]*\d)[A-Za-z0-9]{2,6}(?:[ -][A-Za-z0-9]{2,4})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?|\d{2}-\d{2}-\d{2,4}")
# What a date has: a word (a month, "born"), numbers with a separator between them (12.03.1985, 3/12/85), or a
# year on its own. A run of digits alone ("290049223", a booking reference) is not a date of birth.
_DATE_SHAPE = re.compile(r"[^\W\d_]{3,}|\d{1,4}\s*[./\-\s]\s*\d{1,2}|(?<!\d)(?:19|20)\d{2}(?!\d)")
# Words that count or measure but never name a date: "a 3-day trip", "BA 117, one for me", "2 nights".
_NOT_DATE_WORDS = frozenset(
    [
        "day",
        "days",
        "night",
        "nights",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "hour",
        "hours",
        "hr",
        "hrs",
        "minute",
        "minutes",
        "min",
        "mins",
        "time",
        "times",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "for",
        "and",
        "seat",
        "seats",
        "bag",
        "bags",
        "kg",
        "km",
        "pm",
        "am",
        "passenger",
        "passengers",
        "adult",
        "adults",
        "child",
        "children",
        "people",
        "person",
        "room",
        "rooms",
    ]
)
_LETTERS = re.compile(r"[^\W\d_]+")


_COUNTED = re.compile(r"\d+\s*-?\s*(?:day|night|week|month|year|hour|minute)s?\b", re.IGNORECASE)


def _count_not_date(span: str) -> bool:
    """A span whose only words count or measure and whose digits have no date's separators or year, or whose
    only numbers count days or nights ("a 5-night stay in August")."""
    if _COUNTED.search(span) and not re.search(r"\d", _COUNTED.sub(" ", span)):
        return True
    words = [w.lower() for w in _LETTERS.findall(span)]
    numeric = re.sub(r"[^\W\d_]{3,}", " ", span)
    return (
        bool(words) and all(w in _NOT_DATE_WORDS or len(w) < 3 for w in words) and not _DATE_SHAPE.search(numeric)
    )


def _implausible(label: str, span: str) -> bool:
    """Model errors that a rule can tell: a "name" made only of function words ("you", "anything else"), a
    "date of birth" without a date's shape (a booking reference) or in this year or later (a travel date), a
    "postcode" of three characters or fewer (a gate) or of another shape than postcodes have (a time, a date)."""
    from datetime import date

    from spacy.lang.en.stop_words import STOP_WORDS

    if label == "PERSON":
        return all(word.lower().strip(".,'’") in STOP_WORDS for word in span.split())
    if label == "DATE_OF_BIRTH":
        year = _YEAR.search(span)
        too_late = year is not None and int(year.group(0)) >= date.today().year
        return _DATE_SHAPE.search(span) is None or too_late or _count_not_date(span)
    if label == "STREET_ADDRESS" and "%" in span:  # "12% more clicks than Leeds": a figure, not a house number
        return True
    if label == "ZIP_CODE":
        span = span.strip()
        return len(span) <= 3 or _POSTCODE.fullmatch(span) is None or _ISO_DATE.fullmatch(span) is not None
    return False


_AGE = re.compile(r"\d{1,3}")
_NOT_AN_AGE_BEFORE = re.compile(
    r"(?i:\b(?:at|gate|seat|row|flight|terminal|platform|room|no\.?|number|#|by|until))\s*$"
)
_NOT_AN_AGE_AFTER = re.compile(
    r"^\s*(?::\d|[.,]\d|%|am\b|pm\b|h\b|min|kg|km|€|\$|£"
    # round 5: a duration or a measure, hyphened or not ("a 48-hour trip", "a 5-night stay")
    r"|-?\s*(?:hours?|nights?|days?|weeks?|months?|minutes?|seconds?|hrs?|storey|floor|page|point|percent)\b)",
    re.IGNORECASE,
)
_DIGIT_BEFORE = re.compile(r"\d[\s\-/.]?$")
_DIGIT_AFTER = re.compile(r"^[\s\-/.]?\d")


def _number_in_context(label: str, text: str, start: int, end: int) -> bool:
    """An "age" or "postcode" the words around show to be something else: a part of a longer number (a card, an
    account), an age that is not one to three digits or that reads as a time, a gate, a seat or an amount."""
    before, after = text[max(0, start - 20) : start], text[end : end + 6]
    if label == "ZIP_CODE":
        return _DIGIT_BEFORE.search(before) is not None or _DIGIT_AFTER.search(after) is not None
    if label == "AGE":
        return (
            _AGE.fullmatch(text[start:end]) is None
            or _NOT_AN_AGE_BEFORE.search(before) is not None
            or _NOT_AN_AGE_AFTER.search(after) is not None
        )
    return False


def _uncapitalised(label: str, span: str) -> bool:
    """A name or a street with no capitalised word, in a text that capitalises: "reach you", "10, chill"."""
    return label in ("PERSON", "STREET_ADDRESS") and not any(word[:1].isupper() for word in span.split())


class PersonalNerRecognizer(RuleRecognizer):
    """Presidio recogniser over `PersonalNer`: each entity of a label in `labels`, at a fixed score."""

    # Below the pattern recognisers (addresses 0.9, dates of birth 0.85, ages 0.6…), which are precise where they
    # match, so a value both find keeps the pattern's type and boundaries; above the policy threshold (0.4).
    def __init__(self, labels: tuple[str, ...] = tuple(ENTITY_OF_LABEL), score: float = 0.5) -> None:
        self.labels = labels
        super().__init__(score, entities=sorted({ENTITY_OF_LABEL[label] for label in labels}))

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        wanted = set(entities)
        cased = any(c.isupper() for c in text)  # a text in lower case only may write names in lower case too
        results = []
        for start, end, label in vetted(text, personal_ner().entities(text)):
            entity = ENTITY_OF_LABEL.get(label)
            while end > start and text[end - 1].isspace():
                end -= 1
            if (
                label in self.labels
                and entity in wanted
                and end > start
                and not _implausible(label, text[start:end])
                and not _number_in_context(label, text, start, end)
                and not (cased and _uncapitalised(label, text[start:end]))
            ):
                results.append(RecognizerResult(entity, start, end, self.score))
        return results
