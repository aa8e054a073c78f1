"""Nationality tied to a person: a demonym reported only where it describes someone.

Presidio's NRP comes from spaCy's NORP label, which tags every demonym ("Italian restaurant", "German
engineering") and misses them in lowercase chat and table cells. Steward reports a nationality (entity
`NATIONALITY`) when a demonym, or a nationality noun ("a Pole", "a Dane"), stands where it says something about a
person:

- after a nationality key: "Nationality: German", "citizenship=Korean", "nationality - Irish";
- after a statement about someone: "I'm Brazilian", "im brazilian", "she is half Japanese", "we're both Kenyan",
  "Anna is Polish", "both Finnish";
- before a word that makes it a status: "Kenyan citizen", "Polish national", "Indian passport", "Swiss by birth",
  "Greek living in Germany";
- in brackets after a name: "K. Miller (Portuguese)";
- before a word for a person (round 5): "a 76-year-old Maltese man", "the Cambodian guy", "a Tongan grandmother",
  and as a birthplace: "a Lithuanian-born engineer"; after a key with "as": "your nationality as Scottish";
- as a whole cell of a delimited record (CSV, `|`-separated), where a column of nationalities sits beside names.

A demonym followed by a word for a thing ("restaurant", "food", "embassy", "engineering") is never reported.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.guardrails.personal import DEMONYMS
from steward.guardrails.rule_recognizer import RuleRecognizer

# Beyond personal.DEMONYMS: other spellings, multi-word demonyms and nationalities of the smaller states.
MORE_DEMONYMS = """
argentinean bahamian bruneian burkinabe cape-verdean central-african comorian costa-rican djiboutian
dominican equatorial-guinean grenadian guyanese hong-konger i-kiribati kittitian lesothan liechtensteiner
malawian marshallese micronesian motswana nauruan new-zealander northern-irish palauan papua-new-guinean
puerto-rican saint-lucian salvadorean san-marinese sao-tomean seychellois sierra-leonean solomon-islander
south-korean north-korean south-sudanese swazi timorese tongan trinidadian tuvaluan vanuatuan vincentian
yemenite catalan basque flemish walloon kurdish tibetan uyghur bosniak herzegovinian emirian saudi-arabian
laotian maori māori inuit botswanan
"""
ALL_DEMONYMS = frozenset(DEMONYMS | set(MORE_DEMONYMS.split()))
# Nouns for a person of a nationality; reported only after "a"/"an" in a statement ("I'm a Pole").
NATIONALITY_NOUNS = frozenset(
    [
        "pole",
        "dane",
        "swede",
        "finn",
        "brit",
        "briton",
        "scot",
        "spaniard",
        "turk",
        "filipina",
        "kiwi",
        "dutchman",
        "dutchwoman",
        "englishman",
        "englishwoman",
        "frenchman",
        "frenchwoman",
        "irishman",
        "irishwoman",
        "scotsman",
        "scotswoman",
        "welshman",
        "welshwoman",
        "icelander",
        "luxembourger",
        "kazakhstani",
        "israelite",
    ]
)
# Words for a person after a demonym that make it that person's nationality ("a Maltese man", "the Kenyan
# guy"): sex, age, kinship and status nouns, a closed class. Occupations are left out: "a French teacher" may
# teach French.
_PERSON_NOUNS_TEXT = """
man woman male female boy girl guy gal lady gentleman person child kid baby toddler teenager teen youth
mother father mum mom dad grandmother grandfather grandma grandpa granny wife husband son daughter sister
brother aunt uncle cousin nephew niece widow widower fiancé fiancée fiance fiancee girlfriend boyfriend
partner pensioner retiree native immigrant emigrant refugee migrant expat expatriate tourist traveller
traveler visitor passenger patient student pupil
"""
PERSON_NOUNS = frozenset(_PERSON_NOUNS_TEXT.split())
# Words after a demonym that make it a thing, not a person's nationality.
THINGS = frozenset(
    [
        "restaurant",
        "restaurants",
        "food",
        "foods",
        "cuisine",
        "cooking",
        "dish",
        "dishes",
        "fries",
        "food-truck",
        "cafe",
        "café",
        "bakery",
        "bar",
        "pub",
        "embassy",
        "consulate",
        "government",
        "ministry",
        "company",
        "companies",
        "firm",
        "brand",
        "engineering",
        "design",
        "style",
        "army",
        "navy",
        "language",
        "lessons",
        "class",
        "classes",
        "course",
        "courses",
        "film",
        "films",
        "movie",
        "movies",
        "music",
        "wine",
        "wines",
        "beer",
        "cheese",
        "chocolate",
        "coffee",
        "tea",
        "curry",
        "pastries",
        "pastry",
        "waffles",
        "omelette",
        "dumplings",
        "tarts",
        "garden",
        "gardens",
        "new",
        "year",
        "holiday",
        "holidays",
        "bath",
        "steakhouse",
        "barbecue",
        "market",
        "markets",
        "economy",
        "team",
        "league",
        "airline",
        "airlines",
        "car",
        "cars",
        "oven",
        "rockies",
        "express",
        "border",
        "coast",
        "league",
        "law",
        "laws",
        "breakfast",
        "translation",
        "version",
        "keyboard",
        "dressing",
        "mustard",
    ]
)
_ALTERNATION = "|".join(
    sorted((d.replace("-", "[ -]") for d in ALL_DEMONYMS | NATIONALITY_NOUNS), key=len, reverse=True)
)
# not inside a hyphenated word, except as a birthplace: "a Lithuanian-born engineer" (round 5)
_CANDIDATE = re.compile(rf"(?<![\w\-])(?:{_ALTERNATION})(?![\w])(?!-(?!born\b))", re.IGNORECASE)
KEY_BEFORE = re.compile(
    r"(?i:\b(?:nationality|nationalities|citizenship|citizen\s+of|national\s+of|nat\.|nationalit[ée]|"
    r"staatsangeh[öo]rigkeit|nacionalidad|nazionalit[àa]|nacionalidade|гражданство|национальность|υπηκοότητα|"
    r"εθνικότητα)[\"']?\s*(?:(?:is|was)\s+)?(?:(?:listed|given|recorded|shown|stated|entered)\s+)?(?:as\s+)?"
    r"[:=\-–|]?\s*[\"']?(?:both\s+)?)$"
)
_MODIFIERS = r"(?:(?:a|an|also|originally|half|both|fully|partly|proudly|part|by\s+birth|now)\s+)*"
STATEMENT_BEFORE = re.compile(
    r"(?i:\b(?:i['’]?m|i\s+am|s?he['’]s|s?he\s+is|is\s+s?he|we\s+are|we['’]re|they\s+are|they['’]re|you\s+are|"
    r"you['’]re|are\s+you|both|all|became|become|half)\s+)" + _MODIFIERS + "$"
)
# "Anna is Polish": a capitalised word (a name) before "is"; case-sensitive so "the food is Italian" is not one.
NAMED_BEFORE = re.compile(r"\b[A-Z][\w'’\-]+\s+(?:is|was)\s+" + _MODIFIERS + "$")
HOLDER_BEFORE = re.compile(r"(?i:\b(?:holder\s+of|hold|holds|holding|with|has|have|carry|carries)\s+an?\s+)$")
STATUS_AFTER = re.compile(
    r"(?i:^[\s\-]*(?:citizens?|nationals?|passports?|nationality|subjects?|residents?|by\s+(?:birth|citizenship|"
    r"nationality|descent|origin)|born|descent|origin|heritage|expats?|(?:living|based|residing|settled)\s+in)\b)"
)
BRACKETED = re.compile(r"[^\W\d_][\w.'’\-]*\s*\($")
DELIMITERS = ",;|\t"


def _line(text: str, start: int, end: int) -> tuple[str, str]:
    """The part of the line before `start`, and the part after `end`."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start:start], text[end : len(text) if line_end < 0 else line_end]


def _is_cell(before: str, after: str) -> bool:
    """The demonym is a whole cell of a line with at least two cells' worth of one delimiter."""
    left, right = before.rstrip(' "'), after.lstrip(' "')
    if (left and left[-1] not in DELIMITERS) or (right and right[0] not in DELIMITERS):
        return False
    line = before + after
    return any(line.count(d) >= 2 for d in DELIMITERS)


def _next_word(after: str) -> str:
    match = re.match(r"[\s\-]*([^\W\d_]+)", after)
    return match.group(1).lower() if match else ""


def tied_to_person(text: str, start: int, end: int) -> bool:
    """Whether the demonym at text[start:end] states someone's nationality (see the module docstring)."""
    word = text[start:end]
    before, after = _line(text, start, end)
    if _next_word(after) in THINGS:
        return False
    if word.lower() in NATIONALITY_NOUNS:  # "I'm a Pole", "a Dane named…": only as a noun after "a"/"an"
        return word[:1].isupper() and re.search(r"(?i:\ban?\s+)$", before) is not None
    capitalised = word[:1].isupper()
    if KEY_BEFORE.search(before) or STATEMENT_BEFORE.search(before) or STATUS_AFTER.search(after):
        return capitalised or text.lower() == text or STATEMENT_BEFORE.search(before) is not None
    if not capitalised:
        return False
    if NAMED_BEFORE.search(before) or (HOLDER_BEFORE.search(before) and _next_word(after) == "passport"):
        return True
    if _next_word(after) in PERSON_NOUNS and not after.startswith("-"):  # "a Maltese man", not "Afro-Cuban"
        return True
    if BRACKETED.search(before) and re.match(r"\s*[,)]", after):
        return True
    return _is_cell(before, after)


class NationalityRecognizer(RuleRecognizer):
    """NATIONALITY: a demonym or nationality noun where it describes a person (`tied_to_person`)."""

    ENTITIES, SCORE = ("NATIONALITY",), 0.6

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        results = []
        for match in _CANDIDATE.finditer(text):
            if tied_to_person(text, match.start(), match.end()):
                results.append(RecognizerResult("NATIONALITY", match.start(), match.end(), self.score))
        return results
