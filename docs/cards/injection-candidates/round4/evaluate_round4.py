"""Score the cascade scanner (heuristics + n-gram + embedding head from a weights folder) once on every round-4
evaluation file; also the share of rows that reached the embedding stage, and Wilson 95 % CIs.

    .venv/bin/python bench/results/injection/round4_candidate/evaluate_round4.py WEIGHTS_DIR OUT.json
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from steward.guardrails.base import ScanContext
from steward.guardrails.evaluate import read_rows
from steward.guardrails.injection import BuiltinInjectionModel, InjectionScanner
from steward.guardrails.linear import load_head, load_model

SPLITS = Path("bench/results/injection")
R3 = SPLITS / "round3_candidate"
FILES = {
    "public held-out split": SPLITS / "test.jsonl",
    "HaluEval held-out, trigger words": R3 / "halueval_held_out_trigger.jsonl",
    "HaluEval held-out, all": R3 / "halueval_held_out.jsonl",
    "WildGuard public trigger rows (test split)": SPLITS / "test_benign_trigger_public.jsonl",
    "generated fresh family 1": Path("scripts/data/benign_trigger_words_fresh.jsonl"),
    "generated fresh family 2": Path("scripts/data/benign_trigger_words_fresh2.jsonl"),
    "BBQ contexts+questions": R3 / "benign_check_bbq.jsonl",
    "Davidson tweets (10% sample)": R3 / "benign_check_davidson.jsonl",
}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 0.0)
    p, d = k / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / d, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def figures(scanner: InjectionScanner, rows: list[dict]) -> dict:
    tp = fp = fn = tn = routed = 0
    false_alarms = []
    for row in rows:
        findings = scanner.scan(row["text"], ScanContext(stage="input"))
        flagged = max(f.score for f in findings) >= 0.5
        routed += any(f.detail.endswith(":embedding") for f in findings)
        tp, fp = tp + (flagged and row["label"]), fp + (flagged and not row["label"])
        fn, tn = fn + (not flagged and row["label"]), tn + (not flagged and not row["label"])
        if flagged and not row["label"]:
            false_alarms.append(row["text"][:160])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {"n": len(rows), "negatives": fp + tn, "fp": fp, "fpr": round(fp / max(fp + tn, 1), 4)}
    out["fpr_ci95"] = wilson(fp, fp + tn)
    if tp + fn:
        out.update(precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4), positives=tp + fn)
        out["recall_ci95"] = wilson(tp, tp + fn)
    out["embedding_stage_share"] = round(routed / max(len(rows), 1), 4)
    out["false_alarms"] = false_alarms
    return out


def main() -> None:
    weights, target = Path(sys.argv[1]), Path(sys.argv[2])
    scanner = InjectionScanner.__new__(InjectionScanner)
    scanner.name, scanner.backend, scanner.model_path, scanner.injection_label = "injection", "builtin", None, None
    scanner.model = BuiltinInjectionModel(load_model("injection", weights), load_head("injection_head", weights))
    results = {}
    for name, path in FILES.items():
        results[name] = figures(scanner, read_rows(path, False))
        print(name, json.dumps({k: v for k, v in results[name].items() if k != "false_alarms"}), flush=True)
    target.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
