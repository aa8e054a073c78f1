"""Street addresses in many locales and formats (issue 15, session 10), and the attack findings on the PII scanner:
places and brands taken for names, cards and IBANs with odd separators, names in other scripts and in the
airline SURNAME/GIVEN form."""

from __future__ import annotations

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.pii import PiiScanner


@pytest.fixture(scope="module")
def pii() -> PiiScanner:
    return PiiScanner()


def found(pii: PiiScanner, text: str) -> set[tuple[str, str]]:
    return {(f.kind, text[f.start : f.end]) for f in pii.scan(text, ScanContext(stage="input")) if f.score >= 0.4}


def kinds_over(pii: PiiScanner, text: str, value: str) -> set[str]:
    """Kinds of the findings that overlap `value` in `text`."""
    at = text.index(value)
    return {
        f.kind
        for f in pii.scan(text, ScanContext(stage="input"))
        if f.score >= 0.4 and (f.start or 0) < at + len(value) and at < (f.end or 0)
    }


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Villavägen 50,64818", "Villavägen 50"),  # Swedish compound, number last, CSV cell
        ("street=Björkgatan 02&zip=91683", "Björkgatan 02"),
        ("He resides at Willfried-Dörschner-Allee 789 in Altentreptow.", "Willfried-Dörschner-Allee 789"),
        ("Brent Everts,jm@gmail.com,Leahboulevard 38,3659 HK", "Leahboulevard 38"),
        ("To my flat, Condomínio de Sampaio, 18, that's in Caldeira.", "Condomínio de Sampaio, 18"),
        ("street=al. Skargi 24&zip=50-208", "al. Skargi 24"),
        ("Deliver to ulica Leszczynowa 04/85 please", "ulica Leszczynowa 04/85"),
        ("Iris Toma,Intrarea Pușcașu Nr. 951 Bl. 37 Sc. 86 Ap. 872,906513", "Intrarea Pușcașu Nr. 951 Bl. 37"),
        ("new place is Jl. K.H. Wahid Hasyim No. 828 (66299)", "Jl. K.H. Wahid Hasyim No. 828"),
        ("Адрес: пер. Светлый, д. 2, кв. 14", "пер. Светлый, д. 2"),
        ("Anirudh Varghese,simonpathak@yahoo.com,43/38, Bhagat Zila,114056", "43/38, Bhagat Zila"),
        ("Irene Ingram,victor19@outlook.com,75 Alex Wall,EH1 4JE", "75 Alex Wall"),
        ("Petőfi utca 12, 1052 Budapest", "Petőfi utca 12"),
        ("Please send all correspondence to P.O. Box 7586, 37335 Córdoba.", "P.O. Box 7586"),
        ("Schicken Sie es an Postfach 1234, 10115 Berlin", "Postfach 1234"),
        ("Mailing address: BP 9830", "BP 9830"),
        ("Jane Doe\n455 Elm Avenue\nApt. 12B\nSpringfield, IL 62704", "Apt. 12B"),
        ("To my flat, Suite 692 19 Mack Line Level 2, that's in West Jennifer.", "Suite 692 19 Mack Line"),
    ],
)
def test_street_addresses_in_many_locales_and_formats(pii: PiiScanner, text: str, address: str) -> None:
    assert "STREET_ADDRESS" in kinds_over(pii, text, address)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("the bag from U2925 never arrived at Ninoy Aquino.", "Ninoy Aquino"),
        ("passport L8331614, travelling 2026-11-21 with Qantas.", "21 with Qantas"),
        ("She flies LOT to Australia on Thursday 19 Feb.\nPlease page Dr. Barry to gate 12", "19 Feb"),
        ("In Spring 2024 we put 5 bags on the belt", "Spring 2024"),
        ("Which gate is it, gate B42 or Gate 12?", "Gate 12"),
    ],
)
def test_places_dates_and_gates_are_no_street_address(pii: PiiScanner, text: str, place: str) -> None:
    assert "STREET_ADDRESS" not in kinds_over(pii, text, place)


@pytest.mark.parametrize(
    ("text", "not_a_person"),
    [
        ("Thanks, Heathrow!", "Heathrow"),
        ("Dear Ryanair, my flight was cancelled", "Ryanair"),
        ("Is Charles de Gaulle far from Paris?", "Charles de Gaulle"),
        ("Is there a lounge at George Bush Intercontinental?", "George Bush"),
        ("Flying from Ronald Reagan Washington National to Louis Armstrong New Orleans", "Ronald Reagan"),
        ("Flying from Ronald Reagan Washington National to Louis Armstrong New Orleans", "Louis Armstrong"),
        ("I land at John F. Kennedy International Airport at 14:35.", "Kennedy"),
        ("Where is the Hugo Boss shop in terminal 2?", "Hugo Boss"),
        ("Can I bring Jack Daniels through security?", "Jack Daniels"),
    ],
)
def test_places_and_brands_named_after_people_are_no_person(pii: PiiScanner, text: str, not_a_person: str) -> None:
    assert "PERSON" not in kinds_over(pii, text, not_a_person)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Dear Maria, thanks for the call", "Maria"),  # a greeting with a name still finds it
        ("Thanks, John Smith", "John Smith"),
        ("Меня зовут Иван Петров, где выход 12?", "Иван Петров"),
        ("اسمي محمد عبدالله", "محمد عبدالله"),
        ("SMITH/JOHNMR booked on BA117", "SMITH/JOHNMR"),
        ("NAME: SMITH/JOHN MR", "SMITH/JOHN MR"),
        ("surname Smith, first name John, need to rebook", "Smith"),
    ],
)
def test_names_in_other_scripts_and_forms(pii: PiiScanner, text: str, name: str) -> None:
    assert "PERSON" in kinds_over(pii, text, name)


def test_airport_code_pairs_are_no_slashed_name(pii: PiiScanner) -> None:
    assert "PERSON" not in kinds_over(pii, "LHR/JFK return, AND/OR one way", "LHR/JFK")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("card 4111.1111.1111.1111 exp 12/27", "CREDIT_CARD"),
        ("card 4111/1111/1111/1111", "CREDIT_CARD"),
        ("card 4111_1111_1111_1111", "CREDIT_CARD"),
        ("card 4111 · 1111 · 1111 · 1111", "CREDIT_CARD"),
        ("card 4111—1111—1111—1111", "CREDIT_CARD"),
        ("card 4111 1111\n1111 1111", "CREDIT_CARD"),
        ("card ٤١١١١١١١١١١١١١١١", "CREDIT_CARD"),
        ("IBAN GB82.WEST.1234.5698.7654.32", "IBAN_CODE"),
        ("IBAN GB82/WEST/1234/5698/7654/32", "IBAN_CODE"),
        ("IBAN GB82 WEST 1234\n5698 7654 32 THANKS", "IBAN_CODE"),
    ],
)
def test_cards_and_ibans_with_any_separator(pii: PiiScanner, text: str, kind: str) -> None:
    assert kind in {k for k, _ in found(pii, text)}


@pytest.mark.parametrize(
    "text",
    [
        "dates 2026-09-19 2027-01-01 2028-03-05",  # a date run whose digits might pass Luhn
        "order 1234 5678 9012 3456?",  # card-shaped, fails Luhn
        "IBAN GB82.WEST.1234.5698.7654.33",  # one digit off: fails mod-97
    ],
)
def test_separated_numbers_need_their_checksum(pii: PiiScanner, text: str) -> None:
    assert not {k for k, _ in found(pii, text)} & {"CREDIT_CARD", "IBAN_CODE"}


@pytest.mark.parametrize(
    ("text", "postcode"),
    [
        ("living at Kilpolankuja 32 55696.", "55696"),
        ("resident at Fándlyho 71, 972 85.", "972 85"),
        ("new place is Újszéki utca 45. (H-2084)", "H-2084"),
        ("new place is 96 Bridson Street (H64Y8CP) I hold", "H64Y8CP"),
    ],
)
def test_a_postcode_right_after_a_street_address(pii: PiiScanner, text: str, postcode: str) -> None:
    assert ("ZIP_CODE", postcode) in found(pii, text)


def test_a_ticket_number_is_no_postcode(pii: PiiScanner) -> None:
    assert "ZIP_CODE" not in kinds_over(pii, "Ticket #299870 | priority: high", "299870")


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("my date of birth is 3 may 1990 and im 37 you can call me back", "37"),
        ("The passenger (Bulgarian, 38) asked for a wheelchair.", "38"),
        ("She started flying at the age of 17.", "17"),
    ],
)
def test_ages_tied_to_a_person(pii: PiiScanner, text: str, age: str) -> None:
    assert ("AGE", age) in found(pii, text)
