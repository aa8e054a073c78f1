"""PII report family 4 (issue 15, session 10): written before any change of that session was measured on it.

Imported by `make_pii_family.py --family 4 --seed 60613`. New styles that no earlier family had: postal letters
with a multi-line address block (street line, secondary line, "postcode city" or "city, ST zip" lines), invoices
with BILL TO / SHIP TO blocks, patient intake notes, JSON records with a nested address, tenancy agreements
("residing at ..."), change-of-address e-mails with headers, forum posts, PO boxes in six languages, boarding
passes (`SURNAME/GIVEN MR`), ages written "a 45-year-old", "45 y/o", "45yo"; spaced IBANs, cards with dashes,
IPv6 addresses. The locales weight the languages a public synthetic set is most likely to hold (en_US, en_GB,
de_DE, fr_FR, es_ES, it_IT, nl_NL twice) and add four no earlier family had (en_PH, es_CL, and ru_RU and el_GR,
which bring Cyrillic and Greek names and addresses). Distractors: cities, states,
countries, companies, airports, terminals and gates, travel dates, job titles.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

LOCALES_4 = [
    *(["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL"] * 2),
    "en_PH", "es_CL", "ru_RU", "el_GR", "en_AU", "pl_PL",
]  # fmt: skip
DEMONYMS_4 = [
    "American", "British", "German", "French", "Spanish", "Italian", "Dutch", "Chilean", "Filipino", "Russian",
    "Greek", "Australian", "Polish", "Moroccan", "Nigerian", "Peruvian", "Albanian", "Georgian", "Armenian",
]  # fmt: skip
AIRPORTS_4 = [
    "John F. Kennedy International Airport", "Schiphol", "Charles de Gaulle", "Barajas", "Fiumicino",
    "Tegel", "Gatwick", "Ninoy Aquino International", "Pulkovo", "Eleftherios Venizelos", "Logan Airport",
]  # fmt: skip
PO_BOX = ["P.O. Box {n}", "PO Box {n}", "Postfach {n}", "BP {n}", "Apartado de Correos {n}", "Casella Postale {n}"]
PO_BOX += ["Postbus {n}", "Skrytka pocztowa {n}"]
SECONDARY = ["Apt {n}", "Apt. {n}B", "Suite {n}", "Flat {n}", "Unit {n}", "Wohnung {n}", "Bât. B, esc. {n}"]
SECONDARY += ["3º {n}ª", "Int. {n}", "app. {n}", "#{n}"]
TITLES = ["MR", "MRS", "MS", "MSTR", "DR"]

LETTER = [
    "{PERSON}",
    "{STREET_ADDRESS}",
    "{ADDR_LAST_LINE}",
    "{COUNTRY!}",
    "",
    "{CITY!}, {DATE!}",
    "Dear {TITLE_LAST},",
    "Following your visit on {DATE!}, we enclose the documents for your {AGE}-year-old son.",
    "Yours sincerely,",
    "{PERSON}",
]
INVOICE = [
    "INVOICE No. {INVOICE!}",
    "BILL TO:",
    "{PERSON}",
    "{STREET_ADDRESS}",
    "{SECONDARY}",
    "{ADDR_LAST_LINE}",
    "SHIP TO: {PERSON}, {STREET_ADDRESS}, {ZIP_CODE} {CITY!}",
    "Paid by card {CARD_DASHED} on {DATE!}",
    "Customer tax ID: {ID}",
    "Questions? {EMAIL_ADDRESS} or {PHONE_NUMBER}",
]
INTAKE = [
    "PATIENT INTAKE - {ORGANIZATION!}",
    "Pt: {PERSON}, a {AGE}-year-old {NRP} national",
    "DOB {DATE_OF_BIRTH} ({AGE} y/o)",
    "Home: {STREET_ADDRESS}, {CITY!} {ZIP_CODE}",
    "Insurance / SSN: {ID}",
    "Next of kin: {PERSON} (spouse), {PHONE_NUMBER}",
    "Referred by Dr. {LAST} at {ORGANIZATION!}.",
]
# {LB} and {RB} are literal braces (slots without a span).
JSON_RECORD = [
    '{LB}"customer": {LB}"first_name": "{FIRST}", "last_name": "{LAST}", "age": {AGE},',
    ' "address": {LB}"street": "{STREET_ADDRESS}", "postcode": "{ZIP_CODE}", "city": "{CITY!}"{RB},',
    ' "email": "{EMAIL_ADDRESS}", "phone": "{PHONE_NUMBER}", "iban": "{IBAN_SPACED}",',
    ' "last_login_ip": "{IPV6}", "nationality": "{NRP}", "employer": "{ORGANIZATION!}"{RB}{RB}',
]
LEGAL = [
    "THIS TENANCY AGREEMENT is made on {DATE!} between {ORGANIZATION!} (the Landlord)",
    "and {PERSON}, born {DATE_OF_BIRTH}, residing at {STREET_ADDRESS}, {ZIP_CODE} {CITY!} (the Tenant).",
    "The Tenant's passport number is {ID} and the deposit is paid from {IBAN_SPACED}.",
    "Notices to the Tenant go to {PO_BOX}, {CITY!}.",
    "Signed: {PERSON}, witnessed by {PERSON}.",
]
EMAIL_THREAD = [
    "From: {PERSON} <{EMAIL_ADDRESS}>",
    "To: customer.care@example.org",
    "Subject: change of address",
    "",
    "Hi, I moved last month. Please update my address to:",
    "{STREET_ADDRESS}",
    "{SECONDARY}",
    "{ADDR_LAST_LINE}",
    "My old one was {STREET_ADDRESS}. Phone unchanged ({PHONE_NUMBER}).",
    "Cheers, {FIRST}",
]
FORUM = [
    "Posted by {USERNAME!} from {IPV4}:",
    "just moved into {STREET_ADDRESS} with my partner {FIRST} and the neighbours are lovely",
    "anyone know a dentist near {STREET_ADDRESS}? im {AGE}yo and never had a filling lol",
    "my blog is {URL} if you want the pics of {CITY!}",
    "we're {NRP} so the paperwork at the {ORGANIZATION!} office took ages",
]
PO_BOXES = [
    "Please send all correspondence to {PO_BOX}, {ZIP_CODE} {CITY!}.",
    "Mailing address: {PO_BOX}",
    "Return the form to {PERSON}, {PO_BOX}, {CITY!} {ZIP_CODE}.",
]
BOARDING = [
    "BOARDING PASS  {AIRLINE_CODE!}{FLIGHTNO!}",
    "NAME: {PERSON_SG_TITLE}",
    "FROM: {AIRPORT!}  TO: {AIRPORT!}",
    "GATE {GATE!}  SEAT {SEAT!}  TERMINAL {TERMINAL!}",
    "FREQUENT FLYER {ID}",
]
SHORT = [
    "plz deliver 2 {STREET_ADDRESS} asap thx - {FIRST}",
    "{FIRST} {LAST}, {AGE}, lives at {STREET_ADDRESS} ({ZIP_CODE}), works as {JOB!} in {CITY!}.",
    "Contact {TITLE_LAST} on {PHONE_NUMBER} or {EMAIL_ADDRESS}; visit {URL}.",
    "Card {CARD_DASHED} was declined at {ORGANIZATION!} from IP {IPV4}.",
    "The {AGE} year old {NRP} citizen {PERSON} was seen at {AIRPORT!}, terminal {TERMINAL!}.",
    "Meet me at {AIRPORT!} then we drive to {STREET_ADDRESS}.",
]
STYLES_4 = {
    "letter": LETTER, "invoice": INVOICE, "intake": INTAKE, "json": JSON_RECORD, "legal": LEGAL,
    "email_thread": EMAIL_THREAD, "forum": FORUM, "po_box": PO_BOXES, "boarding": BOARDING, "short": SHORT,
}  # fmt: skip
ORDERED_4 = {"letter", "invoice", "intake", "json", "legal", "email_thread", "boarding"}
SLOT_TYPE_4 = {
    "FIRST": "PERSON", "LAST": "PERSON", "TITLE_LAST": "PERSON", "PERSON_SG_TITLE": "PERSON",
    "SECONDARY": "STREET_ADDRESS", "PO_BOX": "STREET_ADDRESS", "CARD_DASHED": "CREDIT_CARD",
    "IBAN_SPACED": "IBAN_CODE", "IPV4": "IP_ADDRESS", "IPV6": "IP_ADDRESS",
}  # fmt: skip


def _n(rng: random.Random, digits: int = 3) -> str:
    return str(rng.randint(1, 10**digits - 1))


def _street(fake: Any, rng: random.Random) -> str:
    """A locale's street line, sometimes with its flat/suite inline."""
    street = str(fake.street_address()).replace("\n", ", ")
    if rng.random() < 0.25:
        street += rng.choice([", ", " "]) + rng.choice(SECONDARY).format(n=_n(rng, 2))
    return street


LAST_LINES = ["{ZIP_CODE} {CITY!}", "{CITY!}, {STATE!} {ZIP_CODE}", "{CITY!}\n{ZIP_CODE}"]
LAST_LINES += ["{ZIP_CODE}, {CITY!} ({STATE!})"]


def _card(fake: Any, rng: random.Random) -> str:
    kind = rng.choice(["visa16", "mastercard", "discover"])
    try:
        number = str(fake.credit_card_number(card_type=kind))
    except KeyError:  # a locale with its own card types (ru_RU: Mir)
        number = str(fake.credit_card_number())
    sep = rng.choice(["-", " ", "-"])
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def _iban(fake: Any) -> str:
    iban = str(fake.iban())
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _id(fake: Any, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return str(fake.ssn())
    if roll < 0.7:
        return str(fake.passport_number())
    letter = rng.choice("ABCDEFGHKLMNPRSTWXYZ")
    return f"{letter}{rng.randint(10, 99)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}"


def makers_4(fake: Any, rng: random.Random) -> dict[str, Callable[[], str]]:
    def title_last() -> str:
        return f"{rng.choice(['Mr', 'Mrs', 'Ms', 'Dr', 'Mr.', 'Mrs.', 'Prof.'])} {fake.last_name()}"

    def phone() -> str:  # en_PH has mobile and landline numbers but no phone_number
        return str(fake.phone_number() if hasattr(fake, "phone_number") else fake.mobile_number())

    def state() -> str:
        return str(fake.state_abbr()) if hasattr(fake, "state_abbr") else str(fake.city())[:2].upper()

    return {
        "PERSON": lambda: str(fake.name()) if rng.random() < 0.4 else f"{fake.first_name()} {fake.last_name()}",
        "FIRST": lambda: str(fake.first_name()),
        "LAST": lambda: str(fake.last_name()),
        "TITLE_LAST": title_last,
        "PERSON_SG_TITLE": lambda: f"{fake.last_name().upper()}/{fake.first_name().upper()} {rng.choice(TITLES)}",
        "STREET_ADDRESS": lambda: _street(fake, rng),
        "SECONDARY": lambda: rng.choice(SECONDARY).format(n=_n(rng, 2)),
        "PO_BOX": lambda: rng.choice(PO_BOX).format(n=_n(rng, 4)),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "CITY": lambda: str(fake.city()),
        "STATE": state,
        "DATE_OF_BIRTH": lambda: fake.date_of_birth(minimum_age=18, maximum_age=90).strftime(
            rng.choice(["%d/%m/%Y", "%B %d, %Y", "%Y-%m-%d", "%d.%m.%Y", "%d %b %Y"])
        ),
        "AGE": lambda: str(rng.randint(2, 97)),
        "NRP": lambda: rng.choice(DEMONYMS_4),
        "PHONE_NUMBER": phone,
        "EMAIL_ADDRESS": lambda: str(fake.email()),
        "ID": lambda: _id(fake, rng),
        "CARD_DASHED": lambda: _card(fake, rng),
        "IBAN_SPACED": lambda: _iban(fake),
        "IPV4": lambda: str(fake.ipv4_public()),
        "IPV6": lambda: str(fake.ipv6()),
        "URL": lambda: str(fake.url() if rng.random() < 0.5 else fake.domain_name()),
        "COUNTRY": lambda: str(fake.current_country()) if rng.random() < 0.5 else str(fake.country()),
        "ORGANIZATION": lambda: str(fake.company()),
        "AIRPORT": lambda: rng.choice(AIRPORTS_4),
        "DATE": lambda: fake.date_between("-1y", "+1y").strftime(rng.choice(["%d %B %Y", "%Y-%m-%d", "%b %d"])),
        "JOB": lambda: str(fake.job()),
        "USERNAME": lambda: str(fake.user_name()),
        "INVOICE": lambda: f"INV-{rng.randint(10000, 99999)}",
        "AIRLINE_CODE": lambda: rng.choice(["KL", "AF", "IB", "AZ", "BA", "PR", "SU", "A3", "LA"]),
        "FLIGHTNO": lambda: str(rng.randint(10, 2999)),
        "GATE": lambda: f"{rng.choice('ABCDEF')}{rng.randint(1, 60)}",
        "SEAT": lambda: f"{rng.randint(1, 40)}{rng.choice('ABCDEF')}",
        "TERMINAL": lambda: str(rng.randint(1, 5)),
        "LB": lambda: "{",
        "RB": lambda: "}",
    }


def expand(template: str, rng: random.Random) -> str:
    """`{ADDR_LAST_LINE}` becomes the locale's city line with its own slots (postcode personal, city and state
    distractors), so `fill` labels them like any other slot."""
    return template.replace("{ADDR_LAST_LINE}", rng.choice(LAST_LINES))
