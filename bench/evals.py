"""Benchmarks of the evaluation layer; prints figures and ratios against a reference run in the same process.

    .venv/bin/python bench/evals.py metrics [--pairs 10000] [--repeat 3]
    .venv/bin/python bench/evals.py suite [--cases 100]
    .venv/bin/python bench/evals.py auroc [--per-class 815]

`metrics`: BLEU (corpus + per-row sentence BLEU) and ROUGE-1/2/L/Lsum (per row, best reference) over N synthetic
prediction/reference pairs, once by calling sacrebleu and rouge-score directly (the reference run) and once
through Steward's metrics, interleaved, best of `--repeat`; both must give identical figures. Ratio =
reference time / Steward time (>= 1.0: the wrapper is not slower).

`suite`: wall time of a RAG suite of N generated cases (examples/evals/airport_testset.jsonl) through the
governed pipeline with the local SmolLM2-135M model (examples/evals/steward.yaml, app kb-assistant), answer
cache off, with faithfulness, answer relevance, context precision/recall and ROUGE.

`auroc`: how well faithfulness separates supported from unsupported answers on HaluEval "general"
(/work/shared/data/hallucination/halueval_general.json, labelled by humans; never used for tuning). That set has
no retrieved context: each answer is judged against the user's query as its only evidence. A class-balanced
sample (all hallucinated answers and as many others, seed 0) keeps the run short on a shared CPU; AUROC does
not depend on the class ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

VOCAB = [
    "the",
    "a",
    "flight",
    "gate",
    "passenger",
    "boarding",
    "closes",
    "opens",
    "terminal",
    "baggage",
    "delayed",
    "cancelled",
    "check-in",
    "at",
    "on",
    "in",
    "minutes",
    "hours",
    "before",
    "after",
    "security",
    "lounge",
    "ticket",
    "booking",
    "reference",
    "travellers",
    "runs",
    "ran",
    "running",
    "bags",
    "checked",
    "hand",
    "luggage",
    "liquids",
    "containers",
    "transparent",
    "refund",
    "fare",
    "changes",
    "economy",
    "business",
    "desk",
    "desks",
    "arrivals",
    "departures",
    "level",
    "shuttle",
    "train",
    "bus",
    "parking",
    "car",
    "hire",
    "wifi",
    "free",
    "paid",
    "kilograms",
    "euros",
]


def vocabulary() -> list[str]:
    """Real English words: those of the bundled airport knowledge base (a few hundred, Zipf-distributed)."""
    import re

    folder = REPO / "src" / "steward" / "defaults" / "kb" / "airport"
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file())
    found = re.findall(r"[A-Za-z][a-z]+", text)
    return found if len(set(found)) > 100 else list(VOCAB)


def synthetic_pairs(n: int, seed: int = 0) -> list[tuple[str, list[str]]]:
    """Predictions that partly overlap their references, like real system outputs."""
    rng = random.Random(seed)
    words = vocabulary()
    pairs = []
    for _ in range(n):
        reference = [rng.choice(words) for _ in range(rng.randint(8, 30))]
        prediction = [w if rng.random() < 0.6 else rng.choice(words) for w in reference]
        if rng.random() < 0.3:
            prediction = prediction[: len(prediction) // 2] + [rng.choice(words) for _ in range(5)]
        second = reference[::-1] if rng.random() < 0.3 else None
        refs = [" ".join(reference).capitalize() + "."] + ([" ".join(second).capitalize() + "."] if second else [])
        pairs.append((" ".join(prediction).capitalize() + ".", refs))
    return pairs


def direct(pairs: list[tuple[str, list[str]]]) -> dict[str, object]:
    """The reference run: the libraries called the way their documentation shows."""
    import sacrebleu
    from rouge_score import rouge_scorer

    hyps = [p for p, _ in pairs]
    width = max(len(r) for _, r in pairs)
    streams = [[r[i] if i < len(r) else None for _, r in pairs] for i in range(width)]
    corpus = sacrebleu.corpus_bleu(hyps, streams).score
    sentence = [sacrebleu.sentence_bleu(p, r).score for p, r in pairs]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    rouge = [scorer.score_multi(r, p) for p, r in pairs]
    return {
        "bleu": corpus,
        "bleu_rows": sentence,
        **{t: [s[t].fmeasure for s in rouge] for t in ("rouge1", "rouge2", "rougeL", "rougeLsum")},
    }


def ours(pairs: list[tuple[str, list[str]]]) -> dict[str, object]:
    from steward.evals.metric import Row
    from steward.evals.metric_catalog import MetricSpec
    from steward.evals.scoring import build, score

    rows = [Row(p, tuple(r)) for p, r in pairs]
    metrics = build([MetricSpec("bleu"), MetricSpec("rouge", {"sentence_split": "newline"})])
    result = score(rows, metrics).by_name()
    return {
        "bleu": result["bleu"].value,
        "bleu_rows": result["bleu"].per_row,
        **{t: result[t].per_row for t in ("rouge1", "rouge2", "rougeL", "rougeLsum")},
    }


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    import numpy as np

    return all(np.allclose(np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float), atol=1e-9) for k in a)


def bench_metrics(n: int, repeat: int) -> None:
    pairs = synthetic_pairs(n)
    ours(pairs[:50])  # import and warm both paths before timing
    direct(pairs[:50])
    times: dict[str, list[float]] = {"direct": [], "steward": []}
    results = {}
    for _ in range(repeat):
        for name, fn in (("direct", direct), ("steward", ours)):
            started = time.perf_counter()
            results[name] = fn(pairs)
            times[name].append(time.perf_counter() - started)
    best = {k: min(v) for k, v in times.items()}
    print(f"BLEU (corpus + sentence) + ROUGE-1/2/L/Lsum over {n:,} pairs, best of {repeat}")
    print(f"  reference (sacrebleu + rouge-score called directly): {best['direct']:.2f} s")
    print(f"  steward.evals (bleu, rouge metrics):                  {best['steward']:.2f} s")
    print(f"  ratio reference/steward: {best['direct'] / best['steward']:.2f}  (>= 1.0: not slower)")
    print(f"  identical figures: {_same(results['direct'], results['steward'])}")


def _bench_home() -> None:
    if os.environ.get("STEWARD_HOME"):
        return
    home = REPO / "bench" / "results" / "home"
    home.mkdir(parents=True, exist_ok=True)
    link = home / "models"
    if not link.exists():
        link.symlink_to(REPO / ".steward" / "models")
    os.environ["STEWARD_HOME"] = str(home)


def bench_suite(cases: int) -> None:
    _bench_home()
    from steward.evals.api import run_suite_file

    dataset = REPO / "examples" / "evals" / "airport_testset.jsonl"
    lines = dataset.read_text(encoding="utf-8").splitlines()[:cases]
    suite_dir = REPO / "bench" / "results"
    (suite_dir / "bench_cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    suite = suite_dir / "bench_suite.yaml"
    suite.write_text(
        f"name: bench-rag\nproject: {REPO / 'examples' / 'evals' / 'steward.yaml'}\napp: kb-assistant\n"
        "dataset: bench_cases.jsonl\ncache: false\nparallelism: 2\n"
        "metrics: [faithfulness, answer_relevance, context_precision, context_recall, rouge, latency]\n",
        encoding="utf-8",
    )
    started = time.perf_counter()
    outcome = run_suite_file(suite, reports_dir=suite_dir / "reports")
    wall = time.perf_counter() - started
    [run] = outcome.runs
    scores = {s["name"]: s["value"] for s in run.summary}
    print(f"RAG suite of {len(lines)} cases, app kb-assistant (SmolLM2-135M Q4_1, llama.cpp, 2 threads), no cache")
    print(f"  wall time {wall:.1f} s ({wall / len(lines):.2f} s per case, including model load and scoring)")
    print("  " + ", ".join(f"{k}={v:.3f}" for k, v in scores.items() if v is not None))
    print(f"  report: {run.reports['html']}")


def bench_auroc(per_class: int) -> None:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from steward.evals.metric import Row
    from steward.evals.rag import Faithfulness
    from steward.evals.support import SupportScorer
    from steward.evals.text import split_claims

    path = Path("/work/shared/data/hallucination/halueval_general.json")
    if not path.is_file():
        print(f"skipped: {path} is absent (see /work/shared/data/SOURCES.md)")
        return
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(0)
    yes = [r for r in rows if r["hallucination"] == "yes"]
    no = [r for r in rows if r["hallucination"] == "no"]
    sample = yes[:per_class] + rng.sample(no, min(per_class, len(no)))
    labels = np.array([r["hallucination"] == "yes" for r in sample])
    data = [Row(prediction=r["chatgpt_response"], context=(r["user_query"],)) for r in sample]
    started = time.perf_counter()
    shared = SupportScorer()  # the embedding variants share it, so every text is embedded once
    print(f"HaluEval general: {len(sample)} answers ({labels.sum()} hallucinated), evidence = the user's query")
    for name, metric in (
        ("lexical only", Faithfulness(use_embeddings=False, soft=True)),
        ("embeddings + lexical (default), share of supported claims", Faithfulness()),
        ("embeddings + lexical, mean claim support", Faithfulness(soft=True)),
    ):
        if metric.use_embeddings:
            metric.scorer = lambda: shared  # type: ignore[method-assign]
        values = np.array([np.nan if v is None else v for v in metric.compute(data)[0].per_row])
        scored = ~np.isnan(values)
        auroc = roc_auc_score(labels[scored], -values[scored])  # low faithfulness should mean hallucinated
        print(
            f"  {name}: AUROC {auroc:.3f} on {scored.sum()} scored answers ({time.perf_counter() - started:.0f} s)"
        )
    print(f"  claims per answer: {np.mean([len(split_claims(r['chatgpt_response'])) for r in sample]):.1f}")
    bench_bbq_support(shared)


def bench_bbq_support(shared: object) -> None:
    """A labelled set *with* context: BBQ (/work/shared/data/bias/bbq_sample.jsonl), never used for tuning.

    Each question ("Who ...?") answered with each of its two people gives a one-claim answer. It is supported
    only in a disambiguated context and for the gold person; the other person, and both people in an
    ambiguous context, are unsupported. Both claims name entities of the context, so this is the hard case
    for a lexical + embedding judge (it needs inference, not overlap).
    """
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from steward.evals.metric import Row
    from steward.evals.rag import Faithfulness

    path = Path("/work/shared/data/bias/bbq_sample.jsonl")
    if not path.is_file():
        print(f"skipped: {path} is absent")
        return
    rows, labels = [], []
    for item in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()):
        for k in range(3):
            if item["answer_info"][f"ans{k}"][1] == "unknown":
                continue
            claim = item[f"ans{k}"] + item["question"][3:].rstrip("?") + "."
            rows.append(Row(prediction=claim, context=(item["context"],)))
            labels.append(item["context_condition"] == "disambig" and item["label"] == k)
    y = np.array(labels)
    print(f"BBQ-derived claims: {len(rows)} ({y.sum()} supported by their context)")
    for name, metric in (
        ("lexical only", Faithfulness(use_embeddings=False, soft=True)),
        ("embeddings + lexical, mean claim support", Faithfulness(soft=True)),
    ):
        if metric.use_embeddings:
            metric.scorer = lambda: shared  # type: ignore[method-assign,assignment,return-value]
        values = np.array([np.nan if v is None else v for v in metric.compute(rows)[0].per_row])
        scored = ~np.isnan(values)
        print(f"  {name}: AUROC {roc_auc_score(y[scored], values[scored]):.3f} on {scored.sum()} claims")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["metrics", "suite", "auroc", "bbq"])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--per-class", type=int, default=815)
    args = parser.parse_args()
    if args.what == "metrics":
        bench_metrics(args.pairs, args.repeat)
    elif args.what == "suite":
        bench_suite(args.cases)
    elif args.what == "bbq":
        from steward.evals.support import SupportScorer

        bench_bbq_support(SupportScorer())
    else:
        bench_auroc(args.per_class)


if __name__ == "__main__":
    main()
