"""Score the scanner (heuristics + classifier from a weights folder) once on every round-3 evaluation file.

python docs/cards/injection-candidates/round3/evaluate_round3.py WEIGHTS_DIR SPLITS_DIR [OUT.json]
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from steward.guardrails.evaluate import evaluate_binary, read_rows
from steward.guardrails.injection import BuiltinInjectionModel, InjectionScanner
from steward.guardrails.linear import load_model


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 0.0)
    p, d = k / n, 1 + z * z / n
    c, h = (p + z * z / (2 * n)) / d, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def main() -> None:
    weights, splits = Path(sys.argv[1]), Path(sys.argv[2])
    scanner = InjectionScanner.__new__(InjectionScanner)
    scanner.name, scanner.backend, scanner.model_path, scanner.injection_label = "injection", "builtin", None, None
    scanner.model = BuiltinInjectionModel(load_model("injection", weights))
    files = {
        "public held-out split": splits / "test.jsonl",
        "HaluEval held-out, trigger words": splits / "halueval_held_out_trigger.jsonl",
        "HaluEval held-out, all": splits / "halueval_held_out.jsonl",
        "WildGuard public trigger rows (test split)": splits / "test_benign_trigger_public.jsonl",
        "generated fresh family 1": Path("scripts/data/benign_trigger_words_fresh.jsonl"),
        "generated fresh family 2": Path("scripts/data/benign_trigger_words_fresh2.jsonl"),
        "BBQ contexts+questions": splits / "benign_check_bbq.jsonl",
        "Davidson tweets (10% sample)": splits / "benign_check_davidson.jsonl",
    }
    out = {}
    for name, path in files.items():
        rows = read_rows(path, False)
        f = evaluate_binary(scanner, rows, 0.5)
        neg = sum(1 for r in rows if not r["label"])
        fp = round(f["fpr"] * neg)
        lo, hi = wilson(fp, neg)
        out[name] = {
            **{k: f[k] for k in ("precision", "recall", "f1", "fpr") if k in f},
            "n": len(rows),
            "negatives": neg,
            "fp": fp,
            "fpr_ci95": [round(lo, 4), round(hi, 4)],
        }
        print(name, json.dumps(out[name]))
    target = Path(sys.argv[3] if len(sys.argv) > 3 else "/tmp/r3/eval.json")
    target.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
