"""Build a held-out PII evaluation set: many locales, four text styles, gold spans known by construction.

Rows are `steward guard eval pii` JSONL: `{"text", "spans": [{"start", "end", "type", "personal"}], "style",
"locale"}`. Personal types: PERSON, STREET_ADDRESS, DATE_OF_BIRTH, AGE, PHONE_NUMBER, EMAIL_ADDRESS, ID (SSN,
passport, national ids), CREDIT_CARD, IBAN_CODE, IP_ADDRESS, ZIP_CODE, NRP (nationality), URL (domain names and
links). Distractors carry `"personal": false` (CITY, AIRPORT, ORGANIZATION, FLIGHT, PNR): they count for no
recall, and a finding that overlaps only them is a false alarm.

Two splits with their own seeds: `tune` (look at its errors freely) and `report` (quote figures from it only;
never read its errors to change a recogniser). The files are written under bench/results/pii/ and not committed:
this script regenerates them byte for byte.

    python scripts/make_pii_heldout.py                       # both splits, 1,500 rows each
    steward guard eval pii --data bench/results/pii/heldout_report.jsonl --match overlap --any-type --presidio
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {"tune": 7101, "report": 90417}
LOCALES = ["en_US", "en_GB", "en_IE", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT"]
NATIONALITIES = [
    "German", "French", "Dutch", "Spanish", "Italian", "British", "Irish", "American", "Polish", "Portuguese",
    "Canadian", "Indian", "Brazilian", "Nigerian", "Swedish", "Greek", "Turkish", "Moroccan", "Chinese", "Mexican",
]  # fmt: skip
AIRPORTS = [
    "Heathrow", "Gatwick", "Schiphol", "Charles de Gaulle", "JFK", "Frankfurt Airport", "Madrid-Barajas",
    "Fiumicino", "Dublin Airport", "Munich Airport", "Orly", "Malpensa", "Newark", "Barcelona El Prat",
]  # fmt: skip
MONTHS = [date(2000, m, 1).strftime("%B") for m in range(1, 13)]  # English names, whatever the locale

# Templates: {TYPE} slots, filled by `_value`; `|` separates the lines of a form. Types ending in "!" are
# distractors (not personal). Written for this set; not changed after any score was seen.
CHAT = [
    "hi, I'm {PERSON} and I need to change my flight {FLIGHT!} from {AIRPORT!}",
    "My name is {PERSON}, booking {PNR!}. I moved to {STREET_ADDRESS}, {ZIP_CODE} {CITY!}, please update it.",
    "can you call me back on {PHONE_NUMBER}? ask for {PERSON}",
    "I am {AGE} years old and travelling alone to {CITY!}, is that ok?",
    "my daughter {PERSON} is {AGE} – does she need her own passport? hers is {ID}",
    "Send the invoice to {EMAIL_ADDRESS} please, I work for {ORGANIZATION!}",
    "I'm {NRP}, do I need a visa to fly from {AIRPORT!} to {CITY!}?",
    "pay with {CREDIT_CARD}, name on card {PERSON}",
    "refund to {IBAN_CODE} (account holder {PERSON})",
    "the portal blocked me, my IP is {IP_ADDRESS}",
    "Our company site {URL} lists me as contact, {PERSON}",
    "born {DATE_OF_BIRTH}, is the senior discount available?",
    "Thanks! {PERSON} here again, flight {FLIGHT!} landed at {AIRPORT!}",
    "is the shuttle from {AIRPORT!} to {ORGANIZATION!} HQ in {CITY!} running?",
    "my husband {PERSON} ({AGE}) and I, {PERSON}, want seats together on {FLIGHT!}",
]
EMAIL = [
    "Dear {ORGANIZATION!} team,",
    "My name is {PERSON} and I live at {STREET_ADDRESS}, {ZIP_CODE} {CITY!}.",
    "I was born on {DATE_OF_BIRTH} and I am {NRP}.",
    "Please contact me at {EMAIL_ADDRESS} or on {PHONE_NUMBER}.",
    "My passport number is {ID}.",
    "The refund should go to IBAN {IBAN_CODE}.",
    "I paid with the card {CREDIT_CARD} for the flight {FLIGHT!} from {AIRPORT!}.",
    "My colleague {PERSON} travelled with me; she is {AGE} years old.",
    "You can see my itinerary on {URL}.",
    "The booking reference is {PNR!}.",
    "Kind regards,",
    "{PERSON}",
]
FORM = [
    "Full name: {PERSON}",
    "Date of birth: {DATE_OF_BIRTH}",
    "Age: {AGE}",
    "Nationality: {NRP}",
    "Address: {STREET_ADDRESS}",
    "Postcode: {ZIP_CODE}",
    "City: {CITY!}",
    "Phone: {PHONE_NUMBER}",
    "E-mail: {EMAIL_ADDRESS}",
    "ID number: {ID}",
    "Card: {CREDIT_CARD}",
    "IBAN: {IBAN_CODE}",
    "Employer: {ORGANIZATION!}",
    "Website: {URL}",
    "Last login IP: {IP_ADDRESS}",
    "Flight: {FLIGHT!}  Departure: {AIRPORT!}",
]
TRANSCRIPT = [
    "Agent: Thank you for calling {ORGANIZATION!}, who am I speaking with?",
    "Caller: Yeah hi, it's {PERSON}.",
    "Agent: Can you confirm your date of birth?",
    "Caller: It's {DATE_OF_BIRTH}.",
    "Agent: And the first line of your address?",
    "Caller: {STREET_ADDRESS}, postcode {ZIP_CODE}.",
    "Agent: What's the best number to reach you?",
    "Caller: {PHONE_NUMBER}, or email {EMAIL_ADDRESS}.",
    "Caller: I'm calling about my mum, {PERSON}, she's {AGE} and flying from {AIRPORT!} on {FLIGHT!}.",
    "Agent: I see booking {PNR!} to {CITY!}. Is she {NRP}?",
    "Caller: Yes, her national ID is {ID}.",
    "Agent: Thanks, {PERSON}. Anything else?",
]
STYLES = {"chat": CHAT, "email": EMAIL, "form": FORM, "transcript": TRANSCRIPT}


def _dob(fake: Any, rng: random.Random) -> str:
    born: date = fake.date_of_birth(minimum_age=18, maximum_age=90)
    formats = [
        f"{born.day:02d}/{born.month:02d}/{born.year}",
        f"{born.month}/{born.day}/{born.year}",
        born.isoformat(),
        f"{born.day} {MONTHS[born.month - 1]} {born.year}",
        f"{MONTHS[born.month - 1]} {born.day}, {born.year}",
        f"{born.day:02d}.{born.month:02d}.{born.year}",
    ]
    return rng.choice(formats)


def _person(fake: Any, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return str(fake.name())
    if roll < 0.7:
        return f"{fake.first_name()} {fake.last_name()}"
    if roll < 0.8:
        return str(fake.first_name())
    if roll < 0.9:
        return f"{rng.choice(['Mr', 'Mrs', 'Ms', 'Dr'])}{rng.choice(['', '.'])} {fake.last_name()}"
    return f"{fake.first_name()} {fake.first_name()} {fake.last_name()}"


def _id(fake: Any, rng: random.Random, locale: str) -> str:
    if rng.random() < 0.5:
        return str(fake.passport_number())
    return str(fake.ssn())


def _card(fake: Any, rng: random.Random) -> str:
    number = str(fake.credit_card_number(card_type=rng.choice(["visa16", "mastercard", "amex", "discover"])))
    if rng.random() < 0.4 and len(number) == 16:
        sep = rng.choice([" ", "-"])
        number = sep.join(number[i : i + 4] for i in range(0, 16, 4))
    return number


def _iban(fake: Any, rng: random.Random) -> str:
    iban = str(fake.iban())
    if rng.random() < 0.4:
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _url(fake: Any, rng: random.Random) -> str:
    domain = str(fake.domain_name())
    return rng.choice([domain, f"www.{domain}", f"https://{domain}", f"https://www.{domain}/{fake.uri_path()}"])


def _makers(fake: Any, rng: random.Random, locale: str) -> dict[str, Callable[[], str]]:
    return {
        "PERSON": lambda: _person(fake, rng),
        "STREET_ADDRESS": lambda: str(fake.street_address()).replace("\n", ", "),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "DATE_OF_BIRTH": lambda: _dob(fake, rng),
        "AGE": lambda: str(rng.randint(2, 95)),
        "NRP": lambda: rng.choice(NATIONALITIES),
        "PHONE_NUMBER": lambda: str(fake.phone_number()),
        "EMAIL_ADDRESS": lambda: str(fake.email()),
        "ID": lambda: _id(fake, rng, locale),
        "CREDIT_CARD": lambda: _card(fake, rng),
        "IBAN_CODE": lambda: _iban(fake, rng),
        "IP_ADDRESS": lambda: str(fake.ipv4_public() if rng.random() < 0.75 else fake.ipv6()),
        "URL": lambda: _url(fake, rng),
        "CITY": lambda: str(fake.city()),
        "AIRPORT": lambda: rng.choice(AIRPORTS),
        "ORGANIZATION": lambda: str(fake.company()),
        "FLIGHT": lambda: f"{rng.choice(['BA', 'LH', 'AF', 'KL', 'IB', 'AZ', 'EI', 'UA'])}{rng.randint(10, 9999)}",
        "PNR": lambda: "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6)),
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
        spans.append({"start": len(text), "end": len(text) + len(value), "type": kind, "personal": slot == kind})
        text += value
    return text + rest, spans


def record(rng: random.Random, fakers: dict[str, Any]) -> dict[str, Any]:
    locale = rng.choice(LOCALES)
    style = rng.choice(list(STYLES))
    lines = STYLES[style]
    if style in ("chat",):
        chosen = rng.sample(lines, rng.randint(1, 3))
    else:  # keep the document order of e-mails, forms and transcripts
        keep = sorted(rng.sample(range(len(lines)), rng.randint(3, min(8, len(lines)))))
        chosen = [lines[i] for i in keep]
    makers = _makers(fakers[locale], rng, locale)
    joiner = " " if style == "chat" else "\n"
    text, spans = "", []
    for line in chosen:
        part, found = fill(line, makers)
        if text:
            text += joiner
        spans += [{**s, "start": s["start"] + len(text), "end": s["end"] + len(text)} for s in found]
        text += part
    return {"text": text, "spans": spans, "style": style, "locale": locale}


def rows(n: int, seed: int) -> list[dict[str, Any]]:
    from faker import Faker

    rng = random.Random(seed)
    fakers = {}
    for index, locale in enumerate(LOCALES):
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed * 100 + index)
    return [record(rng, fakers) for _ in range(n)]


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Some Faker locales pick from sets (it_IT cities), whose order follows string hashing: fix it, so the
        # files are the same on every run.
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pii")
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--split", choices=[*SEEDS, "both"], default="both")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for split in SEEDS if args.split == "both" else [args.split]:
        path = args.out / f"heldout_{split}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows(args.n, SEEDS[split])))
        print(f"{args.n} rows ({split}, seed {SEEDS[split]}) -> {path}")


if __name__ == "__main__":
    main()
