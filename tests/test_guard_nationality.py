"""Nationality tied to a person (issue 15): found where it describes someone, not in "Italian restaurant"; and the
record shapes of PII family 2 that were missed (key=value, delimited cells, lowercase chat)."""

from __future__ import annotations

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.nationality import NationalityRecognizer
from steward.guardrails.pii import PiiScanner


def _nationalities(text: str) -> list[str]:
    return [text[r.start : r.end] for r in NationalityRecognizer().analyze(text, [])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm Brazilian, do I need a visa?", "Brazilian"),
        ("im brazilian so do i need a visa", "brazilian"),
        ("She is a Kenyan citizen.", "Kenyan"),
        ("Nationality: German", "German"),
        ("citizenship=Vietnamese&country=Brazil", "Vietnamese"),
        ("my wife is half Japanese", "Japanese"),
        ("Polish national, travelling alone", "Polish"),
        ("holder of an Indian passport", "Indian"),
        ("I hold a Chilean passport, number U10317231", "Chilean"),
        ("K. Miller (Portuguese) flies Emirates to Austria", "Portuguese"),
        ("From Leeds: Ana Silva and Tom Berg, both Finnish, connecting at Stansted.", "Finnish"),
        ("name,dob,nationality,city\nAnna Smith,1990-01-02,Chilean,Oslo", "Chilean"),
        ("F491462578|Finnish|Maria Andersson|Portugal", "Finnish"),
        ("Anna is Polish and lives in Oslo", "Polish"),
        ("I'm a Pole living in Oslo", "Pole"),
        ("He is a South African citizen", "South African"),
    ],
)
def test_a_nationality_that_describes_a_person_is_found(text: str, expected: str) -> None:
    assert _nationalities(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "We had dinner at an Italian restaurant near the gate.",
        "German engineering is why I trust this car.",
        "Can I get French fries with that?",
        "The food is Italian and the wine is Spanish.",
        "I'm Italian restaurant staff, where do I park?",
        "Is the Mexican embassy open on Sunday?",
        "My cousin loves Thai curry and Swiss chocolate.",
        "Finland and Poland are both on my route.",
        "a pole fell on the road",
    ],
)
def test_a_demonym_that_names_a_thing_is_not_a_nationality(text: str) -> None:
    assert _nationalities(text) == []


def _found(text: str) -> set[tuple[str, str]]:
    scanner = PiiScanner()
    return {(f.kind, text[f.start : f.end]) for f in scanner.scan(text, ScanContext(stage="input"))}


def test_ids_postcodes_ages_and_dates_in_records_and_lowercase_chat() -> None:
    assert ("ID_NUMBER", "M49673690") in _found("mail=a@b.de&doc_no=M49673690&client_ip=59.86.189.247")
    assert ("ID_NUMBER", "eg699663") in _found("i hold a austrian passport  number eg699663  flying to chile")
    found = _found("Ana Lima,ana@mail.se,Idrottsgatan 4,65561\nF491462578|Finnish|Maria Andersson|Portugal")
    assert {("ZIP_CODE", "65561"), ("ID_NUMBER", "F491462578"), ("NATIONALITY", "Finnish")} <= found
    found = _found("first_name=Daniel Barnes&birthdate=March 3 1975&age=52&zip=43182")
    assert {("DATE_OF_BIRTH", "March 3 1975"), ("AGE", "52"), ("ZIP_CODE", "43182")} <= found


def test_a_date_of_birth_is_not_lost_to_the_nationality_cell_beside_it() -> None:
    text = 'name,dob,nationality,city\n"Pino, Salomé",May 20 2002,Pakistani,Brazil'
    assert {("DATE_OF_BIRTH", "May 20 2002"), ("NATIONALITY", "Pakistani")} <= _found(text)


def test_a_year_or_an_age_cell_is_not_a_postcode() -> None:
    found = _found("QF285,2027-02-08,Schwechat,Anna Berg,88\nAnna Berg,Oslo,1987")
    assert not any(kind == "ZIP_CODE" for kind, _ in found)
