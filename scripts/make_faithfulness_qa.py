"""Build HaluEval-QA-shaped pairs {knowledge, question, right_answer, hallucinated_answer, kind, family, source}.

Two families from disjoint sources and templates, so that a scorer tuned on one is measured on the other:

- `tune`: Faker flight bookings and insurance claims (templates A), BBQ contexts
  (../shared/data/bias/bbq_sample.jsonl, disambiguated ones: the other person is the wrong answer) and the
  repo's demo knowledge base (src/steward/defaults/kb).
- `report`: Python's own documentation (`pydoc_data.topics`) and stdlib module docstrings (real text), Faker
  biographies and company histories (templates B, different fields and wording).

Hallucination kinds (one per pair): `swap_in` (an entity of the same type taken from the knowledge: the wrong
relation between two knowledge entities, multi-hop confusion), `swap_out` (same type, from outside), `number`
(a number or date changed), `addition` (the right answer plus a plausible detail the knowledge does not give),
`negation` (the statement contradicted), `verbose` (a longer answer that paraphrases true knowledge and ends on a
wrong fact). Right answers are short spans or full sentences. No model writes any answer: every pair is made
by templates from a seed, so the files are the same on every run.

    python scripts/make_faithfulness_qa.py --seed 0 --per-family 400 --out bench/results
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BBQ = ROOT.parent / "shared" / "data" / "bias" / "bbq_sample.jsonl"
KB = ROOT / "src" / "steward" / "defaults" / "kb"
Pair = dict[str, Any]

ADD_BOOKING = [
    "and the passenger was upgraded to business class",
    "and a free checked bag of 23 kg is included",
    "and the booking includes lounge access",
]
ADD_CLAIM = [
    "and the insurer has already paid it in full",
    "and a second assessor confirmed the damage",
    "and the policyholder waived the excess",
]
ADD_BIO = [
    "and she later received a national award for her work",
    "and has written two books on the subject",
    "and previously served on the city council",
]
ADD_COMPANY = [
    "and the deal was approved by regulators within a month",
    "and the founder stayed on as chairman",
    "and it was listed on the stock exchange the same year",
]
ADD_DOCS = [
    "This behaviour was introduced in Python 3.{n}.",
    "It is deprecated and will be removed in a future release.",
    "This is only available on Windows.",
    "The operation is thread-safe and releases the GIL.",
]


def _pair(knowledge: str, question: str, right: str, wrong: str, kind: str, source: str) -> Pair:
    return {
        "knowledge": knowledge,
        "question": question,
        "right_answer": right,
        "hallucinated_answer": wrong,
        "kind": kind,
        "source": source,
    }


def _other(rng: random.Random, options: list[Any], not_this: Any) -> Any:
    choices = [o for o in options if o != not_this]
    return rng.choice(choices)


def _bump(rng: random.Random, number: int) -> int:
    return number + rng.choice([-3, -2, -1, 1, 2, 3, 5, 10]) * max(1, number // 20)


# ---- tune family --------------------------------------------------------------------------------------------


def _bookings(fake: Any, rng: random.Random) -> Pair:
    rows = []
    for _ in range(rng.choice([2, 3])):
        rows.append(
            {
                "pnr": fake.bothify("??####").upper(),
                "name": fake.name(),
                "flight": fake.bothify("??###").upper(),
                "origin": fake.city(),
                "dest": fake.city(),
                "date": fake.date_between("-30d", "+90d").strftime("%d %B %Y"),
                "gate": f"{rng.choice('ABCDE')}{rng.randint(1, 40)}",
                "seat": f"{rng.randint(1, 40)}{rng.choice('ABCDEF')}",
            }
        )
    knowledge = " ".join(
        f"Booking {r['pnr']}: {r['name']} flies {r['flight']} from {r['origin']} to {r['dest']} on {r['date']}, "
        f"boarding at gate {r['gate']}, seat {r['seat']}."
        for r in rows
    )
    r, other = rows[0], rows[1]
    kind = rng.choice(["swap_in", "swap_out", "number", "addition", "negation", "verbose"])
    q = f"Which gate does {r['name']} board at?"
    if kind == "swap_in":
        return _pair(knowledge, q, f"Gate {r['gate']}.", f"Gate {other['gate']}.", kind, "faker-booking")
    if kind == "swap_out":
        q = f"Where is flight {r['flight']} going?"
        return _pair(knowledge, q, r["dest"], fake.city(), kind, "faker-booking")
    if kind == "number":
        q = f"What seat does the passenger of booking {r['pnr']} have?"
        seat = f"{int(r['seat'][:-1]) + rng.randint(1, 9)}{r['seat'][-1]}"
        return _pair(knowledge, q, f"Seat {r['seat']}.", f"Seat {seat}.", kind, "faker-booking")
    if kind == "addition":
        q = f"Who is on booking {r['pnr']}?"
        right = f"{r['name']} is on booking {r['pnr']}."
        return _pair(knowledge, q, right, right[:-1] + ", " + rng.choice(ADD_BOOKING) + ".", kind, "faker-booking")
    if kind == "negation":
        q = f"Does {r['name']} fly to {r['dest']}?"
        return _pair(
            knowledge,
            q,
            f"Yes, {r['name']} flies to {r['dest']} on {r['date']}.",
            f"No, {r['name']} does not fly to {r['dest']}.",
            kind,
            "faker-booking",
        )
    q = f"Tell me about booking {r['pnr']}."
    lead = f"Booking {r['pnr']} is for {r['name']}, travelling on flight {r['flight']} from {r['origin']}"
    return _pair(
        knowledge,
        q,
        f"{lead} to {r['dest']} on {r['date']}.",
        f"{lead} on {r['date']}, and the destination is {other['dest']}.",
        kind,
        "faker-booking",
    )


def _claims(fake: Any, rng: random.Random) -> Pair:
    rows = []
    for _ in range(2):
        rows.append(
            {
                "id": fake.bothify("CLM-#####"),
                "name": fake.name(),
                "amount": rng.randint(300, 20000),
                "date": fake.date_between("-1y", "today").strftime("%B %d, %Y"),
                "event": rng.choice(["a burst pipe", "a car accident", "a kitchen fire", "storm damage", "theft"]),
                "assessor": fake.name(),
                "status": rng.choice(["approved", "rejected", "under review"]),
            }
        )
    knowledge = " ".join(
        f"Claim {r['id']} was filed by {r['name']} on {r['date']} for {r['amount']} EUR after {r['event']}. "
        f"It was assessed by {r['assessor']} and is {r['status']}."
        for r in rows
    )
    r, other = rows
    kind = rng.choice(["swap_in", "swap_out", "number", "addition", "negation", "verbose"])
    src = "faker-claim"
    if kind == "swap_in":
        q = f"Who assessed claim {r['id']}?"
        return _pair(knowledge, q, r["assessor"], other["assessor"], kind, src)
    if kind == "swap_out":
        q = f"Who filed claim {r['id']}?"
        return _pair(knowledge, q, f"It was filed by {r['name']}.", f"It was filed by {fake.name()}.", kind, src)
    if kind == "number":
        q = f"How much was claimed in {r['id']}?"
        return _pair(knowledge, q, f"{r['amount']} EUR", f"{_bump(rng, r['amount'])} EUR", kind, src)
    if kind == "addition":
        q = f"What is the status of claim {r['id']}?"
        right = f"Claim {r['id']} is {r['status']}."
        return _pair(knowledge, q, right, right[:-1] + ", " + rng.choice(ADD_CLAIM) + ".", kind, src)
    if kind == "negation":
        q = f"What caused claim {r['id']}?"
        return _pair(
            knowledge, q, f"The claim followed {r['event']}.", f"The claim did not follow {r['event']}.", kind, src
        )
    q = f"Summarise claim {r['id']}."
    lead = f"{r['name']} filed claim {r['id']} on {r['date']} after {r['event']}, asking for {r['amount']} EUR"
    return _pair(knowledge, q, f"{lead}; it is {r['status']}.", f"{lead}; it was assessed by {other['assessor']}.",
                 kind, src)  # fmt: skip


def _bbq(rng: random.Random) -> Iterator[Pair]:
    if not BBQ.exists():
        return
    for line in BBQ.read_text().splitlines():
        item = json.loads(line)
        if item["context_condition"] != "disambig":
            continue
        answers = [item[f"ans{i}"] for i in range(3)]
        right = answers[item["label"]]
        unknown = [a for i, a in enumerate(answers) if item["answer_info"][f"ans{i}"][1] == "unknown"]
        wrong = [a for a in answers if a != right and a not in unknown]
        if not wrong:
            continue
        kind = "swap_in"
        if rng.random() < 0.5:  # a full-sentence answer
            right, wrong[0] = (
                f"{right} — that is what the context says.",
                f"{wrong[0]} — that is what the context says.",
            )
            kind = "verbose"
        yield _pair(item["context"], item["question"], right, wrong[0], kind, "bbq")


def _kb(rng: random.Random) -> Iterator[Pair]:
    for path in sorted(KB.rglob("*.md")):
        paragraphs = [p.strip() for p in path.read_text().split("\n\n") if len(p.split()) > 12]
        for paragraph in paragraphs:
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", paragraph) if len(s.split()) >= 6]
            if not sentences:
                continue
            sentence = rng.choice(sentences)
            wrong = _negate(sentence) or _change_number(sentence, rng)
            if wrong:
                q = "What does the policy say on this point: " + " ".join(sentence.split()[:5]) + "…?"
                yield _pair(paragraph, q, sentence, wrong, "negation" if "not" in wrong else "number", "demo-kb")


def tune_family(seed: int, n: int) -> list[Pair]:
    from faker import Faker

    random.seed(seed)  # Faker's multi-locale proxy picks a locale with the global `random`
    rng = random.Random(seed)
    fake = Faker(["en_GB", "en_US", "de_DE", "fr_FR"])
    fake.seed_instance(seed)
    pairs = list(_bbq(rng))[: n // 4] + list(_kb(rng))[: n // 8]
    makers: list[Callable[[Any, random.Random], Pair]] = [_bookings, _claims]
    while len(pairs) < n:
        pairs.append(rng.choice(makers)(fake, rng))
    rng.shuffle(pairs)  # so that any prefix (what the judge is run on) mixes every source
    return pairs


# ---- report family ------------------------------------------------------------------------------------------

_NEGATABLE = re.compile(r"\b(is|are|was|were|can|will|must|should|does|do|has|have)\b(?! not)")


def _negate(sentence: str) -> str | None:
    if " not " in sentence:
        return sentence.replace(" not ", " ", 1)
    match = _NEGATABLE.search(sentence)
    if not match:
        return None
    return sentence[: match.end()] + " not" + sentence[match.end() :]


def _change_number(sentence: str, rng: random.Random) -> str | None:
    match = re.search(r"\b\d+\b", sentence)
    if not match:
        return None
    return sentence[: match.start()] + str(_bump(rng, int(match.group()))) + sentence[match.end() :]


_TERM = re.compile(r'"([A-Za-z_][\w.]*(?:\(\))?)"|\b([A-Z][a-z]+[A-Z]\w*|[a-z]+_[a-z_]+|__\w+__)\b')


def _terms(text: str) -> list[str]:
    return list(dict.fromkeys(a or b for a, b in _TERM.findall(text)))


DOC_MODULES = [
    "json",
    "csv",
    "heapq",
    "bisect",
    "textwrap",
    "shutil",
    "tempfile",
    "zipfile",
    "fractions",
    "statistics",
    "secrets",
    "uuid",
    "difflib",
    "sched",
    "queue",
    "calendar",
    "gzip",
    "pathlib",
    "functools",
    "itertools",
    "contextlib",
    "dataclasses",
    "enum",
    "ipaddress",
    "decimal",
]


def _doc_texts() -> list[tuple[str, str]]:
    """(source, paragraph) of real text: pydoc's topics and stdlib module docstrings."""
    import importlib
    from pydoc_data import topics

    out = []
    for name, text in sorted(topics.topics.items()):
        for paragraph in text.split("\n\n"):
            flat = " ".join(paragraph.split())
            if 30 <= len(flat.split()) <= 160 and not paragraph.startswith("   "):
                out.append((f"pydoc:{name}", flat))
    for module in DOC_MODULES:
        doc = importlib.import_module(module).__doc__ or ""
        for paragraph in doc.split("\n\n"):
            flat = " ".join(paragraph.split())
            if 20 <= len(flat.split()) <= 160:
                out.append((f"docstring:{module}", flat))
    return out


def _from_doc(rng: random.Random, source: str, paragraph: str, terms_pool: list[str]) -> Pair | None:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", paragraph) if 7 <= len(s.split()) <= 45]
    if not sentences:
        return None
    sentence = rng.choice(sentences)
    terms = _terms(sentence)
    topic = source.split(":", 1)[1]
    q = f"According to the documentation of {topic}, what holds here: {' '.join(sentence.split()[:4])} …?"
    kinds = (
        ["negation", "addition", "verbose"]
        + ["swap_in", "swap_out"] * bool(terms)
        + ["number"] * bool(re.search(r"\b\d+\b", sentence))
    )
    kind = rng.choice(kinds)
    wrong: str | None
    if kind == "negation":
        wrong = _negate(sentence)
    elif kind == "number":
        wrong = _change_number(sentence, rng)
    elif kind == "addition":
        wrong = sentence + " " + rng.choice(ADD_DOCS).format(n=rng.randint(2, 12))
    elif kind in ("swap_in", "swap_out"):
        term = rng.choice(terms)
        inside = [t for t in _terms(paragraph) if t != term]
        pool = inside if kind == "swap_in" and inside else [t for t in terms_pool if t not in paragraph]
        kind = "swap_in" if pool is inside else "swap_out"
        replacement = rng.choice(pool)
        wrong = sentence.replace(term, replacement, 1)
        if rng.random() < 0.4:  # a span answer
            masked = sentence.replace(term, "___", 1)
            return _pair(paragraph, f"In the {topic} documentation, what fills the blank: {masked}", term,
                         replacement, kind, source)  # fmt: skip
    else:  # verbose: a true sentence of the paragraph, then the chosen one negated
        others = [s for s in sentences if s != sentence]
        negated = _negate(sentence)
        if not others or not negated:
            return None
        wrong = f"{rng.choice(others)} Moreover, {negated[0].lower()}{negated[1:]}"
        sentence = f"{rng.choice(others)} Moreover, {sentence[0].lower()}{sentence[1:]}"
    if not wrong or wrong == sentence:
        return None
    return _pair(paragraph, q, sentence, wrong, kind, source)


def _bio(fake: Any, rng: random.Random) -> Pair:
    people = []
    for _ in range(2):
        people.append(
            {
                "name": fake.name(),
                "born": rng.randint(1940, 1995),
                "city": fake.city(),
                "job": fake.job(),
                "company": fake.company(),
                "school": f"the University of {fake.city()}",
            }
        )
    p, o = people
    knowledge = (
        f"{p['name']} was born in {p['born']} in {p['city']}. After graduating from {p['school']}, "
        f"{p['name'].split()[0]} worked as a {p['job']} at {p['company']}. {o['name']}, born {o['born']} in "
        f"{o['city']}, joined {p['company']} later as a {o['job']} and had studied at {o['school']}."
    )
    kind = rng.choice(["swap_in", "swap_out", "number", "addition", "negation", "verbose"])
    src = "faker-bio"
    if kind == "swap_in":
        return _pair(knowledge, f"Where was {p['name']} born?", p["city"], o["city"], kind, src)
    if kind == "swap_out":
        q = f"Which university did {o['name']} attend?"
        return _pair(knowledge, q, o["school"].replace("the ", "The ", 1), f"The University of {fake.city()}",
                     kind, src)  # fmt: skip
    if kind == "number":
        q = f"In what year was {p['name']} born?"
        wrong = p["born"] + rng.choice([-4, -2, 1, 3, 6])
        return _pair(knowledge, q, f"{p['name']} was born in {p['born']}.", f"{p['name']} was born in {wrong}.",
                     kind, src)  # fmt: skip
    if kind == "addition":
        q = f"What does {p['name']} do?"
        right = f"{p['name']} works as a {p['job']} at {p['company']}"
        return _pair(knowledge, q, right + ".", right + ", " + rng.choice(ADD_BIO) + ".", kind, src)
    if kind == "negation":
        q = f"Did {o['name']} join {p['company']}?"
        return _pair(knowledge, q, f"Yes, {o['name']} joined {p['company']} as a {o['job']}.",
                     f"No, {o['name']} never joined {p['company']}.", kind, src)  # fmt: skip
    lead = f"{p['name']}, born in {p['city']} in {p['born']}, studied at {p['school']}"
    return _pair(knowledge, f"Give a short biography of {p['name']}.", f"{lead} and works at {p['company']}.",
                 f"{lead} and works as a {o['job']} at {p['company']}.", kind, src)  # fmt: skip


def _company(fake: Any, rng: random.Random) -> Pair:
    a, b, c = fake.company(), fake.company(), fake.company()
    year, price = rng.randint(1990, 2022), rng.randint(2, 900)
    founder, city = fake.name(), fake.city()
    knowledge = (
        f"{b} was founded by {founder} in {city} in {year - rng.randint(5, 30)}. In {year}, {a} acquired {b} "
        f"for {price} million dollars, outbidding {c}."
    )
    kind = rng.choice(["swap_in", "swap_out", "number", "addition", "negation", "verbose"])
    src = "faker-company"
    if kind == "swap_in":
        return _pair(knowledge, f"Which company bought {b}?", a, c, kind, src)
    if kind == "swap_out":
        return _pair(knowledge, f"Who founded {b}?", f"{b} was founded by {founder}.",
                     f"{b} was founded by {fake.name()}.", kind, src)  # fmt: skip
    if kind == "number":
        return _pair(knowledge, f"How much did {a} pay for {b}?", f"{price} million dollars",
                     f"{_bump(rng, price)} million dollars", kind, src)  # fmt: skip
    if kind == "addition":
        right = f"{a} acquired {b} in {year}"
        return _pair(knowledge, f"What happened to {b} in {year}?", right + ".",
                     right + ", " + rng.choice(ADD_COMPANY) + ".", kind, src)  # fmt: skip
    if kind == "negation":
        return _pair(knowledge, f"Did {c} acquire {b}?", f"No, {c} was outbid by {a}.",
                     f"Yes, {c} acquired {b} in {year}.", kind, src)  # fmt: skip
    lead = f"{b}, a company founded in {city} by {founder}, was sold in {year} for {price} million dollars"
    return _pair(knowledge, f"Tell me the history of {b}.", f"{lead} to {a}.", f"{lead} to {c}.", kind, src)


def report_family(seed: int, n: int) -> list[Pair]:
    from faker import Faker

    random.seed(seed + 1000)  # Faker's multi-locale proxy picks a locale with the global `random`
    rng = random.Random(seed + 1000)
    fake = Faker(["en_US", "en_AU", "es_ES"])  # not it_IT: its cities vary with the hash seed
    fake.seed_instance(seed + 1000)
    docs = _doc_texts()
    rng.shuffle(docs)
    pool = [t for _, text in docs for t in _terms(text)]
    pairs: list[Pair] = []
    for source, paragraph in docs:
        if len(pairs) >= n // 2:
            break
        made = _from_doc(rng, source, paragraph, pool)
        if made:
            pairs.append(made)
    while len(pairs) < n:
        pairs.append(rng.choice([_bio, _company])(fake, rng))
    rng.shuffle(pairs)  # so that any prefix (what the judge is run on) mixes every source
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-family", type=int, default=400)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for family, build in (("tune", tune_family), ("report", report_family)):
        pairs = build(args.seed, args.per_family)
        path = args.out / f"faithfulness_qa_{family}.jsonl"
        with path.open("w") as handle:
            for pair in pairs:
                handle.write(json.dumps({**pair, "family": family}) + "\n")
        kinds: dict[str, int] = {}
        for pair in pairs:
            kinds[pair["kind"]] = kinds.get(pair["kind"], 0) + 1
        print(f"{path}: {len(pairs)} pairs, kinds {kinds}")


if __name__ == "__main__":
    main()
