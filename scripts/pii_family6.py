"""PII report family 6 (issue 15, PII round 3): written before any change of that round was measured on it.

Imported by `make_pii_family.py --family 6 --seed 40961`. Formats no earlier family had in this shape: support
ticket dumps (pipe-separated header, quoted customer text), semicolon CSV exports, application log lines
(`key=value` and quoted fields after an ISO timestamp), chat transcripts with ISO timestamps and ALL-CAPS
handles, XML records, quoted e-mail threads ("On …, NAME <mail> wrote:"), shipping labels with a unit, apartment
or PO box line, upper-case clinic forms, and free text in French, German, Spanish, Italian, Dutch and Portuguese.
Name shapes: lowercase, ALL CAPS, particles (van der, de la, bin, al-, O', di, von), hyphenated and double
surnames, middle initials, family-name-first Asian order ("ZHANG Wei", "Tanaka Hiroshi"), names in Chinese,
Arabic, Bengali and Tamil script (Faker's zh_TW, ar_SA, bn_BD, ta_IN). Dates of birth in fifteen formats,
month names in six languages. Hard negatives (`"personal": false`): streets, stations, bridges and hotels named
after people without a house number, travel and ticket dates, order numbers, cities, companies.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

LOCALES_6 = [
    *(["en_US", "en_GB", "fr_FR", "de_DE", "it_IT", "es_ES", "nl_NL"] * 2),
    "fr_BE", "nl_BE", "de_CH", "it_CH", "es_AR", "es_CO", "da_DK", "no_NO", "fi_FI", "cs_CZ", "hu_HU", "hr_HR",
    "en_NG", "en_KE", "en_PK", "en_IE", "zh_TW", "ar_SA", "bn_BD", "ta_IN", "fil_PH", "sk_SK", "lt_LT", "pt_PT",
]  # fmt: skip
DEMONYMS_6 = [
    "Belgian", "Swiss", "Argentine", "Colombian", "Danish", "Norwegian", "Finnish", "Czech", "Hungarian",
    "Croatian", "Nigerian", "Kenyan", "Pakistani", "Taiwanese", "Saudi", "Bangladeshi", "Sri Lankan",
    "Slovak", "Lithuanian", "French", "German", "Italian", "Spanish", "Dutch", "British", "American",
]  # fmt: skip
MONTHS_6 = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
}
PARTICLES = ["van der", "de la", "bin", "al-", "O'", "di", "von", "van", "da", "de", "ter", "du", "Mac"]
ASIAN_FAMILY = ["Zhang", "Wang", "Li", "Chen", "Nguyen", "Tran", "Kim", "Park", "Tanaka", "Suzuki", "Sato", "Lim"]
ASIAN_FAMILY += ["Huang", "Zhou", "Wu", "Pham", "Choi", "Yamamoto", "Takahashi", "Ong", "Tan", "Lee"]
ASIAN_GIVEN = ["Wei", "Mei Ling", "Xiaoming", "Hiroshi", "Yuki", "Minh Anh", "Ji-woo", "Seo-yeon", "Haruto"]
ASIAN_GIVEN += ["Jun", "Lan", "Thanh Hai", "Sakura", "Min-jun", "Jia Hui", "Kenji", "Duc", "Hye-jin"]
PERSON_PLACES = [
    "Rue Victor Hugo", "Avenida Simón Bolívar", "Piazza Giuseppe Verdi", "Rembrandtplein", "Ludwig-Erhard-Straße",
    "Waterloo Station", "Gare Saint-Lazare", "Pont Alexandre III", "Hotel Adlon Kempinski", "Churchill Avenue",
    "Lincoln Memorial", "John Lennon Airport", "Kennedy Plaza", "Avenida Eva Perón", "Plaza Mayor",
]  # fmt: skip
UNITS = ["Apt {n}", "Apt. {n}C", "Unit {n}", "Suite {n}", "Flat {n}", "#{n}", "Appartement {n}", "Piso {n}º"]
UNITS += ["Whg. {n}", "Bus {n}", "Interno {n}", "Room {n}, Building B"]
PO_BOXES = ["PO Box {n}", "P.O. Box {n}", "Postbox {n}", "Boîte postale {n}", "Postfach {n}", "Casilla {n}"]
COMPANIES_6 = ["Acme Logistics", "Nordwind AG", "Soleil Voyages SARL", "Tulip Holdings B.V.", "Iberflex S.L."]
AGE_FORMS = ["{n}", "{n} years", "{n} yrs", "{n}yo", "{n} ans", "{n} Jahre", "{n} años", "{n} anni", "{n} jaar"]

TICKET_6 = [
    "Ticket #{TICKET!} | Status: open | Priority: {PRIO!} | Created: {STAMP!}",
    "Requester: {PERSON} <{EMAIL_ADDRESS}>",
    "Assignee: {PERSON_CAPS}",
    'Customer wrote: "hi, my account still shows {PERSON_LOWER} as the holder, i was born {DATE_OF_BIRTH}."',
    "Shipping to: {STREET_ADDRESS}, {UNIT}, {ZIP_CODE} {CITY!}",
    "Callback number: {PHONE_NUMBER} (customer is {AGE})",
    "Internal note: refund issued to {IBAN_CODE} on {TRAVEL_DATE!}; order {ORDER!} closed.",
]
CSV_6 = [
    "kundennr;name;geburtsdatum;strasse;plz;ort;telefon",
    "{ROWNO!};{PERSON};{DATE_OF_BIRTH};{STREET_ADDRESS};{ZIP_CODE};{CITY!};{PHONE_NUMBER}",
    "{ROWNO!};{PERSON_PARTICLE};{DATE_OF_BIRTH};{STREET_ADDRESS};{ZIP_CODE};{CITY!};{PHONE_NUMBER}",
    "{ROWNO!};{PERSON_ASIAN};{DATE_OF_BIRTH};{STREET_ADDRESS};{ZIP_CODE};{CITY!};{PHONE_NUMBER}",
    "{ROWNO!};{PERSON_SCRIPT};{DATE_OF_BIRTH};{STREET_ADDRESS};{ZIP_CODE};{CITY!};{PHONE_NUMBER}",
]
LOG_6 = [
    '{STAMP!} INFO  auth: login ok user_id={ROWNO!} display_name="{PERSON}" src_ip={IP_ADDRESS}',
    "{STAMP!} WARN  kyc: dob mismatch for {PERSON_CAPS} (dob={DATE_OF_BIRTH}, doc={ID})",
    "{STAMP!} INFO  profile: address changed to '{STREET_ADDRESS}, {UNIT}' by {PERSON_LOWER}",
    "{STAMP!} DEBUG billing: card={CREDIT_CARD} holder='{PERSON_DOUBLE}' amount={PRICE!}",
    "{STAMP!} INFO  notify: sms to {PHONE_NUMBER} sent, referer={URL}",
]
CHAT_6 = [
    "{STAMP!} {HANDLE!}: Welcome to support, how can I help?",
    "{STAMP!} {SPEAKER_CAPS}: hi im {PERSON_LOWER}, my dad {PERSON_PARTICLE} needs a wheelchair",
    "{STAMP!} {HANDLE!}: Of course. How old is he, and what is his date of birth?",
    "{STAMP!} {SPEAKER_CAPS}: he's {AGE}, born {DATE_OF_BIRTH}. we live at {STREET_ADDRESS}",
    "{STAMP!} {SPEAKER_CAPS}: also the hotel near {PERSON_PLACE!} lost our booking, ask {PERSON_HYPHEN}",
    "{STAMP!} {HANDLE!}: Noted. I'll call {PHONE_NUMBER} if anything changes.",
]
XML_6 = [
    '<customer id="{ROWNO!}">',
    "  <name>{PERSON_DOUBLE}</name>",
    "  <birthDate>{DATE_OF_BIRTH}</birthDate>",
    "  <nationality>{NRP}</nationality>",
    "  <street>{STREET_ADDRESS}</street><postcode>{ZIP_CODE}</postcode><city>{CITY!}</city>",
    "  <email>{EMAIL_ADDRESS}</email>",
    "  <emergencyContact>{PERSON_ASIAN}</emergencyContact>",
    "</customer>",
]
THREAD_6 = [
    "Thanks, that works for me.",
    "",
    "On {TRAVEL_DATE!}, {PERSON} <{EMAIL_ADDRESS}> wrote:",
    "> Could you confirm the new address, {PO_BOX}, {ZIP_CODE} {CITY!}?",
    "> My wife {PERSON_HYPHEN} ({AGE}) will collect the parcel.",
    "> Regards, {PERSON_PARTICLE}",
]
LABEL_6 = [
    "SHIP TO:",
    "{PERSON_CAPS}",
    "{UNIT_CAPS}",
    "{STREET_CAPS}",
    "{ZIP_CODE} {CITY!}",
    "TEL {PHONE_NUMBER}",
    "ORDER {ORDER!} / {COMPANY!}",
]
CLINIC_6 = [
    "PATIENT REGISTRATION - {COMPANY!} CLINIC",
    "PATIENT NAME: {PERSON_CAPS}",
    "D.O.B.: {DATE_OF_BIRTH}    AGE: {AGE}",
    "NATIONALITY: {NRP}",
    "HOME ADDRESS: {STREET_ADDRESS}, {UNIT}",
    "NEXT OF KIN: {PERSON_SCRIPT}",
    "INSURANCE ID: {ID}",
    "APPOINTMENT: {TRAVEL_DATE!}",
]
FOREIGN_6 = [
    "Bonjour, je m'appelle {PERSON}, née le {DOB_FR}, j'habite {STREET_ADDRESS}, {ZIP_CODE} {CITY!}.",
    "Guten Tag, mein Name ist {PERSON_PARTICLE}, geboren am {DOB_DE}, wohnhaft in {STREET_ADDRESS}.",
    "Hola, soy {PERSON_DOUBLE}, nací el {DOB_ES} y tengo {AGE} años; mi teléfono es {PHONE_NUMBER}.",
    "Buongiorno, sono {PERSON}, nato il {DOB_IT}, residente in {STREET_ADDRESS}.",
    "Hallo, ik ben {PERSON_PARTICLE}, geboren op {DOB_NL}; mijn adres is {STREET_ADDRESS}, {UNIT}.",
    "Olá, o meu nome é {PERSON}, nasci a {DOB_PT}, sou {NRP}.",
    "Le rendez-vous à la {PERSON_PLACE!} est confirmé pour le {TRAVEL_DATE!}.",
    "Treffpunkt ist das {PERSON_PLACE!} um {CLOCK!}, fragen Sie nach {PERSON}.",
]
STYLES_6 = {
    "ticket6": TICKET_6, "csv6": CSV_6, "log6": LOG_6, "chat6": CHAT_6, "xml6": XML_6, "thread6": THREAD_6,
    "label6": LABEL_6, "clinic6": CLINIC_6, "foreign6": FOREIGN_6,
}  # fmt: skip
ORDERED_6 = {"ticket6", "csv6", "chat6", "thread6", "clinic6", "log6"}
WHOLE_6 = {"xml6", "label6"}
SLOT_TYPE_6 = {
    **{k: "PERSON" for k in ("PERSON_CAPS", "PERSON_LOWER", "PERSON_PARTICLE", "PERSON_ASIAN", "PERSON_SCRIPT")},
    **{k: "PERSON" for k in ("PERSON_DOUBLE", "PERSON_HYPHEN", "SPEAKER_CAPS")},
    **{f"DOB_{lang.upper()}": "DATE_OF_BIRTH" for lang in MONTHS_6},
    "UNIT": "STREET_ADDRESS", "UNIT_CAPS": "STREET_ADDRESS", "STREET_CAPS": "STREET_ADDRESS",
    "PO_BOX": "STREET_ADDRESS",
}  # fmt: skip


def _dob_6(fake: Any, rng: random.Random, lang: str | None = None) -> str:
    # fixed bounds (not Faker's "today"-relative ones), so the rows do not change with the day they are made
    born: date = fake.date_between(date(1933, 1, 1), date(2023, 12, 31))
    if lang:
        month = MONTHS_6[lang].split()[born.month - 1]
        return {
            "fr": f"{born.day} {month} {born.year}",
            "de": f"{born.day}. {month} {born.year}",
            "es": f"{born.day} de {month} de {born.year}",
            "it": f"{born.day} {month} {born.year}",
            "nl": f"{born.day} {month} {born.year}",
            "pt": f"{born.day} de {month} de {born.year}",
        }[lang]
    shape = rng.randrange(12)
    if shape == 0:
        return born.strftime("%d.%m.%Y")
    if shape == 1:
        return born.strftime("%Y/%m/%d")
    if shape == 2:
        return born.strftime("%d-%b-%Y").upper()
    if shape == 3:
        return born.strftime("%B %d, %Y").replace(" 0", " ")
    if shape == 4:
        return born.strftime("%Y%m%d")
    if shape == 5:
        return born.strftime("%d/%m/%y")
    if shape == 6:
        return born.strftime("%Y-%m-%dT00:00:00Z")
    if shape == 7:
        suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(born.day, "th")
        return f"{born.strftime('%B')} {born.day}{suffix}, {born.year}"
    if shape == 8:
        return born.strftime("%b %d %Y")
    if shape == 9:
        return f"{born.month}/{born.day}/{born.year}"
    if shape == 10:
        lang = rng.choice(list(MONTHS_6))
        return f"{born.day} {MONTHS_6[lang].split()[born.month - 1]} {born.year}"
    return born.strftime("%d %b %Y")


def _names_6(fake: Any, rng: random.Random, scripts: dict[str, Any]) -> dict[str, Callable[[], str]]:
    def particle() -> str:
        p = rng.choice(PARTICLES)
        last = str(fake.last_name())
        joined = f"{p}{last}" if p.endswith(("'", "-")) or p == "Mac" else f"{p} {last}"
        return f"{fake.first_name()} {joined}"

    def asian() -> str:
        family, given = rng.choice(ASIAN_FAMILY), rng.choice(ASIAN_GIVEN)
        return f"{family.upper()} {given}" if rng.random() < 0.5 else f"{family} {given}"

    def script() -> str:
        other = scripts[rng.choice(list(scripts))]
        return str(other.name()).replace("\n", " ")

    return {
        "PERSON": lambda: (
            f"{fake.first_name()} {fake.last_name()}"
            if rng.random() < 0.7
            else f"{fake.first_name()} {rng.choice('ABCDEHJKLMPRSTW')}. {fake.last_name()}"
        ),
        "PERSON_CAPS": lambda: f"{fake.first_name()} {fake.last_name()}".upper(),
        "SPEAKER_CAPS": lambda: str(fake.first_name()).upper(),
        "PERSON_LOWER": lambda: f"{fake.first_name()} {fake.last_name()}".lower(),
        "PERSON_PARTICLE": particle,
        "PERSON_ASIAN": asian,
        "PERSON_SCRIPT": script,
        "PERSON_DOUBLE": lambda: f"{fake.first_name()} {fake.last_name()} {fake.last_name()}",
        "PERSON_HYPHEN": lambda: f"{fake.first_name()} {fake.last_name()}-{fake.last_name()}",
    }


def makers_6(fake: Any, rng: random.Random, scripts: dict[str, Any]) -> dict[str, Callable[[], str]]:
    def phone() -> str:
        try:
            return str(fake.phone_number())
        except AttributeError:  # a locale without a phone provider: an international mobile number
            parts = [rng.randint(30, 99), rng.randint(600, 799), rng.randint(100, 999), rng.randint(1000, 9999)]
            return "+{} {} {} {}".format(*parts)

    def doc_id() -> str:
        if rng.random() < 0.4 and hasattr(fake, "ssn"):
            return str(fake.ssn())
        return f"{rng.choice('BCDFHJKLMNPRVWXZ')}{rng.randint(10000000, 99999999)}"

    def card() -> str:
        try:
            return str(fake.credit_card_number(card_type=rng.choice(["visa16", "mastercard", "discover"])))
        except KeyError:
            return str(fake.credit_card_number())

    def street() -> str:
        return str(fake.street_address()).replace("\n", ", ")

    makers: dict[str, Callable[[], str]] = {
        **_names_6(fake, rng, scripts),
        "STREET_ADDRESS": street,
        "STREET_CAPS": lambda: street().upper(),
        "UNIT": lambda: rng.choice(UNITS).format(n=rng.randint(1, 480)),
        "UNIT_CAPS": lambda: rng.choice(UNITS).format(n=rng.randint(1, 480)).upper(),
        "PO_BOX": lambda: rng.choice(PO_BOXES).format(n=rng.randint(10, 99999)),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "CITY": lambda: str(fake.city()),
        "DATE_OF_BIRTH": lambda: _dob_6(fake, rng),
        **{f"DOB_{lang.upper()}": (lambda lang=lang: _dob_6(fake, rng, lang)) for lang in MONTHS_6},
        "AGE": lambda: rng.choice(AGE_FORMS).format(n=rng.randint(1, 97)),
        "NRP": lambda: rng.choice(DEMONYMS_6),
        "PHONE_NUMBER": phone,
        "EMAIL_ADDRESS": lambda: str(fake.email()),
        "ID": doc_id,
        "CREDIT_CARD": card,
        "IBAN_CODE": lambda: str(fake.iban()),
        "IP_ADDRESS": lambda: str(fake.ipv4_public() if rng.random() < 0.8 else fake.ipv6()),
        "URL": lambda: str(fake.url()) + rng.choice(["", "account/settings", "?ref=mail"]),
        "PERSON_PLACE": lambda: rng.choice(PERSON_PLACES),
        "COMPANY": lambda: rng.choice(COMPANIES_6),
        "TICKET": lambda: str(rng.randint(10000, 999999)),
        "ORDER": lambda: f"{rng.choice(['ORD', 'SO', 'A'])}-{rng.randint(100000, 9999999)}",
        "PRIO": lambda: rng.choice(["low", "normal", "high", "urgent"]),
        "STAMP": lambda: fake.date_time_between(datetime(2026, 1, 5), datetime(2026, 6, 30)).strftime(
            rng.choice(["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "[%d/%b/%Y:%H:%M:%S]"])
        ),
        "TRAVEL_DATE": lambda: fake.date_between(date(2026, 7, 1), date(2027, 3, 31)).strftime(
            rng.choice(["%d.%m.%Y", "%a %d %b %Y"])
        ),
        "CLOCK": lambda: f"{rng.randint(6, 22)}:{rng.choice(['00', '15', '30', '45'])} Uhr",
        "HANDLE": lambda: rng.choice(["agent_", "support.", "bot-"]) + str(rng.randint(1, 99)),
        "PRICE": lambda: f"{rng.randint(5, 2000)}.{rng.randint(0, 99):02d}",
        "ROWNO": lambda: str(rng.randint(1, 99999)),
    }
    return makers
