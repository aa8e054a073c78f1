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
SUFFIX = ""  # "_partial" while features are still being computed
LOWER_IS_WORSE = {"lexical", "semantic", "joint", "judge"}


def answer_features(claims: list[dict]) -> dict[str, float]:
    """An answer's features: its weakest claim's, feature by feature."""
    names = claims[0].keys()
    return {n: (min if n in LOWER_IS_WORSE else max)(c[n] for c in claims) for n in names}


def features(family: str, judge_model: str, judge_limit: int, limit: int | None) -> None:
    """Cheap features of every pair (`judge_limit` 0), or the judge's values of the first `judge_limit` pairs."""
    from steward.language import split_sentences
    from steward.rag.support import SupportChecker, cheap_features, local_judge

    pairs = [json.loads(line) for line in (RESULTS / f"faithfulness_qa_{family}.jsonl").read_text().splitlines()]
    pairs = pairs[:judge_limit] if judge_limit else pairs[:limit] if limit else pairs
    judge = local_judge(judge_model, n_threads=1) if judge_limit else None
    if judge_limit and judge is None:
        sys.exit(f"no GGUF file for {judge_model} under .steward/models")
    checker = SupportChecker()
    name = f"support_judge_{family}_{judge_model}.jsonl" if judge else f"support_features_{family}.jsonl"
    path = RESULTS / name
    started = time.perf_counter()
    with path.open("w") as handle:
        for i, pair in enumerate(pairs):
            for label, answer in ((1, pair["right_answer"]), (0, pair["hallucinated_answer"])):
                knowledge, question = pair["knowledge"], pair["question"]
                claims = []
                for claim in split_sentences(answer) or [answer]:
                    if judge is not None:
                        claims.append({"judge": judge.log_odds(knowledge, question, claim)})
                    else:
                        claims.append(cheap_features(claim, [knowledge], question, checker._similarity)[0])
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
        "tune_answers": len(y),
    }


def load_features(family: str, judge_model: str) -> list[dict]:
    """Cached cheap features, merged with the judge's values where they were computed."""
    rows = [
        json.loads(line)
        for line in (RESULTS / f"support_features_{family}{SUFFIX}.jsonl").read_text().splitlines()
    ]
    judged = RESULTS / f"support_judge_{family}_{judge_model}.jsonl"
    if judged.exists():
        for line in judged.read_text().splitlines():
            row = json.loads(line)
            index = 2 * row["pair"] + (1 - row["label"])
            for claim, extra in zip(rows[index]["claims"], row["claims"], strict=True):
                claim.update(extra)
    return rows


def fit(judge_model: str) -> None:
    from steward.rag.support import CHEAP, FUSED, log_odds

    rows = load_features("tune", judge_model)
    agg = [answer_features(r["claims"]) for r in rows]
    y = np.asarray([r["label"] for r in rows])
    cheap = _fit(np.asarray([[a[n] for n in CHEAP] for a in agg]), y, CHEAP)
    for a in agg:
        a["cheap"] = log_odds(cheap, a)
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


def report(judge_model: str) -> None:
    """AUROC on the report family, from the cached features and the shipped weights; once, after `fit`."""
    from sklearn.metrics import roc_auc_score

    from steward.rag.support import score_features, sigmoid

    rows = load_features("report", judge_model)
    y = np.asarray([r["label"] for r in rows])
    kinds = np.asarray([r["kind"] for r in rows])
    judged = np.asarray(["judge" in r["claims"][0] for r in rows])
    cheap = np.asarray([min(score_features(dict(c), False) for c in r["claims"]) for r in rows])
    print(f"report family: {len(rows)} answers, {judged.sum()} with the judge ({judge_model})")
    print(f"  cheap features, all: AUROC {roc_auc_score(y, cheap):.3f}")
    per_kind = {k: round(float(roc_auc_score(y[kinds == k], cheap[kinds == k])), 3) for k in sorted(set(kinds))}
    print(f"    per kind: {per_kind}")
    if judged.any():
        subset = [r for r, j in zip(rows, judged, strict=True) if j]
        judge = np.asarray([min(sigmoid(c["judge"]) for c in r["claims"]) for r in subset])
        fused = np.asarray([min(score_features(dict(c), True) for c in r["claims"]) for r in subset])
        ys = y[judged]
        print(f"  on the judged subset: cheap {roc_auc_score(ys, cheap[judged]):.3f}, "
              f"judge only {roc_auc_score(ys, judge):.3f}, fused {roc_auc_score(ys, fused):.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["features", "fit", "report"])
    parser.add_argument("--family", default="tune", choices=["tune", "report"])
    parser.add_argument("--judge-model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--judge-limit", type=int, default=60, help="pairs that get a judge value (0: none)")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if args.what == "features":
        features(args.family, args.judge_model, args.judge_limit, args.limit)
    elif args.what == "fit":
        fit(args.judge_model)
    else:
        report(args.judge_model)


if __name__ == "__main__":
    main()
