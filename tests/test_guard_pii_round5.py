"""PII round 5 (issue 15): personal data in running prose, as public synthetic PII sets write it.

Nationalities before a word for a person ("a Maltese man") or as a birthplace ("Lithuanian-born"), after a key
with "as"; ages in apposition after a name ("Grace Singleton, 64, a nurse"); id numbers in prose ("licence number
as S3823193", "passport (V85240517)", medical record numbers); and what must stay quiet: demonyms before things
("French cuisine", "Japanese grammar"), durations ("for 10 years"), years and dates that are not dates of birth.

Every case is written for the test (none is a row of a report family)."""

from __future__ import annotations

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.nationality import tied_to_person
from steward.guardrails.pii import PiiScanner


@pytest.fixture(scope="module")
def pii() -> PiiScanner:
    return PiiScanner()


# The NER shipped is session 7's (a65e871's weights): round 5's retrained NER fixed these cases but lost names and
# found new false people in tests/test_guard_personal_ner.py and tests/test_guard_attack10.py (11 failures), and so
# did a second retrain with more general data (round 5b), so neither was shipped (docs/cards/pii.md, round 5).
# These cases are the old model's own findings; strict, so that a model which fixes them makes the mark fail.
def kinds_over(pii: PiiScanner, text: str, value: str) -> set[str]:
    at = text.index(value)
    return {
        f.kind
        for f in pii.scan(text, ScanContext(stage="input"))
        if f.score >= 0.4 and (f.start or 0) < at + len(value) and at < (f.end or 0)
    }


def _tied(text: str, word: str) -> bool:
    at = text.index(word)
    return tied_to_person(text, at, at + len(word))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("The patient is a 58-year-old Maltese woman with asthma.", "Maltese"),
        ("i'm the Ghanaian guy from the bus stop", "Ghanaian"),
        ("Our landlord, a Kenyan-born architect, called.", "Kenyan"),
        ("We list your nationality as Peruvian and your title as Ms.", "Peruvian"),
        ("Her grandmother was a Laotian refugee.", "Laotian"),
    ],
)
def test_nationality_of_a_person_in_prose(text: str, word: str) -> None:
    assert _tied(text, word)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Can you recommend a good French cuisine cookbook?", "French"),
        ("Japanese grammar is harder than I thought.", "Japanese"),
        ("Is there an Italian-American deli near the hotel?", "Italian"),
        ("We had Ethiopian coffee at the airport.", "Ethiopian"),
        ("A French teacher at the school taught us verbs.", "French"),
    ],
)
def test_demonym_not_about_a_person(text: str, word: str) -> None:
    assert not _tied(text, word)


def test_age_in_apposition_after_a_name(pii: PiiScanner) -> None:
    text = "Marguerite Okafor-Lind, 47, a retired pharmacist from Leeds, won the raffle."
    assert "AGE" in kinds_over(pii, text, "47")


def test_apposition_needs_a_name_and_a_description(pii: PiiScanner) -> None:
    # a postcode, a house number and a count between commas are no age
    assert "AGE" not in kinds_over(pii, "Send it to Springfield, 12345, the main office.", "12345")
    assert "AGE" not in kinds_over(pii, "We ordered 4, 47, 12 and 9 from the menu.", "47")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The other driver gave his licence number as T4417092 and left.", "T4417092"),
        ("Please bring a copy of your passport (K70215543) on Monday.", "K70215543"),
        ("Medical record number MRN-5530912 was merged by mistake.", "MRN-5530912"),
    ],
)
def test_id_numbers_in_prose(pii: PiiScanner, text: str, value: str) -> None:
    assert kinds_over(pii, text, value) & {"ID_NUMBER", "US_PASSPORT", "US_DRIVER_LICENSE", "MEDICAL_LICENSE"}


def test_id_word_without_a_number_is_nothing(pii: PiiScanner) -> None:
    text = "I have had my licence for 12 years and my passport as well."
    assert not kinds_over(pii, text, "12 years")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Can you plan a 72-hour layover in Lisbon for us?", "72"),
        ("Find hotels in Denver for a 3-night stay in May.", "3"),
        ("She has worked at Initrode for 12 years and loves it.", "12"),
    ],
)
def test_durations_are_no_ages(pii: PiiScanner, text: str, value: str) -> None:
    assert "AGE" not in kinds_over(pii, text, value)


def test_a_figure_is_no_street(pii: PiiScanner) -> None:
    text = "The spring campaign in Leeds got 15% more sign-ups than Denver, why?"
    assert "STREET_ADDRESS" not in kinds_over(pii, text, "15% more sign-ups than Denver")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The hearing was set for 14 March 2025, and the contract was signed on 2 May 2023.", "14 March 2025"),
        ("The company was founded in 2004 and moved to Leeds in 2011.", "2004"),
    ],
)
def test_dates_and_years_in_prose_are_not_birth_data(pii: PiiScanner, text: str, value: str) -> None:
    assert not kinds_over(pii, text, value) & {"DATE_OF_BIRTH", "ZIP_CODE", "AGE"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Discussed with the patient's son Tomasz, who will drive her home.", "Tomasz"),
        ("Ask Ngozi whether the invoice from the printers was paid.", "Ngozi"),
    ],
)
def test_given_name_alone_in_prose(pii: PiiScanner, text: str, value: str) -> None:
    assert "PERSON" in kinds_over(pii, text, value)


@pytest.mark.parametrize(
    "text",
    ["<productName>Garden Hose</productName>", "<item>Travel Kettle</item>", "<company>Blue Harbour</company>"],
)
def test_no_name_inside_an_element_for_a_thing(pii: PiiScanner, text: str) -> None:
    value = text.split(">")[1].split("<")[0]
    assert "PERSON" not in kinds_over(pii, text, value)


def test_a_name_inside_a_name_element_is_kept(pii: PiiScanner) -> None:
    text = "<contactName>Oksana Petrenko</contactName>"
    assert "PERSON" in kinds_over(pii, text, "Oksana Petrenko")
