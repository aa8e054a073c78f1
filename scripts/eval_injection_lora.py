"""Score round 12's candidate (shipped scanner with the n-gram fusion stacked with the LoRA transformer) and the
shipped scanner on the injection evaluation files, the way `steward guard eval injection` scores them (stage
input, flagged when any finding reaches the policy's 0.5). Reads evaluation files only; trains nothing.

    python scripts/eval_injection_lora.py WEIGHTS_DIR OUT.json [FILE.jsonl ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from injection_lora import LoraInjectionModel

from steward.guardrails.base import ScanContext
from steward.guardrails.injection import InjectionScanner, rescale

ROOT = Path(__file__).resolve().parents[1]
R = ROOT / "bench" / "results" / "injection"
FILES = [
    R / "test.jsonl",
    R / "test_benign_trigger_public.jsonl",
    R / "garak_held_out.jsonl",
    ROOT / "scripts" / "data" / "injection_round9_eval.jsonl",
    R / "halueval_held_out.jsonl",
    R / "halueval_held_out_trigger.jsonl",
    R / "benign_check_davidson.jsonl",
    R / "benign_check_bbq.jsonl",
    R / "fresh_benign_trigger_public.jsonl",
    ROOT / "scripts" / "data" / "benign_trigger_words_fresh2.jsonl",
]


class Stacked:
    """The shipped fusion's probability and the transformer's log-odds through the chosen stack."""

    def __init__(self, builtin: object, lora: LoraInjectionModel) -> None:
        self.builtin, self.lora = builtin, lora
        stack = lora.meta["stack"]
        self.coef, self.threshold = np.array(stack["coef"], dtype=float), float(stack["threshold"])
        self.columns = list(stack["columns"])
        self.cache: dict[str, float] = {}

    def probability(self, text: str) -> float:
        p = min(max(self.builtin.probability(text), 1e-6), 1 - 1e-6)  # type: ignore[attr-defined]
        t = self.cache[text] if text in self.cache else self.lora.logit(text)
        x = np.clip(np.array([np.log(p / (1 - p)), t]), -13.8, 13.8)[self.columns]
        return float(1 / (1 + np.exp(-(x @ self.coef[:-1] + self.coef[-1]))))

    def score(self, text: str) -> float:
        return rescale(self.probability(text), self.threshold)


def metrics(labels: list[int], flags: list[bool]) -> dict[str, float]:
    y, f = np.array(labels), np.array(flags)
    tp, fp = int((f & (y == 1)).sum()), int((f & (y == 0)).sum())
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / pos if pos else 0.0
    return {
        "n": len(y),
        "attacks": pos,
        "tp": tp,
        "fp": fp,
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "fpr": round(fp / neg, 4) if neg else 0.0,
    }


def main() -> None:
    weights, out = Path(sys.argv[1]), Path(sys.argv[2])
    files = [Path(f) for f in sys.argv[3:]] or FILES
    shipped = InjectionScanner()
    lora = LoraInjectionModel(weights)
    candidate = InjectionScanner()
    candidate.model = Stacked(shipped.model, lora)
    context = ScanContext(stage="input")
    report: dict[str, object] = {}
    for path in files:
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        texts = [r["text"] for r in rows]
        for start in range(0, len(texts), 64):
            part = texts[start : start + 64]
            candidate.model.cache.update(zip(part, lora.logits(part), strict=True))
        labels = [int(r["label"]) for r in rows]
        result = {}
        for name, scanner in (("shipped", shipped), ("candidate", candidate)):
            flags = [max(f.score for f in scanner.scan(t, context)) >= 0.5 for t in texts]
            result[name] = metrics(labels, flags)
        report[path.stem] = result
        print(path.stem, json.dumps(result), flush=True)
        candidate.model.cache.clear()
    out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
