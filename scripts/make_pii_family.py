"""An independent PII report family: new wordings, formats and locales, written before any model was trained.

`make_pii_heldout.py`'s two splits share their templates, so its `report` split is unseen values in seen
wordings. This family shares neither templates nor seed with it, nor with the training data of the personal-data
NER (`scripts/train_pii_ner.py`, whose templates were written afterwards and separately): it is the set the
issue-15 figures are quoted on, and nothing is tuned on it. Styles: chat (incl. lowercase, no punctuation), SMS,
e-mail, web forms as `key=value`, CSV-ish lines, call transcripts, agent notes. Locales include some that no
earlier set had (pt_BR, en_IN, en_AU, pl_PL, sv_SE). Non-personal distractors (`"personal": false`): cities,
countries, airports, airlines, companies, job titles, bare travel dates, flight numbers.

    python scripts/make_pii_family.py                    # bench/results/pii/family_report.jsonl, 1,500 rows
    python scripts/make_pii_family.py --family 2 --seed 52711 --out bench/results/pii/family2_report.jsonl

`--family 2` (written before the names work of issue 15's eighth session, scored once at its end) keeps the
first family's styles and adds new ones the first did not have: signature blocks, "Last, First" lists, chat
speaker labels ("Maria: ..."), CSV cells with a header, lowercase group chat, names next to places and
companies, and new name shapes: honorifics, initials ("J. Smith"), hyphenated and multi-part names
(van der Berg, García Márquez, bin Abdullah), and more locales (en_CA, en_NZ, de_AT, fr_CH, pt_PT, es_MX,
tr_TR, id_ID, ro_RO), with nationalities stated in new ways.
    steward guard eval pii --data bench/results/pii/family_report.jsonl --match overlap --any-type --presidio

`--family 3 --seed 84211` (written before issue 15's ninth session, scored once at its end): support tickets, HR
forms, travel manifests (SURNAME/GIVEN), unpunctuated voice transcripts, mixed-language lines, nationality stated
many ways ("a Kenyan citizen", "half Japanese", "holder of an Indian passport", "a Pole") with demonyms in
non-personal uses ("Italian restaurant") as distractors, and new locales.

`--family 4 --seed 60613` (written before issue 15's tenth session measured anything on it; `pii_family4.py`):
postal letters with address blocks, invoices, patient intake notes, JSON records, tenancy agreements,
change-of-address e-mails, forum posts, PO boxes, boarding passes, new locales (Cyrillic and Greek among them).

`--family 5 --seed 70919` (written before issue 15's eleventh session measured anything on it; `pii_family5.py`):
JSON/YAML/CSV records with new keys, timestamped chat transcripts, e-mails with signature blocks, visa forms,
another boarding-pass layout, SMS threads; names in many scripts; people-named cities, airports, brands and
streets as hard negatives.

`--family 6 --seed 40961` (written before PII round 3 measured anything on it; `pii_family6.py`): support-ticket
dumps, semicolon CSV, log lines, ISO-timestamped chats, XML, quoted e-mail threads, shipping labels with units and
PO boxes, upper-case clinic forms, free text in six languages; names in lowercase, capitals, with particles,
double and hyphened surnames, Asian order and four more scripts; dates of birth in fifteen formats.

`--family 7 --seed 27449` (written before PII round 4 measured anything on it; `pii_family7.py`): WhatsApp-style
chat exports, one-line JSON payloads under many key names, vCards, calendar invites, HL7 segments and FHIR-like
records, bank statements, police and court narratives, social-media bios, OCR-damaged forms, whole addresses of
many countries in their own order, KYC notes with national ids, logs with IPv6, e-tickets; ages in words, new
date-of-birth and phone writings; PNRs, flight and order numbers, times, prices and versions as hard negatives.

`--family 8 --seed 58231` (written and committed before PII round 5 measured anything on it; `pii_family8.py`):
running prose in the style of public synthetic PII sets: support e-mails, clinical notes, HR and reference
letters, forms filled in as prose, news and bios, announcements, tenancy agreements, claims, reviews and chat;
names from 29 locales (romanised where needed, hyphenated and compound), inline addresses, ages and nationalities
in prose, bare domain names; cities, airports, organisations, products, job titles and non-birth dates as hard
negatives.

`--family 9 --seed 90437` (written and committed before PII session 14 measured anything on it; `pii_family9.py`):
live-chat transcripts, call-centre notes in shorthand and forms keyed in twelve languages, mixed in one record;
names with diacritics and given names that are also places (used as people and as places in the same records);
dates of birth beside booking, travel and call dates in the same formats; booking references, flights, times,
prices, seats, rooms, hotels, airlines, durations and counts as hard negatives.

`--family 10 --seed 71263` (written and committed before PII session 15 measured anything on it;
`pii_family10.py`): IT helpdesk tickets, HR personnel forms, medical intake notes, claim notices in capitals,
referral letters with signatures, meeting minutes, lowercase parents' chats, reviews, e-mail headers; name shapes
with particles and apostrophes, double-barrelled and compound names, initials, suffixes, titles, lowercase and
capitals, from eight locales no earlier family drew names from; eponymous diseases, hospitals, brands and
companies, products, departments and year ranges of employment as hard negatives.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pii_family4 import LOCALES_4, ORDERED_4, SLOT_TYPE_4, STYLES_4, expand, makers_4
from pii_family5 import LOCALES_5, NO_SPAN_5, ORDERED_5, SLOT_TYPE_5, STYLES_5, WHOLE_5, makers_5
from pii_family6 import LOCALES_6, ORDERED_6, SLOT_TYPE_6, STYLES_6, WHOLE_6, makers_6
from pii_family7 import LOCALES_7, NO_SPAN_7, ORDERED_7, SLOT_TYPE_7, STYLES_7, WHOLE_7, makers_7
from pii_family8 import INLINE_8, LOCALES_8, NAME_LOCALES_8, NO_SPAN_8, ORDERED_8, SLOT_TYPE_8, STYLES_8, makers_8
from pii_family9 import INLINE_9, LOCALES_9, NAME_LOCALES_9, NO_SPAN_9, ORDERED_9, SLOT_TYPE_9, STYLES_9, makers_9
from pii_family10 import (
    INLINE_10,
    LOCALES_10,
    LOWER_10,
    NAME_LOCALES_10,
    NO_SPAN_10,
    ORDERED_10,
    SLOT_TYPE_10,
    STYLES_10,
    UPPER_10,
    makers_10,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = 31337
LOCALES = [
    "en_US",
    "en_GB",
    "en_AU",
    "en_IN",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "nl_NL",
    "pt_BR",
    "pl_PL",
    "sv_SE",
]
DEMONYMS = [
    "Brazilian", "Indian", "Australian", "Polish", "Swedish", "Japanese", "Kenyan", "Egyptian", "Argentinian",
    "Vietnamese", "Filipino", "Pakistani", "Ukrainian", "Colombian", "Norwegian", "Belgian", "Austrian", "Korean",
]  # fmt: skip
AIRPORTS = [
    "Changi", "Dubai International", "Heathrow", "Zaventem", "Arlanda", "Chopin Airport", "Guarulhos",
    "Indira Gandhi International", "Kingsford Smith", "Tegel", "Stansted", "LAX", "O'Hare", "Lisbon Portela",
]  # fmt: skip
AIRLINES = ["Lufthansa", "Ryanair", "Emirates", "Qantas", "LATAM", "IndiGo", "SAS", "LOT", "easyJet", "Iberia"]
COUNTRIES = ["Portugal", "India", "Australia", "Poland", "Sweden", "Brazil", "Canada", "Japan", "Kenya", "Chile"]
JOBS = ["software engineer", "nurse", "Head of Procurement", "Chief Financial Officer", "teacher", "pilot"]

# `{TYPE}` slots; a type ending in "!" is a distractor. Written once for this family and not changed after.
CHAT = [
    "hey there, {PERSON} speaking, my connection via {AIRPORT!} got cancelled",
    "pls update my profile, new place is {STREET_ADDRESS} ({ZIP_CODE})",
    "quick q: my son turns {AGE} next week, does he still fly as a minor on {AIRLINE!}?",
    "my mobile is {PHONE_NUMBER} text me when the gate opens",
    "it's for my grandma {PERSON}, she's {AGE} and uses a wheelchair",
    "can u resend the receipt to {EMAIL_ADDRESS}",
    "I hold a {NRP} passport, number {ID}, flying to {COUNTRY!} on {DATE!}",
    "charged twice on card ending {CREDIT_CARD} ?!",
    "wire the compensation to {IBAN_CODE} pls",
    "I work as a {JOB!} at {ORGANIZATION!}, can the company pay?",
    "we land in {CITY!} at 7, {PERSON} and {PERSON} will pick us up",
    "dob is {DATE_OF_BIRTH} if you need it",
    "got locked out after logging in from {IP_ADDRESS}",
    "my blog {URL} has the photos of the damaged bag",
]
SMS = [
    "Hi it's {PERSON}. Flight {FLIGHT!} to {CITY!} delayed?",
    "{PERSON} here - can I bring my dog on {AIRLINE!}?",
    "Reach me on {PHONE_NUMBER} after 6",
    "Deliver the bag to {STREET_ADDRESS}, {CITY!} {ZIP_CODE}",
]
EMAIL = [
    "Hello {AIRLINE!} customer care,",
    "I am writing on behalf of my father, {PERSON}, aged {AGE}.",
    "He resides at {STREET_ADDRESS} in {CITY!}, postal code {ZIP_CODE}.",
    "His date of birth is {DATE_OF_BIRTH} and his licence number is {ID}.",
    "We are {NRP} citizens travelling to {COUNTRY!} on {DATE!}.",
    "Replies can go to {EMAIL_ADDRESS}; my landline is {PHONE_NUMBER}.",
    "The booking was paid with {CREDIT_CARD}.",
    "Please refund account {IBAN_CODE}.",
    "More about our group is on {URL}.",
    "Best wishes,",
    "{PERSON}",
    "{JOB!}, {ORGANIZATION!}",
]
WEBFORM = [
    "first_name={PERSON}",
    "birthdate={DATE_OF_BIRTH}",
    "age={AGE}",
    "citizenship={NRP}",
    "street={STREET_ADDRESS}",
    "zip={ZIP_CODE}",
    "city={CITY!}",
    "country={COUNTRY!}",
    "tel={PHONE_NUMBER}",
    "mail={EMAIL_ADDRESS}",
    "doc_no={ID}",
    "cc={CREDIT_CARD}",
    "iban={IBAN_CODE}",
    "client_ip={IP_ADDRESS}",
    "homepage={URL}",
    "employer={ORGANIZATION!}",
    "departure_airport={AIRPORT!}",
]
CSV = [
    "{PERSON};{DATE_OF_BIRTH};{PHONE_NUMBER};{CITY!}",
    "{PERSON},{EMAIL_ADDRESS},{STREET_ADDRESS},{ZIP_CODE}",
    "{FLIGHT!},{DATE!},{AIRPORT!},{PERSON},{AGE}",
    "{ID}|{NRP}|{PERSON}|{COUNTRY!}",
]
TRANSCRIPT = [
    "REP: Good morning, {AIRLINE!} baggage desk, may I take your name?",
    "CUSTOMER: Sure, it's {PERSON}.",
    "REP: And a contact number?",
    "CUSTOMER: Uh, {PHONE_NUMBER}.",
    "REP: Where should the courier deliver it?",
    "CUSTOMER: To my flat, {STREET_ADDRESS}, that's in {CITY!}.",
    "REP: For security, your birthday please.",
    "CUSTOMER: {DATE_OF_BIRTH}.",
    "CUSTOMER: My wife {PERSON} was on {FLIGHT!} too, she's {AGE}.",
    "REP: Noted. I'll email {EMAIL_ADDRESS} with the reference.",
]
NOTES = [
    "Pax {PERSON} ({AGE}) rebooked via {AIRPORT!}; contact {PHONE_NUMBER}.",
    "Spoke to {PERSON} re: lost bag, delivery to {STREET_ADDRESS}.",
    "{NRP} national, passport {ID}, travelling {DATE!} with {AIRLINE!}.",
    "Escalated to {JOB!} at {ORGANIZATION!} in {CITY!}.",
]
STYLES = {
    "chat": CHAT, "chat_lower": CHAT, "sms": SMS, "email": EMAIL, "webform": WEBFORM, "csv": CSV,
    "transcript": TRANSCRIPT, "notes": NOTES,
}  # fmt: skip
ORDERED = {"email", "webform", "transcript", "signature", "csv_header"}

# Family 2: new styles and name shapes (see the module docstring).
LOCALES_2 = [*LOCALES, "en_CA", "en_NZ", "de_AT", "fr_CH", "pt_PT", "es_MX", "tr_TR", "id_ID", "ro_RO"]
DEMONYMS_2 = [
    *DEMONYMS,
    "Canadian", "Mexican", "Turkish", "Indonesian", "Portuguese", "Swiss", "Irish", "Nigerian", "Peruvian",
    "Greek", "Thai", "Moroccan", "Danish", "Finnish", "Czech", "Romanian", "Chilean", "Ghanaian",
]  # fmt: skip
AIRPORTS_2 = [*AIRPORTS, "Pearson", "Schwechat", "Soekarno-Hatta", "Ninoy Aquino", "Humberto Delgado"]
AIRPORTS_2 += ["Benito Juárez"]
PARTICLES = ["van der", "van", "de", "da", "dos", "von", "bin", "binti", "al-", "O'", "Mac", "ten", "del"]
HONORIFICS = ["Mr", "Mrs", "Ms", "Dr", "Prof.", "Mr.", "Mrs.", "Dr.", "Sir", "Madam", "Herr", "Frau", "Señor"]
SIGNATURE = [
    "Hi team, the bag from {FLIGHT!} never arrived at {AIRPORT!}.",
    "Could you courier it to {STREET_ADDRESS}, {ZIP_CODE} {CITY!}?",
    "Thanks in advance,",
    "--",
    "{PERSON}",
    "{JOB!} | {ORGANIZATION!}",
    "m: {PHONE_NUMBER}",
    "e: {EMAIL_ADDRESS}",
]
LISTS = [
    "Passengers: {PERSON_LF}; {PERSON_LF}; {PERSON_LF}",
    "Travellers (surname, given name): {PERSON_LF} / {PERSON_LF}",
    "Pax list for {FLIGHT!}: {PERSON_LF} ({AGE}), {PERSON_LF} ({AGE})",
]
SPEAKERS = [
    "{SPEAKER}: hi, is the {AIRLINE!} desk at {AIRPORT!} open?",
    "{SPEAKER}: my mum {PERSON} is stuck in {CITY!}",
    "{SPEAKER}: she is {AGE}, her phone is {PHONE_NUMBER}",
    "{SPEAKER}: can {PERSON} collect the bag for me?",
    "{SPEAKER}: nationality is {NRP} btw",
]
CSV_HEADER = [
    "name,dob,nationality,city",
    "{PERSON},{DATE_OF_BIRTH},{NRP},{CITY!}",
    "{PERSON},{DATE_OF_BIRTH},{NRP},{CITY!}",
    '"{PERSON_LF}",{DATE_OF_BIRTH},{NRP},{COUNTRY!}',
]
HONORIFIC = [
    "{HON} {PERSON} will travel with {HON} {PERSON} from {AIRPORT!}.",
    "Please page {HON} {PERSON} to gate 12.",
    "Booked by {INITIAL}, approved by {HON} {PERSON} at {ORGANIZATION!}.",
    "{INITIAL} ({NRP}) flies {AIRLINE!} to {COUNTRY!} on {DATE!}.",
]
GROUP_LOWER = [
    "{PERSON} and {PERSON} from {CITY!} are coming too",
    "ask {PERSON} she has the tickets, she works at {ORGANIZATION!}",
    "im {NRP} so do i need a visa for {COUNTRY!}",
    "my brother {PERSON} lives at {STREET_ADDRESS} near {AIRPORT!}",
    "i am {AGE} and {PERSON} is my guardian",
]
PLACES = [
    "{PERSON} of {ORGANIZATION!}, {CITY!}, called about {FLIGHT!}.",
    "From {CITY!}: {PERSON} and {PERSON}, both {NRP}, connecting at {AIRPORT!}.",
    "I am {NRP} and my name is {PERSON}; I live in {CITY!}, {COUNTRY!}.",
    "Nationality: {NRP}. Surname: {LAST}. Given names: {FIRST}.",
]
STYLES_2 = {
    **STYLES, "signature": SIGNATURE, "lists": LISTS, "speakers": SPEAKERS, "csv_header": CSV_HEADER,
    "honorific": HONORIFIC, "group_lower": GROUP_LOWER, "places": PLACES,
}  # fmt: skip


def _dob(fake: Any, rng: random.Random) -> str:
    born: date = fake.date_of_birth(minimum_age=1, maximum_age=95)
    month = born.strftime("%B")
    return rng.choice(
        [
            f"{born.year}/{born.month:02d}/{born.day:02d}",
            f"{born.day}-{born.month}-{born.year}",
            f"{born.day} {month[:3]} {born.year}",
            f"{month} {born.day} {born.year}",
            f"{born.day}.{born.month}.{born.year}",
            f"{born.month:02d}/{born.day:02d}/{born.year}",
        ]
    )


def _person(fake: Any, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return f"{fake.first_name()} {fake.last_name()}"
    if roll < 0.65:
        return str(fake.name())
    if roll < 0.75:
        return f"{fake.last_name()}, {fake.first_name()}"
    if roll < 0.85:
        return str(fake.first_name())
    return f"{fake.first_name()} {fake.first_name()[0]}. {fake.last_name()}"


def _multi_last(fake: Any, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return f"{fake.last_name()}-{fake.last_name()}"
    if roll < 0.65:
        return f"{fake.last_name()} {fake.last_name()}"
    particle = rng.choice(PARTICLES)
    joiner = "" if particle.endswith(("-", "'")) or particle == "Mac" else " "
    return f"{particle}{joiner}{fake.last_name()}"


def _person_2(fake: Any, rng: random.Random) -> str:
    """Family 2's name shapes: the first family's plus multi-part surnames and initials."""
    roll = rng.random()
    if roll < 0.3:
        return _person(fake, rng)
    if roll < 0.55:
        return f"{fake.first_name()} {_multi_last(fake, rng)}"
    if roll < 0.65:
        return f"{fake.first_name()[0]}. {fake.last_name()}"
    if roll < 0.75:
        return f"{fake.first_name()}-{fake.first_name()} {fake.last_name()}"
    if roll < 0.85:
        return f"{fake.first_name()} {fake.last_name()}".lower()
    return f"{fake.first_name()} {fake.last_name()}"


def _id(fake: Any, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return str(fake.passport_number())
    if kind < 0.65:
        return str(fake.ssn())
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(1, 2)))
    return letters + "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(6, 9)))  # a licence number


def _phone(fake: Any, rng: random.Random) -> str:
    number = str(fake.phone_number())
    return number.replace(" ", "") if rng.random() < 0.2 else number


def _card(fake: Any, rng: random.Random) -> str:
    number = str(fake.credit_card_number(card_type=rng.choice(["visa16", "mastercard", "amex", "jcb16"])))
    if len(number) == 16 and rng.random() < 0.5:
        number = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


def _address(fake: Any, rng: random.Random) -> str:
    street = str(fake.street_address()).replace("\n", ", ")
    if rng.random() < 0.8 or not hasattr(fake, "secondary_address"):
        return street
    return f"{street} {fake.secondary_address()}"


def _travel_date(rng: random.Random) -> str:
    day = date(2026, 1, 1) + timedelta(days=rng.randint(0, 700))
    return rng.choice([day.isoformat(), day.strftime("%d %B"), day.strftime("%A %d %b")])


def _makers(fake: Any, rng: random.Random) -> dict[str, Callable[[], str]]:
    return {
        "PERSON": lambda: _person(fake, rng),
        "STREET_ADDRESS": lambda: _address(fake, rng),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "DATE_OF_BIRTH": lambda: _dob(fake, rng),
        "AGE": lambda: str(rng.randint(1, 99)),
        "NRP": lambda: rng.choice(DEMONYMS),
        "PHONE_NUMBER": lambda: _phone(fake, rng),
        "EMAIL_ADDRESS": lambda: str(fake.free_email() if rng.random() < 0.5 else fake.company_email()),
        "ID": lambda: _id(fake, rng),
        "CREDIT_CARD": lambda: _card(fake, rng),
        "IBAN_CODE": lambda: str(fake.iban()),
        "IP_ADDRESS": lambda: str(fake.ipv4_public()),
        "URL": lambda: str(fake.domain_name() if rng.random() < 0.6 else fake.url()),
        "CITY": lambda: str(fake.city()),
        "COUNTRY": lambda: rng.choice(COUNTRIES),
        "AIRPORT": lambda: rng.choice(AIRPORTS),
        "AIRLINE": lambda: rng.choice(AIRLINES),
        "ORGANIZATION": lambda: str(fake.company()),
        "JOB": lambda: rng.choice(JOBS),
        "DATE": lambda: _travel_date(rng),
        "FLIGHT": lambda: f"{rng.choice(['QF', 'EK', 'LO', 'SK', 'LA', '6E', 'FR', 'U2'])}{rng.randint(1, 999)}",
    }


def _makers_2(fake: Any, rng: random.Random) -> dict[str, Callable[[], str]]:
    makers = _makers(fake, rng)
    return {
        **makers,
        "PERSON": lambda: _person_2(fake, rng),
        "PERSON_LF": lambda: (
            f"{_multi_last(fake, rng) if rng.random() < 0.3 else fake.last_name()}, {fake.first_name()}"
        ),
        "SPEAKER": lambda: str(fake.first_name()),
        "INITIAL": lambda: f"{fake.first_name()[0]}. {fake.last_name()}",
        "FIRST": lambda: str(fake.first_name()),
        "LAST": lambda: str(fake.last_name()),
        "NRP": lambda: rng.choice(DEMONYMS_2),
        "AIRPORT": lambda: rng.choice(AIRPORTS_2),
        "HON": lambda: rng.choice(HONORIFICS),
    }


# Family 2's slots that hold a person's name under another slot name, and a slot that is no span at all.
SLOT_TYPE = {"PERSON_LF": "PERSON", "SPEAKER": "PERSON", "INITIAL": "PERSON", "FIRST": "PERSON", "LAST": "PERSON"}
SLOT_TYPE |= {"PERSON_SG": "PERSON", "NRP_NOUN": "NRP"}  # family 3
SLOT_TYPE |= SLOT_TYPE_4 | SLOT_TYPE_5 | SLOT_TYPE_6 | SLOT_TYPE_7 | SLOT_TYPE_8 | SLOT_TYPE_9 | SLOT_TYPE_10
NO_SPAN = {"HON", "LB", "RB"} | NO_SPAN_5 | NO_SPAN_7 | NO_SPAN_8 | NO_SPAN_9 | NO_SPAN_10


# Family 3 (written before issue 15's ninth session changed anything; scored once at its end): support tickets,
# HR forms, travel manifests, unpunctuated voice transcripts, mixed-language lines, nationality stated in many
# ways (and demonyms in non-personal uses as distractors), new locales.
LOCALES_3 = [
    "en_US", "en_GB", "en_IE", "en_NZ", "nl_BE", "fr_CA", "es_CO", "es_AR", "da_DK", "fi_FI", "cs_CZ", "hu_HU",
    "no_NO", "hr_HR", "sk_SK", "de_CH", "sl_SI", "it_IT", "pt_BR", "de_DE",
]  # fmt: skip
DEMONYMS_3 = [
    "Brazilian", "Kenyan", "German", "Japanese", "Polish", "Indian", "Irish", "Filipino", "Belgian", "Canadian",
    "Colombian", "Argentine", "Danish", "Finnish", "Czech", "Hungarian", "Norwegian", "Croatian", "Slovak",
    "Swiss", "Slovenian", "Italian", "French", "Spanish", "Dutch", "British", "American", "Chinese", "Nigerian",
    "Ethiopian", "Vietnamese", "Iranian", "Lebanese", "Syrian", "Ukrainian", "Russian", "Romanian", "Bulgarian",
    "Serbian", "Greek", "Turkish", "Moroccan", "Algerian", "Tunisian", "South African", "New Zealander",
    "Sri Lankan", "Bangladeshi", "Nepalese", "Thai", "Malaysian", "Singaporean", "Mexican", "Peruvian",
    "Venezuelan", "Cuban", "Jamaican", "Haitian", "Ecuadorian", "Bolivian", "Icelandic", "Estonian", "Latvian",
    "Lithuanian", "Portuguese", "Austrian", "Scottish", "Welsh", "Korean", "Pakistani", "Afghan", "Iraqi",
    "Saudi", "Emirati", "Israeli", "Palestinian", "Jordanian", "Egyptian", "Ghanaian", "Senegalese", "Ugandan",
    "Tanzanian", "Zimbabwean", "Cameroonian", "Chilean", "Uruguayan", "Paraguayan", "Dominican", "Mongolian",
]  # fmt: skip
NATIONALITY_NOUNS = ["Pole", "Dane", "Swede", "Finn", "Brit", "Scot", "Spaniard", "Turk", "Filipina", "Kiwi"]
NON_PERSONAL_NRP = [
    "Italian restaurant", "German engineering", "French fries", "Thai curry", "Swiss chocolate", "Japanese garden",
    "Mexican embassy", "Turkish bath", "Greek yoghurt", "Danish pastries", "Belgian waffles", "Chinese New Year",
    "Indian food", "Korean barbecue", "Brazilian steakhouse", "Spanish omelette", "Polish dumplings",
    "Irish pub", "Dutch oven", "Portuguese tarts", "Canadian Rockies", "American Express",
]  # fmt: skip
TICKET = [
    "Ticket #{TICKET!} | priority: high | channel: web",
    "Requester: {PERSON}",
    "Summary: refund not received for booking on {AIRLINE!}",
    "Customer writes: I'm {NRP} and was refused boarding at {AIRPORT!} although my visa was valid.",
    "Customer is a {NRP} citizen resident at {STREET_ADDRESS}, {ZIP_CODE}.",
    "Callback number {PHONE_NUMBER}, alt e-mail {EMAIL_ADDRESS}.",
    "Agent note: verified identity with passport no. {ID} and DOB {DATE_OF_BIRTH}.",
    "Agent note: customer recommends the {NRP_THING!} near gate B.",
    "Assigned to: {JOB!} team, {ORGANIZATION!}",
]
HR_FORM = [
    "EMPLOYEE ONBOARDING FORM",
    "Full legal name: {PERSON}",
    "Date of birth: {DATE_OF_BIRTH}   Age: {AGE}",
    "Nationality: {NRP}",
    "Second nationality (if any): {NRP}",
    "Passport / national ID number: {ID}",
    "Home address: {STREET_ADDRESS}",
    "Postcode: {ZIP_CODE}   Town: {CITY!}",
    "Emergency contact: {PERSON}, tel. {PHONE_NUMBER}",
    "Bank account (IBAN): {IBAN_CODE}",
    "Department: {JOB!} / {ORGANIZATION!}",
]
MANIFEST = [
    "MANIFEST {FLIGHT!} {DATE!} DEP {AIRPORT!}",
    "NO SURNAME/GIVEN NAT DOC DOB",
    "01 {PERSON_SG} {NRP} {ID} {DATE_OF_BIRTH}",
    "02 {PERSON_SG} {NRP} {ID} {DATE_OF_BIRTH}",
    "03 {PERSON_SG} {NRP} {ID} {DATE_OF_BIRTH}",
    "END OF MANIFEST - crew {PERSON_SG}",
]
VOICE = [
    "yeah hi so my name is {PERSON} um",
    "im {NRP} but i live here now at {STREET_ADDRESS}",
    "the postcode is {ZIP_CODE} sorry {ZIP_CODE}",
    "my date of birth is {DATE_OF_BIRTH} and im {AGE}",
    "you can call me back on {PHONE_NUMBER} any time after five",
    "my wife {PERSON} she is half {NRP} so she has two passports",
    "the passport number is {ID} okay",
    "we were flying from {AIRPORT!} with {AIRLINE!} to {CITY!}",
]
MIXED = [
    "Hola, me llamo {PERSON} y soy {NRP}; my passport is {ID}.",
    "Bonjour, je suis {PERSON}, I'm {NRP} et j'habite {STREET_ADDRESS}.",
    "Ich heiße {PERSON}, bin {AGE} Jahre alt, my phone is {PHONE_NUMBER}.",
    "Olá! Sou {PERSON}, holder of an {NRP} passport, born {DATE_OF_BIRTH}.",
    "Ciao, sono {PERSON} from {CITY!}, e-mail {EMAIL_ADDRESS}, grazie!",
    "Hej, jeg hedder {PERSON}; {NRP} national, living at {STREET_ADDRESS} {ZIP_CODE}.",
    "We ate at a {NRP_THING!} in {CITY!} before flying {AIRLINE!}.",
]
NATIONALITY = [
    "My partner {PERSON} is a {NRP} citizen.",
    "{PERSON} is a {NRP} national travelling alone.",
    "She is half {NRP} and half {NRP}.",
    "Holder of an {NRP} passport: {PERSON}, born {DATE_OF_BIRTH}.",
    "I'm a {NRP_NOUN}, so I need to check the visa rules for {COUNTRY!}.",
    "Our guide, a {NRP_NOUN} named {PERSON}, met us at {AIRPORT!}.",
    "nationality - {NRP}",
    "The passenger ({NRP}, {AGE}) asked for a wheelchair.",
    "We love {NRP_THING!} and {NRP_THING!} on holiday.",
    "He was born in {COUNTRY!} but is {NRP} by citizenship.",
]
STYLES_3 = {
    "ticket": TICKET, "hr_form": HR_FORM, "manifest": MANIFEST, "voice": VOICE, "mixed": MIXED,
    "nationality": NATIONALITY, "chat": CHAT, "email": EMAIL, "csv_header": CSV_HEADER, "speakers": SPEAKERS,
}  # fmt: skip
ORDERED_3 = {"ticket", "hr_form", "manifest", "voice", "email", "csv_header"}


def _id_3(fake: Any, rng: random.Random) -> str:
    """Family 3's document numbers: the first family's, plus a locale's national id and a few other shapes."""
    roll = rng.random()
    if roll < 0.5:
        return _id(fake, rng)
    if roll < 0.7:
        return str(fake.ssn())
    if roll < 0.85:
        first, last = rng.choice("ABCDEFGHKLMNPRSTXYZ"), rng.choice("ABCDEFGHJKLMNPQRSTVWXYZ")
        return f"{first}{rng.randint(1000000, 9999999)}{last}"
    return f"{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}"


def _makers_3(fake: Any, rng: random.Random) -> dict[str, Callable[[], str]]:
    makers = _makers_2(fake, rng)
    return {
        **makers,
        "NRP": lambda: rng.choice(DEMONYMS_3),
        "NRP_NOUN": lambda: rng.choice(NATIONALITY_NOUNS),
        "NRP_THING": lambda: rng.choice(NON_PERSONAL_NRP),
        "PERSON_SG": lambda: f"{fake.last_name().upper()}/{fake.first_name().upper()}",
        "ID": lambda: _id_3(fake, rng),
        "TICKET": lambda: str(rng.randint(100000, 999999)),
    }


def fill(template: str, makers: dict[str, Callable[[], str]]) -> tuple[str, list[dict[str, Any]]]:
    """The template with each slot filled, and the span of every filled value."""
    text, spans, rest = "", [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        slot, _, rest = after.partition("}")
        kind = slot.rstrip("!")
        text += before
        value = makers[kind]()
        if kind not in NO_SPAN:
            gold = SLOT_TYPE.get(kind, kind)
            end = len(text) + len(value)
            spans.append({"start": len(text), "end": end, "type": gold, "personal": slot == kind})
        text += value
    return text + rest, spans


def _lower_chat(text: str) -> str:
    """Lowercase, with sentence punctuation gone (offsets kept: characters are replaced, not removed)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lowercased; keep the original
        return text
    return "".join(" " if c in "?!," else c for c in lowered)


def record(rng: random.Random, fakers: dict[str, Any], family: int = 1) -> dict[str, Any]:
    styles = {
        1: STYLES,
        2: STYLES_2,
        3: STYLES_3,
        4: STYLES_4,
        5: STYLES_5,
        6: STYLES_6,
        7: STYLES_7,
        8: STYLES_8,
        9: STYLES_9,
        10: STYLES_10,
    }[family]
    locale = rng.choice(_locales(family))
    style = rng.choice(list(styles))
    lines = styles[style]
    whole = {5: WHOLE_5, 6: WHOLE_6, 7: WHOLE_7}.get(family, set())
    ordered = {5: ORDERED_5, 6: ORDERED_6, 7: ORDERED_7, 8: ORDERED_8, 9: ORDERED_9, 10: ORDERED_10}.get(
        family, set()
    )
    if style in whole:
        chosen = list(lines)
    elif style in ordered:
        # a header or first line, then a sorted sample of the rest
        keep = sorted(rng.sample(range(1, len(lines)), rng.randint(2, min(7, len(lines) - 1))))
        chosen = [lines[0], *(lines[i] for i in keep)]
    elif style in ORDERED or (family == 3 and style in ORDERED_3) or (family == 4 and style in ORDERED_4):
        keep = sorted(rng.sample(range(len(lines)), rng.randint(3, min(8, len(lines)))))
        chosen = [lines[i] for i in keep]
    else:
        chosen = rng.sample(lines, rng.randint(1, min(3, len(lines))))
    if family == 6:  # names in other scripts come from these locales whatever the row's locale
        makers = makers_6(fakers[locale], rng, {k: fakers[k] for k in ("zh_TW", "ar_SA", "bn_BD", "ta_IN")})
    elif family == 7:
        makers = makers_7(fakers[locale], locale, rng)
    elif family == 8:  # names come from many more locales than addresses and phones
        makers = makers_8(fakers[locale], {k: fakers[k] for k in NAME_LOCALES_8}, rng)
    elif family == 9:  # form keys and dates in the row's language; names also from other orthographies
        makers = makers_9(fakers[locale], locale, {k: fakers[k] for k in NAME_LOCALES_9}, rng)
    elif family == 10:
        makers = makers_10(fakers[locale], {k: fakers[k] for k in NAME_LOCALES_10}, rng)
    else:
        makers = {1: _makers, 2: _makers_2, 3: _makers_3, 4: makers_4, 5: makers_5}[family](fakers[locale], rng)
    if family == 4:
        chosen = [expand(line, rng) for line in chosen]
    inline = (
        (style.startswith("chat") and family != 9)
        or style in ("sms", "group_lower", "voice")
        or style in INLINE_8
        or style in INLINE_9
        or style in INLINE_10
    )
    joiner = " " if inline else ("&" if style == "webform" else "\n")
    text, spans = "", []
    for line in chosen:
        part, found = fill(line, makers)
        if text:
            text += joiner
        spans += [{**s, "start": s["start"] + len(text), "end": s["end"] + len(text)} for s in found]
        text += part
    if style in ("chat_lower", "group_lower", "voice"):
        text = _lower_chat(text)
    if style in LOWER_10:
        text = _same_length(text, text.lower())
    if style in UPPER_10:
        text = _same_length(text, text.upper())
    return {"text": text, "spans": spans, "style": style, "locale": locale}


def _same_length(text: str, changed: str) -> str:
    """The case-changed text where no character changed length (gold offsets stay valid), else the original."""
    return changed if len(changed) == len(text) else text


def _locales(family: int) -> list[str]:
    return {
        1: LOCALES,
        2: LOCALES_2,
        3: LOCALES_3,
        4: LOCALES_4,
        5: LOCALES_5,
        6: LOCALES_6,
        7: LOCALES_7,
        8: LOCALES_8,
        9: LOCALES_9,
        10: LOCALES_10,
    }[family]


def rows(n: int, seed: int = SEED, family: int = 1) -> list[dict[str, Any]]:
    from faker import Faker

    rng = random.Random(seed)
    fakers = {}
    locales = _locales(family)
    if family == 8:  # the name-only locales after the row locales (families 1-7 seed exactly as before)
        locales = locales + [k for k in NAME_LOCALES_8 if k not in locales]
    if family == 9:
        locales = list(dict.fromkeys(locales)) + [k for k in NAME_LOCALES_9 if k not in locales]
    if family == 10:
        locales = list(dict.fromkeys(locales)) + [k for k in NAME_LOCALES_10 if k not in locales]
    for index, locale in enumerate(locales):
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed * 100 + index)
    return [record(rng, fakers, family) for _ in range(n)]


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":  # some Faker locales pick from sets: fix their order
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pii" / "family_report.jsonl")
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--family", type=int, choices=range(1, 11), default=1, help="2-10: new styles")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    lines = rows(args.n, args.seed, args.family)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines))
    print(f"{args.n} rows (family {args.family}, seed {args.seed}) -> {args.out}")


if __name__ == "__main__":
    main()
