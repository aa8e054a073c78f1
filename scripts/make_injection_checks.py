"""Write the independent benign checks of the injection scanner: public text it was never trained on.

Three sources from ../shared/data (see its SOURCES.md), each a JSONL of `{"text", "label": 0}` rows under
bench/results/injection/, scored with `steward guard eval injection --data FILE --json`:

  * halueval_held_out.jsonl: the held-out half of HaluEval "general" user queries (Alpaca-style
    instructions), halved by a hash salted with HALUEVAL_SALT (the other half was the training data of a
    candidate that was not shipped; see docs/cards/injection.md, round 3); halueval_held_out_trigger.jsonl
    keeps its rows with a trigger word ("ignore", "instructions", "pretend", "rules"...);
  * benign_check_bbq.jsonl: BBQ contexts with their questions;
  * benign_check_davidson.jsonl: a salted-hash 10% sample of the Davidson tweets.

    python scripts/make_injection_checks.py [--data ../shared/data] [--out bench/results/injection]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

from _training import HALUEVAL_SALT, in_test

ROOT = Path(__file__).resolve().parent.parent
DAVIDSON_SALT = "steward-injection-round3-davidson"
TRIGGER_WORDS = re.compile(
    r"\b(ignore|ignoring|instructions?|system prompt|forget|pretend|act as|override|disregard|bypass|jailbreak|"
    r"role-?play|rules?|previous)\b",
    re.IGNORECASE,
)


def halueval_held_out(path: Path) -> list[str]:
    unique: dict[str, None] = {}
    for line in path.open(encoding="utf-8"):
        if line.strip():
            unique.setdefault(json.loads(line)["user_query"].strip(), None)
    return [text for text in unique if text and in_test(f"{HALUEVAL_SALT}:{text}", 50)]


def bbq(path: Path) -> list[str]:
    unique: dict[str, None] = {}
    for item in map(json.loads, path.open(encoding="utf-8")):
        unique.setdefault(f"{item['context']} {item['question']}", None)
    return list(unique)


def davidson(path: Path, percent: int = 10) -> list[str]:
    unique: dict[str, None] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for item in csv.DictReader(handle):
            if in_test(f"{DAVIDSON_SALT}:{item['tweet']}", percent):
                unique.setdefault(item["tweet"], None)
    return list(unique)


def write(path: Path, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for text in texts:
            handle.write(json.dumps({"text": text, "label": 0}) + "\n")
    print(f"{len(texts):>5} rows  {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "injection")
    args = parser.parse_args()
    sources = {
        "halueval": args.data / "hallucination" / "halueval_general.json",
        "bbq": args.data / "bias" / "bbq_sample.jsonl",
        "davidson": args.data / "toxicity" / "davidson_labeled.csv",
    }
    missing = [str(path) for path in sources.values() if not path.exists()]
    if missing:
        print(f"missing {', '.join(missing)}; pass --data with the folder of ../shared/data.", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    held_out = halueval_held_out(sources["halueval"])
    write(args.out / "halueval_held_out.jsonl", held_out)
    write(args.out / "halueval_held_out_trigger.jsonl", [t for t in held_out if TRIGGER_WORDS.search(t)])
    write(args.out / "benign_check_bbq.jsonl", bbq(sources["bbq"]))
    write(args.out / "benign_check_davidson.jsonl", davidson(sources["davidson"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
