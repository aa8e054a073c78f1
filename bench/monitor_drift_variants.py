"""Which statistics should drift's embedding permutation test combine? Session 12's variants, lexical ones too.

    python bench/monitor_drift_variants.py --scenario mmlu --seed 777 --windows 60 --shifts 0,0.1,0.05

Development data only: run it on `mmlu` or `assistant` with a seed other than bench/monitor_drift.py's default,
never on the held-out scenarios. Window pairs are drawn as bench/monitor_drift.py draws them (same scenarios, same
embedding cache under --out). For each pair every candidate statistic is computed on the same label permutations
(the first 200 standardise, the other 1,600 give the p-value), so that variants are compared on identical windows
and permutations:

- `n k s`: current requests whose k nearest neighbours (cosine, embeddings centred on the pooled mean) are at least
  a share s current, for k in 5-120 and s in 0.55-0.9;
- `m b`: MMD² with a Gaussian kernel at b times the median squared distance (b in 1, 0.5, 0.25, 0.1);
- `e k`: current-current edges among the k nearest neighbours (Schilling's count), `q k`: Σ (f − 0.5)₊² over
  current requests (f: the current share of their k neighbours), `t k m`: the mean f of the m most current
  current requests, `a k s`: like `n k s` over all requests, not only current ones;
- lexical (session 12, lexical round; `lexical_columns`): the texts' TF-IDF (fitted on the pooled pair, so blind
  to the labels) as a linear-kernel MMD², a Gaussian MMD² on its SVD, neighbour counts on it, and per-word
  two-proportion z statistics, and neighbour counts on joint rows (embedding beside TF-IDF). Added to the max,
  the lexical statistics found no development window the chosen test missed; the joint rows found more at 5 %
  and as many at 10 %, and replaced the embedding-only counts (BENCHMARKS.md, "Session 12, lexical").

A variant is a set of these (its test statistic is the largest standardised one; counts get a Poisson floor on
their spread, as in `steward.monitor.drift_tests`) with a weight in a weighted Bonferroni family beside the domain
classifier, length PSI and language PSI, whose p-values come from Steward's own tests. Printed: per variant, the
share of pairs called drifted at each shift level (alpha 0.01 over the family).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _drift_dev as dev  # noqa: E402

KS = (5, 10, 20, 30, 40, 60, 80, 120)
SHARES = (0.55, 0.6, 0.7, 0.8, 0.9)
BANDS = (1.0, 0.5, 0.25, 0.1)
BATCHES = 9  # of 200 permutations: one to standardise, eight for the p-value
Key = tuple


LEX_KS = (5, 10, 20, 40)
LEX_SHARES = (0.6, 0.7, 0.8, 0.9)
JOINT_KS = (5, 10, 20, 30, 40, 60)
JOINT_WEIGHTS = (0.25, 0.5, 0.75)
LEXICAL = {"uni": {}, "bi": {"ngram_range": (1, 2)}, "stop": {"stop_words": "english"}}


def lexical_columns() -> list[Key]:
    """`L f`: MMD² with a linear kernel on TF-IDF (the squared distance of the windows' mean TF-IDF rows) for the
    vectorisers in LEXICAL; `S d`: Gaussian MMD² on TF-IDF reduced to d dims by TruncatedSVD; `l k s`: the
    neighbour counts of `n k s` on TF-IDF cosine (unigrams), `v k s` on the SVD-100 rows centred; `W`: per word
    (in at least 3 texts, not in all), the two-proportion z of the share of current and reference texts using
    it, and of those the largest (`max`), Σ z₊² (`sum`), the words with z > 3 (`over3`), Σ z² (`sumall`)."""
    keys: list[Key] = [("L", f) for f in LEXICAL] + [("S", 50), ("S", 100)]
    keys += [("W", "max"), ("W", "sum"), ("W", "over3"), ("W", "sumall")]
    keys += [("l", k, s) for k in LEX_KS for s in LEX_SHARES]
    keys += [("v", k, s) for k in LEX_KS for s in LEX_SHARES]
    return keys + [("j", w, k, s) for w in JOINT_WEIGHTS for k in JOINT_KS for s in LEX_SHARES]


def columns() -> list[Key]:
    keys: list[Key] = []
    for k in KS:
        keys += [("n", k, s) for s in SHARES]
        keys += [("e", k)] if k in (10, 20) else []
        keys += [("q", k), ("t", k, 25), ("t", k, 50), ("a", k, 0.7), ("a", k, 0.8)] if k in (10, 20, 40) else []
    return keys + [("m", b) for b in BANDS] + lexical_columns()


def lexical(texts: list[str], labels: np.ndarray) -> tuple[list, list, list, list, Any, np.ndarray]:
    """What the lexical columns need of the pooled texts: sparse TF-IDF matrices, SVD rows, neighbour rings."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    from steward.monitor import drift_tests

    tfidf = {f: TfidfVectorizer(sublinear_tf=True, dtype=np.float32, **kw).fit_transform(texts)
             for f, kw in LEXICAL.items()}  # fmt: skip
    dense = TruncatedSVD(100, random_state=0).fit_transform(tfidf["uni"]).astype(np.float32)
    gaussians = []
    for d in (50, 100):
        rows = dense[:, :d]
        sq = np.einsum("ij,ij->i", rows, rows)
        dist = np.maximum(sq[:, None] + sq[None, :] - 2 * rows @ rows.T, 0)
        gaussians.append(np.exp(-dist / float(np.median(dist[dist > 0])), dtype=np.float32))
    uni = tfidf["uni"]
    similarity = (uni @ uni.T).toarray()
    np.fill_diagonal(similarity, -np.inf)
    near = np.argpartition(-similarity, max(LEX_KS), axis=1)[:, : max(LEX_KS)]
    order = np.argsort(-np.take_along_axis(similarity, near, axis=1), axis=1)
    near = np.take_along_axis(near, order, axis=1)
    lex_rings = [drift_tests._adjacency(near[:, a:k]) for a, k in zip([0, *LEX_KS], LEX_KS, strict=False)]
    svd_near = drift_tests._nearest(drift_tests._centred(dense), max(LEX_KS))
    svd_rings = [drift_tests._adjacency(svd_near[:, a:k]) for a, k in zip([0, *LEX_KS], LEX_KS, strict=False)]
    present = (uni > 0).astype(np.float32).tocsc()
    return list(tfidf.values()), gaussians, lex_rings, svd_rings, present, drift_tests._centred(dense)


def counts(rings: list, labellings: np.ndarray, as_current: np.ndarray, ks: tuple = LEX_KS) -> list[np.ndarray]:
    found, out = np.zeros(as_current.shape, np.float32), []
    for k, ring in zip(ks, rings, strict=True):
        found += ring @ as_current
        out += [np.sum((found >= math.ceil(s * k)) & labellings.T, axis=0) for s in LEX_SHARES]
    return out


def statistics(
    ref: np.ndarray, cur: np.ndarray, rng: np.random.Generator, texts: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The observed statistics (one row) and those of BATCHES × 200 label permutations, in `columns()` order."""
    from steward.monitor import drift_tests

    raw = np.vstack([ref, cur]).astype(np.float32)
    pooled = drift_tests._centred(raw)
    labels = np.concatenate([np.zeros(len(ref), bool), np.ones(len(cur), bool)])
    nearest = drift_tests._nearest(pooled, max(KS))
    rings = [drift_tests._adjacency(nearest[:, start:k]) for start, k in zip([0, *KS], KS, strict=False)]
    squares = np.einsum("ij,ij->i", raw, raw)
    distances = np.maximum(squares[:, None] + squares[None, :] - 2 * raw @ raw.T, 0)
    median = float(np.median(distances[distances > 0]))
    kernels = [np.exp(-distances / (median * b), dtype=np.float32) for b in BANDS]
    n, m = len(ref), len(cur)
    matrices, gaussians, lex_rings, svd_rings, present, words = lexical(texts, labels)
    joint_rings = []
    for w in JOINT_WEIGHTS:
        near = drift_tests._nearest(np.hstack([pooled, w * words]), max(JOINT_KS))
        joint_rings.append(
            [drift_tests._adjacency(near[:, a:k]) for a, k in zip([0, *JOINT_KS], JOINT_KS, strict=False)]
        )
    total = np.asarray(present.sum(axis=0)).ravel()
    kept = (total >= 3) & (total < n + m)  # a word in every text has no spread
    present = present[:, kept]
    total = total[kept][:, None]
    pooled_share = total / (n + m)
    se = np.sqrt(pooled_share * (1 - pooled_share) * (1 / n + 1 / m))

    def batch(labellings: np.ndarray) -> np.ndarray:
        as_current = labellings.T.astype(np.float32)
        found, out = np.zeros(as_current.shape, np.float32), []
        for k, ring in zip(KS, rings, strict=True):
            found += ring @ as_current
            out += [np.sum((found >= math.ceil(s * k)) & labellings.T, axis=0) for s in SHARES]
            if k in (10, 20):
                out.append(np.sum(found * as_current, axis=0))
            if k in (10, 20, 40):
                share = found / k
                out.append(np.sum(np.maximum(share - 0.5, 0) ** 2 * as_current, axis=0))
                ranked = -np.sort(-np.where(labellings.T, share, -1.0), axis=0)
                out += [ranked[:25].mean(0), ranked[:50].mean(0)]
                out += [np.sum(found >= math.ceil(s * k), axis=0) for s in (0.7, 0.8)]
        signs = np.where(labellings, -1.0 / m, 1.0 / n).astype(np.float32).T
        out += [np.einsum("ij,ij->j", signs, kernel @ signs) for kernel in kernels]
        out += [np.einsum("ij,ij->j", means, means) for means in (np.asarray(x.T @ signs) for x in matrices)]
        out += [np.einsum("ij,ij->j", signs, kernel @ signs) for kernel in gaussians]
        out += counts(lex_rings, labellings, as_current) + counts(svd_rings, labellings, as_current)
        current_df = np.asarray(present.T @ as_current)
        z = (current_df / m - (total - current_df) / n) / se
        out += [z.max(0), np.sum(np.maximum(z, 0) ** 2, 0), np.sum(z > 3, 0), np.sum(z**2, 0)]
        for rings_ in joint_rings:
            out += counts(rings_, labellings, as_current, JOINT_KS)
        return np.stack(out, 1).astype(np.float64)

    observed = batch(labels[None])[0]
    permuted = np.vstack([batch(np.stack([rng.permutation(labels) for _ in range(200)])) for _ in range(BATCHES)])
    return observed, permuted


def others(ref_texts: list[str], cur_texts: list[str], ref: np.ndarray, cur: np.ndarray, seed: int) -> dict:
    """(statistic, p-value) of the domain classifier, length PSI and language PSI, Steward's own tests."""
    from steward.monitor import drift, drift_tests

    auc = drift_tests.embedding_domain_classifier("auc", ref, cur, alpha=0.001, seed=seed)
    length = drift_tests.psi(
        "length", drift._lengths(ref_texts), drift._lengths(cur_texts), alpha=0.001, numeric=True
    )
    languages = [drift.languages(drift._at_most(t, 500, seed + i)) for i, t in enumerate((ref_texts, cur_texts))]
    language = drift_tests.psi("language", *languages, alpha=0.001, numeric=False)
    return {s.name: (s.statistic, s.p_value) for s in (auc, length, language)}


def p_value(row: dict, keys: list[Key]) -> float:
    index = [columns().index(key) for key in keys]
    calibration, rest = row["permuted"][:200, index], row["permuted"][200:, index]
    centre, spread = calibration.mean(0), calibration.std(0)
    floor = np.array(
        [math.sqrt(c + 1) if key[0] in "nalvj" else 1e-12 for c, key in zip(centre, keys, strict=True)]
    )
    spread = np.maximum(spread, floor)
    observed = np.max((row["observed"][index] - centre) / spread)
    return float((1 + np.sum(np.max((rest - centre) / spread, axis=1) >= observed)) / (1 + len(rest)))


def drifted(row: dict, family: list[tuple[str, list[Key], float]], alpha: float = 0.01) -> bool:
    """Weighted Bonferroni over (kind, statistics, weight): "perm" is a permutation test of those statistics."""
    total = sum(weight for _, _, weight in family)
    for kind, keys, weight in family:
        share = alpha * weight / total
        if kind == "perm" and p_value(row, keys) < share:
            return True
        if kind != "perm":
            statistic, p = row[kind]
            if p < share and statistic > (0.55 if kind == "auc" else 0.2):
                return True
    return False


def variants() -> dict[str, list[tuple[str, list[Key], float]]]:
    others_ = [("auc", [], 1.0), ("length", [], 1.0), ("language", [], 1.0)]
    session10: list[Key] = [("n", k, s) for k in (10, 20, 40) for s in (0.7, 0.8)]
    mmd: list[Key] = [("m", 1.0)]
    chosen: list[Key] = [("n", k, s) for k in (5, 10, 20, 30, 40, 60) for s in (0.6, 0.7, 0.8, 0.9)] + mmd
    small = [10, 20, 40]
    return {
        "session 10: counts k 10/20/40 (3/7) + MMD (1/7)": [("perm", session10, 3), ("perm", mmd, 1), *others_],
        "counts k 10/20/40 alone, whole alpha": [("perm", session10, 1)],
        "one test: counts k 10/20/40 + MMD, 4/7": [("perm", session10 + mmd, 4), *others_],
        "one test: counts k 10/20/40 + MMD, 6/9": [("perm", session10 + mmd, 6), *others_],
        "one test: counts k 10/20/40 + MMD, 6/8 (no classifier)": [("perm", session10 + mmd, 6), *others_[1:]],
        "chosen: counts k 5-60 x 0.6-0.9 + MMD, 6/9": [("perm", chosen, 6), *others_],
        "chosen, 6/8 (no classifier)": [("perm", chosen, 6), *others_[1:]],
        "chosen, whole alpha": [("perm", chosen, 1)],
        "chosen + k 80/120 and share 0.55, 6/9": [
            ("perm", [("n", k, s) for k in KS for s in SHARES] + mmd, 6), *others_],
        "counts k 40-120 x 0.55-0.7 + MMD, 6/9": [
            ("perm", [("n", k, s) for k in (40, 60, 80, 120) for s in (0.55, 0.6, 0.7)] + mmd, 6), *others_],
        "counts k 10/20/40 + MMD at 4 bandwidths, 4/7": [
            ("perm", session10 + [("m", b) for b in BANDS], 4), *others_],
        "MMD at 4 bandwidths alone, 4/7": [("perm", [("m", b) for b in BANDS], 4), *others_],
        "sum (f - 0.5)^2 k 10/20/40 + MMD, 4/7": [("perm", [("q", k) for k in small] + mmd, 4), *others_],
        "top-25 mean f k 10/20/40 + MMD, 4/7": [("perm", [("t", k, 25) for k in small] + mmd, 4), *others_],
        "top-50 mean f k 10/20/40 + MMD, 4/7": [("perm", [("t", k, 50) for k in small] + mmd, 4), *others_],
        "all-request counts k 10/20/40 + MMD, 4/7": [
            ("perm", [("a", k, s) for k in small for s in (0.7, 0.8)] + mmd, 4), *others_],
    } | lexical_variants(chosen, others_)  # fmt: skip


def lexical_variants(chosen: list[Key], others_: list) -> dict[str, list[tuple[str, list[Key], float]]]:
    """Session 12, lexical: the chosen test with TF-IDF statistics added to its max (same weight 6/9)."""
    lex_counts: list[Key] = [("l", k, s) for k in LEX_KS for s in LEX_SHARES]
    svd_counts: list[Key] = [("v", k, s) for k in LEX_KS for s in LEX_SHARES]
    added: dict[str, list[Key]] = {
        "+ linear MMD, TF-IDF unigrams": [("L", "uni")],
        "+ linear MMD, TF-IDF uni+bigrams": [("L", "bi")],
        "+ linear MMD, TF-IDF unigrams, stop words out": [("L", "stop")],
        "+ Gaussian MMD, TF-IDF SVD-50": [("S", 50)],
        "+ Gaussian MMD, TF-IDF SVD-100": [("S", 100)],
        "+ counts on TF-IDF cosine k 5-40": lex_counts,
        "+ counts on TF-IDF SVD-100 k 5-40": svd_counts,
        "+ linear MMD unigrams + TF-IDF counts": [("L", "uni"), *lex_counts],
        "+ linear MMD unigrams + SVD-100 counts": [("L", "uni"), *svd_counts],
        "+ linear MMD uni and uni+bi": [("L", "uni"), ("L", "bi")],
        "+ words: max z": [("W", "max")],
        "+ words: sum z+^2": [("W", "sum")],
        "+ words: count z > 3": [("W", "over3")],
        "+ words: sum z^2": [("W", "sumall")],
        "+ words: max z, sum z+^2, linear MMD": [("W", "max"), ("W", "sum"), ("L", "uni")],
    }
    found = {f"chosen {name}, 6/9": [("perm", chosen + keys, 6.0), *others_] for name, keys in added.items()}
    for w in JOINT_WEIGHTS:
        joint: list[Key] = [("j", w, k, s) for k in JOINT_KS for s in LEX_SHARES]
        found[f"joint counts (lexical weight {w}) + MMD in place of the chosen counts, 6/9"] = [
            ("perm", [*joint, ("m", 1.0)], 6),
            *others_,
        ]
        found[f"chosen + joint counts (lexical weight {w}), 6/9"] = [("perm", chosen + joint, 6), *others_]
    found["linear MMD on TF-IDF unigrams alone, 6/9"] = [("perm", [("L", "uni")], 6), *others_]
    for key in ("max", "sum", "over3"):
        found[f"words {key} alone, 6/9"] = [("perm", [("W", key)], 6), *others_]
    found["lexical only: linear MMD unigrams + TF-IDF counts, 6/9"] = [
        ("perm", [("L", "uni"), *lex_counts], 6),
        *others_,
    ]
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    dev.add_window_options(parser, seed=None, windows=60, shifts="0,0.1,0.05")
    args = parser.parse_args(argv)
    rows = []
    for pair in dev.pairs(args):
        texts = pair.ref_texts + pair.cur_texts
        observed, permuted = statistics(pair.ref, pair.cur, np.random.default_rng(args.seed + pair.index), texts)
        row = {"level": pair.level, "observed": observed, "permuted": permuted}
        rows.append(row | others(pair.ref_texts, pair.cur_texts, pair.ref, pair.cur, args.seed + pair.index))
    levels = dev.levels(args)
    for name, family in variants().items():
        found = [np.mean([drifted(r, family) for r in rows if r["level"] == level]) for level in levels]
        print(
            f"{name:58s}",
            "  ".join(f"{level:.0%}: {share:.3f}" for level, share in zip(levels, found, strict=True)),
        )


if __name__ == "__main__":
    main()
