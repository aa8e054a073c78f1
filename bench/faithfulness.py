"""AUROC of the support scorers on HaluEval-QA-shaped pairs (scripts/make_faithfulness_qa.py).

Each pair gives two scored answers to the same question against the same knowledge: the right one (label 1)
and the hallucinated one (label 0). AUROC is scikit-learn's `roc_auc_score` of the support score.

    python scripts/make_faithfulness_qa.py --seed 0 --per-family 400
    python bench/faithfulness.py --family report --scorers old-grounding,old-evals
    python bench/faithfulness.py --family report --scorers cheap,judge,fused --judge-model qwen2.5-coder-0.5b

Scorers: `old-grounding` (rag/grounding.py before issue 15: its `GroundingChecker` verdict score),
`old-evals` (evals/support.py's `SupportScorer`, mean claim support, what `Faithfulness(soft=True)` gives),
`cheap` (the fused scorer without a judge), `judge` (P(Yes) of the local judge alone), `fused`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def load(family: str, limit: int | None) -> list[dict]:
    path = ROOT / "bench" / "results" / f"faithfulness_qa_{family}.jsonl"
    if not path.exists():
        sys.exit(f"{path} is missing: run `python scripts/make_faithfulness_qa.py` first")
    pairs = [json.loads(line) for line in path.read_text().splitlines()]
    return pairs[:limit] if limit else pairs


def items(pairs: list[dict]) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """(knowledge, question, answer) of every answer, and its label (1 = right)."""
    out, labels = [], []
    for p in pairs:
        out += [
            (p["knowledge"], p["question"], p["right_answer"]),
            (p["knowledge"], p["question"], p["hallucinated_answer"]),
        ]
        labels += [1, 0]
    return out, np.asarray(labels)


def old_grounding(rows: list[tuple[str, str, str]]) -> np.ndarray:
    from steward.config.rag import Grounding
    from steward.models.embeddings import get_rag_embedder
    from steward.rag.grounding import GroundingChecker
    from steward.types import Source

    checker = GroundingChecker(get_rag_embedder())
    policy = Grounding()
    scores = []
    for knowledge, question, answer in rows:
        source = Source("doc", "doc#0", 1.0, knowledge, index=1)
        scores.append(checker.check(answer, [source], policy, question=question).score)
    return np.asarray(scores)


def old_evals(rows: list[tuple[str, str, str]]) -> np.ndarray:
    from steward.evals.metric import Row
    from steward.evals.rag import Faithfulness

    metric = Faithfulness(soft=True)
    score = metric.compute([Row(prediction=a, context=(k,), question=q) for k, q, a in rows])[0]
    return np.asarray([np.nan if v is None else v for v in score.per_row], dtype=float)


def new_scorer(kind: str, judge_model: str, threads: int):
    from steward.rag.support import SupportChecker, local_judge

    judge = local_judge(judge_model, n_threads=threads) if kind in ("judge", "fused") else None

    def run(rows: list[tuple[str, str, str]]) -> np.ndarray:
        checker = SupportChecker(judge=judge)
        out = []
        for knowledge, question, answer in rows:
            result = checker.score_answer(answer, [knowledge], question)
            out.append(result.judge_probability if kind == "judge" else result.score)
        return np.asarray(out, dtype=float)

    return run


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", default="report", choices=["tune", "report"])
    parser.add_argument("--scorers", default="old-grounding,old-evals")
    parser.add_argument("--limit", type=int, default=None, help="first N pairs only")
    parser.add_argument("--judge-model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    from sklearn.metrics import roc_auc_score

    pairs = load(args.family, args.limit)
    rows, labels = items(pairs)
    kinds = np.repeat([p["kind"] for p in pairs], 2)
    print(f"{args.family}: {len(pairs)} pairs, {len(rows)} answers")
    for name in args.scorers.split(","):
        scorer = {"old-grounding": old_grounding, "old-evals": old_evals}.get(name) or new_scorer(
            name, args.judge_model, args.threads
        )
        scorer(rows[:1])  # load the embedder (and the judge) before timing: the cost is per claim, warm
        started = time.perf_counter()
        scores = scorer(rows)
        elapsed = time.perf_counter() - started
        ok = ~np.isnan(scores)
        auroc = roc_auc_score(labels[ok], scores[ok])
        per_kind = {
            k: round(float(roc_auc_score(labels[ok & (kinds == k)], scores[ok & (kinds == k)])), 3)
            for k in sorted(set(kinds))
        }
        from steward.language import split_sentences

        claims = sum(len(split_sentences(a) or [a]) for _, _, a in rows)
        print(
            f"  {name}: AUROC {auroc:.3f} on {ok.sum()} answers, {1000 * elapsed / len(rows):.0f} ms/answer, "
            f"{1000 * elapsed / claims:.0f} ms/claim ({claims} claims, {args.threads} thread(s))"
        )
        print(f"    per kind: {per_kind}")


if __name__ == "__main__":
    main()
