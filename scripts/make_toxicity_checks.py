"""Write the toxicity check files (`{"text", "label"}` JSONL, toxic = 1) that docs/cards/toxicity.md reports on.

Every file holds rows that neither the shipped head, the n-gram model nor the stack trained or was tuned on (the
splits of `scripts/train_toxicity_head.py`, reproduced here without training):
- head_davidson / head_hatecheck / head_generated / head_forum / head_halueval / head_wildguard: the held-out
  parts of each source;
- hatecheck_implicit: the held-out HateCheck templates' derogation cases (negative emotions and attributes,
  dehumanisation, implicit derogation: hate with few or no slurs) with the same templates' non-hateful cases
  that name an identity neutrally or positively;
- forum2: forum family 2 of scripts/synth_toxicity.py (`generate_forum2`, Civil Comments-style replies written
  for round 5 before any model or threshold saw them; nothing trains or tunes on it);
- forum3: forum family 3 (`scripts/synth_forum3.py`, written for round 6 before that round trained anything; its
  own people, topics, groups, phrasing and comment-section register; scored only on fixed weights);
- bbq_contexts: the contexts of BBQ (`../shared/data/bias/bbq_sample.jsonl`), benign text about identities that
  no toxicity model here trained on (false alarms only).

    python scripts/make_toxicity_checks.py [--out bench/results/toxicity]
    python scripts/make_toxicity_checks.py --speed   # p50 of the scanner on bench/guardrails.py's 1 kB prompts
    steward guard eval toxicity --data bench/results/toxicity/head_forum.jsonl --json
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from _training import DATA, ROOT, Row, in_test, write_jsonl
from synth_forum3 import generate_forum3
from synth_toxicity import generate_forum2
from train_toxicity_head import collect

IMPLICIT = ("derog_neg_emote_h", "derog_neg_attrib_h", "derog_dehum_h", "derog_impl_h")
CONTRASTS = ("ident_neutral_nh", "ident_pos_nh")


def hatecheck_implicit(path: Path) -> list[Row]:
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            group = f"hatecheck:{record['templ_id']}"
            if record["functionality"] in IMPLICIT + CONTRASTS and in_test(group, 25):
                out.append(Row(record["test_case"].strip(), int(record["label_gold"] == "hateful"), group, "hc"))
    return out


def bbq_contexts(path: Path) -> list[Row]:
    contexts = {json.loads(line)["context"].strip() for line in path.open(encoding="utf-8") if line.strip()}
    return [Row(text, 0, text, "bbq") for text in sorted(contexts)]


def speed(rounds: int = 2) -> None:
    """p50 wall and CPU time of the default scanner per ~1 kB prompt on one thread (bench/guardrails.py's 40)."""
    import os
    import statistics
    import sys
    import time

    import torch

    torch.set_num_threads(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(ROOT / "bench"))
    from guardrails import prompts

    from steward.guardrails.base import ScanContext
    from steward.guardrails.toxicity import ToxicityScanner

    scanner, context, texts = ToxicityScanner(), ScanContext(stage="input"), prompts()
    scanner.scan(texts[0], context)
    wall, cpu = [], []
    for _ in range(rounds):
        for text in texts:
            w, c = time.perf_counter(), time.process_time()
            scanner.scan(text, context)
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
    print(
        f"{len(texts)} prompts of ~{len(texts[0])} characters, {rounds} rounds: p50 "
        f"{statistics.median(wall) * 1e3:.1f} ms wall, {statistics.median(cpu) * 1e3:.1f} ms CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "toxicity")
    parser.add_argument("--speed", action="store_true", help="time the scanner on 1 kB prompts instead")
    args = parser.parse_args()
    if args.speed:
        speed()
        return
    _, _, test = collect(args.data, identity_split=False)
    files = {f"head_{name}": rows for name, rows in test.items()}
    files["hatecheck_implicit"] = hatecheck_implicit(args.data / "toxicity" / "hatecheck_cases.csv")
    files["forum2"] = [Row(e.text, e.label, "synth:" + e.template, "forum2") for e in generate_forum2()]
    files["forum3"] = [Row(c.text, c.label, "synth:" + c.template, "forum3") for c in generate_forum3()]
    files["bbq_contexts"] = bbq_contexts(args.data / "bias" / "bbq_sample.jsonl")
    for name, rows in files.items():
        write_jsonl(rows, args.out / f"{name}.jsonl")
        print(f"{args.out / name}.jsonl: {len(rows)} rows, {sum(r.label for r in rows)} toxic")


if __name__ == "__main__":
    main()
