"""Personal data Presidio's English defaults missed: names by context, street addresses in several locales,
postcodes, dates of birth, ages, nationalities, id numbers, phones in written forms; places are not personal."""

from __future__ import annotations

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.pii import PiiScanner


@pytest.fixture(scope="module")
def pii() -> PiiScanner:
    return PiiScanner()


def found(pii: PiiScanner, text: str) -> set[tuple[str, str]]:
    return {(f.kind, text[f.start : f.end]) for f in pii.scan(text, ScanContext(stage="input")) if f.score >= 0.4}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Caller: Yeah hi, it's Christophe Andre.", "Christophe Andre"),  # spaCy: ORG
        ("My name is Nichole and I live in Leeds.", "Nichole"),  # spaCy: GPE
        ("Agent: Thanks, Fabian van den Brink-Bleijenberg. Anything else?", "Fabian van den Brink-Bleijenberg"),
        ("Kind regards,\nRebekah Seona Moriarty", "Rebekah Seona Moriarty"),
        ("my husband Noé Rojas Llamas (15) and I want seats together", "Noé Rojas Llamas"),
    ],
)
def test_names_spacy_labels_as_places_or_organisations(pii: PiiScanner, text: str, name: str) -> None:
    assert ("PERSON", name) in found(pii, text)


def test_a_name_stops_at_the_end_of_its_sentence_and_a_team_is_no_person(pii: PiiScanner) -> None:
    spans = found(pii, "I'm Anna Keller. Is my flight on time? Dear Mende team, Caller: hello")
    assert ("PERSON", "Anna Keller") in spans
    assert not any(kind == "PERSON" and value in ("Mende", "Caller") for kind, value in spans)


@pytest.mark.parametrize(
    "address",
    [
        "77763 Tony Village Suite 690",
        "17 Jones Light",
        "Agnes-Wesack-Straße 26-83",
        "Aiméesingel 6",
        "Plaza de Cleto Bayona 41 Puerta 6",
        "Viale Sermonti, 13",
        "12 rue Clémence Samson",
    ],
)
def test_street_addresses_in_several_locales(pii: PiiScanner, address: str) -> None:
    text = f"I moved last week, my new address is {address}, please update it."
    assert any(kind == "STREET_ADDRESS" and address in value for kind, value in found(pii, text))


def test_postcodes_dates_of_birth_ages_nationalities_and_ids(pii: PiiScanner) -> None:
    text = (
        "Full name: Lisa Berry\nDate of birth: 24 July 1991\nAge: 33\nNationality: Irish\n"
        "Address: 17 Jones Light, E70 6ZA London\nPassport number: Y77835337\nPhone: +1-449-627-0760x3554"
    )
    spans = found(pii, text)
    for expected in [
        ("DATE_OF_BIRTH", "24 July 1991"),
        ("AGE", "33"),
        ("NATIONALITY", "Irish"),
        ("ZIP_CODE", "E70 6ZA"),
        ("ID_NUMBER", "Y77835337"),
        ("PHONE_NUMBER", "+1-449-627-0760x3554"),
    ]:
        assert expected in spans, expected
    assert ("AGE", "7") in found(pii, "my daughter is travelling alone, she's 7 and nervous")
    assert ("NATIONALITY", "German") in found(pii, "I'm German, do I need a visa?")


def test_places_flights_and_travel_dates_are_not_personal(pii: PiiScanner) -> None:
    text = "Flight LH902 from Heathrow to Madrid leaves on 12 March 2026 at 10:45 from gate B12; it takes 2 hours."
    assert found(pii, text) == set()


def test_a_link_is_reported_to_the_end_of_its_top_level_domain(pii: PiiScanner) -> None:
    spans = found(pii, "Our site is www.hutchinson.biz and the shop is https://van.biz/shop, see you.")
    assert ("URL", "www.hutchinson.biz") in spans and ("URL", "https://van.biz/shop") in spans
