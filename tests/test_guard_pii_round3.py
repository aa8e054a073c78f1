"""PII round 3 (issue 15): table columns, dates of birth in more formats and languages, names in caseless
scripts and with spaced slashes, address keys, and streets or airports named after people that are places.

Every case here is written for the test (none is a row of a report family) and fails on the commit before the
round's detector changes."""

from __future__ import annotations

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.caseless import caseless_names
from steward.guardrails.pii import PiiScanner
from steward.guardrails.tables import split_cells, table_cells


@pytest.fixture(scope="module")
def pii() -> PiiScanner:
    return PiiScanner()


def kinds_over(pii: PiiScanner, text: str, value: str) -> set[str]:
    """Kinds of the findings that overlap `value` in `text`."""
    at = text.index(value)
    return {
        f.kind
        for f in pii.scan(text, ScanContext(stage="input"))
        if f.score >= 0.4 and (f.start or 0) < at + len(value) and at < (f.end or 0)
    }


def test_split_cells_keeps_quoted_delimiters() -> None:
    text = 'a;"Ortiz, Ana";c'
    assert [text[a:b] for a, b in split_cells(text, 0, len(text), ";")] == ["a", "Ortiz, Ana", "c"]


def test_table_cells_by_header() -> None:
    text = "ref|Passenger Name|Birth Date|Post Code\n7|Hannelore Quist|2023-04-09|4021\n8|N/A||x"
    cells = {(text[a:b], kind) for a, b, kind in table_cells(text)}
    assert cells == {("Hannelore Quist", "PERSON"), ("2023-04-09", "DATE_OF_BIRTH"), ("4021", "ZIP_CODE")}


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        # a child's birth date, too recent for the past-date rule: the column says what it is
        ("client;date de naissance;town\nOrla Fenwick;12.02.2024;Leeds", "12.02.2024", "DATE_OF_BIRTH"),
        # a name with no cue and no capital-letter shape the NER knows, under a name column
        ("member_id,full name,joined\n4411,ngozi adeyemi-bello,2019", "ngozi adeyemi-bello", "PERSON"),
    ],
)
def test_table_columns(pii: PiiScanner, text: str, value: str, kind: str) -> None:
    assert kind in kinds_over(pii, text, value)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Herr Quast, geboren am 3. März 1979, wohnt in Kiel.", "3. März 1979"),
        ("Soy Lucía, nací el 5 de mayo de 1990.", "5 de mayo de 1990"),
        ("Elle est née le 12 janv. 2001 à Lyon.", "12 janv. 2001"),
        ("Sono nata il 7 luglio 2019.", "7 luglio 2019"),
        ("kyc check: dob=20190312 mismatch", "20190312"),
    ],
)
def test_dates_of_birth_in_more_formats(pii: PiiScanner, text: str, date: str) -> None:
    assert "DATE_OF_BIRTH" in kinds_over(pii, text, date)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("NAME  HALVORSEN / INGRID   SEAT 14C", "HALVORSEN / INGRID"),
        ("SEAT 3A  KARADAĞ / ÖZGÜR  GATE 12", "KARADAĞ / ÖZGÜR"),
    ],
)
def test_slashed_names_with_spaces_and_any_capitals(pii: PiiScanner, text: str, name: str) -> None:
    assert "PERSON" in kinds_over(pii, text, name)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('"guests": ["박지훈", "Tom"]', "박지훈"),
        ("ref 88,ნინო ბერიძე,Tbilisi airport pickup", "ნინო ბერიძე"),
        ("7,יוסי לוי,Haifa", "יוסי לוי"),
        ("Invoice to محمد الحربي, paid.", "محمد الحربي"),
    ],
)
def test_names_in_caseless_scripts(pii: PiiScanner, text: str, name: str) -> None:
    assert "PERSON" in kinds_over(pii, text, name)


def test_caseless_places_and_phrases_are_not_names() -> None:
    assert caseless_names("town: 江東区, 荆门县") == []
    # four or more words of one script are a phrase or an address, not a name
    assert caseless_names("note: შიო მღვიმელის ქუჩა ოცდათორმეტი") == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ('{"id": 9, "homeAddress": "Vinkenhof 36", "zip": "3021"}', "Vinkenhof 36"),
        ("Address: 中山路幸福小区", "中山路幸福小区"),
    ],
)
def test_addresses_under_record_keys(pii: PiiScanner, text: str, address: str) -> None:
    assert "STREET_ADDRESS" in kinds_over(pii, text, address)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("The bakery on Avenue Charles de Gaulle is closed today.", "Avenue Charles de Gaulle"),
        ("We're staying near Calle de Ramón y Cajal in Valencia.", "Calle de Ramón y Cajal"),
        ("The museum on Via Alessandro Manzoni opens at ten.", "Via Alessandro Manzoni"),
    ],
)
def test_streets_named_after_people_as_places(pii: PiiScanner, text: str, place: str) -> None:
    assert kinds_over(pii, text, place) == set()


def test_street_with_number_or_residence_stays_personal(pii: PiiScanner) -> None:
    text = "Please send it to Avenue Charles de Gaulle 14, Neuilly. The shop on Via Manzoni is shut."
    assert "STREET_ADDRESS" in kinds_over(pii, text, "Avenue Charles de Gaulle 14")
    assert kinds_over(pii, text, "Via Manzoni") == set()


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ('{"from": "Franz Liszt", "to": "Oslo"}', "Franz Liszt"),
        ("Landed at Alexander Pushkin, waiting at the carousel.", "Alexander Pushkin"),
        ("Kenji: meet me at Federico Fellini arrivals", "Federico Fellini"),
        ("Madrid -> Adolfo Suárez -> Oslo", "Adolfo Suárez"),
    ],
)
def test_airports_named_after_people_in_travel_context(pii: PiiScanner, text: str, place: str) -> None:
    assert "PERSON" not in kinds_over(pii, text, place)


def test_form_label_after_a_title_is_no_name_and_seq_no_address(pii: PiiScanner) -> None:
    text = "Sex: M   Age: 41\nBooking ref QX7PLM  Seq 212"
    assert "PERSON" not in kinds_over(pii, text, "Age")
    assert "STREET_ADDRESS" not in kinds_over(pii, text, "Seq 212")
    assert "AGE" in kinds_over(pii, text, "41")
