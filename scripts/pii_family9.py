"""PII report family 9 (issue 15, session 14): written and committed before that session measured anything.

Imported by `make_pii_family.py --family 9 --seed 90437`. A style no earlier family and no training template had:
live-chat transcripts with speaker labels and times, call-centre notes in agents' shorthand ("cust", "cb req",
"ID&V passed"), and forms with keys in the row's own language (German, French, Spanish, Italian, Portuguese,
Dutch, Polish, Czech, Swedish, Danish, Turkish, English), mixed inside one record: a chat that pastes a form, a
call note that quotes the chat. Names with diacritics from those locales (Łukasz, Bořivoj, Søren, Çağla, Ñ, ß) and
a hand-written list of given names that are also places (Austin, Savannah, Florence, Adelaide...), used as people
("pass it to Savannah", "my daughter Florence, 7") and, in the same records, as places ("two nights in
Savannah", "the Florence office"). Dates of birth beside booking, travel, check-in and call dates written in the
same formats (numeric with dots and slashes, month names in the row's language), so only the words around tell
them apart. Hard negatives (`"personal": false`): travel and booking dates, years, durations and counts ("3
nights", "2 adults"), booking references, flight numbers, times, prices, seat and room numbers, hotels,
airlines, companies, cities and countries, places that are given names.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

# row locales: addresses, phones, form keys and most names
LOCALES_9 = [
    *(["en_US"] * 3), *(["en_GB"] * 2), "en_IE", "de_DE", "de_AT", "fr_FR", "es_ES", "it_IT", "pt_PT", "nl_NL",
    "pl_PL", "cs_CZ", "sv_SE", "da_DK", "tr_TR",
]  # fmt: skip
# names also come from these, whatever the row's locale (diacritics and other orthographies)
NAME_LOCALES_9 = ["hr_HR", "sk_SK", "hu_HU", "ro_RO", "sl_SI", "no_NO", "fi_FI", "vi_VN", "es_MX", "de_CH"]
# given names that are also places (cities, states, countries, regions)
PLACE_NAMES_9 = [
    "Austin", "Savannah", "Florence", "Adelaide", "Sydney", "Charlotte", "Madison", "Georgia", "Chelsea",
    "Brooklyn", "Dallas", "Jordan", "Victoria", "Lourdes", "Siena", "Verona", "Sofia", "Orlando", "Tyler",
    "Lincoln", "Phoenix", "Dakota", "Carolina", "Valencia", "Regina", "Kingston", "Aurora", "Eugene", "Houston",
    "Denver", "Camden", "Hudson", "Israel", "India", "Kenya", "Paris", "Vienna", "Alexandria", "Santiago",
]  # fmt: skip
# the same kind of place as a place, never a given name here
HOTELS_9 = [
    "Hotel Adlon", "Ibis Budget Praha", "NH Collection Madrid", "Scandic Malmö", "Radisson Blu Gdańsk",
    "Pestana Palace", "Hilton Garden Inn", "Premier Inn Leeds", "Mövenpick Ankara", "Hotel d'Angleterre",
]  # fmt: skip
AIRLINES_9 = [
    "Lufthansa",
    "KLM",
    "Iberia",
    "TAP",
    "LOT",
    "Turkish Airlines",
    "SAS",
    "Ryanair",
    "Wizz Air",
    "Delta",
]
COMPANIES_9 = [
    "Allianz", "Deutsche Bahn", "Booking Holdings", "Vodafone", "Orange", "Telefónica", "ING", "Santander",
    "Zalando", "IKEA", "Volvo Cars", "Maersk",
]  # fmt: skip
CITIES_9 = [
    "Kraków", "Brno", "Göteborg", "Aarhus", "İzmir", "Porto", "Sevilla", "Bologna", "Rotterdam", "Graz",
    "Lyon", "München", "Cork", "Edinburgh", "Denver", "Sydney", "Savannah", "Florence", "Austin", "Valencia",
]  # fmt: skip
TITLES_9 = ["Mr", "Mrs", "Ms", "Dr", "Frau", "Herr", "Mme", "Sr.", "Sra.", "Pan", "Pani"]
COUNTRIES_9 = ["Portugal", "Czechia", "Denmark", "Türkiye", "Poland", "Austria", "Ireland", "Mexico", "Norway"]
DEMONYMS_9 = [
    "Polish", "Czech", "Danish", "Swedish", "Turkish", "Portuguese", "Dutch", "Austrian", "Irish", "Croatian",
    "Slovak", "Hungarian", "Romanian", "Slovenian", "Norwegian", "Finnish", "Mexican", "Swiss", "Vietnamese",
]  # fmt: skip
# demonyms in the row's language for the forms (personal: the holder's nationality)
DEMONYMS_LOCAL_9 = {
    "de": ["deutsch", "österreichisch", "polnisch", "türkisch"],
    "fr": ["française", "belge", "portugaise", "marocaine"],
    "es": ["española", "mexicana", "colombiana", "argentina"],
    "it": ["italiana", "rumena", "albanese"],
    "pt": ["portuguesa", "brasileira", "angolana"],
    "nl": ["Nederlandse", "Belgische", "Turkse"],
    "pl": ["polskie", "ukraińskie"],
    "cs": ["česká", "slovenská"],
    "sv": ["svensk", "finsk"],
    "da": ["dansk", "norsk"],
    "tr": ["T.C.", "Alman"],
    "en": ["British", "Irish", "American", "Canadian"],
}
MONTHS_9 = {
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "en": "January February March April May June July August September October November December",
}
# form keys in the row's language: name, date of birth, address, postcode, phone, nationality, id, travel date
KEYS_9 = {
    "de": ("Name", "Geburtsdatum", "Anschrift", "PLZ", "Telefon", "Staatsangehörigkeit", "Ausweisnummer",
           "Anreise"),
    "fr": ("Nom", "Date de naissance", "Adresse", "Code postal", "Tél.", "Nationalité", "N° de passeport",
           "Arrivée"),
    "es": ("Nombre", "Fecha de nacimiento", "Domicilio", "C.P.", "Teléfono", "Nacionalidad", "DNI/NIE", "Llegada"),
    "it": ("Nome e cognome", "Data di nascita", "Indirizzo", "CAP", "Cellulare", "Cittadinanza", "N. documento",
           "Arrivo"),
    "pt": ("Nome", "Data de nascimento", "Morada", "Código postal", "Telemóvel", "Nacionalidade", "N.º do CC",
           "Chegada"),
    "nl": ("Naam", "Geboortedatum", "Adres", "Postcode", "Telefoon", "Nationaliteit", "Paspoortnummer",
           "Aankomst"),
    "pl": ("Imię i nazwisko", "Data urodzenia", "Adres", "Kod pocztowy", "Telefon", "Obywatelstwo",
           "Nr dowodu", "Przyjazd"),
    "cs": ("Jméno", "Datum narození", "Adresa", "PSČ", "Telefon", "Státní příslušnost", "Číslo OP", "Příjezd"),
    "sv": ("Namn", "Födelsedatum", "Adress", "Postnummer", "Telefon", "Medborgarskap", "Passnummer", "Ankomst"),
    "da": ("Navn", "Fødselsdato", "Adresse", "Postnr.", "Telefon", "Statsborgerskab", "Pasnummer", "Ankomst"),
    "tr": ("Ad Soyad", "Doğum tarihi", "Adres", "Posta kodu", "Telefon", "Uyruk", "Kimlik no", "Giriş tarihi"),
    "en": ("Full name", "Date of birth", "Address", "Postcode", "Phone", "Nationality", "Passport no.",
           "Arrival"),
}  # fmt: skip

CHAT_TRANSCRIPT_9 = [
    "Chat started {TIME!} · {AGENT_LABEL}: Hi, you're chatting with {FIRST}, how can I help?",
    "Customer: hi, I booked {NIGHTS!} in {PLACE_AS_PLACE!} for {DATE!} and need to add my {KIN} {PLACE_FIRST}",
    "{AGENT_LABEL}: Of course. Could you give me the booking reference and the lead guest's full name?",
    "Customer: it's {PNR!}, lead guest {PERSON}",
    "{AGENT_LABEL}: Thanks! For security, what's the date of birth on the booking?",
    "Customer: {DATE_OF_BIRTH}",
    "Customer: and {PLACE_FIRST} was born {DATE_OF_BIRTH}, she's {AGE_CHAT}",
    "{AGENT_LABEL}: The check-in date stays {DATE!} and check-out {DATE!}, correct?",
    "Customer: yes. my number if we get cut off: {PHONE_NUMBER}",
    "{AGENT_LABEL}: I've sent the new voucher to {EMAIL_ADDRESS}. Anything else?",
    "Customer: pls also forward it to {PLACE_FIRST}, {PRONOUN_POSS} email is {EMAIL_ADDRESS}",
    "{AGENT_LABEL}: Done. Thank you for choosing {AIRLINE!}, {FIRST}!",
]
CALL_NOTE_9 = [
    "CALL LOG {DATE!} {TIME!} - agent {AGENT_ID!}",
    "Inbound from {PHONE_NUMBER}. Cust {PERSON} (DOB {DATE_OF_BIRTH}) re bkg {PNR!}, dep {DATE!} {FLIGHT!}.",
    "ID&V passed: DOB, postcode {ZIP_CODE}, 1st line of addr {STREET_ADDRESS}.",
    "Cust travelling w/ {KIN} {PERSON}, {AGE_CHAT}, and {KIN} {PLACE_FIRST} ({AGE_CHILD}).",
    "Wants refund of {PRICE!} to card ending {CARD4!} - original card {CREDIT_CARD} expired.",
    "Advised re {COMPANY!} policy; cust unhappy, says has flown with us for {YEARS!}.",
    "cb req on {PHONE_NUMBER} after {TIME!}; passed to {PLACE_FIRST} in team lead queue.",
    "Note: {PRONOUN_CAP} is {NRP}, passport {PASSPORT} exp {FUTURE_DATE!}.",
    "Cust emailed scans from {EMAIL_ADDRESS} on {DATE!}; IP on file {IP_ADDRESS}.",
]
LOCAL_FORM_9 = [
    "{K_NAME}: {PERSON}",
    "{K_DOB}: {DATE_OF_BIRTH}",
    "{K_ADDR}: {STREET_ADDRESS}, {ZIP_CODE} {CITY!}",
    "{K_PHONE}: {PHONE_NUMBER}",
    "{K_NAT}: {NRP_LOCAL}",
    "{K_ID}: {PASSPORT}",
    "{K_TRAVEL}: {DATE_LOCAL!}",
    "E-mail: {EMAIL_ADDRESS}",
    "IBAN: {IBAN_CODE}",
]
CHAT_WITH_FORM_9 = [
    "[{TIME!}] {CUSTOMER}: hello, I can't upload the form, can I paste it here?",
    "[{TIME!}] {AGENT_LABEL}: Sure, go ahead.",
    "[{TIME!}] {CUSTOMER}: {K_NAME}: {CUSTOMER} / {K_DOB}: {DATE_OF_BIRTH} / {K_TRAVEL}: {DATE_LOCAL!}",
    "[{TIME!}] {CUSTOMER}: {K_ADDR}: {STREET_ADDRESS}, {ZIP_CODE} {CITY!} / {K_PHONE}: {PHONE_NUMBER}",
    "[{TIME!}] {AGENT_LABEL}: thanks, is the arrival on {DATE_LOCAL!} for {ADULTS!}?",
    "[{TIME!}] {CUSTOMER}: yes, me and {PLACE_FIRST}. we fly {AIRLINE!} {FLIGHT!} from {PLACE_AS_PLACE!}",
]
BOOKING_9 = [
    "BOOKING CONFIRMATION {PNR!} - booked on {DATE!}",
    "Lead passenger: {PERSON_UPPER}, born {DATE_OF_BIRTH}",
    "Passenger 2: {PERSON}, date of birth {DATE_OF_BIRTH}",
    "Passenger 3: {PLACE_FULL}, child, age {AGE_CHILD}",
    "Outbound {DATE!} {FLIGHT!} {CITY!} - {PLACE_AS_PLACE!}, seat {SEAT!}",
    "Return {DATE!}, {NIGHTS!} at {HOTEL!}, room {ROOM!}",
    "Contact: {EMAIL_ADDRESS}, {PHONE_NUMBER}",
    "Billing address: {STREET_ADDRESS}, {CITY!} {ZIP_CODE}",
    "Paid {PRICE!} by card {CREDIT_CARD} on {DATE!}",
]
FRONT_DESK_9 = [
    "Front desk note {DATE!}: guest {PERSON} ({NRP}, passport {PASSPORT}) checked in at {TIME!} with {KIN} "
    "{PLACE_FIRST}.",
    "{PLACE_FIRST} asked for a late check-out on {DATE!}; room {ROOM!}, {NIGHTS!}.",
    "Guest's birthday is on {BIRTHDAY}, {PRONOUN} turns {AGE} - arrange a cake from the {PLACE_AS_PLACE!} bakery.",
    "Lost-property call from {PERSON} of {STREET_ADDRESS}, {ZIP_CODE} {CITY!}: left a jacket in {HOTEL!}.",
    "Shuttle to {AIRPORT_CITY!} airport booked for {DATE!} at {TIME!}, {ADULTS!}.",
]
DIACRITIC_SMS_9 = [
    "Cześć, tu {PERSON}! Będę w {CITY!} {DATE_LOCAL!}, mój numer {PHONE_NUMBER}",
    "Hej {FIRST}, {PERSON} här - flyget från {CITY!} landar {TIME!}",
    "Merhaba, ben {PERSON}. Doğum tarihim {DATE_OF_BIRTH}, rezervasyon {PNR!}",
    "Hallo {FIRST}, ich bin am {DATE_LOCAL!} in {CITY!}, {PERSON} holt mich ab",
    "Olá {FIRST}! A {PERSON} chega a {DATE_LOCAL!} a {CITY!}",
    "hi {FIRST} it's {PLACE_FIRST}, landed in {PLACE_AS_PLACE!} - text {PHONE_NUMBER}",
    "Ahoj, {PERSON} - narozena {DATE_OF_BIRTH}, přijedu {DATE_LOCAL!}",
]
COMPLAINT_9 = [
    "Subject: complaint about flight {FLIGHT!} on {DATE!}",
    "My name is {PERSON} and I flew from {CITY!} to {PLACE_AS_PLACE!} with my {KIN} {PLACE_FIRST}, who is {AGE}.",
    "The agent, {FIRST}, told us on {DATE!} that the seat change was free, then charged {PRICE!}.",
    "We have been members since {YEAR!} and have flown {TRIPS!} with {AIRLINE!} in the last {YEARS!}.",
    "Please refund the amount to {IBAN_CODE} (account holder {PERSON}).",
    "You can reach me on {PHONE_NUMBER}; my date of birth for your records is {DATE_OF_BIRTH}.",
    "Regards,\n{PERSON}\n{STREET_ADDRESS}\n{ZIP_CODE} {CITY!}",
]
STYLES_9 = {
    "chat_transcript9": CHAT_TRANSCRIPT_9, "call_note9": CALL_NOTE_9, "local_form9": LOCAL_FORM_9,
    "chat_with_form9": CHAT_WITH_FORM_9, "booking9": BOOKING_9, "front_desk9": FRONT_DESK_9,
    "diacritic_sms9": DIACRITIC_SMS_9, "complaint9": COMPLAINT_9,
}  # fmt: skip
# transcripts, notes, forms and confirmations keep their first line and their order; the others sample
ORDERED_9 = {"chat_transcript9", "call_note9", "local_form9", "chat_with_form9", "booking9", "complaint9"}
INLINE_9 = {"diacritic_sms9", "front_desk9"}
SLOT_TYPE_9 = {
    "PLACE_FIRST": "PERSON", "PLACE_FULL": "PERSON", "CUSTOMER": "PERSON", "PERSON_UPPER": "PERSON",
    "AGE_CHAT": "AGE", "NRP_LOCAL": "NRP", "BIRTHDAY": "DATE_OF_BIRTH",
}  # fmt: skip
NO_SPAN_9 = {
    "AGENT_LABEL", "KIN", "PRONOUN", "PRONOUN_POSS", "PRONOUN_CAP",
    "K_NAME", "K_DOB", "K_ADDR", "K_ZIP", "K_PHONE", "K_NAT", "K_ID", "K_TRAVEL",
}  # fmt: skip


def _language(locale: str) -> str:
    return locale.split("_")[0]


def _written(day: date, locale: str, rng: random.Random) -> str:
    """A date as a row of this locale writes it: numeric with its separator, or with the month's name."""
    lang = _language(locale)
    months = MONTHS_9.get(lang, MONTHS_9["en"]).split()
    month = months[day.month - 1]
    forms = {
        "de": [f"{day.day:02d}.{day.month:02d}.{day.year}", f"{day.day}. {month} {day.year}"],
        "fr": [f"{day.day:02d}/{day.month:02d}/{day.year}", f"{day.day} {month} {day.year}"],
        "es": [f"{day.day:02d}/{day.month:02d}/{day.year}", f"{day.day} de {month} de {day.year}"],
        "it": [f"{day.day:02d}/{day.month:02d}/{day.year}", f"{day.day} {month} {day.year}"],
        "pt": [f"{day.day:02d}/{day.month:02d}/{day.year}", f"{day.day} de {month} de {day.year}"],
        "nl": [f"{day.day:02d}-{day.month:02d}-{day.year}", f"{day.day} {month} {day.year}"],
        "pl": [f"{day.day:02d}.{day.month:02d}.{day.year}", f"{day.year}-{day.month:02d}-{day.day:02d}"],
        "cs": [f"{day.day}. {day.month}. {day.year}", f"{day.day:02d}.{day.month:02d}.{day.year}"],
        "sv": [f"{day.year}-{day.month:02d}-{day.day:02d}", f"{day.day} {month} {day.year}"],
        "da": [f"{day.day:02d}-{day.month:02d}-{day.year}", f"{day.day}. {month} {day.year}"],
        "tr": [f"{day.day:02d}.{day.month:02d}.{day.year}"],
    }.get(
        lang,
        [
            f"{day.month:02d}/{day.day:02d}/{day.year}"
            if locale == "en_US"
            else f"{day.day:02d}/{day.month:02d}/{day.year}",
            f"{month} {day.day}, {day.year}" if locale == "en_US" else f"{day.day} {month} {day.year}",
            f"{month[:3]} {day.day} {day.year}",
        ],
    )
    return rng.choice(forms)


def makers_9(
    fake: Any, locale: str, name_fakers: dict[str, Any], rng: random.Random
) -> dict[str, Callable[[], str]]:
    lang = _language(locale)
    keys = KEYS_9.get(lang, KEYS_9["en"])

    def name_parts() -> tuple[str, str]:
        roll = rng.random()
        source = fake if roll < 0.6 else name_fakers[rng.choice(list(name_fakers))]
        return str(source.first_name()), str(source.last_name())

    def person() -> str:
        first, last = name_parts()
        roll = rng.random()
        if roll < 0.10:
            return f"{rng.choice(PLACE_NAMES_9)} {last}"
        if roll < 0.16:
            return f"{first} {last}-{name_parts()[1]}"
        if roll < 0.20:
            return f"{rng.choice(TITLES_9)} {last}"
        return f"{first} {last}"

    customer = person()  # one customer per record: the chat's speaker and the form's name
    agent = rng.choice(["Agent", "Support", "Advisor"])

    def born() -> date:
        day: date = fake.date_between(date(1938, 1, 1), date(2021, 12, 31))
        return day

    def travel() -> date:
        return date(2024, 6, 1) + timedelta(days=rng.randint(0, 900))

    def dob() -> str:
        return _written(born(), locale, rng)

    def travel_date() -> str:
        day = travel()
        return rng.choice([_written(day, locale, rng), day.strftime("%d %b"), day.strftime("%a %d %b %Y")])

    def birthday() -> str:
        """Day and month without the year ("14 März", "March 14")."""
        day = born()
        month = MONTHS_9.get(lang, MONTHS_9["en"]).split()[day.month - 1]
        return f"{month} {day.day}" if lang == "en" else f"{day.day} {month}"

    def age_chat() -> str:
        n = rng.randint(18, 90)
        return rng.choice([f"{n}", f"{n}yo", f"{n} y/o", f"{n} yrs old", f"aged {n}"])

    def passport() -> str:
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return rng.choice(
            [
                f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1000000, 9999999)}",
                f"{rng.randint(100000000, 999999999)}",
                f"{rng.choice(letters)}{rng.randint(10000000, 99999999)}",
            ]
        )

    def pronouns() -> tuple[str, str, str]:
        return rng.choice([("she", "her", "She"), ("he", "his", "He")])

    def pnr() -> str:
        return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))

    return {
        "PERSON": person,
        "PERSON_UPPER": lambda: " ".join(reversed(name_parts())).upper().replace(" ", "/", 1),
        "FIRST": lambda: name_parts()[0],
        "LAST": lambda: name_parts()[1],
        "PLACE_FIRST": lambda: rng.choice(PLACE_NAMES_9),
        "PLACE_FULL": lambda: f"{rng.choice(PLACE_NAMES_9)} {name_parts()[1]}",
        "CUSTOMER": lambda: customer,
        "AGENT_LABEL": lambda: agent,
        "KIN": lambda: rng.choice(["wife", "husband", "daughter", "son", "mum", "partner", "friend", "colleague"]),
        "PRONOUN": lambda: pronouns()[0],
        "PRONOUN_POSS": lambda: pronouns()[1],
        "PRONOUN_CAP": lambda: pronouns()[2],
        "DATE_OF_BIRTH": dob,
        "BIRTHDAY": birthday,
        "AGE": lambda: str(rng.randint(19, 88)),
        "AGE_CHILD": lambda: str(rng.randint(2, 15)),
        "AGE_CHAT": age_chat,
        "STREET_ADDRESS": lambda: str(fake.street_address()).replace("\n", ", ").strip(),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "PHONE_NUMBER": lambda: str(fake.phone_number()),
        "EMAIL_ADDRESS": lambda: str(fake.email()),
        "CREDIT_CARD": lambda: str(fake.credit_card_number()),
        "CARD4": lambda: str(rng.randint(1000, 9999)),
        "IBAN_CODE": lambda: str(fake.iban()),
        "IP_ADDRESS": lambda: str(fake.ipv4_public()),
        "NRP": lambda: rng.choice(DEMONYMS_9),
        "NRP_LOCAL": lambda: rng.choice(DEMONYMS_LOCAL_9.get(lang, DEMONYMS_LOCAL_9["en"])),
        "PASSPORT": passport,
        "K_NAME": lambda: keys[0],
        "K_DOB": lambda: keys[1],
        "K_ADDR": lambda: keys[2],
        "K_ZIP": lambda: keys[3],
        "K_PHONE": lambda: keys[4],
        "K_NAT": lambda: keys[5],
        "K_ID": lambda: keys[6],
        "K_TRAVEL": lambda: keys[7],
        # distractors
        "DATE": travel_date,
        "DATE_LOCAL": lambda: _written(travel(), locale, rng),
        "FUTURE_DATE": lambda: _written(date(2027, 1, 1) + timedelta(days=rng.randint(0, 3000)), locale, rng),
        "TIME": lambda: f"{rng.randint(0, 23):02d}:{rng.choice(['00', '05', '15', '30', '42', '55'])}",
        "PNR": pnr,
        "FLIGHT": lambda: (
            f"{rng.choice(['LH', 'KL', 'IB', 'TP', 'LO', 'TK', 'SK', 'FR', 'W6', 'DL'])}{rng.randint(10, 9999)}"
        ),
        "AGENT_ID": lambda: f"{rng.choice(['AG', 'CC', 'T'])}{rng.randint(100, 9999)}",
        "NIGHTS": lambda: f"{rng.randint(2, 14)} nights",
        "ADULTS": lambda: f"{rng.randint(1, 4)} adults",
        "TRIPS": lambda: f"{rng.randint(3, 40)} times",
        "YEARS": lambda: f"{rng.randint(2, 25)} years",
        "YEAR": lambda: str(rng.randint(1998, 2024)),
        "PRICE": lambda: (
            rng.choice(["€", "£", "$", "CHF ", "PLN ", "DKK "])
            + f"{rng.randint(15, 2400)}"
            + rng.choice(["", ".00", ",50"])
        ),
        "SEAT": lambda: f"{rng.randint(1, 45)}{rng.choice('ABCDEF')}",
        "ROOM": lambda: str(rng.randint(101, 1240)),
        "HOTEL": lambda: rng.choice(HOTELS_9),
        "AIRLINE": lambda: rng.choice(AIRLINES_9),
        "COMPANY": lambda: rng.choice(COMPANIES_9),
        "CITY": lambda: rng.choice(CITIES_9) if rng.random() < 0.5 else str(fake.city()),
        "PLACE_AS_PLACE": lambda: rng.choice(PLACE_NAMES_9[:24]),
        "AIRPORT_CITY": lambda: rng.choice(CITIES_9),
        "COUNTRY": lambda: rng.choice(COUNTRIES_9),
    }
