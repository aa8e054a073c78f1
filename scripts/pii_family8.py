"""PII report family 8 (issue 15, session 13, round 5): written before any change of that round was measured on it.

Imported by `make_pii_family.py --family 8 --seed 58231`. What public PII benchmarks look like and families 1-7
did not: free-form synthetic prose in the style of generated PII data sets (one or a few sentences per record,
many entity types mixed in running text), customer-support e-mails written as prose, clinical notes and
discharge summaries, HR letters (offers, references, terminations), forms "filled in as prose" ("The applicant,
X, born on ..., residing at ..."), news-style and biography sentences ("Jane Doe, 34, a Kenyan nurse"),
announcements (obituaries, weddings, births), school and tenancy letters, insurance claims told as a story,
product reviews and forum posts that mention neighbours by name. Names from many locales, romanised where the
locale's script is not Latin (Japanese, Chinese, Korean, Arabic, Yoruba, Igbo, Hausa, Zulu, Twi, Swahili, Indian,
Pakistani, Vietnamese, Turkish, Irish...), hyphenated and compound surnames, particles, given-name-only mentions,
names in the possessive. Addresses written inline ("lives at 12 Oak Lane, Leeds"), ages as "aged 34",
"a 34-year-old", "34 years old", "age 34", "(34)", nationalities tied to people ("a Nigerian-born engineer",
"is Peruvian", "of Korean nationality"), bare domain names. Hard negatives in the same texts (`"personal":
false`): cities, countries, airports, organisations, product names, job titles, demonyms in non-personal uses
("Ethiopian coffee", "the Korean grammar"), appointment, event and contract dates that are not dates of birth,
amounts, order numbers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

# rows pick a locale for addresses, phones and most names; names also come from NAME_LOCALES_8 whatever the row's
LOCALES_8 = [
    *(["en_US"] * 6), *(["en_GB"] * 2), "en_CA", "en_AU", "en_IE", "en_NZ", "en_IN", "de_DE", "fr_FR", "es_ES",
    "it_IT", "nl_NL", "pt_BR", "es_MX", "pl_PL",
]  # fmt: skip
NAME_LOCALES_8 = [
    "en_US", "en_GB", "en_IN", "en_KE", "en_NG", "en_PK", "yo_NG", "ig_NG", "ha_NG", "zu_ZA", "tw_GH", "id_ID",
    "vi_VN", "tr_TR", "ga_IE", "es_CO", "es_AR", "pt_BR", "fr_CA", "de_CH", "hu_HU", "it_IT", "pl_PL", "ja_JP",
    "zh_CN", "fr_FR", "es_MX", "fi_FI", "cs_CZ",
]  # fmt: skip
ROMAN_KOREAN = [
    ("Ji-woo", "Park"), ("Min-jun", "Kim"), ("Seo-yeon", "Lee"), ("Hyun-woo", "Choi"), ("Ha-eun", "Jung"),
    ("Dong-hyun", "Kang"), ("Soo-ah", "Yoon"), ("Jae-sung", "Han"),
]  # fmt: skip
ROMAN_ARABIC = [
    ("Omar", "Al-Farsi"), ("Layla", "El-Amin"), ("Youssef", "Haddad"), ("Fatima", "Al-Zahra"),
    ("Khalid", "bin Saleh"), ("Noura", "Abdelrahman"), ("Tariq", "Mansour"), ("Amina", "Benali"),
    ("Hassan", "Abu Bakr"), ("Rania", "Nasser"),
]  # fmt: skip
ROMAN_OTHER = [
    ("Thandiwe", "Mokoena"), ("Chinedu", "Okonkwo"), ("Oluwaseun", "Adeyemi"), ("Wanjiru", "Kamau"),
    ("Kwame", "Mensah"), ("Priyanka", "Venkataraman"), ("Arjun", "Raghunathan"), ("Nguyen Thi", "Lan"),
    ("Tran Van", "Minh"), ("Aigerim", "Nurlanovna"), ("Bilal", "Qureshi"), ("Siobhán", "Ní Bhriain"),
    ("Mehmet", "Yıldırım"), ("Esperanza", "de la Cruz"), ("Jean-Baptiste", "Nkurunziza"), ("Anh", "Pham"),
]  # fmt: skip
DEMONYMS_8 = [
    "Nigerian", "Kenyan", "Peruvian", "Korean", "Filipino", "Vietnamese", "Pakistani", "Ghanaian", "Egyptian",
    "Moroccan", "Chilean", "Colombian", "Irish", "Scottish", "Ethiopian", "Somali", "Bangladeshi", "Nepali",
    "Sri Lankan", "Lebanese", "Jordanian", "Iranian", "Afghan", "Ukrainian", "Georgian", "Armenian", "Kazakh",
    "Mongolian", "Cambodian", "Laotian", "Burmese", "Malaysian", "Indonesian", "Taiwanese", "Hong Konger",
    "Jamaican", "Trinidadian", "Haitian", "Cuban", "Venezuelan", "Bolivian", "Paraguayan", "Uruguayan",
    "Ecuadorian", "Guatemalan", "Honduran", "Salvadoran", "Nicaraguan", "Costa Rican", "Panamanian",
    "Dominican", "Puerto Rican", "Samoan", "Fijian", "Tongan", "Maori", "Inuit", "Basque", "Catalan", "Welsh",
    "Icelandic", "Maltese", "Cypriot", "Albanian", "Bosnian", "Macedonian", "Montenegrin", "Moldovan",
    "Belarusian", "Lithuanian", "Latvian", "Estonian", "Slovenian", "Slovak", "Tunisian", "Algerian", "Libyan",
    "Sudanese", "Eritrean", "Rwandan", "Ugandan", "Tanzanian", "Zambian", "Malawian", "Mozambican", "Angolan",
    "Namibian", "Botswanan", "Senegalese", "Malian", "Ivorian", "Cameroonian", "Congolese",
]  # fmt: skip
NRP_THINGS_8 = [
    "Ethiopian coffee", "Korean grammar", "Peruvian ceviche", "Moroccan tiles", "Japanese whisky", "Irish stew",
    "Mexican holidays", "Vietnamese pho", "Nigerian elections", "Chilean wine", "Scottish Highlands",
    "Lebanese mezze", "Icelandic volcanoes", "Brazilian football", "Indian cricket", "Turkish coffee",
    "German grammar", "French cuisine", "Spanish lessons", "Thai massage",
]  # fmt: skip
AIRPORTS_8 = [
    "JFK", "O'Hare", "Heathrow", "Schiphol", "Changi", "Dubai International", "Logan International",
    "Murtala Muhammed Airport", "Jomo Kenyatta International", "Jorge Chávez Airport",
    "Ninoy Aquino International",
    "Sea-Tac", "LAX", "Pearson", "Charles de Gaulle", "Barajas",
]  # fmt: skip
ORGS_8 = [
    "Mercy General Hospital", "Kaiser Permanente", "Northwind Traders", "Globex Corporation", "Acme Logistics",
    "Initech", "Wells Fargo", "Bank of America", "Blue Cross", "Stanford Health", "Lagos University Teaching "
    "Hospital", "Red Cross", "Goldman Sachs", "Deloitte", "Accenture", "Unilever", "Oxfam", "UNICEF",
]  # fmt: skip
PRODUCTS_8 = [
    "iPhone 15", "Galaxy S24", "MacBook Pro", "ThinkPad X1 Carbon", "PlayStation 5", "Fitbit Charge 6",
    "Instant Pot Duo", "Roomba j7", "Kindle Paperwhite", "Surface Pro 9", "Tesla Model 3", "AirPods Pro",
]  # fmt: skip
COUNTRIES_8 = [
    "Nigeria", "Kenya", "Peru", "South Korea", "the Philippines", "Vietnam", "Pakistan", "Ghana", "Egypt",
    "Morocco", "Chile", "Colombia", "Ireland", "Canada", "Australia", "Germany", "Japan", "Mexico",
]  # fmt: skip
JOBS_8 = [
    "Senior Data Analyst", "Registered Nurse", "Software Engineer", "Account Manager", "Chief Financial Officer",
    "Warehouse Supervisor", "Paralegal", "Pharmacist", "Project Coordinator", "Customer Success Lead",
    "Dental Hygienist", "Marketing Director", "Line Cook", "Teaching Assistant",
]  # fmt: skip
TLDS_8 = [".com", ".net", ".org", ".io", ".co.uk", ".info", ".biz", ".dev", ".me"]

SYNTH_8 = [
    "{PERSON} recently moved to {ADDR_INLINE} and asked us to update the billing address on file.",
    "Please send the signed contract to {PERSON} at {EMAIL_ADDRESS} before {DATE!}.",
    "{PERSON_POSS} credit card ending in {CREDIT_CARD} was declined at {ORG!} on {DATE!}.",
    "The login from {IP_ADDRESS} was traced to an account registered to {PERSON} of {ADDR_INLINE}.",
    "{PERSON}, a {AGE_HYPHEN} {NRP} {JOB!}, can be reached at {PHONE_NUMBER}.",
    "Our records show that {PERSON} was born on {DATE_OF_BIRTH} and holds passport {PASSPORT}.",
    "{PERSON} wired {AMOUNT!} from {IBAN_CODE} to {PERSON} for the {PRODUCT!}.",
    "The website {DOMAIN} belongs to {PERSON}, who lives in {CITY!}, {COUNTRY!}.",
    "I met {PERSON} at {AIRPORT!} when our flight to {CITY!} was delayed.",
    "{PERSON} ({AGE}) reported that her {PRODUCT!} was stolen from {ADDR_INLINE} on {DATE!}.",
    "Social security number {SSN} belongs to {PERSON}, date of birth {DATE_OF_BIRTH}.",
    "Contact {PERSON} on {PHONE_NUMBER} or visit {URL} for more details.",
    "{PERSON} is {NRP} and has lived at {ADDR_INLINE}, {ZIP_CODE} since {YEAR!}.",
    "After {AGE_PHRASE}, {PERSON} retired from {ORG!} and moved to {CITY!}.",
    "{FIRST} told me her new number is {PHONE_NUMBER} and her email is {EMAIL_ADDRESS}.",
    "The parcel for {PERSON} was left at {ADDR_INLINE} instead of {ADDR_INLINE}.",
    "{PERSON} and {PERSON} signed the lease for {ADDR_INLINE} on {DATE!}.",
    "The driver's license {DL} issued to {PERSON} expires on {DATE!}.",
]
SUPPORT_EMAIL_8 = [
    "Hello support team,",
    "I am writing on behalf of my {RELATIVE} {PERSON}, who is {AGE_PHRASE} and not comfortable with computers.",
    "{FIRST_POSS} account was locked after someone tried to log in from {IP_ADDRESS} last night.",
    "She lives at {ADDR_INLINE} in {CITY!}, and the statement was sent to her old address by mistake.",
    "Her phone number is {PHONE_NUMBER} and you can also reach me, {PERSON}, at {EMAIL_ADDRESS}.",
    "We bought the {PRODUCT!} from {ORG!} on {DATE!} with her card {CREDIT_CARD}.",
    "Could you please confirm the refund of {AMOUNT!} to {IBAN_CODE}?",
    "For verification, her date of birth is {DATE_OF_BIRTH} and her member number is {MEMBER!}.",
    "Many thanks in advance,\n{PERSON}",
]
CLINICAL_8 = [
    "DISCHARGE SUMMARY",
    "{PERSON} is a {AGE_HYPHEN} {NRP} {SEX_WORD} who presented to the emergency department of {ORG!} on "
    "{DATE!} with chest pain.",
    "The patient was accompanied by her {RELATIVE}, {PERSON}, who gave a history of two days of fever.",
    "Past history: type 2 diabetes diagnosed at {AGE_PHRASE}; appendectomy in {YEAR!}.",
    "Patient lives with family at {ADDR_INLINE}, {CITY!} {ZIP_CODE}, and works as a {JOB_LOWER!}.",
    "Date of birth {DATE_OF_BIRTH}; medical record number {MRN}; insurance member id {MEMBER!}.",
    "Follow-up with Dr. {PERSON} at {ORG!} on {DATE!}; the clinic can be reached on {PHONE_NUMBER}.",
    "Discussed with the patient's daughter {FIRST}, aged {AGE}, who will collect the prescriptions.",
]
HR_LETTER_8 = [
    "Dear {PERSON},",
    "We are delighted to offer you the position of {JOB!} at {ORG!}, starting on {DATE!}.",
    "Your annual salary will be {AMOUNT!}, paid monthly into the account {IBAN_CODE}.",
    "Please confirm that your home address is still {ADDR_INLINE}, {ZIP_CODE}.",
    "As discussed with {PERSON} from our people team, we will need your social security number ({SSN}) and "
    "a copy of your passport ({PASSPORT}) on your first day.",
    "Our records list your date of birth as {DATE_OF_BIRTH} and your nationality as {NRP}.",
    "If you have any questions, call {PERSON} on {PHONE_NUMBER} or write to {EMAIL_ADDRESS}.",
    "Kind regards,\n{PERSON}\n{JOB!}, {ORG!}",
]
PROSE_FORM_8 = [
    "The applicant, {PERSON}, born on {DATE_OF_BIRTH} in {CITY!}, is a citizen of {COUNTRY!} and currently "
    "resides at {ADDR_INLINE}.",
    "The applicant declares that {PRONOUN} is of {NRP} nationality and holds identity document {PASSPORT}.",
    "The co-applicant, {PERSON}, aged {AGE}, may be contacted by telephone at {PHONE_NUMBER} or by e-mail at "
    "{EMAIL_ADDRESS}.",
    "Payments should be made from the account {IBAN_CODE} held in the name of {PERSON}.",
    "The applicant's previous address was {ADDR_INLINE}, {ZIP_CODE}, where {PRONOUN} lived for {YEARS!} years.",
    "The form was witnessed by {PERSON}, {JOB_LOWER!}, on {DATE!} at {ORG!}.",
]
BIO_NEWS_8 = [
    "{PERSON}, {AGE}, a {NRP}-born {JOB_LOWER!}, was named employee of the year by {ORG!}.",
    "{PERSON}, who turned {AGE} last week, still lives in the house at {ADDR_INLINE} where {PRONOUN} grew up.",
    "Neighbours described {PERSON}, a {AGE}-year-old father of three, as quiet and friendly.",
    "According to {ORG!}, {PERSON} (aged {AGE}) was flying from {AIRPORT!} to {CITY!} when the storm hit.",
    "The {NRP} runner {PERSON}, {AGE} years old, finished second behind {PERSON} of {COUNTRY!}.",
    "{PERSON} founded {DOMAIN} in {YEAR!} after leaving {ORG!}.",
    "Asked about {NRP_THING!}, {PERSON} laughed and said she prefers tea.",
]
ANNOUNCE_8 = [
    "{PERSON} of {CITY!} passed away peacefully on {DATE!}, aged {AGE}.",
    "She is survived by her children {PERSON} and {PERSON}, and by her sister {FIRST}.",
    "A memorial will be held at {ORG!} on {DATE!}; condolences may be sent to {ADDR_INLINE}.",
    "{PERSON} and {PERSON} are delighted to announce the birth of their daughter {FIRST} on {DATE!}.",
    "The wedding of {PERSON} and {PERSON} took place in {CITY!} on {DATE!}.",
    "RSVP to {PERSON} at {PHONE_NUMBER} or {EMAIL_ADDRESS}.",
]
SCHOOL_8 = [
    "Dear {PARENT_FORMAL},",
    "We are writing about your son {FIRST}, aged {AGE_CHILD}, who joined {CLASS!} this term.",
    "{FIRST} will travel with {PERSON} and {PERSON} on the school trip to {CITY!} on {DATE!}.",
    "Our records list your address as {ADDR_INLINE} and your emergency number as {PHONE_NUMBER}.",
    "Please let {PERSON}, the school nurse, know if {FIRST} has any allergies.",
    "Yours sincerely,\n{PERSON}, Head Teacher",
]
CLAIM_8 = [
    "On {DATE!} I was driving my {PRODUCT!} along {STREET_NAME!} when a van reversed into me.",
    "The other driver, {PERSON}, gave his address as {ADDR_INLINE} and his licence number as {DL}.",
    "A witness, {PERSON}, a {AGE_HYPHEN} {JOB_LOWER!}, saw everything and can be reached on {PHONE_NUMBER}.",
    "My policy number is {POLICY!} and I was born on {DATE_OF_BIRTH}.",
    "Please pay the repair cost of {AMOUNT!} to my account {IBAN_CODE} (account holder {PERSON}).",
    "I have attached photos taken near {ORG!} and the police report from officer {PERSON}.",
]
REVIEW_8 = [
    "My neighbour {PERSON} recommended the {PRODUCT!} and honestly it changed my mornings.",
    "Shoutout to {FIRST} at the {CITY!} store who sorted my order in five minutes!",
    "I'm a {AGE}-year-old {NRP} grandmother and even I could set it up.",
    "If anyone wants my old one, message me at {EMAIL_ADDRESS} - pickup from {ADDR_INLINE} only.",
    "Avoid the seller {PERSON}, he kept my deposit of {AMOUNT!}.",
    "We tried the {NRP_THING!} place near {AIRPORT!} and it was great.",
]
TENANCY_8 = [
    "This agreement is made on {DATE!} between {PERSON} (the Landlord) and {PERSON} (the Tenant).",
    "The Landlord lets the property at {ADDR_INLINE}, {ZIP_CODE} to the Tenant for twelve months.",
    "The Tenant, a {NRP} national born on {DATE_OF_BIRTH}, will pay {AMOUNT!} per month to {IBAN_CODE}.",
    "Notices to the Landlord shall be sent to {ADDR_INLINE} or to {EMAIL_ADDRESS}.",
    "Guarantor: {PERSON}, of {ADDR_INLINE}, telephone {PHONE_NUMBER}.",
]
CHAT_PROSE_8 = [
    "hey! it's {FIRST} from the {ORG!} meetup, i'm the {NRP} guy who sat next to you lol",
    "my address is {ADDR_INLINE} if you want to send the {PRODUCT!} back",
    "btw my mum {PERSON} is turning {AGE} on {DATE!}, party at ours",
    "ping me on {PHONE_NUMBER}, my work email is {EMAIL_ADDRESS}",
    "flying into {AIRPORT!} from {CITY!} tomorrow, {FIRST} is picking me up",
    "check out my portfolio at {DOMAIN}",
]
REFERENCE_8 = [
    "To whom it may concern,",
    "I have known {PERSON} for {YEARS!} years as {PRONOUN_POSS} manager at {ORG!}.",
    "{FIRST} joined us as a {JOB!} on {DATE!} and quickly became indispensable.",
    "{PRONOUN_CAP} is {NRP}, speaks four languages and is, at {AGE}, one of the youngest team leads we have had.",
    "I can be contacted at {PHONE_NUMBER} or {EMAIL_ADDRESS} should you need more information.",
    "Sincerely,\n{PERSON}",
]
STYLES_8 = {
    "synth8": SYNTH_8, "support_email8": SUPPORT_EMAIL_8, "clinical8": CLINICAL_8, "hr_letter8": HR_LETTER_8,
    "prose_form8": PROSE_FORM_8, "bio_news8": BIO_NEWS_8, "announce8": ANNOUNCE_8, "school8": SCHOOL_8,
    "claim8": CLAIM_8, "review8": REVIEW_8, "tenancy8": TENANCY_8, "chat_prose8": CHAT_PROSE_8,
    "reference8": REFERENCE_8,
}  # fmt: skip
# letters keep their opening line and their order; the others sample sentences
ORDERED_8 = {"support_email8", "clinical8", "hr_letter8", "school8", "reference8"}
INLINE_8 = {"synth8", "bio_news8", "review8", "chat_prose8", "claim8", "announce8", "prose_form8", "tenancy8"}
SLOT_TYPE_8 = {
    **{k: "PERSON" for k in ("PERSON_POSS", "FIRST_POSS", "PARENT_FORMAL")},
    **{k: "AGE" for k in ("AGE_PHRASE", "AGE_CHILD")},
    **{k: "ID" for k in ("SSN", "DL", "MRN")},
    "ADDR_INLINE": "STREET_ADDRESS", "DOMAIN": "URL",
}  # fmt: skip
NO_SPAN_8 = {"RELATIVE", "SEX_WORD", "PRONOUN", "PRONOUN_POSS", "PRONOUN_CAP"}


def _born8(fake: Any) -> date:
    born: date = fake.date_between(date(1935, 1, 1), date(2019, 12, 31))
    return born


def _dob_8(fake: Any, rng: random.Random) -> str:
    born = _born8(fake)
    month = born.strftime("%B")
    return rng.choice(
        [
            f"{month} {born.day}, {born.year}",
            f"{born.day} {month} {born.year}",
            f"{born.month:02d}/{born.day:02d}/{born.year}",
            f"{born.day:02d}/{born.month:02d}/{born.year}",
            born.isoformat(),
            f"{month[:3]} {born.day} {born.year}",
            f"the {born.day}th of {month}, {born.year}"
            if born.day > 3 and born.day < 21
            else f"{month} {born.day}",
        ]
    )


def _age_phrase(rng: random.Random) -> str:
    """An age tied to a person as the running text of prose writes it."""
    n = rng.randint(18, 94)
    return rng.choice([f"{n}", f"{n} years old", f"{n} years of age", f"age {n}", f"the age of {n}"])


def makers_8(fake: Any, name_fakers: dict[str, Any], rng: random.Random) -> dict[str, Callable[[], str]]:
    def name_parts() -> tuple[str, str]:
        roll = rng.random()
        if roll < 0.08:
            return rng.choice(ROMAN_KOREAN)
        if roll < 0.15:
            return rng.choice(ROMAN_ARABIC)
        if roll < 0.22:
            return rng.choice(ROMAN_OTHER)
        if roll < 0.35:
            return str(fake.first_name()), str(fake.last_name())
        locale = rng.choice(list(name_fakers))
        other = name_fakers[locale]
        if locale in ("ja_JP", "zh_CN"):
            return str(other.first_romanized_name()), str(other.last_romanized_name())
        return str(other.first_name()), str(other.last_name())

    def person() -> str:
        first, last = name_parts()
        roll = rng.random()
        if roll < 0.12:  # hyphenated double surname
            return f"{first} {last}-{name_parts()[1]}"
        if roll < 0.18:  # compound (Spanish-style) surname
            return f"{first} {last} {name_parts()[1]}"
        if roll < 0.25:  # middle initial
            return f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
        if roll < 0.30:
            return f"{rng.choice(['Mr.', 'Mrs.', 'Ms.', 'Dr.', 'Prof.'])} {first} {last}"
        return f"{first} {last}"

    def possessive() -> str:
        name = person()
        return name + ("'" if name.endswith("s") else "'s")

    def addr_inline() -> str:
        street = str(fake.street_address()).replace("\n", ", ")
        roll = rng.random()
        if roll < 0.25:
            return f"{street}, {fake.city()}"
        if roll < 0.35:
            try:
                return f"{street}, {fake.city()}, {fake.state_abbr()} {fake.postcode()}"
            except AttributeError:
                return f"{street}, {fake.postcode()} {fake.city()}"
        return street

    def phone() -> str:
        number = str(fake.phone_number())
        return (
            number
            if rng.random() < 0.8
            else f"+1 ({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
        )

    def card() -> str:
        try:
            return str(fake.credit_card_number(card_type=rng.choice(["visa16", "mastercard", "amex", "discover"])))
        except KeyError:
            return str(fake.credit_card_number())

    def domain() -> str:
        first, last = name_parts()
        base = rng.choice(
            [f"{last}{first[0]}", f"{first}{last}", f"{last}-studio", f"the{last}blog", f"{first}codes"]
        )
        base = "".join(c for c in base.lower() if c.isascii() and (c.isalnum() or c == "-")) or "studio"
        return base + rng.choice(TLDS_8)

    def ssn() -> str:
        return f"{rng.randint(100, 899):03d}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"

    def dl() -> str:
        letters = "ABCDEFGHJKLMNPRSTWXYZ"
        digits = rng.randint(100, 999), rng.randint(1000, 9999), rng.randint(1000, 9999)
        five = "".join(rng.choice(letters) for _ in range(5))
        return rng.choice(
            [
                f"{rng.choice(letters)}{rng.randint(1000000, 9999999)}",
                f"{rng.choice(letters)}{digits[0]}-{digits[1]}-{digits[2]}",
                f"{five}{rng.randint(100000, 999999)}{rng.choice(letters)}9",
            ]
        )

    def passport() -> str:
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return rng.choice(
            [f"{rng.choice(letters)}{rng.randint(10000000, 99999999)}", f"{rng.randint(100000000, 999999999)}"]
        )

    def travel_date() -> str:
        day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 900))
        return day.strftime(rng.choice(["%B %d, %Y", "%d %B %Y", "%m/%d/%Y", "%A, %B %d", "%d/%m/%Y"]))

    def gendered() -> tuple[str, str, str]:
        return rng.choice([("she", "her", "She"), ("he", "his", "He")])

    return {
        "PERSON": person,
        "PERSON_POSS": possessive,
        "FIRST": lambda: name_parts()[0],
        "FIRST_POSS": lambda: name_parts()[0] + "'s",
        "PARENT_FORMAL": lambda: f"{rng.choice(['Mr', 'Mrs', 'Ms', 'Mr and Mrs'])} {name_parts()[1]}",
        "ADDR_INLINE": addr_inline,
        "STREET_ADDRESS": lambda: str(fake.street_address()).replace("\n", ", "),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "DATE_OF_BIRTH": lambda: _dob_8(fake, rng),
        "AGE": lambda: str(rng.randint(18, 94)),
        "AGE_CHILD": lambda: str(rng.randint(5, 16)),
        "AGE_PHRASE": lambda: _age_phrase(rng),
        "AGE_HYPHEN": lambda: f"{rng.randint(18, 94)}-year-old",
        "NRP": lambda: rng.choice(DEMONYMS_8),
        "PHONE_NUMBER": phone,
        "EMAIL_ADDRESS": lambda: str(fake.email()),
        "CREDIT_CARD": card,
        "IBAN_CODE": lambda: str(fake.iban()),
        "IP_ADDRESS": lambda: str(fake.ipv4_public()) if rng.random() < 0.85 else str(fake.ipv6()),
        "URL": lambda: str(fake.url()) + rng.choice(["", "contact", "about-us"]),
        "DOMAIN": domain,
        "SSN": ssn,
        "DL": dl,
        "PASSPORT": passport,
        "MRN": lambda: f"{rng.choice(['MRN ', 'MRN-', ''])}{rng.randint(1000000, 99999999)}",
        "RELATIVE": lambda: rng.choice(["mother", "father", "grandmother", "aunt", "husband", "wife", "brother"]),
        "SEX_WORD": lambda: rng.choice(["woman", "man", "female", "male"]),
        "PRONOUN": lambda: gendered()[0],
        "PRONOUN_POSS": lambda: gendered()[1],
        "PRONOUN_CAP": lambda: gendered()[2],
        # distractors
        "CITY": lambda: str(fake.city()),
        "COUNTRY": lambda: rng.choice(COUNTRIES_8),
        "AIRPORT": lambda: rng.choice(AIRPORTS_8),
        "ORG": lambda: rng.choice(ORGS_8) if rng.random() < 0.6 else str(fake.company()),
        "PRODUCT": lambda: rng.choice(PRODUCTS_8),
        "JOB": lambda: rng.choice(JOBS_8),
        "JOB_LOWER": lambda: rng.choice(JOBS_8).lower(),
        "NRP_THING": lambda: rng.choice(NRP_THINGS_8),
        "DATE": travel_date,
        "YEAR": lambda: str(rng.randint(1995, 2025)),
        "YEARS": lambda: str(rng.randint(2, 15)),
        "AMOUNT": lambda: (
            rng.choice(["$", "£", "€", "USD "]) + f"{rng.randint(20, 95000):,}" + rng.choice(["", ".00"])
        ),
        "MEMBER": lambda: f"{rng.choice(['XJ', 'BCX', 'W'])}{rng.randint(100000, 9999999)}",
        "POLICY": lambda: f"{rng.choice(['AUTO', 'HP', 'P'])}-{rng.randint(100000, 999999)}",
        "CLASS": lambda: f"Year {rng.randint(1, 11)} {rng.choice(['Oak', 'Maple', 'Blue', 'Red'])}",
        "STREET_NAME": lambda: str(fake.street_name()),
    }
