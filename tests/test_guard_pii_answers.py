"""Issue 15, session 14: ordinary assistant answers are no personal data (`steward.guardrails.answer_shapes`).

The texts are written here in the shapes that flooded the scanner on development answers (list markers as ages,
years in tables and ranges as dates of birth, code as addresses, word lists as names); the personal data beside
them must still be found.
"""

from __future__ import annotations

import pytest

from steward.guardrails import answer_shapes as shapes
from steward.guardrails.base import ScanContext
from steward.guardrails.pii import PiiScanner


def _span(text: str, value: str, nth: int = 0) -> tuple[int, int]:
    at = -1
    for _ in range(nth + 1):
        at = text.index(value, at + 1)
    return at, at + len(value)


def test_list_markers_are_ranks_not_ages() -> None:
    text = "Top rivers:\n1. Nile\n2. Amazon\n12) Danube"
    assert shapes.list_marker(text, *_span(text, "1"))
    assert shapes.list_marker(text, *_span(text, "12"))
    prose = "She turned 12. Then she moved."
    assert not shapes.list_marker(prose, *_span(prose, "12"))


def test_measurements_and_parts_of_numbers() -> None:
    text = "A hare runs 70 km/h (43 mph); the box is 20px wide; GDP 1.4 Billion; price $4.50; area 7,141 km²"
    for value in ("43", "20", "1.4", "141"):
        assert shapes.measured(text, *_span(text, value)), value
    prose = "My son is 43 and lives in Leeds."
    assert not shapes.measured(prose, *_span(prose, "43"))


def test_years_of_events_without_a_birth_cue() -> None:
    text = "Sales grew from 1998 to 2004, then fell (2008-2009) and again as of 2019."
    for value in ("1998", "2004", "2008-2009", "2019"):
        assert shapes.year_reference(text, *_span(text, value)), value
    born = "Tomasz Nowak, born in 1984, lives in Gdańsk."
    assert not shapes.year_reference(born, *_span(born, "1984"))


def test_markdown_table_columns() -> None:
    text = "| Town | Founded | Letter |\n|---|---|---|\n| Ely | 1109 | K |\n| Wells | 1205 | Q |"
    assert shapes.table_column(text, *_span(text, "1109")) == "Founded"
    assert shapes.table_column(text, *_span(text, "Q")) == "Letter"
    assert shapes.table_column(text, *_span(text, "Town")) == ""
    assert shapes.table_column("a | b and 1999", 9, 13) is None  # bars without a separator row: no table
    assert shapes.not_personal_here(text, *_span(text, "1109"), "DATE_OF_BIRTH")
    typed = "| Name | Date of birth |\n| --- | --- |\n| Ola Berg | 1990-04-02 |"
    assert not shapes.not_personal_here(typed, *_span(typed, "1990-04-02"), "DATE_OF_BIRTH")


def test_code_and_formulas() -> None:
    code = "def total(xs):\n    acc = 0\n    return acc"
    assert shapes.code_like(code, *_span(code, "acc = 0"))
    assert shapes.not_a_date("(4 + 9) / 2 = 6.5")
    assert shapes.not_a_date("7.215")
    assert not shapes.not_a_date("12.05.1987")
    formula = "so 415^2 ≡ (415 × 415) mod 1000"
    assert shapes.operand(formula, *_span(formula, "415", 1))


def test_words_that_are_no_names() -> None:
    assert shapes.lowercase_words("quick, never")
    assert not shapes.lowercase_words("anna berg")  # lowercase chat keeps a name the lexicon knows
    assert not shapes.lowercase_words("박지훈")  # a caseless script has no case to go by
    assert not shapes.lowercase_words("ნინო ბერიძე")  # nor one that never capitalises a name
    assert shapes.across_sentences("garden. Moreover")
    items = "Shopping:\n- Butter\n- Lentils\n- Oliver Grant"
    assert shapes.list_item_word(items, *_span(items, "Lentils"))
    assert not shapes.list_item_word(items, *_span(items, "Oliver Grant"))
    assert shapes.nationality_shape("E") and shapes.nationality_shape("doorway")
    assert not shapes.nationality_shape("Portuguese") and not shapes.nationality_shape("portuguese")


@pytest.fixture(scope="module")
def scanner() -> PiiScanner:
    return PiiScanner()


def _kinds(scanner: PiiScanner, text: str) -> list[tuple[str, str]]:
    context = ScanContext(stage="output")  # type: ignore[arg-type]
    return [(f.kind, text[f.start or 0 : f.end or 0]) for f in scanner.scan(text, context)]


ANSWERS = [
    "Fastest birds:\n\n1. Kestrel - 169 km/h (105 mph)\n\n2. Hobby - 100 km/h (62 mph)\n\n"
    "10. Rook - 60 km/h (37 mph)",
    "Rainfall in Lisbon from 2001 to 2012:\n\n| Year | Rain (mm) |\n|------|-----------|\n| 2001 | 702.5 |\n"
    "| 2002 | 688.1 |\n| 2012 | 640.9 |",
    "Antonyms: slow, never, quiet, gentle, brief, narrow, seldom, cheap, early, humble",
    "```python\ndef vowels(word):\n    n = 0\n    for ch in word:\n        if ch in 'aeiou':\n"
    "            n += 1\n    return n\n```",
    ".card {\n  margin: 24px;\n  padding: 12px 16px;\n}",
    "Camping list:\n- Tent\n- Lantern\n- Matches\n- Kettle\n- Blanket",
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_ordinary_answers_have_no_findings(scanner: PiiScanner, answer: str) -> None:
    found = [k for k in _kinds(scanner, answer) if k[0] in shapes.TABLE_KINDS | {"PERSON"}]
    assert found == []


def test_personal_data_beside_answer_shapes_is_still_found(scanner: PiiScanner) -> None:
    text = (
        "Guest list:\n1. Marta Kowalczyk\n2. Oliver Grant\n\nMarta was born on 14 March 1991, she is 33 and "
        "lives at 42 Elm Street."
    )
    kinds = {k for k, _ in _kinds(scanner, text)}
    assert {"PERSON", "DATE_OF_BIRTH", "STREET_ADDRESS"} <= kinds
    assert ("AGE", "1") not in _kinds(scanner, text)
