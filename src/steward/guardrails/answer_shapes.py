"""Shapes of an assistant's answer that hold no personal data, whatever a prose reader made of them.

Issue 15, session 14. On ordinary answers (HaluEval-general) the trained NER (`personal_ner`) read list markers
("1.", "10.") as ages, measurements ("70 mph", "20px", "1.4 Billion") as ages and postcodes, years in tables and
ranges ("| 2000 | 6.126 |", "from 2000 to 2015") as dates of birth and postcodes, table headers and short cells
as nationalities, code ("count = 0") as street addresses, and lowercase word lists ("day, never") and one-word
list items ("- Bread", "3. Plateau") as people. Each test below says what a span is by its place in the text;
the scanner (`steward.guardrails.pii`) applies them to the prose readers' findings only: a value under a typed
key or column (`fields`, `tables`, `record_formats`) stays what its key says.
"""

from __future__ import annotations

import re

from steward.guardrails.names import lexicon
from steward.guardrails.nationality import ALL_DEMONYMS, NATIONALITY_NOUNS
from steward.guardrails.personal import DATE_OF_BIRTH
from steward.guardrails.tables import _column_type

# A Markdown table's separator row: "|---|:---:|", "--- | ---".
_RULE_ROW = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*|\s*\|\s*:?-{3,}:?\s*\|\s*")
# A list item's marker at the start of a line: "1. ", "10) ", "- ", "* ", "• ".
_ITEM = re.compile(r"[ \t]*(?:\d{1,3}[.)]|[-*•])[ \t]+")
# Units and magnitudes after a number: a measurement, a price or a share, never an age or a postcode.
_UNIT_AFTER = re.compile(
    r"(?i)\s?(?:%|°|mph\b|km/h\b|kmh\b|km\b|kg\b|mg\b|mcg\b|µg\b|g\b|lbs?\b|oz\b|iu\b|kcal\b|cal\b|ml\b|px\b|"
    r"em\b|rem\b|pt\b|vh\b|vw\b|cm\b|mm\b|ft\b|mi\b|gb\b|mb\b|kb\b|hz\b|khz\b|mhz\b|ghz\b|kw\b|w\b|"
    r"million\b|billion\b|trillion\b|thousand\b|hundred\b|bn\b|dollars?\b|euros?\b|cents?\b)"
)
_NUMBER = re.compile(r"\d[\d,.]*")
_CURRENCY_BEFORE = re.compile(r"[$€£¥]\s?$")
_PART_OF_NUMBER_BEFORE = re.compile(r"\d[,.]$")  # "7,141": the "141" of a larger number
_YEAR = r"(?:1[5-9]|20)\d\d"
_YEARS = re.compile(rf"{_YEAR}(?:\s?[-–]\s?{_YEAR})?")
_TIME_WORD_BEFORE = re.compile(
    r"(?i)\b(?:from|to|in|since|by|until|till|through|between|and|during|of|after|before|circa|c\.)\s+"
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?$"
)
_RANGE_AFTER = re.compile(rf"\s*(?:-|–|to|and|until|through)\s*{_YEAR}\b")
_RANGE_BEFORE = re.compile(rf"\b{_YEAR}\s*(?:-|–|to|and|until|through)\s*$")
_BIRTH_CUE = re.compile(DATE_OF_BIRTH.split("(?P<value>", 1)[0])
_ARITHMETIC = re.compile(r"[=+*×÷^]|\d\s+[-/]\s+\d")
_OPERATORS = "^×*÷≡+"  # not "=": "age=34" of a record
_DAY_MONTH = re.compile(r"(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])")
# Code: an assignment or comparison with spaces ("count = 0", "n += 1"; not "street=…&city=" of a query string),
# braces, a statement's semicolon at the end of a line, an HTML tag, a call ("print(").
_CODE = re.compile(r"\s[-+*/=!<>]?=\s|[{}]|;\s*$|</?[a-z][a-z0-9]*[\s>/]|[a-z_]\w*\(", re.MULTILINE)
# A lowercase word that ends a sentence ("downs. But"): not an initial ("p. besson") nor a title ("Ing. Serpil").
_TITLES = r"(?:dr|mr|mrs|ms|mx|prof|sr|sra|srta|jr|st|ing|dipl)\."
_SENTENCE_END = re.compile(rf"\b(?!{_TITLES})[a-z]{{2,}}\.\s+\w")
_LEAD = re.compile(r"[^\w]+")


def _line(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the line(s) that hold text[start:end]."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return a, len(text) if b < 0 else b


def table_column(text: str, start: int, end: int) -> str | None:
    """The header of the Markdown table column that holds the span; "" for a span in the header row itself or in
    a column the header does not reach; None when the span is in no Markdown table (a separator row is what makes
    a run of lines with bars one)."""
    a, b = _line(text, start, end)
    if "|" not in text[a:b] or "\n" in text[start:end]:
        return None
    lines: list[tuple[int, int]] = [(a, b)]
    while lines[0][0] > 0:  # the lines with bars above and below, up to a blank line or one without a bar
        prev_a = text.rfind("\n", 0, lines[0][0] - 1) + 1
        if "|" not in text[prev_a : lines[0][0] - 1]:
            break
        lines.insert(0, (prev_a, lines[0][0] - 1))
    while lines[-1][1] < len(text):
        nxt_b = text.find("\n", lines[-1][1] + 1)
        nxt_b = len(text) if nxt_b < 0 else nxt_b
        if "|" not in text[lines[-1][1] + 1 : nxt_b]:
            break
        lines.append((lines[-1][1] + 1, nxt_b))
    rules = [i for i, (x, y) in enumerate(lines) if _RULE_ROW.fullmatch(text[x:y])]
    if not rules:
        return None
    header_a, header_b = lines[rules[0] - 1] if rules[0] > 0 else lines[0]
    if header_a == a:
        return ""
    column = text.count("|", a, start) - (1 if text[a:b].lstrip().startswith("|") else 0)
    header = text[header_a:header_b].strip()
    cells = [c.strip() for c in header.strip("|").split("|")] if header.startswith("|") else header.split("|")
    return cells[column].strip() if 0 <= column < len(cells) else ""


def list_marker(text: str, start: int, end: int) -> bool:
    """The number that opens a list item ("1. Ellen…", "10) Udemy"): its rank, not an age or a date."""
    if not text[start:end].isdigit():
        return False
    a, _ = _line(text, start, end)
    return text[a:start].strip(" \t#>*") == "" and re.match(r"[.)](?:\s|$)", text[end : end + 2]) is not None


def measured(text: str, start: int, end: int) -> bool:
    """A number with a unit, a magnitude, a currency or a per cent sign ("70 mph", "20px", "1.4 Billion",
    "$4.50/bushel"), or a piece of a larger number ("141" of "7,141")."""
    span = text[start:end].strip()
    if not _NUMBER.fullmatch(span) and not span.startswith(("$", "€", "£")):
        return False
    if _CURRENCY_BEFORE.search(text[max(0, start - 2) : start]) or span[:1] in "$€£":
        return True
    if _PART_OF_NUMBER_BEFORE.search(text[max(0, start - 2) : start]):
        return True
    return _UNIT_AFTER.match(text, end) is not None


def year_reference(text: str, start: int, end: int) -> bool:
    """A bare year or span of years that dates an event ("from 2000 to 2015", "as of 2021", "(2015-2017)"), with
    no birth cue before it on its line: neither a birth date nor a postcode."""
    span = text[start:end].strip()
    if not _YEARS.fullmatch(span):
        return False
    a, _ = _line(text, start, end)
    if _BIRTH_CUE.search(text[a:start]):
        return False
    before = text[max(a, start - 40) : start]
    return bool(
        "-" in span
        or "–" in span
        or _TIME_WORD_BEFORE.search(before)
        or _RANGE_AFTER.match(text, end)
        or _RANGE_BEFORE.search(before)
        or (before.endswith("(") and text[end : end + 1] == ")")
    )


def operand(text: str, start: int, end: int) -> bool:
    """A number in a formula ("(370 × 370)", "10^5"): an operand, not an age or a date."""
    before = text[max(0, start - 3) : start].rstrip()
    after = text[end : end + 3].lstrip()
    return (bool(before) and before[-1] in _OPERATORS) or (bool(after) and after[0] in _OPERATORS)


def not_a_date(span: str) -> bool:
    """A "date of birth" that is arithmetic ("18 - 23 = -5", "(1 + 2) / 4"), a decimal that is no day and
    month ("6.126", "0.5"), or holds no letter or digit at all."""
    value = span.strip()
    if not any(c.isalnum() for c in value):
        return True
    if _ARITHMETIC.search(value):
        return True
    return re.fullmatch(r"\d+\.\d+", value) is not None and not _DAY_MONTH.fullmatch(value)


def code_like(text: str, start: int, end: int) -> bool:
    """A span in a code block or on a line of code ("count = 0", "print(count_a(…))", "<h2>Services</h2>")."""
    if text.count("```", 0, start) % 2 == 1:
        return True
    a, b = _line(text, start, end)
    return _CODE.search(text[a:b]) is not None


def _name_words(span: str) -> list[str]:
    lex = lexicon()
    words = re.findall(r"[^\W\d_]+", span.lower())
    return [w for w in words if (w in lex.first or w in lex.last) and w not in lex.common]


def lowercase_words(span: str) -> bool:
    """A span with no capital letter and no word of the name lexicon ("day, never", "courageous, valiant",
    "count"): words of the answer, not a name."""
    letters = [c for c in span if c.isalpha()]
    # only scripts that capitalise names (Latin, Greek, Cyrillic): not "박지훈", nor Georgian "ნინო", lowercase
    # by Python's reading though Georgian never capitalises a name
    cased = all(c.islower() and ord(c) < 0x0530 for c in letters)
    return bool(letters) and cased and not _name_words(span)


def across_sentences(span: str) -> bool:
    """A span that runs over a sentence's end from a lowercase word ("downs. But", "healthy. Additionally")."""
    return _SENTENCE_END.search(span) is not None


def list_item_word(text: str, start: int, end: int) -> bool:
    """A list item of words none of which is a given or family name ("- Bread", "3. Plateau", "- Rocket Fuel"):
    an item of the list, not a person."""
    a, _ = _line(text, start, end)
    item = _ITEM.match(text, a)
    if item is None or "\n" in text[start:end] or text[item.end() : start].strip():
        return False  # no list item, or the span starts later in it ("1. Meet with Anna")
    return not _name_words(text[start:end])


def nationality_shape(span: str) -> bool:
    """A "nationality" that is no demonym by its shape: a letter or two ("E", "D"), or a lowercase word that no
    demonym list holds ("entrance", "noun")."""
    value = span.strip()
    letters = sum(c.isalpha() for c in value)
    if letters <= 2:
        return True
    lower = value.lower()
    known = lower in ALL_DEMONYMS or lower in NATIONALITY_NOUNS
    return value[:1].islower() and not known


def person_start(text: str, start: int, end: int) -> int:
    """A name starts at a letter: the NER's "- High" of a bullet is at most "High"."""
    lead = _LEAD.match(text, start, end)
    return lead.end() if lead and lead.end() < end else start


NUMERIC_KINDS = frozenset({"AGE", "DATE_OF_BIRTH", "ZIP_CODE"})
TABLE_KINDS = frozenset({"AGE", "DATE_OF_BIRTH", "ZIP_CODE", "NATIONALITY", "STREET_ADDRESS"})


def not_personal_here(text: str, start: int, end: int, kind: str, cued: bool = False) -> bool:
    """Whether a prose reader's finding of `kind` at text[start:end] is, by its place in the answer, no personal
    data (see the module's docstring). `cued`: a name cue stands before it ("Hi", "my name is")."""
    span = text[start:end]
    if kind in TABLE_KINDS:
        column = table_column(text, start, end)
        if column is not None and _column_type(column) != kind:
            return True  # a cell of a Markdown table whose column is not of this kind, or its header
    if kind in NUMERIC_KINDS and (
        list_marker(text, start, end) or measured(text, start, end) or operand(text, start, end)
    ):
        return True
    if kind in ("DATE_OF_BIRTH", "ZIP_CODE") and year_reference(text, start, end):
        return True
    if kind == "DATE_OF_BIRTH" and not_a_date(span):
        return True
    if kind in ("STREET_ADDRESS", "ZIP_CODE") and code_like(text, start, end):
        return True
    if kind == "STREET_ADDRESS" and text[end : end + 1] == ":" and "\n" not in span:
        return True  # "Panel 3: Lily replies…": a heading that the colon closes
    if kind == "NATIONALITY" and nationality_shape(span):
        return True
    if kind == "PERSON" and not cued:
        column = table_column(text, start, end)
        if column is not None and _column_type(column) != "PERSON" and not _name_words(span):
            return True  # a cell or header of a Markdown table of things ("| Protein | 1 g |", "| Planet |")
        return lowercase_words(span) or across_sentences(span) or list_item_word(text, start, end)
    return False
