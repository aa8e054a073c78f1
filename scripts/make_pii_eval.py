"""Build PII evaluation files for `steward guard eval pii`: JSONL rows `{"text", "spans": [...]}`.

Two sources, written to bench/results/pii/ (never into the repo):

- `presidio`: Presidio's own recognizer test cases (../shared/data/pii/presidio_recognizer_cases.json: credit
  cards, crypto wallets, e-mails, IBANs, IPs, phones, URLs, US SSNs), converted; the entity type of a case is
  the type its test file is about. Evaluate with `--entities` set to that type list, since each case is
  annotated for one type only.
- `synthetic`: customer-service sentences of an airline and an insurer, generated with Faker (seeded) from
  templates written for this evaluation, with the span of every inserted value known by construction. About
  a fifth of the sentences hold no personal data but hold look-alikes (flight numbers, gates, prices, times).
  The generator and its templates were written once and not changed after the first score was seen.

    python scripts/make_pii_eval.py            # both files
    steward guard eval pii --data bench/results/pii/synthetic.jsonl --json
"""

from __future__ import annotations

import argparse
import json
import random
import string
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "pii" / "presidio_recognizer_cases.json"
TYPE_OF_FILE = {
    "test_credit_card_recognizer.py": "CREDIT_CARD",
    "test_crypto_recognizer.py": "CRYPTO",
    "test_email_recognizer.py": "EMAIL_ADDRESS",
    "test_iban_recognizer.py": "IBAN_CODE",
    "test_ip_recognizer.py": "IP_ADDRESS",
    "test_phone_recognizer.py": "PHONE_NUMBER",
    "test_url_recognizer.py": "URL",
    "test_us_ssn_recognizer.py": "US_SSN",
}

TEMPLATES = [
    "Hi, my name is {PERSON} and my booking reference is {BOOKING_REF}.",
    "Please send the receipt to {EMAIL_ADDRESS}, thanks.",
    "You can reach me on {PHONE_NUMBER} after 6pm.",
    "I'm travelling with {PERSON}; our booking reference is {BOOKING_REF}.",
    "Refund the ticket to card {CREDIT_CARD} please.",
    "My IBAN is {IBAN_CODE} for the compensation payment.",
    "This is {PERSON}, claim number {CLAIM_NUMBER}, any update?",
    "The policy number is {POLICY_NUMBER} and the claim was opened by {PERSON}.",
    "Login failed from {IP_ADDRESS} when I tried to check in.",
    "My social security number is {US_SSN}, do you need it for the visa form?",
    "Call {PERSON} on {PHONE_NUMBER} or email {EMAIL_ADDRESS}.",
    "Booking reference {BOOKING_REF}, passenger {PERSON}, seat 14C.",
    "Dear team, {PERSON} here. My claim no. {CLAIM_NUMBER} was rejected and I want to appeal.",
    "Pay the excess with {CREDIT_CARD}; the policy number is {POLICY_NUMBER}.",
    "Please update my contact e-mail to {EMAIL_ADDRESS} and phone to {PHONE_NUMBER}.",
    "The damage happened at home; my name is {PERSON} and my IBAN is {IBAN_CODE}.",
    "Could {PERSON} collect the lost bag for me? My reservation code is {BOOKING_REF}.",
    "Our router at {IP_ADDRESS} keeps blocking the airline's website.",
]
NEGATIVES = [
    "Flight BA117 to New York boards at gate B12 at 10:45.",
    "Is the 14:30 train from the airport to the city centre running today?",
    "The lounge in terminal 5 costs 45 pounds for three hours.",
    "Can I take a 100 ml bottle of perfume in my hand luggage?",
    "My suitcase weighs 23 kg; is that within the allowance for economy?",
    "How long does a claim for a broken windscreen usually take?",
    "What does the premium cover if a storm damages the roof?",
    "Our flight LH902 was delayed by 3 hours; are we owed compensation?",
    "Seat 32A has no window, can I move to 31F?",
    "The excess on this policy is 250 euros per claim.",
]


def presidio_rows(path: Path) -> list[dict[str, object]]:
    rows = []
    for case in json.loads(path.read_text()):
        kind = TYPE_OF_FILE[case["_file"]]
        text = case.get("text", case.get("iban"))
        positions = case.get("expected_positions") or case.get("expected_res") or []
        spans = [{"start": int(s), "end": int(e), "type": kind} for s, e in positions]
        rows.append({"text": text, "spans": spans, "source": case["_file"]})
    return rows


def _code(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(length))


def _value(kind: str, fake: object, rng: random.Random) -> str:
    makers = {
        "PERSON": lambda: fake.name(),  # type: ignore[attr-defined]
        "EMAIL_ADDRESS": lambda: fake.email(),  # type: ignore[attr-defined]
        "PHONE_NUMBER": lambda: rng.choice(
            [
                "+44 20 7946 {:04d}",
                "(415) 555-{:04d}",
                "+1 212 555 {:04d}",
                "020 7946 {:04d}",
                "+49 30 901820{:02d}",
            ]
        ).format(rng.randint(0, 99)),
        "CREDIT_CARD": lambda: fake.credit_card_number(card_type=rng.choice(["visa", "mastercard", "amex"])),  # type: ignore[attr-defined]
        "IBAN_CODE": lambda: fake.iban(),  # type: ignore[attr-defined]
        "IP_ADDRESS": lambda: fake.ipv4_public() if rng.random() < 0.7 else fake.ipv6(),  # type: ignore[attr-defined]
        "US_SSN": lambda: fake.ssn(),  # type: ignore[attr-defined]
        "BOOKING_REF": lambda: _code(rng, 6),
        "CLAIM_NUMBER": lambda: rng.choice(
            [
                f"CLM-{rng.randint(2019, 2025)}-{rng.randint(0, 9999999):07d}",
                f"{_code(rng, 2)}{rng.randint(100000, 999999)}",
            ]
        ),
        "POLICY_NUMBER": lambda: rng.choice(
            [f"POL-{rng.randint(10000000, 99999999)}", f"HX-{rng.randint(1000000, 9999999)}"]
        ),
    }
    return str(makers[kind]())


def synthetic_rows(n: int, seed: int) -> list[dict[str, object]]:
    from faker import Faker

    fake = Faker(["en_US", "en_GB"])
    Faker.seed(seed)
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for _ in range(n):
        if rng.random() < 0.2:
            rows.append({"text": rng.choice(NEGATIVES), "spans": [], "source": "synthetic"})
            continue
        template = rng.choice(TEMPLATES)
        text, spans, rest = "", [], template
        while "{" in rest:
            before, _, after = rest.partition("{")
            kind, _, rest = after.partition("}")
            text += before
            value = _value(kind, fake, rng)
            spans.append({"start": len(text), "end": len(text) + len(value), "type": kind})
            text += value
        rows.append({"text": text + rest, "spans": spans, "source": "synthetic"})
    return rows


def write(rows: list[dict[str, object]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} rows -> {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pii")
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    if DATA.exists():
        write(presidio_rows(DATA), args.out / "presidio_cases.jsonl")
    write(synthetic_rows(args.n, args.seed), args.out / "synthetic.jsonl")


if __name__ == "__main__":
    main()
