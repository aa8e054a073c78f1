"""Session 14: a tree scan beside the per-side family's statistics, on the same label permutations.

    python bench/monitor_drift_scan.py --seed 801 --windows 60 --shifts 0,0.1,0.05 [--save FILE.npz]
    python bench/monitor_drift_scan.py --load FILE.npz [--load MORE.npz ...]   # variants only, no recomputation

Development data only (`mmlu` or `assistant`, a seed other than bench/monitor_drift.py's 20261207). Window pairs
are drawn as bench/monitor_drift.py draws them. For each pair every candidate statistic is computed on the same
label permutations (the first 200 standardise, the other 1,000 give the p-value, with no sequential stop, so each
variant's p-value is resolved fully and the null's p-values can be checked for uniformity):

- the per-side family of session 13 (`steward.monitor.drift_family`): neighbour counts on joint rows (`j k s`),
  MMD² (`m`), a cross-fitted ridge classifier's AUC (`auc`), the PSI of length and of language;
- tree scans (`scan`): the pooled rows are clustered by Ward's agglomerative clustering (scipy), label-blind, so
  the tree is fixed under the permutations; each node of the tree is a candidate "topic", and per labelling the
  largest Kulldorff log-likelihood ratio of a node holding more current rows than the pooled share (`cur`: a new
  topic) or more reference rows (`ref`: a topic that left) is taken within bands of node size. On joint rows
  (`joint`) and on the embeddings alone (`emb`).

A variant is a max-type test of some columns (each standardised by the first 200 permutations), optionally
beside Bonferroni partners; printed: the share of pairs called drifted per level at alpha 0.01 and 0.005, and
for the undrifted level the share of p-values at or under 0.01, 0.05 and 0.1 (an exact test: at most those).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _drift_dev as dev  # noqa: E402

KS = (5, 10, 20, 30, 40, 60)
SHARES = (0.6, 0.7, 0.8, 0.9)
FOLDS = 5
CALIBRATION = 200
TEST = 1000
DIFFUSION = (0.5, 0.8)  # restart weights of the label diffusion over the 10-neighbour graph
CSLS_K = 10
BANDS = ((2, 10), (10, 30), (30, 100), (100, 400))


def column_names() -> list[str]:
    names = [f"j{k}_{s}" for k in KS for s in SHARES] + ["m", "auc", "psi_length", "psi_language"]
    names += [f"c{k}_{s}" for k in KS for s in SHARES] + [f"d{a}_{s}" for a in DIFFUSION for s in SHARES]
    for space in ("joint", "emb"):
        for side in ("cur", "ref"):
            names += [f"scan_{space}_{side}_{lo}" for lo, _ in BANDS]
    return names


def hat_matrices(rows: np.ndarray, folds: np.ndarray, alpha: float = 1.0) -> list:
    """Per fold: the matrix mapping the fitted rows' targets to the held rows' ridge predictions."""
    out = []
    for fold in range(FOLDS):
        held = folds == fold
        fit, test = rows[~held].astype(np.float64), rows[held].astype(np.float64)
        mean = fit.mean(0)
        fc, tc = fit - mean, test - mean
        solve = np.linalg.solve(fc.T @ fc + alpha * np.eye(fc.shape[1]), fc.T)  # d × n_fit
        hat = tc @ solve  # held × fit, applied to centred targets
        hat = hat - hat.mean(1, keepdims=True) + 1.0 / fit.shape[0]  # plus the targets' mean (the intercept)
        out.append((held, hat))
    return out


def cross_fitted_auc(hats, labellings: np.ndarray) -> np.ndarray:
    from scipy import stats

    targets = np.where(labellings.T, 1.0, -1.0)
    scores = np.empty(targets.shape)
    for held, hat in hats:
        scores[held] = hat @ targets[~held]
    cur = labellings.T
    m = int(cur[:, 0].sum())
    n = len(cur) - m
    order = np.argsort(cur, axis=0, kind="stable")
    ranked = np.take_along_axis(scores, order, axis=0)
    u = stats.mannwhitneyu(ranked[n:], ranked[:n], axis=0, method="asymptotic").statistic
    return np.asarray(u, float) / (n * m)


def psi_column(bins: np.ndarray, labellings: np.ndarray) -> np.ndarray:
    onehot = np.eye(int(bins.max()) + 1, dtype=np.float32)[bins]
    cur = onehot.T @ labellings.T.astype(np.float32)
    total = onehot.sum(0)[:, None]
    ref = total - cur
    m, n = cur.sum(0), ref.sum(0)
    p = (ref + 0.5) / (n + 0.5 * len(total))
    q = (cur + 0.5) / (m + 0.5 * len(total))
    return np.sum((q - p) * np.log(q / p), axis=0)


def tree_members(rows: np.ndarray, method: str = "ward"):
    """The sparse (nodes × rows) membership of every internal node of the tree, and each node's size."""
    from scipy import sparse
    from scipy.cluster.hierarchy import linkage

    count = len(rows)
    tree = linkage(rows.astype(np.float64), method=method)
    members: list[list[int]] = [[i] for i in range(count)]
    node_rows, node_cols = [], []
    for index, (a, b, _, _) in enumerate(tree):
        joined = members[int(a)] + members[int(b)]
        members.append(joined)
        node_rows.append(np.full(len(joined), index))
        node_cols.append(np.asarray(joined))
    data = np.ones(sum(len(r) for r in node_rows), np.float32)
    matrix = sparse.csr_matrix((data, (np.concatenate(node_rows), np.concatenate(node_cols))),
                               shape=(len(tree), count))  # fmt: skip
    return matrix, np.asarray(tree[:, 3], float)


def scan_columns(matrix, sizes: np.ndarray, labellings: np.ndarray, share: float) -> list[np.ndarray]:
    """Per size band, the largest log-likelihood ratio of a node with excess current (then excess reference)."""
    current = np.asarray(matrix @ labellings.T.astype(np.float32))  # nodes × batch
    s = sizes[:, None]
    out_cur, out_ref = [], []
    with np.errstate(divide="ignore", invalid="ignore"):
        c, r = current, s - current
        llr = np.nan_to_num(c * np.log(c / (s * share))) + np.nan_to_num(r * np.log(r / (s * (1 - share))))
    excess = c > s * share
    for lo, hi in BANDS:
        band = ((sizes >= lo) & (sizes < hi))[:, None]
        out_cur.append(np.max(np.where(band & excess, llr, 0.0), axis=0))
        out_ref.append(np.max(np.where(band & ~excess, llr, 0.0), axis=0))
    return out_cur + out_ref


def statistics(ref_texts, cur_texts, ref, cur, rng):
    from steward.monitor import drift, drift_tests

    raw = np.vstack([ref, cur]).astype(np.float32)
    n, m = len(ref), len(cur)
    labels = np.concatenate([np.zeros(n, bool), np.ones(m, bool)])
    words = drift_tests._lexical(ref_texts + cur_texts)
    centred = drift_tests._centred(raw)
    joint = np.hstack([centred, drift_tests.LEXICAL_WEIGHT * words])
    near = drift_tests._nearest(joint, max(KS))
    rings = [drift_tests._adjacency(near[:, a:k]) for a, k in zip([0, *KS], KS, strict=False)]
    kernel = drift_tests._gaussian_kernel(raw, rng)
    folds = np.arange(n + m) % FOLDS
    rng.shuffle(folds)
    hats = hat_matrices(raw, folds)
    lengths = np.asarray(drift._lengths(ref_texts + cur_texts))
    edges = np.unique(np.quantile(lengths, np.linspace(0, 1, 11)[1:-1]))
    length_bins = np.searchsorted(edges, lengths, side="right")
    languages = drift.languages(ref_texts + cur_texts)
    index = {c: i for i, c in enumerate(sorted(set(languages)))}
    language_bins = np.array([index[c] for c in languages])
    trees = [tree_members(joint), tree_members(centred)]
    similarity = joint @ joint.T
    np.fill_diagonal(similarity, -np.inf)
    local = np.mean(np.sort(similarity, axis=1)[:, -CSLS_K:], axis=1)
    csls = 2 * similarity - local[:, None] - local[None, :]
    near_c = np.argsort(-csls, axis=1)[:, : max(KS)]
    rings_c = [drift_tests._adjacency(near_c[:, a:k]) for a, k in zip([0, *KS], KS, strict=False)]
    graph = drift_tests._adjacency(near[:, :10])
    graph = graph + graph.T
    degree = np.asarray(graph.sum(1)).ravel()
    walk = graph.multiply(1.0 / degree[:, None]).tocsr()
    share = m / (n + m)

    def batch(labellings: np.ndarray) -> np.ndarray:
        as_current = labellings.T.astype(np.float32)
        found, out = np.zeros(as_current.shape, np.float32), []
        for k, ring in zip(KS, rings, strict=True):
            found += ring @ as_current
            out += [np.sum((found >= math.ceil(s * k)) & labellings.T, axis=0) for s in SHARES]
        signs = np.where(labellings, -1.0 / m, 1.0 / n).astype(np.float32).T
        out.append(np.einsum("ij,ij->j", signs, kernel @ signs))
        out.append(cross_fitted_auc(hats, labellings))
        out += [psi_column(length_bins, labellings), psi_column(language_bins, labellings)]
        found = np.zeros(as_current.shape, np.float32)
        for k, ring in zip(KS, rings_c, strict=True):
            found += ring @ as_current
            out += [np.sum((found >= math.ceil(s * k)) & labellings.T, axis=0) for s in SHARES]
        for restart in DIFFUSION:
            first = walk @ as_current  # the current share of each row's neighbours (symmetrised 10-NN graph)
            score = first
            for _ in range(6):
                score = (1 - restart) * first + restart * (walk @ score)
            out += [np.sum((score >= s) & labellings.T, axis=0) for s in SHARES]
        for matrix, sizes in trees:
            out += scan_columns(matrix, sizes, labellings, share)
        return np.stack(out, 1).astype(np.float64)

    observed = batch(labels[None])[0]
    total = CALIBRATION + TEST
    batches = [np.stack([rng.permutation(labels) for _ in range(200)]) for _ in range(total // 200)]
    permuted = np.vstack([batch(labellings) for labellings in batches])
    return observed, permuted


def p_value(observed: np.ndarray, permuted: np.ndarray, names: list[str]) -> float:
    all_names = column_names()
    index = [all_names.index(name) for name in names]
    calibration, rest = permuted[:CALIBRATION, index], permuted[CALIBRATION:, index]
    centre, spread = calibration.mean(0), calibration.std(0)
    poisson = [name.startswith(("j", "c", "d")) for name in names]
    floor = np.where(poisson, np.sqrt(centre + 1), 1e-12)
    spread = np.maximum(spread, floor)
    value = np.max((observed[index] - centre) / spread)
    return float((1 + np.sum(np.max((rest - centre) / spread, axis=1) >= value)) / (1 + len(rest)))


def variants() -> dict[str, list[str]]:
    counts = [f"j{k}_{s}" for k in KS for s in SHARES] + ["m"]
    family = [*counts, "auc", "psi_length", "psi_language"]

    def scan(space: str, sides=("cur",), bands=BANDS) -> list[str]:
        return [f"scan_{space}_{side}_{lo}" for side in sides for lo, _ in bands]

    return {
        "s13 family (counts, MMD, AUC, PSIs)": family,
        "counts + MMD only": counts,
        "s13 family + scan joint cur": family + scan("joint"),
        "s13 family + scan joint cur+ref": family + scan("joint", ("cur", "ref")),
        "s13 family + scan emb cur": family + scan("emb"),
        "s13 family + scan joint+emb cur": family + scan("joint") + scan("emb"),
        "scan joint cur + MMD, AUC, PSIs": [*scan("joint"), "m", "auc", "psi_length", "psi_language"],
        "scan joint cur+ref + MMD, AUC, PSIs": [*scan("joint", ("cur", "ref")), "m", "auc", "psi_length",
                                                "psi_language"],
        "scan joint cur alone": scan("joint"),
        "scan joint cur, bands >= 10": scan("joint", bands=BANDS[1:]),
        "scan emb cur alone": scan("emb"),
    }  # fmt: skip


def report(rows: list[dict]) -> None:
    levels = sorted({r["level"] for r in rows})
    for name, names in variants().items():
        parts = []
        for level in levels:
            ps = np.array([p_value(r["observed"], r["permuted"], names) for r in rows if r["level"] == level])
            if level == 0:
                parts.append(f"null n={len(ps)} p<.005 {np.mean(ps < .005):.3f} p<.01 {np.mean(ps < .01):.3f} "
                             f"<=.05 {np.mean(ps <= .05):.3f} <=.1 {np.mean(ps <= .1):.3f}")  # fmt: skip
            else:
                parts.append(f"{level:.0%}: {np.mean(ps < 0.01):.3f}/{np.mean(ps < 0.005):.3f}")
        print(f"{name:40s}", " | ".join(parts), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    dev.add_window_options(parser, seed=801, windows=60, shifts="0,0.1,0.05")
    parser.add_argument("--save", type=Path, help="keep every pair's statistics here (npz)")
    parser.add_argument("--load", type=Path, action="append", help="report saved statistics (no computation)")
    args = parser.parse_args(argv)
    if args.load:
        report(dev.load(args.load))
        return
    rows = []
    for pair in dev.pairs(args):
        pair_rng = np.random.default_rng(args.seed * 1000 + pair.index)
        observed, permuted = statistics(pair.ref_texts, pair.cur_texts, pair.ref, pair.cur, pair_rng)
        rows.append({"level": pair.level, "observed": observed, "permuted": permuted})
        if args.save:
            dev.save(args.save, rows)
    report(rows)


if __name__ == "__main__":
    main()
