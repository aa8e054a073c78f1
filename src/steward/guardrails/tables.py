"""Personal data in the cells of a delimited table with a header row (CSV, semicolon and tab exports, `|` and
Markdown tables): the column's header says what a cell holds.

Issue 15, PII round 3. On family 5 the dates of birth Steward missed were all in a `date_of_birth` column of a
CSV export, dated within the last five years (a child's birth date, which the past-date rule cannot tell from a
travel date), and a third of the Latin-script names it missed were in a `full_name` column ("Davies, Max" read as
two cells by the lexicon, a bare "Elliott Green" with no cue). The header decides the type of every cell under
it, whatever its shape, as a field's key does for `key=value` records (`steward.guardrails.fields`).
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.guardrails.fields import NAME_KEYS, NOT_NAME_KEYS, name_value
from steward.guardrails.names import plausible_name
from steward.guardrails.rule_recognizer import RuleRecognizer

_S = r"[_\-\s.]?"
# Header cells and the type of the values under them (matched against the whole header cell, any case).
COLUMNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "DATE_OF_BIRTH",
        re.compile(
            rf"(?i)(?:date{_S}of{_S}birth|d\.?o\.?b\.?|birth{_S}?date|birthday|born(?:{_S}on)?|geburtsdatum|geb\.?|"
            rf"date{_S}de{_S}naissance|fecha{_S}(?:de{_S})?nacimiento|data{_S}(?:di{_S}|de{_S})?nasci(?:ta|mento)|"
            rf"geboortedatum|f[öo]delsedatum|f[øo]dselsdato|data{_S}urodzenia|syntym[äa]aika|дата{_S}рождения)"
        ),
    ),
    (
        "STREET_ADDRESS",
        re.compile(
            rf"(?i)(?:(?:home|street|postal|mailing|billing|shipping|residential|delivery|customer|private){_S})?"
            rf"(?:address(?:{_S}line)?{_S}1?|addr{_S}?1?|street(?:{_S}address)?|stra(?:ss|ß)e|rue|calle|via|straat|"
            rf"adresse|anschrift|direcci[oó]n|indirizzo|adres|endere[çc]o|morada|domicilio|ulica|gatuadress|адрес)"
        ),
    ),
    (
        "ZIP_CODE",
        re.compile(
            rf"(?i)(?:zip(?:{_S}?code)?|post(?:al)?{_S}?code|plz|cap|c\.?p\.?|code{_S}postal|c[oó]digo{_S}postal|"
            rf"postnummer|postnr|kod{_S}pocztowy|postcode|индекс)"
        ),
    ),
    (
        "NATIONALITY",
        re.compile(
            r"(?i)(?:nationality|citizenship|nationalit[ée]|staatsangeh[öo]rigkeit|nacionalidad|nazionalit[àa]|"
            r"nationaliteit|nacionalidade|obywatelstwo|гражданство)"
        ),
    ),
    ("AGE", re.compile(r"(?i)(?:age|alter|edad|et[àa]|[âa]ge|leeftijd|idade|wiek|возраст)")),
    ("PERSON", re.compile(rf"(?i)(?:[a-z]+[_\-\s]){{0,2}}?[a-z]*?(?:{NAME_KEYS})")),
]
# A bare "name" column, or "X name" with an X that is no person ("hotel name", "tour name"), may name things
# ("name,price,qty"): its cells are names only in a table with another personal column, or when they read as one.
_PERSON_KEY = re.compile(
    rf"(?i)(?:(?:{NAME_KEYS}|full|first|last|given|family|middle)[_\-\s]){{0,2}}(?:{NAME_KEYS})"
)
_AMBIGUOUS_KEY = re.compile(r"(?i)names?")
_PERSONAL_KEY = re.compile(
    r"(?i)(?:.*[^a-z])?(?:e-?mail|(?:tele)?phone|mobile|tel|passport|seat|ssn|gender|sex)(?:[^a-z].*)?"
)
DELIMITERS = ",;|\t"
_HEADER_CELL = re.compile(r"[^\W\d][\w .\-/()]{0,40}")
_RULE_CELL = re.compile(r":?-{3,}:?")  # a Markdown table's separator row


def split_cells(text: str, start: int, end: int, delimiter: str) -> list[tuple[int, int]]:
    """(start, end) of each cell of `text[start:end]`, quotes and surrounding spaces excluded; a delimiter inside
    double quotes does not split ("Davies, Max")."""
    cells, at = [], start
    while at <= end:
        while at < end and text[at] == " ":
            at += 1
        if at < end and text[at] == '"':
            close = text.find('"', at + 1, end)
            if close < 0:
                close = end
            cells.append((at + 1, close))
            nxt = text.find(delimiter, close, end)
            at = (nxt if nxt >= 0 else end) + 1
            continue
        nxt = text.find(delimiter, at, end)
        stop = nxt if nxt >= 0 else end
        cell_end = stop
        while cell_end > at and text[cell_end - 1] == " ":
            cell_end -= 1
        cells.append((at, cell_end))
        at = stop + 1
    return cells


def _column_type(header: str) -> str | None:
    key = header.strip().lower()
    for kind, pattern in COLUMNS:
        if pattern.fullmatch(key):
            if kind == "PERSON" and (key in NOT_NAME_KEYS or re.sub(r"[\s\-_]", "", key) in NOT_NAME_KEYS):
                return None
            return kind
    return None


def _fits(kind: str, value: str) -> bool:
    """Whether a cell's value can be what its column says (an empty, placeholder or wrong-shaped cell is not)."""
    digits = sum(c.isdigit() for c in value)
    if kind == "PERSON":
        return name_value(value)
    if kind == "PERSON?":  # a cell of a caseless script is read by `caseless`; a cased one must read as a name
        return name_value(value) and (not any(c.isupper() for c in value) or plausible_name(value))
    if kind == "DATE_OF_BIRTH":
        return digits >= 2 and len(value) <= 32
    if kind == "STREET_ADDRESS":
        return any(c.isalpha() for c in value) and "@" not in value and len(value) <= 100
    if kind == "ZIP_CODE":
        return digits >= 2 and len(value) <= 10
    if kind == "AGE":
        return value.isdigit() and 0 < int(value) < 125
    return name_value(value) and len(value) <= 30  # a nationality


def _lines(text: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    for line in text.split("\n"):
        spans.append((at, at + len(line)))
        at += len(line) + 1
    return spans


def _header(text: str, start: int, end: int) -> tuple[str, list[str | None]] | None:
    """The delimiter and the column types of a header line, or None if the line is no header."""
    line = text[start:end]
    delimiter = max(DELIMITERS, key=line.count)
    if line.count(delimiter) < 2:
        return None
    names = [text[a:b] for a, b in split_cells(text, start, end, delimiter)]
    if delimiter == "|":  # "| name | dob |": the outer bars open and close the row
        names = names[1:-1] if names and not names[0] and not names[-1] else names
    if not all(_HEADER_CELL.fullmatch(n) for n in names):
        return None
    kinds = [_column_type(n) for n in names]
    personal = any(k not in (None, "PERSON") for k in kinds) or any(_PERSONAL_KEY.fullmatch(n) for n in names)
    for i, name in enumerate(names):
        key = name.strip()
        if (
            kinds[i] == "PERSON"
            and not personal
            and (_AMBIGUOUS_KEY.fullmatch(key) or not _PERSON_KEY.fullmatch(key))
        ):
            kinds[i] = "PERSON?"  # names of things or of people: the cell decides (`_fits`)
    return (delimiter, kinds) if any(kinds) else None


def table_cells(text: str) -> list[tuple[int, int, str]]:
    """(start, end, type) of the cells under a typed header, in every table of the text."""
    found: list[tuple[int, int, str]] = []
    lines = _lines(text)
    i = 0
    while i < len(lines):
        header = _header(text, *lines[i])
        i += 1
        if header is None:
            continue
        delimiter, kinds = header
        while i < len(lines) and text[lines[i][0] : lines[i][1]].strip():
            cells = split_cells(text, *lines[i], delimiter)
            if delimiter == "|" and cells and cells[0][0] == cells[0][1]:
                cells = cells[1:]
            if all(_RULE_CELL.fullmatch(text[a:b]) or a == b for a, b in cells):
                i += 1
                continue
            if len(cells) < len(kinds) - 1 or len(cells) > len(kinds) + 1:
                break  # not a row of this table
            for (a, b), kind in zip(cells, kinds, strict=False):
                if kind and b > a and _fits(kind, text[a:b]):
                    found.append((a, b, kind.rstrip("?")))
            i += 1
    return found


class TableCellRecognizer(RuleRecognizer):
    """Names, dates of birth, addresses, postcodes, nationalities and ages by their table column
    (`table_cells`)."""

    ENTITIES, SCORE = ("PERSON", "DATE_OF_BIRTH", "STREET_ADDRESS", "ZIP_CODE", "NATIONALITY", "AGE"), 0.7

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        if "\n" not in text or not any(d in text for d in DELIMITERS):
            return []
        wanted = set(entities)
        return [RecognizerResult(k, a, b, self.score) for a, b, k in table_cells(text) if k in wanted]
