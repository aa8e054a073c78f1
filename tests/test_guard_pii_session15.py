"""PII session 15 (issue 15): names the lexicon does not know, found by the words around them; NER spans cut back
to the name; capitalised words with diacritics as NER candidates; year ranges that are no phone numbers.

Every case is written for the test (none is a row of a report family)."""

from __future__ import annotations

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.names import name_shaped
from steward.guardrails.ner import name_candidates
from steward.guardrails.person_context import person_context
from steward.guardrails.pii import PiiScanner
from steward.guardrails.recognizers import FastPhoneRecognizer


@pytest.fixture(scope="module")
def pii() -> PiiScanner:
    return PiiScanner()


def _found(pii: PiiScanner, text: str, kind: str) -> list[str]:
    return [text[f.start or 0 : f.end or 0] for f in pii.scan(text, ScanContext(stage="input")) if f.kind == kind]


def _context(text: str, value: str, strong_only: bool = False) -> bool:
    at = text.index(value)
    return person_context(text, at, at + len(value), strong_only)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I'm writing about our nephew Chukwuemeka, who starts school in May.", "Chukwuemeka"),
        ("Please ask the patient's granddaughter Yerlan to sign the form.", "Yerlan"),
        ("Kind regards,\nTemitope Adeyemi-Hughes", "Temitope Adeyemi-Hughes"),
        ("Big thanks to Sakura at the front desk.", "Sakura"),
        ("Tamerlan, 34, was waiting at the gate.", "Tamerlan"),
        ("The form was countersigned by Eun-ji Baek, the ward sister.", "Eun-ji Baek"),
    ],
)
def test_context_says_person(text: str, value: str) -> None:
    assert _context(text, value, strong_only=True)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Our flight to Kettlewell was delayed by an hour.", "Kettlewell"),
        ("Her ThinkPad was stolen from the car.", "ThinkPad"),
        ("The mayor of Santander has resigned.", "Santander"),
        ("We bought the blender from Okafor and Sons on Friday.", "Okafor"),
    ],
)
def test_context_says_place_or_thing(text: str, value: str) -> None:
    assert not _context(text, value)


def test_weak_cues_need_a_person_reading() -> None:
    text = "Valeriu's laptop is broken."
    assert _context(text, "Valeriu")
    assert not _context(text, "Valeriu", strong_only=True)  # a company's label ("Oracle's laptop") needs more


def test_name_shape() -> None:
    assert name_shaped("Oluwadamilare")
    assert name_shaped("Ji-hoon Park")  # a common word ends a name after a given one
    assert not name_shaped("Hyde Park")
    assert not name_shaped("Victoria Station")
    assert not name_shaped("Phone")
    assert not name_shaped("BA117")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kind regards,\nTemitope Adeyemi-Hughes", "Temitope"),
        ("I'm writing about our nephew Chukwuemeka, who starts school in May.", "Chukwuemeka"),
        ("Yesterday evening Hiroshi Tanabe laughed at the joke.", "Hiroshi Tanabe"),
        ("Şükrü's password expired yesterday and he cannot log in.", "Şükrü"),
    ],
)
def test_names_found_in_context(pii: PiiScanner, text: str, name: str) -> None:
    found = _found(pii, text, "PERSON")
    assert any(name in f or f in name for f in found), found


@pytest.mark.parametrize(
    "text",
    [
        "Our flight to Kettlewell was delayed by an hour.",
        "We bought the blender from Okafor and Sons on Friday.",
        "Her ThinkPad was stolen from the car.",
    ],
)
def test_no_person_in_places_and_things(pii: PiiScanner, text: str) -> None:
    assert _found(pii, text, "PERSON") == []


def test_ner_span_starts_after_the_words_before_the_name(pii: PiiScanner) -> None:
    text = "Witnesses described Magnus Thorvaldsen, a retired pilot, as calm."
    found = _found(pii, text, "PERSON")
    assert found and all("described" not in f and "Witnesses" not in f for f in found), found


def test_capitalised_words_with_diacritics_are_ner_candidates() -> None:
    text = "Özgür and Łukasz met Émilie"
    assert name_candidates(text) == [0, text.index("Łukasz"), text.index("Émilie")]


@pytest.mark.parametrize(
    "text",
    [
        "Worked as a clerk at the bank 1998-2004, then moved abroad.",
        "Previous employer: Northwind Ltd, 2011 - 2019",
        "Lived in Leeds (1987/1993).",
    ],
)
def test_year_ranges_are_no_phone_numbers(text: str) -> None:
    phone = FastPhoneRecognizer()
    assert phone.analyze(text, ["PHONE_NUMBER"]) == []


@pytest.mark.parametrize("text", ["Call me on 020 7946 0958.", "my number is 555-2004", "tel 2019-2011"])
def test_phone_numbers_still_found(text: str) -> None:
    assert FastPhoneRecognizer().analyze(text, ["PHONE_NUMBER"])
