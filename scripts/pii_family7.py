"""PII report family 7 (issue 15, session 13, round 4): written before any change of that round was measured on it.

Imported by `make_pii_family.py --family 7 --seed 27449`. Formats no earlier family had: chat exports
(WhatsApp-style "date, time - sender: text" with phone-number and @handle senders), one-line JSON payloads with
personal fields under many key names (insurance, payments, HR, several languages), vCards, calendar invites
(ICS), HL7 v2 segments and FHIR-like Patient resources, bank statements, police incident and court narratives,
social-media bios, OCR-damaged scanned forms (broken spacing in labels, line breaks and hyphenation inside values),
whole postal addresses of many countries in their own order and script (Japan, Korea, China, Thailand, Vietnam,
Israel, Ukraine, Greece, Hungary, Brazil, Mexico, India, Indonesia...), KYC notes with national ids (SSN, NINO,
Aadhaar, DNI/NIF, CPF, PESEL, personnummer, BSN, codice fiscale, NIR, RRN, Chinese resident id...), e-tickets.
Values: ages written as words ("thirty-four", "a seventy-one-year-old"), dates of birth in new formats ("12th of
March 1985", "1985年3月12日", "12/III/1985", "Mar-12-85", "12MAR1985", "1985.03.12"), phone numbers in national
and international writings (E.164, "tel:" URIs, "0049 …", dotted), spaced IBANs, IPv6. Hard negatives in the same
texts (`"personal": false`): cities, airports, organisations, product names, order and case numbers, flight
numbers, PNR booking codes, clock times, prices, version numbers, timestamps, transaction dates, seats.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

LOCALES_7 = [
    *(["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL"] * 2),
    "en_IN", "en_CA", "en_AU", "en_NZ", "pt_BR", "es_MX", "pl_PL", "sv_SE", "fi_FI", "no_NO", "da_DK", "cs_CZ",
    "ro_RO", "tr_TR", "el_GR", "uk_UA", "he_IL", "ja_JP", "ko_KR", "zh_CN", "th_TH", "vi_VN", "id_ID", "hu_HU",
    "de_AT", "nl_BE", "pt_PT",
]  # fmt: skip
# the name of a locale's national id and the Faker call that makes one (absent: a passport-like number)
NATIONAL_IDS = {
    "en_US": ("SSN", "ssn"), "en_GB": ("NI number", "ssn"), "en_IN": ("Aadhaar", "aadhaar_id"),
    "es_ES": ("DNI", "nif"), "pt_BR": ("CPF", "cpf"), "pl_PL": ("PESEL", "ssn"), "sv_SE": ("personnummer", "ssn"),
    "nl_NL": ("BSN", "ssn"), "it_IT": ("codice fiscale", "ssn"), "fr_FR": ("n° de sécu", "ssn"),
    "ko_KR": ("RRN", "ssn"), "zh_CN": ("resident ID", "ssn"), "fi_FI": ("henkilötunnus", "ssn"),
    "no_NO": ("fødselsnummer", "ssn"), "en_CA": ("SIN", "ssn"), "ro_RO": ("CNP", "ssn"),
    "tr_TR": ("TC kimlik", "ssn"),
    "el_GR": ("AMKA", "ssn"), "nl_BE": ("rijksregisternummer", "ssn"), "de_AT": ("SV-Nummer", "ssn"),
    "uk_UA": ("RNOKPP", "ssn"), "he_IL": ("teudat zehut", "ssn"), "th_TH": ("ID card", "ssn"),
    "hu_HU": ("TAJ", "ssn"),
}  # fmt: skip
DEMONYMS_7 = [
    "Brazilian", "Mexican", "Polish", "Swedish", "Finnish", "Norwegian", "Danish", "Czech", "Romanian", "Turkish",
    "Greek", "Ukrainian", "Israeli", "Japanese", "Korean", "Chinese", "Thai", "Vietnamese", "Indonesian",
    "Hungarian", "Austrian", "Belgian", "Portuguese", "Indian", "Canadian", "New Zealander", "Australian",
]  # fmt: skip
AIRPORTS_7 = [
    "Frankfurt Airport", "Hamad International", "Haneda", "Suvarnabhumi", "Tan Son Nhat", "Vaclav Havel Airport",
    "Henri Coandă", "Kastrup", "Gardermoen", "Vantaa", "Ben Gurion Airport", "Guarulhos", "Benito Juárez",
    "Chopin", "Lisbon Humberto Delgado", "Eleftherios Venizelos", "Incheon", "Kempegowda", "Ngurah Rai",
]  # fmt: skip
ORGS_7 = [
    "Allianz", "Santander", "Deutsche Bahn", "Vodafone", "Revolut", "Nordea", "Zurich Insurance",
    "Siemens Healthineers", "Metropolitan Police", "St Mary's Hospital", "Booking Holdings",
    "Airbnb", "Uber", "Mercadona", "Tesco Bank",
]  # fmt: skip
PRODUCTS_7 = [
    "Dyson V15 Detect", "Sony WH-1000XM5", "Pixel 8 Pro", "iPad Air", "Nintendo Switch OLED", "Bose QuietComfort",
    "Garmin Forerunner 265", "Kindle Oasis", "Apple Watch Ultra", "Canon EOS R6", "Roborock S8", "Vespa Primavera",
]  # fmt: skip
COUNTRIES_7 = ["Japan", "Brazil", "Germany", "Canada", "Thailand", "Portugal", "Norway", "Mexico", "Greece"]
MERCHANTS_7 = ["AMAZON EU SARL", "LIDL", "SHELL", "SPOTIFY AB", "IKEA", "ALDI SUED", "STARBUCKS", "MEDIAMARKT"]
JSON_NAME_KEYS = [
    "insured", "beneficiary", "guardianName", "nombre_completo", "cardholder", "recipient", "patient_name",
    "nom_complet", "Name", "account_holder", "driver", "contactName", "policyHolder", "emp_name",
]  # fmt: skip
JSON_PHONE_KEYS = ["msisdn", "mobileNo", "telefono", "tel_privat", "contact_number", "phoneE164"]
JSON_DOB_KEYS = ["geburtstag", "birth_date", "dateOfBirth", "fecha_nacimiento", "dob_iso", "DOB"]
JSON_ADDR_KEYS = ["addr_line1", "residence", "streetAddress", "domicilio", "wohnadresse", "address1"]
JSON_ID_KEYS = ["national_id", "tax_id", "docNumber", "ssn", "id_number", "nin"]
RANKS = ["PC", "Sgt", "DC", "Officer", "Inspector", "Constable"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

WHATSAPP_7 = [
    "{WA_STAMP!} - {PERSON}: Messages and calls are end-to-end encrypted",
    "{WA_STAMP!} - {PERSON}: landed at {AIRPORT!}, {FLIGHT!} was 40 min late 🙄",
    "{WA_STAMP!} - {PHONE_NUMBER}: hi its {FIRST} from the {ORG!} trip, new number, pls save",
    "{WA_STAMP!} - {HANDLE_7}: can someone send {FIRST}'s address? {STREET_ADDRESS} right?",
    "{WA_STAMP!} - {PERSON}: yes, {STREET_ADDRESS}, {ZIP_CODE} {CITY!}. buzzer says {LAST}",
    "{WA_STAMP!} - {PERSON}: the booking code is {PNR!}, pickup at {TIME!}",
    "{WA_STAMP!} - {PHONE_NUMBER}: my little one is {AGE_WORDS} now can u believe it",
    "{WA_STAMP!} - {PERSON}: <Media omitted>",
    "{WA_STAMP!} - {HANDLE_7}: paid {PRICE!} for the {PRODUCT!}, send to {IBAN_SPACED} pls",
]
JSON_7 = [
    '{LB}"event": "{EVENT!}", "ts": "{ISO!}", "order": "{ORDER!}", "amount": "{PRICE!}",',
    ' "{NAME_KEY}": "{PERSON}", "{DOB_KEY}": "{DATE_OF_BIRTH}", "{PHONE_KEY}": "{PHONE_NUMBER}",',
    ' "{ADDR_KEY}": "{STREET_ADDRESS}", "plz": "{ZIP_CODE}", "stadt": "{CITY!}",',
    ' "{ID_KEY}": "{NATIONAL_ID}", "payout_iban": "{IBAN_CODE}", "client_ip": "{IPV6}",',
    ' "item": "{PRODUCT!}", "pnr": "{PNR!}", "merchant": "{ORG!}"{RB}',
]
VCARD_7 = [
    "BEGIN:VCARD",
    "VERSION:3.0",
    "N:{LAST};{FIRST};;;",
    "FN:{PERSON}",
    "ORG:{ORG!}",
    "TEL;TYPE=CELL:{PHONE_NUMBER}",
    "TEL;TYPE=HOME,VOICE:{PHONE_FMT}",
    "EMAIL;TYPE=INTERNET:{EMAIL_ADDRESS}",
    "ADR;TYPE=HOME:;;{STREET_ADDRESS};{CITY!};;{ZIP_CODE};{COUNTRY!}",
    "BDAY:{DOB_COMPACT}",
    "NOTE:met at the {AIRPORT!} lounge\\, flight {FLIGHT!}",
    "END:VCARD",
]
ICS_7 = [
    "BEGIN:VCALENDAR",
    "BEGIN:VEVENT",
    "UID:{UID!}",
    "DTSTART:{ICS_STAMP!}",
    "SUMMARY:Flight {FLIGHT!} to {CITY!} (booking {PNR!})",
    "ORGANIZER;CN={PERSON}:mailto:{EMAIL_ADDRESS}",
    "ATTENDEE;CN={PERSON};ROLE=REQ-PARTICIPANT:mailto:{EMAIL_ADDRESS}",
    "LOCATION:{STREET_ADDRESS}\\, {ZIP_CODE} {CITY!}",
    "DESCRIPTION:Car to {AIRPORT!} at {TIME!}. Driver {PERSON} on {PHONE_NUMBER}.",
    "END:VEVENT",
    "END:VCALENDAR",
]
HL7_7 = [
    "MSH|^~\\&|ADT1|{ORG!}|LAB|HOSP|{HL7_STAMP!}||ADT^A01|MSG{ROWNO!}|P|2.5",
    "PID|1||{MRN}^^^HOSP^MR||{HL7_NAME}||{DOB_COMPACT}|{SEX_7}|||{STREET_ADDRESS}^^{CITY!}^^{ZIP_CODE}"
    "||{PHONE_NUMBER}",
    "NK1|1|{HL7_NAME}|SPO|||{PHONE_NUMBER}",
    "PV1|1|I|W{ROWNO!}^{ROWNO!}^1||||{ROWNO!}^{HL7_NAME}",
]
FHIR_7 = [
    '{LB}"resourceType": "Patient", "id": "{UID!}", "name": [{LB}"family": "{LAST}", "given": ["{FIRST}"]{RB}],',
    ' "birthDate": "{DOB_ISO}", "telecom": [{LB}"system": "phone", "value": "{PHONE_NUMBER}"{RB},',
    ' {LB}"system": "email", "value": "{EMAIL_ADDRESS}"{RB}], "address": [{LB}"line": ["{STREET_ADDRESS}"],',
    ' "city": "{CITY!}", "postalCode": "{ZIP_CODE}"{RB}], "managingOrganization": "{ORG!}"{RB}',
]
BANK_7 = [
    "ACCOUNT STATEMENT  {ORG!}  period {PERIOD!}",
    "Account holder: {PERSON}    IBAN {IBAN_SPACED}",
    "Statement address: {STREET_ADDRESS}, {ZIP_CODE} {CITY!}",
    "{TXN_DATE!}  SEPA CREDIT TRANSFER FROM {PERSON_CAPS} {IBAN_CODE} REF {ORDER!}  +{PRICE!}",
    "{TXN_DATE!}  CARD PAYMENT {MASKED} {MERCHANT!} {CITY!}  -{PRICE!}",
    "{TXN_DATE!}  STANDING ORDER TO {PERSON_CAPS} RENT {PERIOD!}  -{PRICE!}",
    "{TXN_DATE!}  ATM {CITY!} {TIME!}  -{PRICE!}",
    "{TXN_DATE!}  REFUND {ORG!} BOOKING {PNR!}  +{PRICE!}",
    "Replacement card {CREDIT_CARD} sent to the address above.",
]
POLICE_7 = [
    "INCIDENT REPORT {CASE!}",
    "On {TRAVEL_DATE!} at approximately {TIME!}, officers attended {STREET_ADDRESS}, {CITY!}, after a call from "
    "{PERSON} (DOB {DATE_OF_BIRTH}), aged {AGE_WORDS}.",
    "The complainant stated that a {AGE_HYPHEN} male, later identified as {PERSON}, of {STREET_ADDRESS}, "
    "took her {PRODUCT!} outside {ORG!}.",
    "Witness {PERSON}, a {NRP} national (passport {PASSPORT}), can be reached on {PHONE_NUMBER}.",
    "The suspect was detained at {AIRPORT!} before boarding {FLIGHT!} (booking {PNR!}).",
    "Property recovered: one {PRODUCT!} valued at {PRICE!}.",
    "Reporting officer: {RANK} {PERSON}.",
]
COURT_7 = [
    "IN THE COUNTY COURT AT {CITY_UPPER!}   Claim No. {CASE!}",
    "BETWEEN {PERSON_CAPS} (Claimant) and {ORG_UPPER!} (Defendant)",
    "1. The Claimant, born on {DOB_LONG}, is now {AGE_WORDS} years old and resides at {STREET_ADDRESS}, "
    "{ZIP_CODE}.",
    "2. On {TRAVEL_DATE!} the Claimant's daughter, {FIRST}, then {AGE_WORDS}, was injured on a {PRODUCT!}.",
    "3. The Defendant's employee, {PERSON}, refused a refund of {PRICE!} for order {ORDER!}.",
    "Dated {TRAVEL_DATE!}. Signed: {PERSON}, solicitor for the Claimant.",
]
BIO_7 = [
    "✨ {PERSON} ✨ {NRP} | {AGE} | {JOB!} @ {ORG!}",
    "📍 {CITY!} → {CITY!} | ✉️ {EMAIL_ADDRESS} | links ⬇️ {URL}",
    "bday {DATE_OF_BIRTH} 🎂 she/her | {AGE_WORDS} and thriving",
    "bookings: {PHONE_NUMBER} (whatsapp only) • ig {HANDLE_7}",
    "fan of {PRODUCT!} & {ORG!}, not affiliated • flew {FLIGHT!} once lol",
    "{AGE}y • {NRP} living in {COUNTRY!} • mum of {FIRST} & {FIRST}",
]
OCR_7 = [
    "AP PLICATION FOR M - {ORG_UPPER!}",
    "Sur name: {LAST}     Given na mes: {FIRST}",
    "D ate of B irth: {DOB_OCR}",
    "Add ress: {ADDR_BROKEN}",
    "Post code: {ZIP_CODE}   Te l: {PHONE_OCR}",
    "Nationa lity: {NRP}",
    "Ne xt of kin: {PERSON_BROKEN}",
    "Sig ned: {PERSON_BROKEN}   Da te: {TRAVEL_DATE!}",
]
ADDRESS_7 = [
    "Please ship the replacement {PRODUCT!} to: {FULL_ADDRESS}",
    "Mailing address on file:\n{FULL_ADDRESS}",
    "{PERSON} moved; new address {FULL_ADDRESS_LINE} (order {ORDER!})",
    "Deliver to {PERSON}, {FULL_ADDRESS_LINE}, before {TIME!}",
]
KYC_7 = [
    "KYC check for {PERSON}: {ID_LABEL} {NATIONAL_ID} verified against {ORG!} records.",
    "Customer supplied {ID_LABEL} {NATIONAL_ID}; payout IBAN {IBAN_SPACED}; last login from {IPV6}.",
    "{PERSON}, {NATIONAL_ID}, born {DATE_OF_BIRTH}, {NRP}",
    "Second holder {PERSON} (aged {AGE_WORDS}) gave {ID_LABEL} {NATIONAL_ID} and phone {PHONE_FMT}.",
    "Flagged: application {ORDER!} for a {PRODUCT!} at {PRICE!} from {IP_ADDRESS}.",
]
LOG_7 = [
    "{ISO!} ERROR api/{VERSION!}: payment declined for '{EMAIL_ADDRESS}' from {IP_ADDRESS} "
    "(order {ORDER!}, {PRICE!})",
    "{ISO!} WARN  session: {PERSON} signed in from {IPV6} with app {VERSION!}",
    "{ISO!} INFO  kyc: {ID_LABEL}={NATIONAL_ID} matched for user {HANDLE_7}",
    "{ISO!} INFO  booking {PNR!} on {FLIGHT!} confirmed, sms to {PHONE_FMT}",
    "{ISO!} DEBUG build {VERSION!} started at {TIME!} on {ORG!} runner",
]
TICKET_7 = [
    "E-TICKET RECEIPT   Booking ref: {PNR!}   Ticket: {TKT!}",
    "Passenger: {TITLE_7} {PERSON}   ({AGE_HYPHEN} on the date of travel)",
    "{FLIGHT!}  {AIRPORT!} {TIME!} -> {AIRPORT!} {TIME!}  Seat {SEAT!}",
    "Fare {PRICE!}, paid with card {CREDIT_CARD}",
    "Emergency contact: {PERSON}, {PHONE_FMT}",
    "Passenger date of birth: {DATE_OF_BIRTH}",
]
STYLES_7 = {
    "whatsapp7": WHATSAPP_7, "json7": JSON_7, "vcard7": VCARD_7, "ics7": ICS_7, "hl7": HL7_7, "fhir7": FHIR_7,
    "bank7": BANK_7, "police7": POLICE_7, "court7": COURT_7, "bio7": BIO_7, "ocr7": OCR_7, "address7": ADDRESS_7,
    "kyc7": KYC_7, "log7": LOG_7, "ticket7": TICKET_7,
}  # fmt: skip
ORDERED_7 = {"whatsapp7", "bank7", "police7", "court7", "ocr7", "ticket7", "log7", "kyc7"}
WHOLE_7 = {"json7", "vcard7", "ics7", "hl7", "fhir7"}
SLOT_TYPE_7 = {
    **{k: "PERSON" for k in ("HL7_NAME", "PERSON_BROKEN")},
    **{k: "DATE_OF_BIRTH" for k in ("DOB_COMPACT", "DOB_ISO", "DOB_LONG", "DOB_OCR")},
    **{k: "AGE" for k in ("AGE_WORDS", "AGE_HYPHEN")},
    **{k: "PHONE_NUMBER" for k in ("PHONE_FMT", "PHONE_OCR")},
    **{k: "STREET_ADDRESS" for k in ("ADDR_BROKEN", "FULL_ADDRESS", "FULL_ADDRESS_LINE")},
    **{k: "ID" for k in ("NATIONAL_ID", "PASSPORT", "MRN")},
    "IBAN_SPACED": "IBAN_CODE", "IPV6": "IP_ADDRESS",
}  # fmt: skip
# slots that are no span: key names and labels, and values that are neither personal data in this family's sense
# nor a hard negative (a social handle, a masked card, a sex code)
NO_SPAN_7 = {"NAME_KEY", "DOB_KEY", "PHONE_KEY", "ADDR_KEY", "ID_KEY", "ID_LABEL", "RANK", "TITLE_7", "MASKED"}
NO_SPAN_7 |= {"HANDLE_7", "SEX_7"}


def words(n: int) -> str:
    """An English number word, 0-99 ("thirty-four")."""
    if n < 20:
        return ONES[n]
    return TENS[n // 10] + (f"-{ONES[n % 10]}" if n % 10 else "")


def _born(fake: Any) -> date:
    # fixed bounds (not Faker's "today"-relative ones), so the rows do not change with the day they are made
    born: date = fake.date_between(date(1931, 1, 1), date(2021, 12, 31))
    return born


def _dob_7(fake: Any, rng: random.Random) -> str:
    born = _born(fake)
    month, yy = born.strftime("%B"), born.year % 100
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(born.day, "th")
    return rng.choice(
        [
            f"{born.day}{suffix} of {month} {born.year}",
            f"{born.year}年{born.month}月{born.day}日",
            f"{born.day}/{ROMAN[born.month - 1]}/{born.year}",
            f"{month[:3]}-{born.day:02d}-{yy:02d}",
            f"{born.day:02d}{month[:3].upper()}{born.year}",
            f"{born.year}.{born.month:02d}.{born.day:02d}",
            f"{born.year}-{born.month}-{born.day}",
            f"{born.day} {month[:3]} '{yy:02d}",
            f"{month[:3]}. {born.day}, {born.year}",
            f"{born.day:02d}-{born.month:02d}-{born.year}",
        ]
    )


def _phone_fmt(rng: random.Random) -> str:
    """A mobile number written the ways people and systems write them."""
    cc, area = rng.choice([("44", "7700"), ("49", "151"), ("33", "6"), ("34", "612"), ("39", "347"), ("1", "415")])
    rest = f"{rng.randint(100, 999)}{rng.randint(1000, 9999)}"
    shape = rng.randrange(6)
    if shape == 0:
        return f"+{cc}{area}{rest}"
    if shape == 1:
        return f"tel:+{cc}-{area}-{rest[:3]}-{rest[3:]}"
    if shape == 2:
        return f"00{cc} {area} {rest}"
    if shape == 3:
        return f"(+{cc}) 0{area} {rest[:3]} {rest[3:]}"
    if shape == 4:
        return f"0{area}.{rest[:3]}.{rest[3:]}"
    return f"+{cc} {area} {rest[:3]} {rest[3:]}"


def _ocr_digits(text: str, rng: random.Random) -> str:
    """One digit read as a letter (0 -> O, 1 -> l) or a space dropped into the value, as a scanner does."""
    chars = list(text)
    spots = [i for i, c in enumerate(chars) if c in "01"]
    if spots and rng.random() < 0.5:
        i = rng.choice(spots)
        chars[i] = "O" if chars[i] == "0" else "l"
    elif len(chars) > 4:
        i = rng.randrange(2, len(chars) - 1)
        chars.insert(i, " ")
    return "".join(chars)


def _broken(text: str, rng: random.Random) -> str:
    """A line break at a space inside the value, or a hyphenated break inside its longest word."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    if spaces and rng.random() < 0.6:
        i = rng.choice(spaces)
        return text[:i] + "\n" + text[i + 1 :]
    longest = max(text.split(), key=len)
    if len(longest) < 6:
        return text
    cut = text.index(longest) + len(longest) // 2
    return text[:cut] + "-\n" + text[cut:]


def makers_7(fake: Any, locale: str, rng: random.Random) -> dict[str, Callable[[], str]]:
    def phone() -> str:
        try:
            return str(fake.phone_number())
        except AttributeError:
            return _phone_fmt(rng)

    def national_id() -> str:
        kind = NATIONAL_IDS.get(locale)
        if kind is None:
            return passport()
        return str(getattr(fake, kind[1])())

    def passport() -> str:
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1000000, 9999999)}"

    def card() -> str:
        try:
            return str(fake.credit_card_number(card_type=rng.choice(["visa16", "mastercard", "amex", "discover"])))
        except KeyError:
            return str(fake.credit_card_number())

    def iban_spaced() -> str:
        iban = str(fake.iban())
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))

    def full_address() -> str:
        return str(fake.address())

    def age_hyphen() -> str:
        n = rng.randint(2, 89)
        return f"{words(n)}-year-old" if rng.random() < 0.6 else f"{n}-year-old"

    def dob_long() -> str:
        born = _born(fake)
        return f"{born.day} {born.strftime('%B')} {born.year}" if rng.random() < 0.5 else _dob_7(fake, rng)

    def stamp(fmt: str) -> str:
        return fake.date_time_between(datetime(2026, 1, 5), datetime(2026, 9, 30)).strftime(fmt)

    first, last = (lambda: str(fake.first_name())), (lambda: str(fake.last_name()))
    return {
        "PERSON": lambda: f"{first()} {last()}" if rng.random() < 0.6 else str(fake.name()),
        "PERSON_CAPS": lambda: f"{first()} {last()}".upper(),
        "PERSON_BROKEN": lambda: _broken(f"{first()} {last()}", rng),
        "FIRST": first,
        "LAST": last,
        "HL7_NAME": lambda: f"{last().upper()}^{first().upper()}^{rng.choice('ABCDEJKLMRS')}",
        "TITLE_7": lambda: rng.choice(["MR", "MRS", "MS", "Mx", "Dr"]),
        "RANK": lambda: rng.choice(RANKS),
        "STREET_ADDRESS": lambda: str(fake.street_address()).replace("\n", ", "),
        "ADDR_BROKEN": lambda: _broken(str(fake.street_address()).replace("\n", ", "), rng),
        "FULL_ADDRESS": full_address,
        "FULL_ADDRESS_LINE": lambda: full_address().replace("\n", ", "),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "DATE_OF_BIRTH": lambda: _dob_7(fake, rng),
        "DOB_COMPACT": lambda: _born(fake).strftime("%Y%m%d"),
        "DOB_ISO": lambda: _born(fake).isoformat(),
        "DOB_LONG": dob_long,
        "DOB_OCR": lambda: _ocr_digits(_born(fake).strftime(rng.choice(["%d.%m.%Y", "%d/%m/%Y"])), rng),
        "AGE": lambda: str(rng.randint(16, 79)),
        "AGE_WORDS": lambda: words(rng.randint(2, 95)),
        "AGE_HYPHEN": age_hyphen,
        "NRP": lambda: rng.choice(DEMONYMS_7),
        "PHONE_NUMBER": phone,
        "PHONE_FMT": lambda: _phone_fmt(rng),
        "PHONE_OCR": lambda: _ocr_digits(phone(), rng),
        "EMAIL_ADDRESS": lambda: str(fake.email()),
        "NATIONAL_ID": national_id,
        "ID_LABEL": lambda: NATIONAL_IDS.get(locale, ("passport no.", ""))[0],
        "PASSPORT": passport,
        "MRN": lambda: f"{rng.choice(['MRN', 'H', ''])}{rng.randint(100000, 99999999)}",
        "CREDIT_CARD": card,
        "IBAN_CODE": lambda: str(fake.iban()),
        "IBAN_SPACED": iban_spaced,
        "IP_ADDRESS": lambda: str(fake.ipv4_public()),
        "IPV6": lambda: str(fake.ipv6()),
        "URL": lambda: str(fake.url()) + rng.choice(["", "links", "shop?ref=bio"]),
        "NAME_KEY": lambda: rng.choice(JSON_NAME_KEYS),
        "PHONE_KEY": lambda: rng.choice(JSON_PHONE_KEYS),
        "DOB_KEY": lambda: rng.choice(JSON_DOB_KEYS),
        "ADDR_KEY": lambda: rng.choice(JSON_ADDR_KEYS),
        "ID_KEY": lambda: rng.choice(JSON_ID_KEYS),
        "MASKED": lambda: f"****{rng.randint(1000, 9999)}",
        # distractors
        "CITY": lambda: str(fake.city()),
        "CITY_UPPER": lambda: str(fake.city()).upper(),
        "COUNTRY": lambda: rng.choice(COUNTRIES_7),
        "AIRPORT": lambda: rng.choice(AIRPORTS_7),
        "ORG": lambda: rng.choice(ORGS_7) if rng.random() < 0.6 else str(fake.company()),
        "ORG_UPPER": lambda: rng.choice(ORGS_7).upper(),
        "PRODUCT": lambda: rng.choice(PRODUCTS_7),
        "MERCHANT": lambda: rng.choice(MERCHANTS_7),
        "JOB": lambda: rng.choice(["UX designer", "nurse", "dentist", "barista", "PhD student", "DJ", "coach"]),
        "FLIGHT": lambda: (
            f"{rng.choice(['LH', 'QR', 'NH', 'TG', 'VN', 'OK', 'RO', 'SK', 'AY', 'LY', 'LA'])}"
            f"{rng.choice(['', ' '])}{rng.randint(1, 2999)}"
        ),
        "PNR": lambda: "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6)),
        "ORDER": lambda: rng.choice(["#", "INV-", "ORD-", "PO", "A"]) + str(rng.randint(10000, 99999999)),
        "CASE": lambda: f"{rng.choice(['CR', 'K', 'H', 'INC'])}{rng.randint(10, 99)}/{rng.randint(1000, 99999)}",
        "TKT": lambda: f"{rng.randint(100, 999)}-{rng.randint(1000000000, 9999999999)}",
        "SEAT": lambda: f"{rng.randint(1, 60)}{rng.choice('ABCDEFHJK')}",
        "TIME": lambda: rng.choice(
            [f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}", f"{rng.randint(1, 12)}.{rng.randint(0, 5)}0 pm"]
        ),
        "PRICE": lambda: (
            rng.choice(["€", "£", "USD ", "", "R$ "]) + f"{rng.randint(3, 4999):,}.{rng.randint(0, 99):02d}"
        ),
        "VERSION": lambda: f"v{rng.randint(1, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 200)}",
        "ISO": lambda: stamp("%Y-%m-%dT%H:%M:%S.") + f"{rng.randint(0, 999):03d}Z",
        "WA_STAMP": lambda: stamp(rng.choice(["%d/%m/%Y, %H:%M", "%m/%d/%y, %I:%M %p", "[%d.%m.%y, %H:%M:%S]"])),
        "ICS_STAMP": lambda: stamp("%Y%m%dT%H%M%SZ"),
        "HL7_STAMP": lambda: stamp("%Y%m%d%H%M%S"),
        "TXN_DATE": lambda: stamp(rng.choice(["%d %b", "%d.%m.", "%Y-%m-%d"])).upper(),
        "PERIOD": lambda: stamp("%b %Y").upper(),
        "TRAVEL_DATE": lambda: stamp(rng.choice(["%d %B %Y", "%d/%m/%Y", "%A %d %b"])),
        "EVENT": lambda: rng.choice(["claim.created", "payout.requested", "kyc.passed", "policy.renewed"]),
        "UID": lambda: f"{rng.getrandbits(64):016x}@{rng.choice(['calendar', 'crm', 'ehr'])}",
        "HANDLE_7": lambda: (
            "@"
            + rng.choice(["travel", "sun", "blue", "city", "moon"])
            + rng.choice(["_", ".", ""])
            + rng.choice(["bird", "walker", "fan", "lover"])
            + str(rng.randint(1, 999))
        ),
        "SEX_7": lambda: rng.choice(["F", "M", "U"]),
        "ROWNO": lambda: str(rng.randint(1, 9999)),
        "LB": lambda: "{",
        "RB": lambda: "}",
    }
