"""PII report family 5 (issue 15, session 11): written before any change of that session was measured on it.

Imported by `make_pii_family.py --family 5 --seed 70919`. Formats no earlier family had in this shape: JSON
records with other key names (camelCase, nested `passenger`/`contact`, arrays of travellers), YAML records, CSV
exports with a header and quoted cells, chat transcripts with timestamps and handles, e-mails with signature
blocks (name, title, company, phone), application forms with "Surname / Given names" fields, boarding passes in
another layout, SMS threads. Many locales, with names in non-Latin scripts (Cyrillic: ru_RU, uk_UA, bg_BG;
Greek; Hebrew; Arabic/Persian; Georgian; Armenian; Devanagari; Thai; Chinese, Japanese, Korean). Hard negatives
(`"personal": false`): cities named like people (St. Louis, Victoria, Florence, Adelaide), airports named after
people (Ben Gurion, Marco Polo, Jorge Chávez), brands and products carrying a person's name (Tommy Hilfiger, Ford
Fiesta, Dr. Martens), streets named after people with no house number ("the shop on Martin Luther King
Boulevard"), companies, countries, dates, seats, flight numbers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

LOCALES_5 = [
    *(["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT"] * 2),
    "nl_NL", "pt_BR", "pl_PL", "sv_SE", "tr_TR", "ru_RU", "uk_UA", "bg_BG", "el_GR", "he_IL", "fa_IR",
    "ka_GE", "hy_AM", "hi_IN", "th_TH", "zh_CN", "ja_JP", "ko_KR", "vi_VN", "en_IN", "en_CA",
]  # fmt: skip
DEMONYMS_5 = [
    "Ukrainian", "Bulgarian", "Israeli", "Iranian", "Georgian", "Armenian", "Thai", "Chinese", "Japanese",
    "South Korean", "Vietnamese", "Turkish", "Swedish", "Brazilian", "Canadian", "Indian", "Mexican", "Irish",
    "Portuguese", "Austrian", "Egyptian", "Kazakh", "Lithuanian", "Maltese", "Cypriot",
]  # fmt: skip
HARD_CITIES = ["St. Louis", "Victoria", "Florence", "Adelaide", "Charlotte", "San José", "Santiago", "Lincoln"]
HARD_CITIES += ["Washington", "São Paulo", "Saint-Étienne", "Elizabeth", "Alexandria", "Jackson"]
HARD_AIRPORTS = [
    "Ben Gurion", "Marco Polo", "Jorge Chávez", "Indira Gandhi International", "Sabiha Gökçen",
    "Chhatrapati Shivaji", "Leonardo da Vinci", "Narita", "Incheon", "Pudong", "Domodedovo", "Franz Josef Strauss",
    "Pierre Elliott Trudeau",
]  # fmt: skip
BRANDS = ["Tommy Hilfiger", "Ralph Lauren", "Calvin Klein", "Dr. Martens", "Ben & Jerry's", "Ford Fiesta"]
BRANDS += ["Ferrari", "Louis Vuitton", "Jean Paul Gaultier", "Tesla Model 3", "Estée Lauder", "Mercedes-Benz"]
PERSON_STREETS = ["Martin Luther King Boulevard", "Avenue Charles de Gaulle", "Via Giuseppe Garibaldi"]
PERSON_STREETS += ["Karl-Marx-Allee", "Rua Augusta", "Calle de Alcalá", "Nelson Mandela Square", "Abbey Road"]
PRODUCTS = ["iPhone 15", "Galaxy S24", "Model Y", "PlayStation 5", "Kindle Paperwhite", "MacBook Air"]
FORM_NAME_KEYS = ["fullName", "passenger_name", "customerName", "holder", "contact_person", "name"]

JSON_5 = [
    '{LB}"booking": "{PNR!}", "passenger": {LB}"{NAME_KEY}": "{PERSON}", "dob": "{DATE_OF_BIRTH}",',
    ' "citizenship": "{NRP}", "passportNo": "{ID}"{RB}, "contact": {LB}"mobile": "{PHONE_NUMBER}",',
    ' "mail": "{EMAIL_ADDRESS}"{RB}, "companions": ["{PERSON}", "{PERSON}"], "from": "{AIRPORT!}",',
    ' "homeAddress": "{STREET_ADDRESS}", "zip": "{ZIP_CODE}", "town": "{CITY!}"{RB}',
]
YAML_5 = [
    "traveller:",
    "  given_name: {FIRST}",
    "  family_name: {LAST}",
    "  nationality: {NRP}",
    "  age: {AGE}",
    "  phone: '{PHONE_NUMBER}'",
    "  address: {STREET_ADDRESS}",
    "  postal_code: '{ZIP_CODE}'",
    "  city: {CITY!}",
    "  favourite_brand: {BRAND!}",
]
CSV_5 = [
    "id,full_name,nationality,date_of_birth,phone,city",
    '{ROWNO!},"{PERSON}",{NRP},{DATE_OF_BIRTH},{PHONE_NUMBER},{CITY!}',
    '{ROWNO!},"{PERSON}",{NRP},{DATE_OF_BIRTH},{PHONE_NUMBER},{CITY!}',
    '{ROWNO!},"{LAST}, {FIRST}",{NRP},{DATE_OF_BIRTH},{PHONE_NUMBER},{CITY!}',
]
TRANSCRIPT_5 = [
    "[09:{MM!}] agent_{AGENTNO!}: Good morning, who am I speaking with?",
    "[09:{MM!}] guest: this is {PERSON}, calling about my flight from {AIRPORT!}",
    "[09:{MM!}] agent_{AGENTNO!}: Thanks {FIRST}. Can you confirm your date of birth?",
    "[09:{MM!}] guest: {DATE_OF_BIRTH}. I'm travelling with my daughter {FIRST}, she's {AGE}",
    "[09:{MM!}] guest: and my colleague {PERSON} and his wife {PERSON}",
    "[09:{MM!}] agent_{AGENTNO!}: Is {PHONE_NUMBER} still the best number?",
    "[09:{MM!}] guest: yes. we're staying near {PERSON_STREET!} in {HARD_CITY!}",
]
EMAIL_5 = [
    "Subject: Re: lost bag at {HARD_AIRPORT!}",
    "",
    "Hello,",
    "my suitcase (a {BRAND!} one) did not arrive in {HARD_CITY!}. Please send it to {STREET_ADDRESS}, {ZIP_CODE}.",
    "My friend {PERSON} saw it at the carousel.",
    "",
    "Best wishes,",
    "{PERSON}",
    "{JOB!} | {ORGANIZATION!}",
    "M: {PHONE_NUMBER} | {EMAIL_ADDRESS}",
]
FORM_5 = [
    "VISA APPLICATION",
    "Surname: {LAST}",
    "Given names: {FIRST}",
    "Sex: {SEX!}   Age: {AGE}",
    "Citizenship: {NRP}",
    "Passport No.: {ID}",
    "Residential address: {STREET_ADDRESS}",
    "Postal code: {ZIP_CODE}",
    "Host in destination: {PERSON}, {PHONE_NUMBER}",
    "Device purchased: {PRODUCT!}",
]
BOARDING_5 = [
    "{AIRLINE!} | Boarding Pass",
    "Passenger  {PERSON_SG}",
    "Flight {FLIGHT!}  Date {DATE!}  Seat {SEAT!}",
    "{HARD_AIRPORT!} -> {HARD_AIRPORT!}",
    "Booking ref {PNR!}  Seq {ROWNO!}",
]
SMS_5 = [
    "{FIRST}: running late, meet at {HARD_AIRPORT!} arrivals",
    "{FIRST}: ok. {PERSON} is bringing the kids",
    "me: got the {PRODUCT!} for {FIRST}'s birthday, she turns {AGE}",
    "{FIRST}: new number {PHONE_NUMBER} btw",
    "me: sending the deposit to {IBAN_CODE}",
]
PLAIN_5 = [
    "Our driver {PERSON} will pick you up at {HARD_AIRPORT!} and take you to {STREET_ADDRESS}.",
    "{PERSON} ({NRP}, {AGE}) and {PERSON} checked in at {ORGANIZATION!} in {HARD_CITY!}.",
    "The {BRAND!} store on {PERSON_STREET!} is closed; ask for {PERSON} instead.",
    "Please pay with card {CREDIT_CARD} or by transfer to {IBAN_CODE}; receipts to {EMAIL_ADDRESS}.",
    "Logged in from {IP_ADDRESS}; profile at {URL}.",
]
STYLES_5 = {
    "json5": JSON_5, "yaml": YAML_5, "csv5": CSV_5, "transcript5": TRANSCRIPT_5, "email5": EMAIL_5,
    "form5": FORM_5, "boarding5": BOARDING_5, "sms5": SMS_5, "plain5": PLAIN_5,
}  # fmt: skip
ORDERED_5 = {"json5", "yaml", "csv5", "transcript5", "email5", "form5", "boarding5", "sms5"}
SLOT_TYPE_5 = {"PERSON_SG": "PERSON", "FIRST": "PERSON", "LAST": "PERSON"}
NO_SPAN_5 = {"NAME_KEY"}
# Lines that must stay together (a JSON record is not valid without all its lines; a CSV needs its header).
WHOLE_5 = {"json5"}


def makers_5(fake: Any, rng: random.Random) -> dict[str, Callable[[], str]]:
    def phone() -> str:
        return str(fake.phone_number() if hasattr(fake, "phone_number") else fake.msisdn())

    def passport() -> str:
        if rng.random() < 0.5 and hasattr(fake, "passport_number"):
            return str(fake.passport_number())
        return f"{rng.choice('ACEGKLMNPRTUXY')}{rng.choice('ABCDEFGH')}{rng.randint(1000000, 9999999)}"

    def card() -> str:
        try:
            return str(fake.credit_card_number(card_type=rng.choice(["visa16", "mastercard", "amex"])))
        except KeyError:
            return str(fake.credit_card_number())

    return {
        "PERSON": lambda: str(fake.name()) if rng.random() < 0.5 else f"{fake.first_name()} {fake.last_name()}",
        "FIRST": lambda: str(fake.first_name()),
        "LAST": lambda: str(fake.last_name()),
        "PERSON_SG": lambda: f"{fake.last_name().upper()} / {fake.first_name().upper()}",
        "NAME_KEY": lambda: rng.choice(FORM_NAME_KEYS),
        "STREET_ADDRESS": lambda: str(fake.street_address()).replace("\n", ", "),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "CITY": lambda: str(fake.city()),
        "HARD_CITY": lambda: rng.choice(HARD_CITIES),
        "HARD_AIRPORT": lambda: rng.choice(HARD_AIRPORTS),
        "AIRPORT": lambda: rng.choice(HARD_AIRPORTS),
        "BRAND": lambda: rng.choice(BRANDS),
        "PRODUCT": lambda: rng.choice(PRODUCTS),
        "PERSON_STREET": lambda: rng.choice(PERSON_STREETS),
        "DATE_OF_BIRTH": lambda: fake.date_of_birth(minimum_age=1, maximum_age=90).strftime(
            rng.choice(["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%m/%d/%Y"])
        ),
        "AGE": lambda: str(rng.randint(1, 95)),
        "NRP": lambda: rng.choice(DEMONYMS_5),
        "PHONE_NUMBER": phone,
        "EMAIL_ADDRESS": lambda: str(fake.email()),
        "ID": passport,
        "CREDIT_CARD": card,
        "IBAN_CODE": lambda: str(fake.iban()),
        "IP_ADDRESS": lambda: str(fake.ipv4_public() if rng.random() < 0.7 else fake.ipv6()),
        "URL": lambda: str(fake.url()),
        "ORGANIZATION": lambda: str(fake.company()),
        "JOB": lambda: str(fake.job()),
        "AIRLINE": lambda: rng.choice(["Turkish Airlines", "El Al", "Aegean", "LOT", "Korean Air", "ANA"]),
        "FLIGHT": lambda: f"{rng.choice(['TK', 'LY', 'A3', 'LO', 'KE', 'NH'])}{rng.randint(10, 2999)}",
        "DATE": lambda: fake.date_between("-1y", "+1y").strftime(rng.choice(["%d%b", "%Y-%m-%d"])).upper(),
        "SEAT": lambda: f"{rng.randint(1, 45)}{rng.choice('ABCDEFK')}",
        "PNR": lambda: "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6)),
        "ROWNO": lambda: str(rng.randint(1, 999)),
        "MM": lambda: f"{rng.randint(0, 59):02d}",
        "AGENTNO": lambda: str(rng.randint(10, 99)),
        "SEX": lambda: rng.choice(["F", "M", "X"]),
        "LB": lambda: "{",
        "RB": lambda: "}",
    }
