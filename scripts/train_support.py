"""Fit the support check's logistic regressions (`cheap` and `fused`) on the tune family; write the weights.

    python scripts/make_faithfulness_qa.py --seed 0 --per-family 400
    python scripts/train_support.py features --family tune --judge-model qwen2.5-coder-1.5b --judge-limit 60
    python scripts/train_support.py fit
    python scripts/train_support.py features --family report --judge-model qwen2.5-coder-1.5b --judge-limit 60

`features` writes bench/results/support_features_<family>.jsonl: per answer, each claim's cheap features and,
for the first `--judge-limit` pairs, the judge's log-odds (one thread; the judge costs seconds a claim on a
shared CPU). `fit` trains on the tune family only: `cheap` on every pair, `fused` on the pairs with a judge
value; each threshold maximises balanced accuracy on the tune family. An answer's features are its weakest
claim's (min of the support features, max of the novelty ones), as the check takes its weakest claim.
Weights go to src/steward/guardrails/weights/support.json (json, no pickle). Seeded: the fit is deterministic.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
RESULTS = ROOT / "bench" / "results"
OUT = ROOT / "src" / "steward" / "guardrails" / "weights" / "support.json"
LOWER_IS_WORSE = {"lexical", "semantic", "joint", "judge"}


def answer_features(claims: list[dict]) -> dict[str, float]:
    """An answer's features: its weakest claim's, feature by feature."""
    names = claims[0].keys()
    return {n: (min if n in LOWER_IS_WORSE else max)(c[n] for c in claims) for n in names}


def features(family: str, judge_model: str, judge_limit: int, limit: int | None) -> None:
    from steward.evals.text import split_sentences
    from steward.rag.support import SupportChecker, cheap_features, local_judge

    pairs = [json.loads(line) for line in (RESULTS / f"faithfulness_qa_{family}.jsonl").read_text().splitlines()]
    pairs = pairs[:limit] if limit else pairs
    judge = local_judge(judge_model, n_threads=1) if judge_limit else None
    if judge_limit and judge is None:
        sys.exit(f"no GGUF file for {judge_model} under .steward/models")
    checker = SupportChecker()
    path = RESULTS / f"support_features_{family}.jsonl"
    started = time.perf_counter()
    with path.open("w") as handle:
        for i, pair in enumerate(pairs):
            for label, answer in ((1, pair["right_answer"]), (0, pair["hallucinated_answer"])):
                knowledge, question = pair["knowledge"], pair["question"]
                claims = []
                for claim in split_sentences(answer) or [answer]:
                    values, _, _ = cheap_features(claim, [knowledge], question, checker._similarity)
                    if judge is not None and i < judge_limit:
                        values["judge"] = judge.log_odds(knowledge, question, claim)
                    claims.append(values)
                row = {"pair": i, "label": label, "kind": pair["kind"], "source": pair["source"], "claims": claims}
                handle.write(json.dumps(row) + "\n")
            handle.flush()
            if i % 20 == 0:
                print(f"{i} pairs, {time.perf_counter() - started:.0f} s", flush=True)
    print(f"{path} written")


def _fit(x: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    model = LogisticRegression(C=1.0, max_iter=1000, random_state=0).fit((x - mean) / scale, y)
    p = model.predict_proba((x - mean) / scale)[:, 1]
    grid = np.unique(np.round(p, 3))
    best = max(grid, key=lambda t: balanced_accuracy_score(y, p >= t))
    return {
        "features": list(names),
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "coef": model.coef_[0].round(6).tolist(),
        "intercept": round(float(model.intercept_[0]), 6),
        "threshold": round(float(best), 3),
        "tune_auroc": round(float(roc_auc_score(y, p)), 4),
        "tune_answers": int(len(y)),
    }


def fit(judge_model: str) -> None:
    from steward.rag.support import CHEAP, FUSED

    rows = [json.loads(line) for line in (RESULTS / "support_features_tune.jsonl").read_text().splitlines()]
    agg = [answer_features(r["claims"]) for r in rows]
    y = np.asarray([r["label"] for r in rows])
    cheap = _fit(np.asarray([[a[n] for n in CHEAP] for a in agg]), y, CHEAP)
    judged = [i for i, a in enumerate(agg) if "judge" in a]
    fused = _fit(np.asarray([[agg[i][n] for n in FUSED] for i in judged]), y[judged], FUSED)
    weights = {
        "about": "steward.rag.support: logistic regressions fitted by scripts/train_support.py on the tune family "
        "of scripts/make_faithfulness_qa.py (seed 0); see docs/cards/faithfulness.md",
        "judge_model": judge_model,
        "cheap": cheap,
        "fused": fused,
    }
    OUT.write_text(json.dumps(weights, indent=1) + "\n")
    print(json.dumps({k: {m: v[m] for m in ("threshold", "tune_auroc", "tune_answers")} for k, v in weights.items()
                      if isinstance(v, dict)}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["features", "fit"])
    parser.add_argument("--family", default="tune", choices=["tune", "report"])
    parser.add_argument("--judge-model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--judge-limit", type=int, default=60, help="pairs that get a judge value (0: none)")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if args.what == "features":
        features(args.family, args.judge_model, args.judge_limit, args.limit)
    else:
        fit(args.judge_model)


if __name__ == "__main__":
    main()
