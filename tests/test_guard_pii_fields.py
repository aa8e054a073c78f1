"""Issue 15, session 11: names Steward missed where stock Presidio found them (spaCy's names now fill gaps), names
in record fields, joined names, sign-offs, other scripts, nationality under quoted keys, what is not a name in an
address block or a boarding pass, and the attack findings left by session 10."""

from __future__ import annotations

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.fields import field_names, not_a_postcode, place_in_record, rule_age
from steward.guardrails.normalise import normalise_for_detection
from steward.guardrails.pii import PiiScanner


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


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # values of name-like keys in JSON, YAML and forms (family 4's JSON records: 96 names missed)
        ('{"customer": {"first_name": "Rozalia", "last_name": "Kaziród", "age": 34}}', "Kaziród"),
        ('{"customer": {"first_name": "Astrid", "last_name": "Campbell"}}', "Campbell"),
        ("given_name: Isaque\nfamily_name: Souza\n", "Isaque"),
        ('{"passengerName": "Ngozi Eze", "seat": "12A"}', "Ngozi Eze"),
        ('"witnesses": ["Anna Berg", "Tom Hale"]', "Tom Hale"),
        ("Surname: Chalimoniuk", "Chalimoniuk"),
        # the second name of "witnessed by", spaCy's names kept where the NER has none
        ("Signed: Ivan Rutten, witnessed by Guusje Chotzen.", "Guusje Chotzen"),
        ("Signed: Francis Rice, witnessed by Colin Newman.", "Colin Newman"),
        ("I was accompanied by Marta Kowalska and Jan Nowak.", "Jan Nowak"),
        # a first name after a dash sign-off
        ("plz deliver 2 12 Main Street asap thx - Andrea", "Andrea"),
        # names in Cyrillic and Greek without a cue
        ("Спиридон Суворов, a 10-year-old British national", "Спиридон Суворов"),
        ("Pt: Ναυσικά Τομπουλίδου, born 1990", "Ναυσικά Τομπουλίδου"),
        # lowercase pinyin (attack finding)
        ("rebook wei zhang on the 6pm flight", "wei zhang"),
    ],
)
def test_names_found(pii: PiiScanner, text: str, name: str) -> None:
    assert "PERSON" in kinds_over(pii, text, name)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"username": "bob77", "company_name": "Acme Holdings", "hostname": "web01"}', "Acme Holdings"),
        ("NAME: MILLER/CHRISTOPHER DR\nFROM: Tegel  TO: Pulkovo\nGATE B5", "Tegel"),
        ("NAME: MILLER/CHRISTOPHER DR\nFROM: Tegel  TO: Pulkovo\nGATE B5", "Pulkovo"),
        ("Jan Kowalski\nul. Sobieskiego 30\n96-241 Grudziądz\nPoland", "Grudziądz"),
        ("My old one was 12 Akle Road. Phone unchanged (+63933-555-0101).", "Phone unchanged"),
        ("Signed at Powell and Sons (the Landlord).", "Powell"),
        ("I'm Brazilian, do I need a visa for Schengen?", "Schengen"),
        # spaCy's gap names: places it calls people (attack script)
        ("Is flight BA117 to New York on time?", "New York"),
        ("Is Santa Maria airport open? What about San Jose?", "San Jose"),
        ("my number is +44-7700-900123", "is"),
    ],
)
def test_not_names(pii: PiiScanner, text: str, value: str) -> None:
    assert "PERSON" not in kinds_over(pii, text, value)


def test_nationality_under_a_quoted_key(pii: PiiScanner) -> None:
    text = '{"last_login_ip": "10.0.0.1", "nationality": "German", "employer": "Zorbach"}'
    assert "NATIONALITY" in kinds_over(pii, text, "German")


def test_field_names_skip_placeholders_and_numbers() -> None:
    text = '{"name": null, "full_name": "N/A", "holder": "4111 1111", "first_name": "Ana"}'
    assert [text[a:b] for a, b in field_names(text)] == ["Ana"]


@pytest.mark.parametrize(
    "text",
    [
        "call me on +44\u20117700\u2011900123 please",  # non-breaking hyphens
        "call me on 020\u20117946\u20110958",
    ],
)
def test_phone_with_non_breaking_hyphens(pii: PiiScanner, text: str) -> None:
    assert "PHONE_NUMBER" in kinds_over(pii, text, text.split("on ")[1].split(" ")[0])


def test_dashes_map_to_hyphen_minus_same_length() -> None:
    text = "+44\u20117700\u2013900123"
    out, _ = normalise_for_detection(text)
    assert out == "+44-7700-900123" and len(out) == len(text)


def test_b_dot_date_of_birth(pii: PiiScanner) -> None:
    assert "DATE_OF_BIRTH" in kinds_over(pii, "b. 14.03.85", "14.03.85")
    assert not kinds_over(pii, "see section b. 12.5.3 of the rules", "12.5.3")


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("Is 18 years old the minimum age to travel alone?", "18", "AGE"),
        ("The minimum age is 16", "16", "AGE"),
        ("The train to Victoria leaves from platform 12 at 1545", "1545", "ZIP_CODE"),
        ("Dear Ryanair, my flight FR 8344 was cancelled", "8344", "ZIP_CODE"),
    ],
)
def test_false_alarms_of_the_attack_script(pii: PiiScanner, text: str, value: str, kind: str) -> None:
    assert kind not in kinds_over(pii, text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("My son is 12 years old.", "12"), ("She is 18 years old and flies alone", "18"), ("I am 34", "34")],
)
def test_ages_of_people_still_found(pii: PiiScanner, text: str, value: str) -> None:
    assert "AGE" in kinds_over(pii, text, value)


def test_helpers_directly() -> None:
    text = "Jones Orchard, E70 5NJ New Zoe (the Tenant)"
    assert place_in_record(text, text.index("New"), text.index("New") + 7)
    assert not place_in_record("SHIP TO: Ermes Badoer, Vicolo 17", 9, 21)
    assert rule_age("Is 18 years old the minimum age?", 3, 5)
    assert not rule_age("She is 18 years old.", 7, 9)
    assert not_a_postcode("leaves at 1545", 10, 14)
    assert not not_a_postcode("Berlin 1545", 7, 11)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Please refund account GB53PMNV9980934543677.", "GB53PMNV9980934543677"),
        ("wire the compensation to gb19zwqx6700069185204 pls", "gb19zwqx6700069185204"),
    ],
)
def test_iban_shaped_account_number_after_account_words(pii: PiiScanner, text: str, value: str) -> None:
    # 21 characters and a failing checksum: not a valid IBAN, still someone's account number
    assert "IBAN_CODE" in kinds_over(pii, text, value)


def test_iban_shape_needs_account_words(pii: PiiScanner) -> None:
    assert "IBAN_CODE" not in kinds_over(pii, "Order GB53PMNV9980934543677 shipped", "GB53PMNV9980934543677")
