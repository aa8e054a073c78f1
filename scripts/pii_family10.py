"""PII report family 10 (issue 15, session 15): written and committed before that session measured anything.

Imported by `make_pii_family.py --family 10 --seed 71263`. Styles no earlier family had: IT helpdesk tickets
("Caller: SURNAME, Given", work notes), HR personnel-change forms, medical intake notes in clinicians' shorthand
("Pt name", "NOK", "Referred by Dr ..."), claim notices typed in capitals, referral letters with signatures,
meeting minutes with attendee lists, lowercase parents' group chats, product reviews, and e-mail headers with
display names. Name shapes are the point: particles and apostrophes (van der Berg, O'Neill, D'Angelo, bin Rashid,
du Plessis, Ní Bhriain), double-barrelled surnames, compound given names (María José, Jean-Luc, Anna-Lena),
initials (A.K. Singh, J. P. O'Neill), suffixes (Jr., III, PhD), names after titles (Rev., Capt., Sgt., Mx, Dame,
Sheikh, Sister, Coach), in signatures, in lowercase and in capitals, from locales no earlier family drew names
from (Estonian, Latvian, Icelandic, Azerbaijani, Catalan, Uzbek, Swahili, Thai romanised). Hard negatives
(`"personal": false`): eponymous diseases and scales (Parkinson's disease, Glasgow Coma Scale), drugs, hospitals
and companies named after people (Johns Hopkins, Marks & Spencer), brands that are people's names (Calvin Klein,
Hugo Boss), products, departments, cities, year ranges of employment ("2011-2019"), dates, times, ticket numbers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

# row locales: addresses, phones and about half the names
LOCALES_10 = [
    *(["en_US"] * 3), *(["en_GB"] * 2), "en_IE", "en_CA", "en_AU", "de_DE", "fr_FR", "es_ES", "nl_NL", "nl_BE",
    "it_IT", "lv_LV", "de_LU",
]  # fmt: skip
# names also come from these (locales no earlier family drew names from)
NAME_LOCALES_10 = ["et_EE", "lv_LV", "is_IS", "az_AZ", "es_CA", "uz_UZ", "sw", "en_TH"]
PARTICLE_SURNAMES_10 = [
    "van der Berg", "van den Heuvel", "de la Cruz", "de los Santos", "O'Neill", "O'Sullivan", "D'Angelo",
    "McAllister", "MacLeod", "di Stefano", "ter Horst", "van 't Hof", "bin Rashid", "al-Farsi", "du Plessis",
    "le Roux", "St. Clair", "FitzGerald", "da Silva", "dos Santos", "de Vries", "Ní Bhriain",
    "Mac Giolla Phádraig", "von Essen", "della Valle", "Abu Bakr", "van Rensburg", "de Oliveira", "O'Brien",
    "D'Souza",
]  # fmt: skip
COMPOUND_GIVEN_10 = [
    "María José", "Jean-Luc", "Anna-Lena", "Mary Kate", "Jean-Baptiste", "Ana Sofía", "Hans-Peter",
    "Marie-Claire", "José Luis", "Karl-Heinz", "Juan Carlos", "Eun-ji", "Mei Ling", "Anne-Marie", "Lars Erik",
    "Maria Grazia", "Pierre-Yves", "Sarah Jane",
]  # fmt: skip
TITLES_10 = [
    "Dr", "Dr.", "Prof.", "Rev.", "Capt.", "Sgt.", "Mx", "Lady", "Dame", "Sheikh", "Fr.", "Sister", "Coach",
    "Judge", "Officer", "Mr", "Mrs", "Ms", "Miss",
]  # fmt: skip
SUFFIXES_10 = ["Jr.", "Sr.", "III", "PhD", "MD", "Esq."]
EPONYMS_10 = [
    "Parkinson's disease", "Crohn's disease", "Alzheimer's", "Down syndrome", "Hodgkin lymphoma", "Bell's palsy",
    "Tourette syndrome", "Raynaud's", "Hashimoto's thyroiditis", "Graves' disease", "the Glasgow Coma Scale",
    "the Heimlich manoeuvre", "an Apgar score", "Asperger's", "Cushing's syndrome", "Addison's disease",
]  # fmt: skip
DRUGS_10 = ["Ibuprofen", "Metformin", "Amoxicillin", "Lisinopril", "Ventolin", "Paracetamol", "Sertraline"]
FACILITIES_10 = [
    "St Thomas' Hospital", "Johns Hopkins", "Mayo Clinic", "Great Ormond Street", "Charité", "Karolinska",
    "Mount Sinai", "Addenbrooke's", "St. Vincent's", "Royal Victoria Infirmary", "Cleveland Clinic",
]  # fmt: skip
COMPANIES_10 = [
    "Johnson & Johnson", "Ernst & Young", "Morgan Stanley", "Marks & Spencer", "Procter & Gamble",
    "Goldman Sachs", "Hewlett-Packard", "Dr. Oetker", "Tata Consultancy", "Ferrero", "Philips", "Siemens",
    "McKinsey", "Deloitte", "Ben & Jerry's", "McDonald's", "Tim Hortons", "Sainsbury's",
]  # fmt: skip
PRODUCTS_10 = [
    "Microsoft Teams", "Salesforce", "Jira", "Zoom", "Outlook", "Workday", "SAP SuccessFactors", "Ford Transit",
    "Tesla Model 3", "MacBook Pro", "ThinkPad", "Dell Latitude", "Kindle", "Alexa", "Siri", "Slack",
    "Calvin Klein", "Hugo Boss", "Dr. Martens", "Levi's", "Tommy Hilfiger", "Ralph Lauren", "Jack Daniel's",
    "Mercedes-Benz",
]  # fmt: skip
DEPTS_10 = [
    "Human Resources", "Payroll", "Accounts Payable", "Facilities", "Oncology", "Radiology", "Paediatrics",
    "Cardiology", "Service Desk", "Legal", "Procurement",
]  # fmt: skip
KIN_10 = ["spouse", "wife", "husband", "daughter", "son", "mother", "partner", "brother"]
JOBS_10 = ["Senior Analyst", "Staff Nurse", "Head of Operations", "Registrar", "Team Lead", "Office Manager"]
PLACES_10 = ["Victoria Station", "Lincoln Park", "Kennedy Airport", "Charles de Gaulle", "Hyde Park", "St Pancras"]

IT_TICKET_10 = [
    "INC{TICKET!} opened {DATE!} {TIME!} by phone",
    "Caller: {PERSON_SF}",
    "Affected user: {PERSON_LOWER} ({EMAIL_ADDRESS})",
    "Description: user cannot sign in to {PRODUCT!} since the update; manager {TITLE} {PERSON} approved a reset.",
    "Contact: {PHONE_NUMBER} (desk), workstation {IP_ADDRESS}",
    "Work notes: called {FIRST} back, left voicemail. Reassigned to {DEPT!}.",
    "Resolved by {INITIALS} - password reset, {FIRST} confirmed at {TIME!}.",
]
HR_RECORD_10 = [
    "PERSONNEL CHANGE REQUEST - {COMPANY!}",
    "Employee: {PERSON}    Employee no.: {EMP_NO}",
    "Date of birth: {DATE_OF_BIRTH}    Age: {AGE}",
    "Line manager: {PERSON} ({JOB!})",
    "Previous employment: {COMPANY!}, {YEAR_RANGE!}",
    "Home address: {STREET_ADDRESS}, {ZIP_CODE} {CITY!}",
    "Salary account: {IBAN_CODE}",
    "Reason: transfer to the {CITY!} office, approved by {PERSON_CAPS}, {DEPT!}",
    "Next of kin: {PERSON} ({KIN}), {PHONE_NUMBER}",
]
INTAKE_10 = [
    "NEW PATIENT INTAKE - {FACILITY!}, {DEPT!}",
    "Pt name: {PERSON_SF}   MRN: {MRN}",
    "DOB {DATE_OF_BIRTH} (age {AGE})",
    "Referred by {TITLE} {LAST} for suspected {EPONYM!}.",
    "Current meds: {DRUG!} 500 mg bd, {DRUG!} 20 mg od.",
    "Hx: {EPONYM!} dx {YEAR!}; father had {EPONYM!}.",
    "NOK: {PERSON} ({KIN}), tel {PHONE_NUMBER}",
    "Address: {STREET_ADDRESS}, {CITY!} {ZIP_CODE}",
    "Seen by {TITLE} {PERSON} with nurse {FIRST} at {TIME!}.",
]
CAPS_NOTICE_10 = [
    "NOTICE OF CLAIM - REF {TICKET!}",
    "CLAIMANT: {PERSON}",
    "BENEFICIARY: {TITLE} {PERSON}",
    "DATE OF BIRTH: {DATE_OF_BIRTH}",
    "ADDRESS: {STREET_ADDRESS} {ZIP_CODE}",
    "WITNESS: {PERSON} OF {COMPANY!}",
    "VEHICLE: {PRODUCT!}, INCIDENT AT {PLACE!} ON {DATE!}",
    "SIGNED {PERSON} AT {CITY!}",
]
LETTER_10 = [
    "Dear {TITLE} {LAST},",
    "Thank you for seeing my mother, {PERSON}, at {FACILITY!} last week.",
    "As discussed with your colleague {TITLE} {PERSON}, she is {AGE} and has lived at {STREET_ADDRESS}"
    " since {YEAR!}.",
    "She was born on {DATE_OF_BIRTH} and her insurance number is {ID}.",
    "Please send the report to me at {EMAIL_ADDRESS} rather than to her {PRODUCT!} account.",
    "Yours sincerely,",
    "{PERSON_SIG}",
    "{JOB!}, {COMPANY!}",
    "{PHONE_NUMBER}",
]
MINUTES_10 = [
    "Minutes - {DEPT!} steering group, {DATE!}",
    "Present: {PERSON} (chair), {PERSON}, {INITIALS}, {PERSON_LOWER}",
    "Apologies: {TITLE} {LAST}",
    "1. {FIRST} presented the {PRODUCT!} migration; {PERSON} raised concerns about {COMPANY!}.",
    "2. The awareness day on {EPONYM!} moves to {DATE!}.",
    "Actions: {FIRST} to e-mail {EMAIL_ADDRESS} by {DATE!}; {PERSON} to book room {ROOM!}.",
    "Next meeting chaired by {PERSON_SF}.",
]
PARENT_CHAT_10 = [
    "hi its {FIRST}'s mum, {PERSON} from class {CLASS!}",
    "hey {FIRST} can u pick up {FIRST} from {PLACE!} at {TIME!}",
    "our new address is {STREET_ADDRESS} {ZIP_CODE}",
    "{FIRST} turns {AGE} on saturday, party at {COMPANY!}",
    "my number changed to {PHONE_NUMBER}",
    "coach {LAST} says training moves to {WEEKDAY!}",
    "thanks {PERSON} xx",
]
REVIEW_10 = [
    "Ordered a {PRODUCT!} from {COMPANY!}; the courier, {FIRST}, left it with my neighbour {PERSON}.",
    "Delivery address was {STREET_ADDRESS}, {CITY!}, and they still sent it to {CITY!}.",
    "Customer service ({FIRST} in {DEPT!}) promised a refund to card {CREDIT_CARD}.",
    "My husband {PERSON} ({AGE}) says the {PRODUCT!} is better.",
    "- {PERSON_SIG}, {CITY!}",
]
EMAIL_HEADER_10 = [
    "From: {PERSON} <{EMAIL_ADDRESS}>",
    "To: {PERSON_SF}",
    "Cc: {PERSON}; {PERSON_LOWER}",
    "Subject: {PRODUCT!} licence for {FIRST}",
    "Hi {FIRST}, {PERSON} from {DEPT!} asked me to forward this.",
    "Her mobile is {PHONE_NUMBER} and she sits in room {ROOM!}.",
    "Cheers, {FIRST}",
]
STYLES_10 = {
    "it_ticket10": IT_TICKET_10, "hr_record10": HR_RECORD_10, "intake10": INTAKE_10,
    "caps_notice10": CAPS_NOTICE_10, "letter10": LETTER_10, "minutes10": MINUTES_10,
    "parent_chat10": PARENT_CHAT_10, "review10": REVIEW_10, "email_header10": EMAIL_HEADER_10,
}  # fmt: skip
# tickets, forms, notes, notices, letters, minutes and headers keep their first line and their order
ORDERED_10 = {
    "it_ticket10", "hr_record10", "intake10", "caps_notice10", "letter10", "minutes10", "email_header10",
}  # fmt: skip
INLINE_10 = {"parent_chat10", "review10"}
UPPER_10 = {"caps_notice10"}
LOWER_10 = {"parent_chat10"}
SLOT_TYPE_10 = {
    "PERSON_SF": "PERSON", "PERSON_LOWER": "PERSON", "PERSON_CAPS": "PERSON", "PERSON_SIG": "PERSON",
    "INITIALS": "PERSON", "EMP_NO": "ID", "MRN": "ID",
}  # fmt: skip
NO_SPAN_10 = {"TITLE", "KIN"}


def makers_10(fake: Any, name_fakers: dict[str, Any], rng: random.Random) -> dict[str, Callable[[], str]]:
    def parts() -> tuple[str, str]:
        source = fake if rng.random() < 0.5 else name_fakers[rng.choice(list(name_fakers))]
        return str(source.first_name()), str(source.last_name())

    def given() -> str:
        return rng.choice(COMPOUND_GIVEN_10) if rng.random() < 0.15 else parts()[0]

    def surname() -> str:
        roll = rng.random()
        if roll < 0.2:
            return rng.choice(PARTICLE_SURNAMES_10)
        if roll < 0.3:
            return f"{parts()[1]}-{parts()[1]}"
        return parts()[1]

    def initials() -> str:
        first, last = parts()
        second = parts()[0]
        shapes = [f"{first[0]}.{second[0]}. {surname()}", f"{first[0]}. {last}", f"{first[0]}. {surname()}"]
        return rng.choice(shapes)

    def person() -> str:
        roll = rng.random()
        if roll < 0.45:
            return f"{given()} {surname()}"
        if roll < 0.6:
            return f"{given()} {parts()[0][0]}. {surname()}"
        if roll < 0.7:
            return initials()
        if roll < 0.78:
            return f"{given()} {surname()} {rng.choice(SUFFIXES_10)}"
        return " ".join(parts())

    def signature() -> str:
        name = person()
        return rng.choice([name, f"{rng.choice(['Dr', 'Prof.', 'Rev.'])} {name}", name.upper(), f"{given()}"])

    def born() -> str:
        day: date = fake.date_between(date(1935, 1, 1), date(2020, 12, 31))
        return rng.choice(
            [
                day.strftime("%d/%m/%Y"),
                day.strftime("%m/%d/%Y"),
                day.isoformat(),
                day.strftime("%d %b %Y"),
                day.strftime("%B %d, %Y"),
                day.strftime("%d-%b-%y").upper(),
            ]
        )

    def travel_date() -> str:
        day = date(2025, 1, 1) + timedelta(days=rng.randint(0, 800))
        return rng.choice([day.isoformat(), day.strftime("%d %B %Y"), day.strftime("%a %d %b")])

    def year_range() -> str:
        start = rng.randint(1985, 2018)
        end = start + rng.randint(1, 9)
        return rng.choice([f"{start}-{end}", f"{start} - {end}", f"{start}–{end}", f"{start}-{str(end)[2:]}"])

    return {
        "PERSON": person,
        "PERSON_SF": lambda: f"{surname().upper()}, {given()}",
        "PERSON_LOWER": lambda: person().lower(),
        "PERSON_CAPS": lambda: person().upper(),
        "PERSON_SIG": signature,
        "INITIALS": initials,
        "FIRST": given,
        "LAST": surname,
        "TITLE": lambda: rng.choice(TITLES_10),
        "KIN": lambda: rng.choice(KIN_10),
        "DATE_OF_BIRTH": born,
        "AGE": lambda: str(rng.randint(18, 94)),
        "STREET_ADDRESS": lambda: str(fake.street_address()).replace("\n", ", ").strip(),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "PHONE_NUMBER": lambda: str(fake.phone_number()),
        "EMAIL_ADDRESS": lambda: str(fake.email()),
        "CREDIT_CARD": lambda: str(fake.credit_card_number()),
        "IBAN_CODE": lambda: str(fake.iban()),
        "IP_ADDRESS": lambda: str(fake.ipv4_private() if rng.random() < 0.5 else fake.ipv4_public()),
        "ID": lambda: rng.choice(
            [str(fake.ssn()), f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randint(10000000, 99999999)}"]
        ),
        "EMP_NO": lambda: rng.choice([f"E{rng.randint(10000, 999999)}", f"{rng.randint(100000, 9999999)}"]),
        "MRN": lambda: rng.choice([f"{rng.randint(1000000, 99999999)}", f"MRN-{rng.randint(100000, 999999)}"]),
        # distractors
        "TICKET": lambda: str(rng.randint(1000000, 9999999)),
        "DATE": travel_date,
        "TIME": lambda: f"{rng.randint(7, 19):02d}:{rng.choice(['00', '10', '25', '40', '55'])}",
        "YEAR": lambda: str(rng.randint(1990, 2024)),
        "YEAR_RANGE": year_range,
        "WEEKDAY": lambda: rng.choice(["monday", "tuesday", "wednesday", "thursday", "friday"]),
        "ROOM": lambda: f"{rng.choice(['B', 'C', ''])}{rng.randint(101, 540)}",
        "CLASS": lambda: f"{rng.randint(1, 6)}{rng.choice('abc')}",
        "EPONYM": lambda: rng.choice(EPONYMS_10),
        "DRUG": lambda: rng.choice(DRUGS_10),
        "FACILITY": lambda: rng.choice(FACILITIES_10),
        "COMPANY": lambda: rng.choice(COMPANIES_10),
        "PRODUCT": lambda: rng.choice(PRODUCTS_10),
        "DEPT": lambda: rng.choice(DEPTS_10),
        "JOB": lambda: rng.choice(JOBS_10),
        "PLACE": lambda: rng.choice(PLACES_10),
        "CITY": lambda: str(fake.city()),
    }
