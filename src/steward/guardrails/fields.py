"""Names in the fields of records, and names that follow other names (issue 15, session 11).

Records name their fields: the value of a name-like key is a name whatever it looks like, in JSON
(`"first_name": "Astrid"`, `"witnesses": ["A", "B"]`), YAML (`given_name: Isaque`), `key=value` forms and
headers (`Surname: Chalimoniuk`). The trained NER and spaCy read running prose and missed most of these on
family 4 (96 JSON names). `FieldNameRecognizer` reports the value of a key from `NAME_KEYS` (or any key ending in
"name" but those in `NOT_NAME_KEYS`: "username", "hostname", "company_name"...), when the value has letters, no
digits, at most six words, and is not a placeholder ("null", "N/A").

`next_names` finds the names that follow a name already found: "witnessed by A and B", "A, B and C", "Signed: A,
witnessed by B"; each must pass `names.plausible_name` (or be in a script without capitals). Sign-offs after a
dash at the end of a line ("thx - Andrea") are `SignOffNameRecognizer`'s.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.guardrails.rule_recognizer import RuleRecognizer

_SEP = r"[_\-\s]?"
# Keys whose value is a person's name (snake_case, camelCase, kebab-case and spaced forms all match: `_SEP`).
NAME_KEYS = (
    rf"(?:full|first|last|given|family|sur|fore|middle|maiden|birth|nick|display|legal|real|contact|customer|"
    rf"passenger|guest|patient|client|holder|account{_SEP}holder|card{_SEP}holder|employee|applicant|traveller|"
    rf"traveler|recipient|sender|beneficiary|tenant|owner|driver|member|person|spouse|parent|mother|father|"
    rf"child|witness|emergency{_SEP}contact){_SEP}names?|surname|forenames?|given{_SEP}names?|name|"
    rf"witness(?:es)?|signatory|signed{_SEP}by|next{_SEP}of{_SEP}kin|account{_SEP}holder|card{_SEP}holder|"
    rf"holder|contact{_SEP}person|emergency{_SEP}contact|spouse|beneficiary|applicant|passenger|patient|"
    rf"traveller|traveler|nachname|vorname|nom|pr[ée]nom|family|given|apellidos?|nombre|cognome|achternaam|voornaam|"
    rf"nazwisko|imi[eę]|sobrenome|фамилия|имя|отчество|όνομα|επώνυμο|"
    # who a ticket or a log names: "Assignee: Ika Kramarić", "Requester: …", "created_by=…"
    rf"assignee|requester|reporter|requested{_SEP}by|reported{_SEP}by|created{_SEP}by|"
    rf"submitted{_SEP}by|approved{_SEP}by"
)
# Keys ending in "name" that do not name a person.
NOT_NAME_KEYS = frozenset(
    [
        "user",
        "username",
        "user_name",
        "hostname",
        "host_name",
        "filename",
        "file_name",
        "company_name",
        "companyname",
        "street_name",
        "streetname",
        "domain_name",
        "domainname",
        "app_name",
        "product_name",
        "productname",
        "brand_name",
        "bank_name",
        "city_name",
        "country_name",
        "screen_name",
        "screenname",
        "display_name",
        "displayname",
        "nickname",
        "nick_name",
    ]
)
_KEY = re.compile(
    rf"(?i)(?<![\w\-])([\"']?)(?P<key>(?:[a-z]+[_\-]){{0,2}}?[a-z]*?(?:{NAME_KEYS}))\1\s*[:=]\s*(?=\S)",
)
_PLACEHOLDERS = frozenset(["null", "none", "nil", "n/a", "na", "unknown", "-", "true", "false", "tbd", "tba"])
_LIST_ITEM = re.compile(r"\s*([\"'])(?P<value>[^\"'\n]{1,80})\1\s*,?")


_UNQUOTED_END = re.compile(r"[\n,;&|}\]\t(]| {2,}")


def _value_end(text: str, start: int, quote: str) -> int:
    """Where a field's value ends: its closing quote, or the end of its line or cell."""
    if quote:
        end = text.find(quote, start)
        return end if end >= 0 else start
    match = _UNQUOTED_END.search(text, start)
    return match.start() if match else len(text)


def name_value(value: str) -> bool:
    value = value.strip()
    words = value.split()
    return (
        bool(words)
        and len(words) <= 6
        and value.lower() not in _PLACEHOLDERS
        and not any(c.isdigit() or c in "@{}[]<>" for c in value)
        and any(c.isalpha() for c in value)
    )


# An XML or HTML element named by a name-like key: "<emergencyContact>KIM Hiroshi</emergencyContact>".
_ELEMENT = re.compile(
    rf"(?i)<(?P<key>(?:[a-z]+[_\-]?){{0,2}}?[a-z]*?(?:{NAME_KEYS}))(?:\s[^<>]*)?>(?P<value>[^<>\n]{{1,80}})</(?P=key)>"
)


def element_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text of XML elements named by name-like keys."""
    found = []
    for match in _ELEMENT.finditer(text):
        key = re.sub(r"[\s\-]", "_", match.group("key").lower())
        if key in NOT_NAME_KEYS or key.replace("_", "") in NOT_NAME_KEYS or not name_value(match.group("value")):
            continue
        value = match.group("value")
        lead = len(value) - len(value.lstrip())
        found.append((match.start("value") + lead, match.start("value") + len(value.rstrip())))
    return found


# An XML element named by a key for a thing: "<productName>", "<city>", "<companyName>" (round 5).
_THING_ELEMENT = re.compile(r"(?i)<(?P<key>[a-z][a-z_\-]{0,30})(?:\s[^<>]*)?>(?P<value>[^<>\n]{1,80})</(?P=key)>")
THING_ELEMENT_KEYS = frozenset(["city", "town", "country", "product", "item", "brand", "company", "airport"])


def thing_elements(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text of XML elements whose key names a thing, not a person (`NOT_NAME_KEYS`, or a city,
    a product, a company...): what the prose readers find there is no name."""
    found = []
    for match in _THING_ELEMENT.finditer(text):
        key = re.sub(r"[\s\-]", "_", match.group("key").lower())
        if key in NOT_NAME_KEYS or key.replace("_", "") in NOT_NAME_KEYS or key in THING_ELEMENT_KEYS:
            found.append(match.span("value"))
    return found


def field_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the values of name-like keys (see the module docstring), and of name-like XML elements."""
    found: list[tuple[int, int]] = element_names(text) if "</" in text else []
    for match in _KEY.finditer(text):
        key = re.sub(r"[\s\-]", "_", match.group("key").lower())
        if key in NOT_NAME_KEYS or key.replace("_", "") in NOT_NAME_KEYS:
            continue
        at = match.end()
        if text.startswith("[", at):  # a list of names: ["A", "B"]
            position = at + 1
            while (item := _LIST_ITEM.match(text, position)) is not None:
                if name_value(item.group("value")):
                    found.append((item.start("value"), item.end("value")))
                position = item.end()
            continue
        quote = text[at] if text[at] in "\"'" else ""
        start = at + len(quote)
        end = _value_end(text, start, quote)
        while end > start and text[end - 1] in " .":
            end -= 1
        if end > start and name_value(text[start:end]):
            found.append((start, end))
    return found


class FieldNameRecognizer(RuleRecognizer):
    """PERSON: the value of a name-like field of a record (`field_names`)."""

    ENTITIES, SCORE = ("PERSON",), 0.8

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        if "PERSON" not in entities or (":" not in text and "=" not in text and "</" not in text):
            return []
        return [RecognizerResult("PERSON", a, b, self.score) for a, b in field_names(text)]


# After a name: ", and", "and", "&", a comma, or the joining words of other languages, then another name.
_JOIN = re.compile(r"(?:\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&|und|et|y|e|en|и|και|oraz|i|och|og)\s+)")
_SIGN_OFF = re.compile(r"(?:^|(?<=\s))[-–—~]{1,2}\s?(?=[^\W\d_])", re.MULTILINE)


def next_names(text: str, end: int, limit: int = 3) -> list[tuple[int, int]]:
    """Names joined to the name that ends at `end` ("A and B", "A, B and C"), each a plausible name."""
    from steward.guardrails.names import plausible_name
    from steward.guardrails.personal import _caseless, _name_after

    found: list[tuple[int, int]] = []
    while len(found) < limit:
        join = _JOIN.match(text, end)
        if join is None:
            break
        span = _name_after(text, join.end())
        if span is None:
            break
        name, following = text[span[0] : span[1]], text[span[1] : span[1] + 30]
        if not (_caseless(name) or plausible_name(name, following)):
            break
        found.append(span)
        end = span[1]
    return found


class SignOffNameRecognizer(RuleRecognizer):
    """PERSON: one to three name words after a dash that ends a line or the text ("thx - Andrea")."""

    ENTITIES, SCORE = ("PERSON",), 0.6

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        from steward.guardrails.names import plausible_name
        from steward.guardrails.personal import _caseless, _name_after

        if "PERSON" not in entities:
            return []
        results = []
        for dash in _SIGN_OFF.finditer(text):
            span = _name_after(text, dash.end())
            if span is None or len(text[span[0] : span[1]].split()) > 3:
                continue
            rest = text[span[1] : span[1] + 3]
            if rest.strip(" .!") and not rest.startswith("\n"):
                continue  # a sign-off ends its line
            name = text[span[0] : span[1]]
            if _caseless(name) or plausible_name(name, ""):
                results.append(RecognizerResult("PERSON", span[0], span[1], self.score))
        return results


# A town in an address block or a travel form, which the NER and spaCy read as a name (family 4's false names):
# after a postcode on its line ("96-241 Grudziądz", "E70 5NJ New Zoe"), before a state and ZIP ("New Steven, NJ
# 66796", "Mława, WŁ 57-38") or a postcode alone on the next line, or after an uppercase FROM/TO of a boarding
# pass ("FROM: Tegel  TO: Pulkovo").
_POSTCODE_BEFORE = re.compile(
    r"(?:(?:\b\d{4,6}|\b\d{2}-\d{3}|\b\d{3} \d{2}|\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|\b[A-Z]{1,2}-\d{4,5}),?[ \t]+"
    r"|\b(?:г|д|с|пос|ст|пгт)\.[ \t]*)$"
)
_TOWN_END = re.compile(r"^[ \t]*(?:$|[\n,(.;])")  # a town ends its line or its part of it
_STATE_AFTER = re.compile(r"^,?[ \t]+(?!BP\b|PO\b)[^\W\d_a-z]{2}[ \t]+\d[\d\- ]{1,8}\b")
_POSTCODE_LINE_AFTER = re.compile(r"^[ \t]*\n[ \t]*\d{4,6}[ \t]*(?:\n|$)")
_TRAVEL_FIELD_BEFORE = re.compile(r"(?:^|[ \t]{2})(?:FROM|TO|DEP|ARR|VIA|ORIGIN|DEST)[ \t]*:?[ \t]*$")
# Travel places in records and messages (PII round 3, airports named after people: "Ben Gurion", "Pierre Elliott
# Trudeau"): a JSON travel key before, an arrow before or after, "arrivals"/"terminal" after, or a flight's verb
# and "at" ("landed at Alexander Pushkin"). A bare "at" is no such sign ("yelled at Maria Lopez"): whether the
# name after it is a place is the gazetteer's call (`places.reads_as_place`: "lost bag at Marco Polo").
_TRAVEL_BEFORE = re.compile(
    r"(?i:[\"'](?:from|to|origin|destination|departure|arrival|via)[\"'][ \t]*:[ \t]*[\"']|(?:->|→|=>)[ \t]*|"
    r"\b(?:land|landed|landing|arrive|arrived|arriving|depart|departed|departing|transit|transiting)"
    r"[ \t]+at[ \t]+)$"
)
_TRAVEL_AFTER = re.compile(r"^(?:[ \t]*(?:->|→|=>)|[ \t]+(?i:arrivals?|departures?|terminal|airport)\b)")
_COMPANY_AFTER = re.compile(
    r"^(?:,[ \t]*[^\W\d_][\w\-]*)*[ \t]+(?:and|&|y|e|und|et)[ \t]+(?:[^\W\d_][\w\-]*[ \t]+)?"
    r"(?:sons|co\b|partners|associates|asociados|hijos|figli|söhne|fils|zonen)",
    re.IGNORECASE,
)


def place_in_record(text: str, start: int, end: int) -> bool:
    """Whether the "name" at text[start:end] is a town of an address block, an airport of a travel form or the
    first partner of a company ("Powell and Sons", "Smith, Baxter and Roberts")."""
    line_start = text.rfind("\n", 0, start) + 1
    after = text[end : end + 40]
    return bool(
        (_POSTCODE_BEFORE.search(text[line_start:start]) and _TOWN_END.match(after))
        or _STATE_AFTER.match(after)
        or _POSTCODE_LINE_AFTER.match(after)
        or _TRAVEL_FIELD_BEFORE.search(text[line_start:start])
        or _COMPANY_AFTER.match(after)
        or _TRAVEL_AFTER.match(after)
        or (
            _TRAVEL_BEFORE.search(text[max(line_start, start - 30) : start]) and not after.startswith(("'s", "’s"))
        )
    )


def cased_name_end(span: str) -> int | None:
    """Where a capitalised "name" should end: before its first lowercase word that is no particle ("Stéphane
    Chevallier re", "Maurycy Klisz here", "Phone unchanged"); None when nothing is to be cut. An all-lowercase
    span ("wei zhang" in a lowercase chat) is left to the lexicon's own checks."""
    from steward.guardrails.names import PARTICLES

    words = list(re.finditer(r"\S+", span))
    if len(words) < 2 or not words[0].group(0)[:1].isupper():
        return None
    for word in words[1:]:
        w = word.group(0)
        if w[:1].islower() and w.lower().strip(".,") not in PARTICLES:
            return len(span[: word.start()].rstrip())
    return None


# An age that states a rule, not someone's age: "Is 18 years old the minimum age…", "the minimum age is 16",
# "under 12s fly free", "at least 18".
_RULE_BEFORE = re.compile(
    r"(?i:(?:^|[.?!]\s+)(?:is|are|does|do|can|must|should)\s+|\b(?:at\s+least|under|over|below|above|"
    r"minimum(?:\s+age)?(?:\s+(?:is|of))?|maximum(?:\s+age)?(?:\s+(?:is|of))?|age\s+limit(?:\s+is)?)\s+)$"
)
_RULE_AFTER = re.compile(
    r"(?i)^(?:\s*(?:-|\s)?(?:years?|yrs?)(?:\s*|-)old)?\s+(?:the\s+)?(?:minimum|maximum|min\.?|max\.?|"
    r"limit|cut-?off|legal\s+age|age\s+limit|enough|too\s+(?:young|old)|or\s+(?:older|over|above|under))\b"
)
# A 1-4 digit "postcode" that is a clock time after "at" ("platform 12 at 1545") or the number of a flight
# ("flight FR 8344", "my flight FR 8344 was cancelled").
_TIME_BEFORE = re.compile(r"(?i:\b(?:at|by|until|till|from|before|after|departs?|leaves?|arrives?)\s+)$")
_FLIGHT_BEFORE = re.compile(
    r"(?i:\b(?:flight|flt|flug|vol|vuelo|volo|vlucht)\s*(?:no\.?|nr\.?|number|#)?\s*)[A-Z\d]{2}\s?$"
)


def rule_age(text: str, start: int, end: int) -> bool:
    """Whether the AGE at text[start:end] states a rule rather than someone's age."""
    return bool(_RULE_BEFORE.search(text[max(0, start - 40) : start]) or _RULE_AFTER.match(text[end : end + 40]))


def not_a_postcode(text: str, start: int, end: int) -> bool:
    """Whether the ZIP_CODE at text[start:end] is a clock time or a flight number."""
    value = text[start:end]
    before = text[max(0, start - 30) : start]
    clock = value.isdigit() and len(value) == 4 and int(value[:2]) < 24 and int(value[2:]) < 60
    if clock and _TIME_BEFORE.search(before):
        return True
    return value.isdigit() and len(value) <= 4 and bool(_FLIGHT_BEFORE.search(before))
