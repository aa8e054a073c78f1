"""Names by a gazetteer of real given and family names, and the filter that lets spaCy's names back in.

The trained NER (`steward.guardrails.personal_ner`) learned names from the contexts of its training templates;
names outside any cue (a cell of a CSV line, "Stef Pieters here again", a lowercase chat) are where it misses.
A name is also recognisable by itself: `weights/name_lexicon.json` (built by `scripts/make_name_lexicon.py` from
the given- and family-name lists Faker ships for ~80 locales, minus common English words) says which words are
known given or family names. This module finds

- a known given name followed by capitalised name words (initials, particles such as "van der", "bin", hyphened
  parts): "Stef Pieters", "Maya G. Cirino", "Rhavi da Conceição"; in a text with no capitals at all the words
  after the given name must be known names too ("wei zhang" is not, "william shannon" is);
- "Last, First" where the first word is a known family name and the second a known given name;

and tells which of spaCy's PERSON spans to keep (`plausible_name`): one with a known given name, or several words
ending in a known family name, and no place or company word. spaCy's small model tags airports and surnames
inside company names as people; the lexicon check removes most of those (docs/cards/pii.md has the figures).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.errors import ArtefactError
from steward.guardrails.caseless import caseless_names
from steward.guardrails.person_context import cue_before, person_context
from steward.guardrails.rule_recognizer import RuleRecognizer

LEXICON = Path(__file__).parent / "weights" / "name_lexicon.json"
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?")
PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "du",
        "dos",
        "das",
        "le",
        "la",
        "bin",
        "binti",
        "ibn",
        "al",
        "el",
        "ter",
        "ten",
        "zu",
        "y",
        "e",
        "st",
    ]
)
# Words after which a "name" is a place, a company or a product: "Smith Jones LLC", "Florence Airport".
NOT_PERSON_WORDS = frozenset(
    [
        "llc",
        "ltd",
        "ltd.",
        "inc",
        "inc.",
        "gmbh",
        "ag",
        "sa",
        "s.a.",
        "sl",
        "spa",
        "srl",
        "bv",
        "nv",
        "plc",
        "corp",
        "co",
        "co.",
        "group",
        "hq",
        "holdings",
        "partners",
        "sons",
        # legal forms of companies in other countries (round 4: "Brandt ApS", "Lemaire Nicolas SARL")
        "aps",
        "sarl",
        "s.a.r.l.",
        "sàrl",
        "oyj",
        "nyrt",
        "kft",
        "zrt",
        "ltda",
        "bvba",
        "s.r.o.",
        "s.r.l.",
        "s.p.a.",
        "a/s",
        "pty",
        "pvt",
        "tbk",
        "tmi",
        "gbr",
        "mbh",
        # places and unions that the NER reads as a surname ("a visa for Schengen")
        "schengen",
        "benelux",
        "eurozone",
        "company",
        "limited",
        "corporation",
        "corporación",
        "stichting",
        "associates",
        "asociados",
        "airport",
        "airlines",
        "airline",
        "airways",
        "air",
        "international",
        "terminal",
        "station",
        "street",
        "st",
        "st.",
        "road",
        "rd",
        "avenue",
        "ave",
        "boulevard",
        "lane",
        "way",
        "drive",
        "square",
        "place",
        "hotel",
        "hospital",
        "university",
        "college",
        "bank",
        "city",
        "ville",
        "town",
        "county",
        # airports named after people ("George Bush Intercontinental", "Ronald Reagan Washington National")
        "intercontinental",
        "national",
        "regional",
        "municipal",
        "aeropuerto",
        "aeroporto",
        "aéroport",
        "flughafen",
        # brands named after people ("the Hugo Boss shop", "a Jack Daniels bottle")
        "shop",
        "store",
        "boutique",
        "outlet",
        "bottle",
        "whisky",
        "whiskey",
        "perfume",
        "lounge",
        # who a ticket is assigned to when it is no person ("Assignee: nurse team")
        "team",
        "department",
        "dept",
        "desk",
        "helpdesk",
        "queue",
        # payment brands ("Apple Pay")
        "pay",
        "wallet",
    ]
)
# Words that end a landmark's name when they follow a name ("the Martin Luther King Jr. Memorial", "Hyde Park"):
# checked only after the span, as some are family names too ("Lisa Park").
LANDMARK_WORDS = frozenset(
    [
        "memorial",
        "monument",
        "museum",
        "park",
        "bridge",
        "cathedral",
        "basilica",
        "palace",
        "tower",
        "stadium",
        "arena",
        "gallery",
        "center",
        "centre",
        "library",
        "theatre",
        "theater",
        "square",
        "house",
        "mountain",
        "mosque",
        "temple",
        "church",
        "castle",
        "fort",
    ]
)
# Places and brands that carry a person's name, which no word around them gives away ("Is Charles de Gaulle far
# from Paris?", "Can I bring Jack Daniels through security?"): a name that is, or begins, one of these is not a
# person in a traveller's conversation.
NAMED_AFTER_PEOPLE = (
    "john f. kennedy", "john f kennedy", "charles de gaulle", "george bush", "ronald reagan", "louis armstrong",
    "indira gandhi", "rajiv gandhi", "ninoy aquino", "benito juárez", "benito juarez", "jorge chávez",
    "jorge chavez", "marco polo", "leonardo da vinci", "galileo galilei", "frédéric chopin", "humberto delgado",
    "kingsford smith", "eleftherios venizelos", "franz josef strauss", "willy brandt", "konrad adenauer",
    "václav havel", "lech wałęsa", "sabiha gökçen", "simón bolívar", "simon bolivar", "oliver tambo",
    "jomo kenyatta", "murtala muhammed", "nnamdi azikiwe", "rafic hariri", "imam khomeini", "queen alia",
    "king khalid", "king abdulaziz", "chhatrapati shivaji", "subhas chandra bose", "soekarno-hatta",
    "ngurah rai", "bill and hillary clinton", "george h. w. bush", "john wayne", "bob hope", "will rogers",
    "john lennon", "hugo boss", "jack daniels", "jack daniel's", "johnnie walker", "jim beam", "calvin klein",
    "tommy hilfiger", "ralph lauren", "giorgio armani", "michael kors", "marc jacobs", "kate spade",
    "ted baker", "karl lagerfeld", "yves saint laurent", "jimmy choo", "estée lauder", "estee lauder",
    "christian dior", "louis vuitton", "coco chanel", "ben & jerry", "marks & spencer", "dolce & gabbana",
)  # fmt: skip


@dataclass(frozen=True)
class Lexicon:
    first: frozenset[str]
    last: frozenset[str]
    common: frozenset[str]
    places: frozenset[str]


@lru_cache(maxsize=1)
def lexicon(path: Path = LEXICON) -> Lexicon:
    try:
        data = json.loads(path.read_text())
        return Lexicon(*(frozenset(data[key]) for key in ("first", "last", "common", "places")))
    except (OSError, ValueError, KeyError) as exc:
        raise ArtefactError(
            f"the name lexicon could not be read ({exc}); reinstall steward or rebuild it with "
            f"`python scripts/make_name_lexicon.py`."
        ) from None


def _parts(word: str) -> list[str]:
    return [p for p in re.split(r"['’\-]", word.lower().rstrip(".")) if p]


def _known(word: str, names: frozenset[str]) -> bool:
    """The word, or every part of a hyphened word ("Karl-Heinz"), is in `names`."""
    parts = _parts(word)
    return bool(parts) and (word.lower().rstrip(".") in names or all(p in names for p in parts))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and (len(word) < 2 or not word[1:].rstrip(".").isupper() or len(word) > 3)


def _initial(word: str) -> bool:
    return len(word) == 2 and word[0].isupper() and word[1] == "."


def _given(word: str, cased: bool, lex: Lexicon) -> bool:
    return (
        (not cased or _capitalised(word))
        and word.lower().rstrip(".") not in lex.common
        and _known(word, lex.first)
    )


def _name_word(word: str, cased: bool, lex: Lexicon) -> bool:
    """A word that may continue a name: an initial, or a capitalised word that is not common English."""
    lower = word.lower().rstrip(".")
    if lower in lex.common or lower in NOT_PERSON_WORDS:
        return False
    if not cased:
        return _known(word, lex.first) or _known(word, lex.last)
    return _initial(word) or (_capitalised(word) and not word.endswith("."))


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]


def _extend(text: str, words: list[tuple[int, int, str]], i: int, cased: bool, lex: Lexicon) -> int:
    """Index of the last word of the name that starts with given name words[i] (i itself: no name)."""
    last, j = i, i + 1
    while j < len(words) and text[words[j - 1][1] : words[j][0]] == " ":
        if words[j - 1][2].endswith(".") and len(words[j - 1][2]) > 3:
            break  # "by her sister Dennis. Eva T. Bednář": a sentence ends after "Dennis" ("St.", "J." go on)
        word = words[j][2]
        if word.lower() in PARTICLES and j + 1 < len(words):
            j += 1
            continue
        if not _name_word(word, cased, lex):
            break
        last = j
        j += 1
    if last + 1 < len(words) and words[last + 1][2].lower().rstrip(".") in NOT_PERSON_WORDS:
        return i
    return last


_CELL_BEFORE = re.compile(r"(?:^|[|;,=\n\t]|\|\s|;\s)$")
_CELL_AFTER = re.compile(r"^(?:$|[|;,&\n\t]|\s\|)")


def _alone_in_cell(text: str, start: int, end: int) -> bool:
    """A word that is a whole cell of a delimited line or a whole line ("Pomponio;07/28/1976", "| Karin")."""
    return _CELL_BEFORE.search(text[max(0, start - 2) : start]) is not None and (
        _CELL_AFTER.search(text[end : end + 2]) is not None
    )


def lexicon_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the names the lexicon finds (see the module docstring)."""
    lex = lexicon()
    cased = any(c.isupper() for c in text)
    words = _words(text)
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        start, end, word = words[i]
        if _given(word, cased, lex):
            last = _extend(text, words, i, cased, lex)
            if (last > i and not words[last][2].endswith(".")) or last > i + 1:
                found.append((start, words[last][1]))
                i = last + 1
                continue
            if cased and _alone_in_cell(text, start, end):
                found.append((start, end))
            elif cased and _single_person(text, start, end, word, lex):
                found.append((start, end - 1 if word.endswith(".") else end))
        if (
            cased
            and i + 1 < len(words)
            and (_initial_family(text, words, i, lex) or _lower_pair(text, words, i, lex))
        ):
            found.append((start, words[i + 1][1]))
            i += 2
            continue
        if cased and _speaker(text, start, end) and _known(word, lex.first) and word.lower() not in lex.common:
            found.append((start, end))
        if cased and i + 1 < len(words) and _last_first(text, words, i, lex):
            found.append((start, words[i + 1][1]))
            i += 2
            continue
        i += 1
    return found


# Airline and passport-machine form: "SMITH/JOHN MR", "SMITH/JOHNMR", "GARCIA LOPEZ/MARIA JOSE MRS", and with
# spaces round the slash as some boarding passes print it ("DA CRUZ / RHAVI").
_UP = (
    "[" + re.escape("".join(chr(c) for c in range(0x41, 0x530) if chr(c).isupper())) + "]"
)  # Latin, Greek, Cyrillic
_UPW = rf"{_UP}(?:{_UP}|['\-])+"
_SLASHED = re.compile(
    rf"(?<![\w/])(?P<last>{_UPW}(?: {_UPW})?)(?:/| / )(?P<given>{_UPW}(?: {_UPW})?)"
    r"(?: ?(?:MR|MRS|MS|MISS|MSTR|DR|CHD|INF))?(?![\w/])"
)
_TITLE_END = re.compile(r"(?:MRS|MR|MS|MISS|MSTR|DR|CHD|INF)$")


def slashed_names(text: str) -> list[tuple[int, int]]:
    """Names in the SURNAME/GIVEN form of tickets, boarding passes and manifests, with the title glued on or not;
    the family name or the given name must be a known name (so "LHR/JFK" or "AND/OR" is not one)."""
    lex = lexicon()
    found = []
    for match in _SLASHED.finditer(text):
        last, given = match.group("last"), match.group("given")
        first_given = given.split()[0]
        bare = _TITLE_END.sub("", first_given) if not _known(first_given, lex.first) else first_given
        if _known(bare, lex.first) or (len(last) > 3 and _known(last.split()[0], lex.last)):
            found.append(match.span())
    return found


# The end of a transcript's timestamp before a speaker label: "14:02:11 ", "[02/Apr/2026:15:50:51] ", "…:49:11Z ".
_STAMPED = re.compile(r"(?:\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\]?|\])\s+$")


def _speaker(text: str, start: int, end: int) -> bool:
    """A speaker label of a chat or transcript: the word opens a line, or follows the turn's timestamp, and a
    colon follows it ("Maria: hi", "2026-04-10T04:45:57Z AADA: also…")."""
    opens = start == 0 or text[start - 1] == "\n" or _STAMPED.search(text, max(0, start - 40), start) is not None
    return opens and text[end : end + 2] == ": "


def _initial_family(text: str, words: list[tuple[int, int, str]], i: int, lex: Lexicon) -> bool:
    """ "V. Mckee": an initial, a space, a capitalised known family name."""
    (_, end, initial), (start, _, family) = words[i], words[i + 1]
    return (
        _initial(initial)
        and text[end:start] == " "
        and _capitalised(family)
        and family.lower() not in lex.common
        and _known(family, lex.last)
    )


def _single_person(text: str, start: int, end: int, word: str, lex: Lexicon) -> bool:
    """A known given name on its own that its context says is a person (`person_context`: "your son Marcus",
    "Shoutout to Maryam at", "Sincerely,\\nCarol"), and no place name ("Jordan", "Florence" need a cue before).
    Only the words that take nothing but people count (`strong_only`): a possessive or "is" after "Siri" or
    "Ford" says nothing."""
    lower = word.lower().rstrip(".")
    if lower in NOT_PERSON_WORDS:
        return False
    if lower in lex.places:
        return cue_before(text, start, end)
    return person_context(text, start, end if not word.endswith(".") else end - 1, strong_only=True)


def _lower_pair(text: str, words: list[tuple[int, int, str]], i: int, lex: Lexicon) -> bool:
    """ "spoke to jason lucas" in a text that has capitals elsewhere: a lowercase known given name, a space, a
    lowercase known family name, neither a common word."""
    (_, end, given), (start, _, family) = words[i], words[i + 1]
    if not (given.islower() and family.islower() and text[end:start] == " "):
        return False
    if given in lex.common or family.rstrip(".") in lex.common or family.endswith("."):
        return False
    return _known(given, lex.first) and _known(family, lex.last)


def _last_first(text: str, words: list[tuple[int, int, str]], i: int, lex: Lexicon) -> bool:
    """ "Carr, Christine": a known family name, a comma, a known given name, and no more name words after it."""
    (_, end, family), (start, after, given) = words[i], words[i + 1]
    if text[end:start] not in (", ", ","):
        return False
    if not (_capitalised(family) and family.lower() not in lex.common and _known(family, lex.last)):
        return False
    following = text[after : after + 2]
    return _given(given, True, lex) and not (following[:1] == " " and following[1:2].isupper())


def named_after_people(span: str, following: str = "") -> bool:
    """The span is, begins with, or begins (and the text goes on to complete) an airport or brand that carries a
    person's name (`NAMED_AFTER_PEOPLE`)."""
    lower = " ".join(span.lower().split())
    whole = " ".join((span + following).lower().split())
    for place in NAMED_AFTER_PEOPLE:
        if lower == place or lower.startswith(place + " "):
            return True
        if place.startswith(lower) and whole.startswith(place) and len(lower) > 3:
            return True
    return False


def not_a_person(span: str, following: str = "", cued: bool = False) -> bool:
    """A "name" (of any recogniser) that is a country ("Kenya", "Kenya next month": a country and no known name
    beside it), a place or a company by its last word or the word after it ("Victoria Station", "Smith Jones
    LLC"), or an airport or brand named after someone ("Charles de Gaulle", "Hugo Boss"). `cued`: a cue ("my
    name is", "Dear", a title, a name key) says it is a name, so a country or a landmark's word is one too
    ("My name is Jordan", "Mr. Park")."""
    lex = lexicon()
    words = [w.lower().rstrip(".") for _, _, w in _words(span)]
    if not words or named_after_people(span, following):
        return bool(words)
    if not cued and any(w in lex.places for w in words):
        others = [w for w in words if w not in lex.places]
        if not any(w in lex.first or w in lex.last for w in others):
            return True
    run = _capitalised_run(following[:40])
    if words[-1] in NOT_PERSON_WORDS or any(w in NOT_PERSON_WORDS or w in LANDMARK_WORDS for w in run):
        return True
    return not cued and _landmark(span, words, lex)


def _landmark(span: str, words: list[str], lex: Lexicon) -> bool:
    """A span that ends in a landmark's word ("Washington Monument", "Prince Albert's Cathedral"), unless a
    given name comes right before it ("Lisa Park", "Charles Bridge" stay names: a person is the likelier)."""
    if words[-1] not in LANDMARK_WORDS:
        return False
    if len(words) == 1:
        return True
    if words[-2] in _TITLE_WORDS:
        return False  # "Mr. Park", "Dr Hall": a title then a surname
    if len(words[-2]) == 1 or _HYPHENED_GIVEN.fullmatch(span.split()[-2]):
        return False  # "Ji-woo T. Park", "Ji-woo Park": an initial or a Korean given name before a surname
    before = span.split()[-2] if len(span.split()) > 1 else ""
    return before.endswith(("'s", "’s")) or words[-2] not in lex.first


# A given name of two syllables joined by a hyphen, the second in lower case ("Ji-woo", "Seo-yeon", "Dong-hyun").
_HYPHENED_GIVEN = re.compile(r"[^\W\d_][^\W\d_]+-[^\W\d_A-Z]{2,}")
_TITLE_WORDS = frozenset(["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "dame", "lady", "lord"])


def _capitalised_run(following: str) -> list[str]:
    """The words that go on from a span while they are capitalised (or "Jr.", initials), lower case: the rest of
    a place's name ("[Martin Luther] King Jr. Memorial"), and the first word after it."""
    run = []
    # within the sentence: a period ends it unless it ends a short word ("Jr.", "St.", "J.")
    following = re.split(r"[,;:!?\n]|^\.\s|(?<=\w{4})\.\s", following, maxsplit=1)[0]
    for _, _, word in _words(following):
        run.append(word.lower().rstrip("."))
        if not word[:1].isupper():
            break
    return run


def name_shaped(span: str) -> bool:
    """One to four words, each capitalised (or a particle, or an initial), none a common English word, a company
    or place word, and not all of them places: the shape of a name the lexicon may not know ("Oluwaseun",
    "Dong-hyun Kang", "Aigerim Nurlanovna"). Its context must still say it is a person's."""
    lex = lexicon()
    words = [w for _, _, w in _words(span)]
    if not 1 <= len(words) <= 4 or any(c.isdigit() for c in span):
        return False
    names = 0
    for i, word in enumerate(words):
        lower = word.lower().rstrip(".")
        if lower in PARTICLES:
            continue
        # a common word ends a name only after a given name ("Ji-woo Park", "Anna Rose")
        previous = next((w for w in reversed(words[:i]) if not _initial(w)), "")
        after_given = i == len(words) - 1 and bool(previous) and _given_like(previous, lex)
        if lower in NOT_PERSON_WORDS or (lower in lex.common and not after_given):
            return False
        if not (_initial(word) or (_capitalised(word) and not word.isupper())):
            return False
        names += not _initial(word)
    lowered = [w.lower().rstrip(".") for w in words]
    return names > 0 and not all(w in lex.places for w in lowered) and not _landmark(span, lowered, lex)


def _given_like(word: str, lex: Lexicon) -> bool:
    return _given(word, True, lex) or _HYPHENED_GIVEN.fullmatch(word) is not None


def plausible_name(span: str, following: str = "") -> bool:
    """Whether a PERSON span of spaCy's small model is worth keeping: a known given name in it, or several words
    ending in a known family name, and no place or company word in it or right after it."""
    lex = lexicon()
    words = [w for _, _, w in _words(span)]
    if not words or any(w.lower().rstrip(".") in NOT_PERSON_WORDS for w in words):
        return False
    nxt = _words(following[:30])
    if nxt and nxt[0][2].lower().rstrip(".") in NOT_PERSON_WORDS:
        return False
    if any(_given(w, True, lex) for w in words):
        return True
    return len(words) > 1 and _capitalised(words[-1]) and _known(words[-1], lex.last)


class NameLexiconRecognizer(RuleRecognizer):
    """PERSON spans from `lexicon_names`, at a score below the trained NER's and above the policy threshold."""

    ENTITIES, SCORE = ("PERSON",), 0.45

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        if "PERSON" not in entities:
            return []
        spans = lexicon_names(text) + (slashed_names(text) if "/" in text else []) + caseless_names(text)
        return [RecognizerResult("PERSON", a, b, self.score) for a, b in spans]
