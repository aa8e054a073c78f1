"""Session 15: which representation of the records gives the per-side family more power at the same level?

    python bench/monitor_drift_repr.py --seed 901 --windows 40 --shifts 0.1,0 --save FILE.npz
    python bench/monitor_drift_repr.py --load FILE.npz [--load MORE.npz ...]   # variants only, no recomputation

Development data only (`mmlu` or `assistant`, a seed other than bench/monitor_drift.py's 20261207). Window pairs
are drawn as bench/monitor_drift.py draws them. For each pair every candidate statistic is computed on the same
label permutations (the first 200 standardise, the other 1,000 give the p-value, no sequential stop), so each
variant's p-value is resolved fully and the undrifted pairs' p-values can be checked for uniformity.

Base columns (the shipped family, session 14): MMD² on the embeddings (`m`), the cross-fitted ridge AUC (`auc`),
the PSI of length and language. Then, per representation ("space") of the pooled rows, all built without the
labels: the neighbour counts (`SPACE:j k s`), the Ward tree scan of current-heavy nodes in four size bands
(`SPACE:scan lo`) and a Gaussian MMD² at the median bandwidth (`SPACE:m`). Spaces:

- `joint`: the shipped rows, the centred embedding beside 0.5 × the texts' centred TF-IDF (SVD-100);
- `white R`: the embedding projected on its R leading principal axes of the pooled rows and whitened (each axis
  scaled to unit variance), back on the unit sphere, beside 0.5 × TF-IDF: a topic that differs along a
  low-variance direction no longer drowns in the directions every MMLU question shares;
- `tok`: with `--tokens`, MiniLM's token states pooled otherwise (mean and max of the last layer, and the mean
  of layer 3, concatenated and centred), beside 0.5 × TF-IDF.

A variant is a max-type test of some columns (each standardised by the first 200 permutations, counts with a
Poisson floor); printed: the share of pairs called drifted per level at alpha 0.01 / 0.005, and for undrifted
pairs the share of p-values under 0.005, 0.01, ≤ 0.05, ≤ 0.1 and a Kolmogorov-Smirnov p against uniform.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _drift_dev as dev  # noqa: E402
import monitor_drift_scan as scan_bench  # noqa: E402

KS = (5, 10, 20, 30, 40, 60)
SHARES = (0.6, 0.7, 0.8, 0.9)
BANDS = ((2, 10), (10, 30), (30, 100), (100, 400))
CALIBRATION = 200
TEST = 1000
WHITE = (32, 64, 128)


SPACES = ("joint", "white32", "white64", "white128", "lex300", "char", "wordchar", "tok", "tokwhite64", "toklex")


FIRST_RUN = ("joint", "white32", "white64", "white128")  # the spaces of files saved without names


def column_names(spaces: list[str]) -> list[str]:
    names = ["m", "auc", "psi_length", "psi_language"]
    for space in spaces:
        names += [f"{space}:j{k}_{s}" for k in KS for s in SHARES]
        names += [f"{space}:scan{lo}" for lo, _ in BANDS] + [f"{space}:m"]
    return names


def whiten(rows: np.ndarray, rank: int) -> np.ndarray:
    """The pooled rows on their `rank` leading principal axes, each scaled to unit variance, on the unit sphere."""
    centred = rows - rows.mean(axis=0)
    u, _, _ = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
    scores = u[:, :rank] * math.sqrt(len(rows))
    return (scores / np.linalg.norm(scores, axis=1, keepdims=True)).astype(np.float32)


def lexical(texts: list[str], dims: int = 100, **vectoriser: object) -> np.ndarray:
    """The pooled texts' TF-IDF (sublinear), SVD to `dims`, centred, on the unit sphere (label-blind)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    from steward.monitor import drift_tests

    tfidf = TfidfVectorizer(sublinear_tf=True, dtype=np.float32, **vectoriser).fit_transform(texts)  # type: ignore[arg-type]
    return drift_tests._centred(TruncatedSVD(dims, random_state=0).fit_transform(tfidf).astype(np.float32))


def gaussian(rows: np.ndarray) -> np.ndarray:
    squares = np.einsum("ij,ij->i", rows, rows)
    distances = np.maximum(squares[:, None] + squares[None, :] - 2.0 * (rows @ rows.T), 0.0)
    return np.exp(-distances / float(np.median(distances[distances > 0])), dtype=np.float32)


def space_rows(
    space: str, raw: np.ndarray, texts: list[str], tokens: np.ndarray | None, cache: dict
) -> np.ndarray:
    """The pooled rows of one representation, built without the labels."""
    from steward.monitor import drift_tests

    weight = drift_tests.LEXICAL_WEIGHT
    if "words" not in cache:
        cache["words"] = drift_tests._lexical(texts)
    words = cache["words"]
    if space == "joint":
        return np.hstack([drift_tests._centred(raw), weight * words])
    if space.startswith("white"):
        return np.hstack([whiten(raw, int(space[5:])), weight * words])
    if space == "lex300":
        return np.hstack([drift_tests._centred(raw), weight * lexical(texts, 300)])
    if space in ("char", "wordchar"):
        if "char" not in cache:
            cache["char"] = lexical(texts, 100, analyzer="char_wb", ngram_range=(3, 5), min_df=2)
        if space == "char":
            return np.hstack([drift_tests._centred(raw), weight * cache["char"]])
        return np.hstack([drift_tests._centred(raw), weight * words, weight * cache["char"]])
    assert tokens is not None, "the token spaces need --tokens"
    if space == "tok":
        return np.hstack([drift_tests._centred(tokens), weight * words])
    if space == "tokwhite64":
        return np.hstack([whiten(tokens, 64), weight * words])
    if space == "toklex":  # the sentence embedding, the token states and the words, each a unit block
        return np.hstack([drift_tests._centred(raw), drift_tests._centred(tokens), weight * words])
    raise ValueError(space)


def statistics(ref_texts, cur_texts, ref, cur, rng, spaces, tokens=None):
    from steward.monitor import drift, drift_tests

    raw = np.vstack([ref, cur]).astype(np.float32)
    n, m = len(ref), len(cur)
    labels = np.concatenate([np.zeros(n, bool), np.ones(m, bool)])
    texts = ref_texts + cur_texts
    built, cache = [], {}
    for space in spaces:
        rows = space_rows(space, raw, texts, tokens, cache)
        near = drift_tests._nearest(rows, max(KS))
        rings = [drift_tests._adjacency(near[:, a:k]) for a, k in zip([0, *KS], KS, strict=False)]
        built.append((rings, *scan_bench.tree_members(rows), gaussian(rows)))
    kernel = drift_tests._gaussian_kernel(raw, rng)
    folds = np.arange(n + m) % scan_bench.FOLDS
    rng.shuffle(folds)
    hats = scan_bench.hat_matrices(raw, folds)
    lengths = np.asarray(drift._lengths(texts))
    edges = np.unique(np.quantile(lengths, np.linspace(0, 1, 11)[1:-1]))
    length_bins = np.searchsorted(edges, lengths, side="right")
    languages = drift.languages(texts)
    index = {c: i for i, c in enumerate(sorted(set(languages)))}
    language_bins = np.array([index[c] for c in languages])
    share = m / (n + m)

    def mmd(matrix: np.ndarray, labellings: np.ndarray) -> np.ndarray:
        signs = np.where(labellings, -1.0 / m, 1.0 / n).astype(np.float32).T
        return np.einsum("ij,ij->j", signs, matrix @ signs)

    def batch(labellings: np.ndarray) -> np.ndarray:
        as_current = labellings.T.astype(np.float32)
        out = [mmd(kernel, labellings), scan_bench.cross_fitted_auc(hats, labellings)]
        out += [scan_bench.psi_column(length_bins, labellings), scan_bench.psi_column(language_bins, labellings)]
        for rings, members, sizes, matrix in built:
            found = np.zeros(as_current.shape, np.float32)
            for k, ring in zip(KS, rings, strict=True):
                found += ring @ as_current
                out += [np.sum((found >= math.ceil(s * k)) & labellings.T, axis=0) for s in SHARES]
            out += scan_bench.scan_columns(members, sizes, labellings, share)[: len(BANDS)]
            out.append(mmd(matrix, labellings))
        return np.stack(out, 1).astype(np.float64)

    observed = batch(labels[None])[0]
    total = CALIBRATION + TEST
    batches = [np.stack([rng.permutation(labels) for _ in range(200)]) for _ in range(total // 200)]
    permuted = np.vstack([batch(labellings) for labellings in batches])
    return observed, permuted


def p_value(observed: np.ndarray, permuted: np.ndarray, names: list[str], all_names: list[str]) -> float:
    index = [all_names.index(name) for name in names]
    calibration, rest = permuted[:CALIBRATION, index], permuted[CALIBRATION:, index]
    centre, spread = calibration.mean(0), calibration.std(0)
    poisson = np.array([":j" in name for name in names])
    spread = np.where(poisson, np.maximum(spread, np.sqrt(centre + 1)), spread)
    spread[spread <= 1e-9 * (np.abs(centre) + 1.0)] = np.inf
    value = np.max((observed[index] - centre) / spread)
    return float((1 + np.sum(np.max((rest - centre) / spread, axis=1) >= value)) / (1 + len(rest)))


def variants(spaces: list[str]) -> dict[str, list[str]]:
    base = ["m", "auc", "psi_length", "psi_language"]

    def members(space: str, mmd: bool = False) -> list[str]:
        cols = [f"{space}:j{k}_{s}" for k in KS for s in SHARES] + [f"{space}:scan{lo}" for lo, _ in BANDS]
        return cols + ([f"{space}:m"] if mmd else [])

    found = {"shipped (joint counts + scan, MMD, AUC, PSIs)": base + members("joint")}
    found["shipped + joint MMD"] = base + members("joint", True)
    for space in spaces:
        if space != "joint":
            found[f"{space} in place of joint"] = base + members(space)
            found[f"{space} in place of joint, + its MMD"] = base + members(space, True)
            found[f"joint + {space}"] = base + members("joint") + members(space)
    return found


def report(rows: list[dict]) -> None:
    from scipy import stats

    for row in rows:
        row["names"] = row["names"] or column_names(list(FIRST_RUN))
    common = [n for n in rows[0]["names"] if all(n in r["names"] for r in rows)]
    spaces = list(dict.fromkeys(n.split(":")[0] for n in common if ":" in n))
    levels = sorted({r["level"] for r in rows})
    for name, names in variants(spaces).items():
        parts = []
        for level in levels:
            ps = np.array([p_value(r["observed"], r["permuted"], names, r["names"]) for r in rows
                           if r["level"] == level])  # fmt: skip
            if level == 0:
                ks = stats.kstest(ps, "uniform").pvalue
                parts.append(
                    f"null n={len(ps)} <.005 {np.mean(ps < 0.005):.3f} <.01 {np.mean(ps < 0.01):.3f} "
                    f"<=.05 {np.mean(ps <= 0.05):.3f} <=.1 {np.mean(ps <= 0.1):.3f} KS {ks:.2f}"
                )
            else:
                parts.append(
                    f"{level:.0%} n={len(ps)}: {np.mean(ps < 0.01):.3f}/{np.mean(ps < 0.005):.3f} "
                    f"mean -log10 p {np.mean(-np.log10(ps)):.2f}"
                )
        print(f"{name:46s}", " | ".join(parts), flush=True)


def token_embeddings(texts: list[str], path: Path) -> np.ndarray:
    """Per text: mean and max of MiniLM's last-layer token states and the mean of its layer 3 (cached by hash)."""
    stored: dict[str, np.ndarray] = {}
    if path.is_file():
        with np.load(path) as saved:
            stored = {key: saved[key] for key in saved.files}
    keys = [hashlib.sha256(t.encode()).hexdigest()[:24] for t in texts]
    # by length, so that a batch pads little (what sentence-transformers' encode does)
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in stored}.items(),
                     key=lambda item: len(item[1]))  # fmt: skip
    if missing:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from steward.models.embeddings import model_path

        print(f"token states of {len(missing)} texts …", flush=True)
        tokenizer = AutoTokenizer.from_pretrained(str(model_path()))
        model = AutoModel.from_pretrained(str(model_path())).eval()
        for start in range(0, len(missing), 32):
            chunk = [t for _, t in missing[start : start + 32]]
            encoded = tokenizer(chunk, padding=True, truncation=True, max_length=256, return_tensors="pt")
            with torch.no_grad():
                states = model(**encoded, output_hidden_states=True).hidden_states
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            mean = (states[-1] * mask).sum(1) / mask.sum(1)
            top = states[-1].masked_fill(mask == 0, -1e4).max(1).values
            third = (states[3] * mask).sum(1) / mask.sum(1)
            vectors = torch.cat([_unit(mean), _unit(top), _unit(third)], dim=1).numpy()
            stored.update({k: v for (k, _), v in zip(missing[start : start + 32], vectors, strict=True)})
            if start % 1600 == 0:  # keep what is done: the pass is long on a shared CPU
                print(f"  {start + len(chunk)} of {len(missing)}", flush=True)
                np.savez(path, **stored)
        np.savez(path, **stored)
    return np.stack([stored[k] for k in keys]).astype(np.float32)


def _unit(x):  # type: ignore[no-untyped-def]
    return x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    dev.add_window_options(parser, seed=901, windows=40, shifts="0.1,0")
    parser.add_argument("--spaces", default=",".join(FIRST_RUN), help=f"comma-separated, of {','.join(SPACES)} "
                        "(tok*: MiniLM token states, cached)")  # fmt: skip
    parser.add_argument("--save", type=Path, help="keep every pair's statistics here (npz)")
    parser.add_argument("--load", type=Path, action="append", help="report saved statistics (no computation)")
    args = parser.parse_args(argv)
    if args.load:
        report(dev.load(args.load))
        return
    spaces = args.spaces.split(",")
    if unknown := set(spaces) - set(SPACES):
        sys.exit(f"unknown spaces {sorted(unknown)}; choose from {', '.join(SPACES)}")
    names = column_names(spaces)
    rows = []
    for pair in dev.pairs(args):
        texts = pair.ref_texts + pair.cur_texts
        tokens = (
            token_embeddings(texts, args.out / "tokens.npz") if any(s.startswith("tok") for s in spaces) else None
        )
        pair_rng = np.random.default_rng(args.seed * 1000 + pair.index)
        observed, permuted = statistics(
            pair.ref_texts, pair.cur_texts, pair.ref, pair.cur, pair_rng, spaces, tokens
        )
        rows.append({"level": pair.level, "observed": observed, "permuted": permuted, "names": names})
        if args.save:
            dev.save(args.save, rows, names)
    report(rows)


if __name__ == "__main__":
    main()
