"""The statistics behind drift: each compares a reference sample with a current one and says whether they differ.

Every test returns a `Signal` whose `statistic` is compared with a `threshold` (drifted when it is greater), so
that a reader of `steward monitor drift` never has to know which tests use p-values: where a test has a null
distribution, the threshold is the statistic's critical value at the test's share of the family-wise error rate
(weighted Bonferroni over one run's signals, `steward.monitor.drift.alpha_shares`), and where a field has a
customary effect size (Evidently's ROC AUC of 0.55, a PSI of 0.2) the threshold is the larger of the two, so
that a tiny but significant difference in a huge window is not called drift, nor a large but noisy one in a
small window.

- `embedding_domain_classifier`: Evidently's default for embeddings. A logistic regression learns to tell the
  two windows apart on one half of the rows; its ROC AUC on the other half is the statistic, whose null is the
  Mann-Whitney U of those held-out scores. Since session 13 `detect_drift` uses a cross-fitted classifier inside
  each side's permutation family instead (`steward.monitor.drift_family`); this one stays for the benches.
- `embedding_permutation`: MMD and neighbourhood counts as one max-type permutation test. MMD is the maximum mean
  discrepancy with a Gaussian kernel (median heuristic): a shift of the whole traffic. The counts: a new topic in
  a tenth of the traffic forms a cluster of current requests whose nearest neighbours are other current requests,
  so for k in 5, 10, 20, 30, 40, 60 (`neighbour_scales`: each at most a 16th of the pooled rows, and at least 5)
  and shares 0.6-0.9 they count the current requests whose k nearest neighbours (cosine on embeddings centred on
  the pooled mean, beside the texts' centred TF-IDF at half their weight where the texts are given: a new subject
  in the same format differs more in its words than in its sentence embedding) are at least that share current.
  Beside them (session 14) a tree scan: Ward's agglomerative tree of the same rows, built without the labels, and
  for each band of node sizes (CLUSTER_BANDS) the largest Kulldorff log-likelihood ratio of a node holding more
  current rows than the pooled share, so that a new topic forming a branch of its own counts as one cluster.
  Each statistic is
  standardised by a first batch of label permutations and the test statistic is the largest; its null is exact,
  by permuting the window labels again (`permutation_p`: sequential, so that a window without drift costs one
  batch of permutations). Until session 12 MMD and the counts were two tests splitting their alpha by Bonferroni;
  as one test they share the permutations and the family's alpha is not split between them. A fitted MMD null (a
  gamma by moments) was tried first: its tail is too thin at the small alphas a family needs, and it called 4 %
  of undrifted windows drifted.
- `psi`: the population stability index of a numeric feature (binned at the reference's deciles) or of a
  categorical one. (n·m/(n+m))·PSI is asymptotically χ² with bins-1 degrees of freedom (PSI is the Jeffreys
  divergence), which gives its null.
- `two_proportions`: a rate (a scanner's verdicts, declines) by the pooled two-proportion z-test.
- `scores`: a sampled quality score (faithfulness, a judge) by the Mann-Whitney U test, as a z statistic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

DOMAIN_AUC = 0.55  # Evidently's default threshold for the embedding domain classifier
PSI_EFFECT = 0.2  # the customary "significant shift" of a population stability index
MAX_CLASSIFIER_ROWS = 5_000  # per window: beyond this the AUC's precision no longer matters, its cost does
MAX_KERNEL_ROWS = 1_500  # per window for MMD and neighbours: the similarity matrix is (2·rows)², float32
NEIGHBOUR_KS = (5, 10, 20, 30, 40, 60)  # neighbourhood sizes counted (each at most a 16th of the pooled rows)
NEIGHBOUR_ROWS_PER_K = 16
NEIGHBOUR_SHARES = (0.6, 0.7, 0.8, 0.9)  # a current request is "in a current neighbourhood" at this share current
LEXICAL_DIMS = 100  # TF-IDF rows reduced to this many dimensions by TruncatedSVD for the neighbour counts
LEXICAL_WEIGHT = 0.5  # their weight beside the (unit) embedding in the joint rows whose neighbours are counted
CALIBRATION_PERMUTATIONS = 200  # label permutations that standardise the statistics before the test's own
CLUSTER_BANDS = ((2, 10), (10, 30), (30, 100), (100, 400))  # node sizes of the tree scan, one statistic per band
TREE_ROWS = 1_000  # pooled rows the tree is built on (a label-blind random subset beyond): Ward's tree costs the
# square of the rows, and two windows of 500 are all seen


@dataclass(frozen=True)
class Signal:
    """One drift test's verdict: drifted when `statistic` > `threshold`."""

    name: str
    test: str
    statistic: float
    threshold: float
    drifted: bool
    p_value: float | None = None
    reference: float | None = None  # the summary of the reference window the test compared (a rate, a mean)
    current: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "test": self.test,
            "statistic": _finite(self.statistic),
            "threshold": _finite(self.threshold),
            "drifted": bool(self.drifted),
            "p_value": _finite(self.p_value),
            "reference": _finite(self.reference),
            "current": _finite(self.current),
        }
        if self.detail:
            data["detail"] = self.detail
        return data


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 6)


def _subsample(rows: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    if len(rows) <= limit:
        return rows
    return rows[rng.choice(len(rows), size=limit, replace=False)]


def embedding_domain_classifier(
    name: str, reference: np.ndarray, current: np.ndarray, *, alpha: float, seed: int = 0
) -> Signal:
    """ROC AUC of a classifier telling the windows apart, Evidently's way: fitted on a random half of the pooled
    rows, scored on the other half. Held-out scores are independent of their labels when nothing drifted, so the
    Mann-Whitney null of their AUC holds exactly (cross-validated scores would not: the folds' models differ)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(seed)
    ref = _subsample(reference, MAX_CLASSIFIER_ROWS, rng)
    cur = _subsample(current, MAX_CLASSIFIER_ROWS, rng)
    x = np.vstack([ref, cur]).astype(np.float32)
    y = np.concatenate([np.zeros(len(ref)), np.ones(len(cur))])
    x_fit, x_held, y_fit, y_held = train_test_split(x, y, test_size=0.5, random_state=seed, stratify=y)
    scores = LogisticRegression(C=1.0, max_iter=500).fit(x_fit, y_fit).decision_function(x_held)
    auc = float(roc_auc_score(y_held, scores))
    n, m = int(np.sum(y_held == 0)), int(np.sum(y_held == 1))
    p_value = float(stats.mannwhitneyu(scores[y_held == 1], scores[y_held == 0], alternative="greater").pvalue)
    threshold = max(DOMAIN_AUC, _critical_auc(n, m, alpha))
    return Signal(
        name,
        "domain classifier ROC AUC (held-out half)",
        auc,
        threshold,
        auc > threshold and p_value < alpha,
        p_value,
        detail={"reference_rows": len(ref), "current_rows": len(cur)},
    )


def _critical_auc(n: int, m: int, alpha: float) -> float:
    """The AUC that a classifier with no signal exceeds with probability alpha (normal approximation of U)."""
    sd = math.sqrt((n + m + 1) / (12.0 * n * m))
    return 0.5 + float(stats.norm.isf(alpha)) * sd


def permutation_p(
    statistic: Callable[[np.ndarray], np.ndarray],
    labels: np.ndarray,
    alpha: float,
    rng: np.random.Generator,
    resolution: float = 2.0,
) -> tuple[float, int]:
    """Exact permutation p-value (1 + exceedances) / (1 + permutations), computed sequentially: permutations
    run in batches until the p-value can no longer fall below alpha (most windows without drift stop after one
    batch) or until there are `resolution` / alpha of them (the more, the closer a window whose true p-value is
    near alpha comes to being judged on it rather than on the luck of the permutations). `statistic` maps a
    (batch, rows) array of labellings to their statistics. Returns (p-value, permutations run)."""
    observed = float(statistic(labels[None, :])[0])
    most = int(np.ceil(resolution / alpha))
    allowed = (most + 1) * alpha - 1  # exceedances beyond which p cannot end below alpha
    exceed, done = 0, 0
    while done < most:
        batch = min(200, most - done)
        shuffled = np.stack([rng.permutation(labels) for _ in range(batch)])
        exceed += int(np.sum(statistic(shuffled) >= observed))
        done += batch
        if exceed > allowed:
            break
    return (1 + exceed) / (1 + done), done


def embedding_permutation(
    name: str,
    reference: np.ndarray,
    current: np.ndarray,
    *,
    alpha: float,
    seed: int = 0,
    texts: tuple[Sequence[str], Sequence[str]] | None = None,
) -> Signal:
    """MMD and the neighbourhood counts as one max-type permutation test: every labelling, the observed one and
    each permutation, gives MMD² and, for each (k, share), the current requests whose k nearest neighbours are at
    least that share current. Each statistic is standardised by the mean and spread of a first batch of label
    permutations; the test statistic is the largest standardised one, and its p-value comes from further
    permutations, independent of that first batch, so it stays exact whichever statistic wins. A shift of the
    whole traffic moves MMD, a new topic in part of it a tight (10 neighbours) or spread (70 % of 40) count: the
    family spends its alpha on one test rather than splitting it between them. With `texts` (one per embedded
    row, in order) the neighbours are those of joint rows: the centred embedding beside the texts' centred TF-IDF
    (`_lexical`) at LEXICAL_WEIGHT, so that a new subject in the same format, whose words differ more than its
    sentence embeddings, still forms neighbourhoods of its own."""
    rng = np.random.default_rng(seed)
    columns = embedding_columns(reference, current, rng, texts)
    statistics, labels, scales, words = columns.statistics, columns.labels, columns.scales, columns.words
    n, m = columns.reference_rows, columns.current_rows
    calibration = statistics(np.stack([rng.permutation(labels) for _ in range(CALIBRATION_PERMUTATIONS)]))
    centre, spread = calibration.mean(axis=0), calibration.std(axis=0)
    counts = columns.counts
    spread[counts] = np.maximum(spread[counts], np.sqrt(centre[counts] + 1.0))  # a Poisson floor for the counts:
    # near 0 they are often 0 in the first batch, and a tiny spread would let a strict scale's rare jump decide
    spread[spread <= 1e-9 * (np.abs(centre) + 1.0)] = np.inf  # a statistic no permutation moves: never the max

    def standardised(labellings: np.ndarray) -> np.ndarray:
        return np.max((statistics(labellings) - centre) / spread, axis=1)

    observed = statistics(labels[None, :])[0]
    best = int(np.argmax((observed - centre) / spread))
    p_value, permutations = permutation_p(standardised, labels, alpha, rng, resolution=10.0)  # cheap: resolve well
    detail: dict[str, Any] = {"mmd2": round(float(observed[0]), 6), "scales": scales, "reference_rows": n,
                              "current_rows": m, "permutations": permutations}  # fmt: skip
    if words is not None:
        detail["lexical_weight"] = LEXICAL_WEIGHT
    detail.update(columns.largest(best, observed))
    joint = " on embeddings and TF-IDF" if words is not None else ""
    test = (
        f"MMD², current requests among current neighbours{joint} (k {scales}) and current clusters of a Ward "
        "tree, largest standardised, "
        "permutation p"
    )
    return _p_signal(name, test, p_value, alpha, detail)


@dataclass(frozen=True)
class EmbeddingColumns:
    """What the MMD-and-neighbours statistics need of two windows, sampled down to MAX_KERNEL_ROWS each: the
    statistics of a (batch, rows) array of labellings (MMD², then the counts by scale and share, then the tree
    scan's largest log-likelihood ratio in each band of CLUSTER_BANDS), the observed labels (reference rows first),
    which rows of each window were kept, and the scales counted."""

    statistics: Callable[[np.ndarray], np.ndarray]
    labels: np.ndarray
    reference_index: np.ndarray
    current_index: np.ndarray
    scales: list[int]
    words: np.ndarray | None

    @property
    def reference_rows(self) -> int:
        return len(self.reference_index)

    @property
    def current_rows(self) -> int:
        return len(self.current_index)

    @property
    def counts(self) -> slice:
        """The columns of the neighbour counts (Poisson-floored when standardised)."""
        return slice(1, 1 + len(self.scales) * len(NEIGHBOUR_SHARES))

    @property
    def width(self) -> int:
        return 1 + len(self.scales) * len(NEIGHBOUR_SHARES) + len(CLUSTER_BANDS)

    def largest(self, column: int, observed: np.ndarray) -> dict[str, Any]:
        """The detail that names the statistic of `column` (the one that decided) and its observed value."""
        if column == 0:
            return {"largest": "mmd"}
        if column < self.counts.stop:
            scale, share = divmod(column - 1, len(NEIGHBOUR_SHARES))
            return {"largest": "neighbours", "count": int(observed[column]), "k": self.scales[scale],
                    "share": NEIGHBOUR_SHARES[share]}  # fmt: skip
        low, high = CLUSTER_BANDS[column - self.counts.stop]
        return {"largest": "cluster", "cluster_sizes": [low, high - 1], "llr": round(float(observed[column]), 3)}


def embedding_columns(
    reference: np.ndarray,
    current: np.ndarray,
    rng: np.random.Generator,
    texts: tuple[Sequence[str], Sequence[str]] | None = None,
) -> EmbeddingColumns:
    """The statistics of `embedding_permutation` (see there), label-blind in everything but the labelling."""
    ref_rows = _rows(len(reference), MAX_KERNEL_ROWS, rng)
    cur_rows = _rows(len(current), MAX_KERNEL_ROWS, rng)
    ref, cur = reference[ref_rows].astype(np.float32), current[cur_rows].astype(np.float32)
    n, m = len(ref), len(cur)
    kernel = _gaussian_kernel(np.vstack([ref, cur]), rng)
    pooled = _centred(np.vstack([ref, cur]))
    words = None
    if texts is not None and len(texts[0]) == len(reference) and len(texts[1]) == len(current):
        words = _lexical([texts[0][i] for i in ref_rows] + [texts[1][i] for i in cur_rows])
    if words is not None:
        pooled = np.hstack([pooled, LEXICAL_WEIGHT * words])
    scales = neighbour_scales(len(pooled))
    neighbours = _nearest(pooled, scales[-1])
    rings = [_adjacency(neighbours[:, start:k]) for start, k in zip([0, *scales], scales, strict=False)]
    labels = np.concatenate([np.zeros(n, bool), np.ones(m, bool)])
    treed = np.arange(len(pooled))
    if len(pooled) > TREE_ROWS:
        treed = np.sort(rng.choice(len(pooled), size=TREE_ROWS, replace=False))
    members, sizes = _tree(pooled[treed])
    bands = [(sizes >= low) & (sizes < high) for low, high in CLUSTER_BANDS]

    def statistics(labellings: np.ndarray) -> np.ndarray:  # (batch, width): MMD², counts, cluster scan
        as_current = labellings.T.astype(np.float32)  # (rows, batch)
        signs = np.where(labellings, -1.0 / m, 1.0 / n).astype(np.float32).T
        found, columns = np.zeros(as_current.shape, np.float32), [np.einsum("ij,ij->j", signs, kernel @ signs)]
        for k, ring in zip(scales, rings, strict=True):
            found += ring @ as_current  # current neighbours among the k nearest, a sparse product
            columns += [np.sum((found >= math.ceil(s * k)) & labellings.T, axis=0) for s in NEIGHBOUR_SHARES]
        in_tree = as_current[treed]
        share = in_tree.mean(axis=0, dtype=np.float64)[None, :]  # each labelling's current share of the tree
        ratio = _excess_llr(np.asarray(members @ in_tree, np.float64), sizes[:, None], share)  # nodes × batch
        columns += [np.max(ratio[band], axis=0) if band.any() else np.zeros(len(labellings)) for band in bands]
        return np.stack(columns, axis=1).astype(np.float64)

    return EmbeddingColumns(statistics, labels, ref_rows, cur_rows, scales, words)


def _tree(rows: np.ndarray) -> tuple[Any, np.ndarray]:
    """Ward's agglomerative tree of the pooled rows (scipy; label-blind, so fixed under the permutations): the
    sparse (nodes × rows) 0/1 membership of each merged node, and each node's size."""
    from scipy import sparse
    from scipy.cluster.hierarchy import linkage

    merges = linkage(rows.astype(np.float64), method="ward")
    members: list[np.ndarray] = [np.array([i]) for i in range(len(rows))]
    for left, right, _, _ in merges:
        members.append(np.concatenate([members[int(left)], members[int(right)]]))
    nodes = members[len(rows) :]
    node_of = np.repeat(np.arange(len(nodes)), [len(node) for node in nodes])
    data = np.ones(len(node_of), np.float32)
    matrix = sparse.csr_matrix((data, (node_of, np.concatenate(nodes))), shape=(len(nodes), len(rows)))
    return matrix, merges[:, 3].astype(np.float64)


def _excess_llr(current: np.ndarray, size: np.ndarray, share: float | np.ndarray) -> np.ndarray:
    """Kulldorff's binomial log-likelihood ratio of a node holding `current` of its `size` rows current, against
    the pooled `share`; 0 where the node holds no more current rows than its share (only a new topic counts)."""
    rest = size - current
    with np.errstate(divide="ignore", invalid="ignore"):
        llr = np.nan_to_num(current * np.log(current / (size * share)))
        llr += np.nan_to_num(rest * np.log(rest / (size * (1 - share))))
    return np.where(current > size * share, llr, 0.0)


def _rows(count: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    """Which of `count` rows a test keeps: all, or `limit` of them at random."""
    if count <= limit:
        return np.arange(count)
    return rng.choice(count, size=limit, replace=False)


def _lexical(texts: list[str]) -> np.ndarray | None:
    """The pooled texts' TF-IDF rows (word unigrams, sublinear term frequency), reduced to LEXICAL_DIMS by
    TruncatedSVD, centred and back on the unit sphere, like the embeddings. Fitted on both windows together,
    blind to the labels, so the permutation null is untouched. None when the texts hold too few words."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        tfidf = TfidfVectorizer(sublinear_tf=True, dtype=np.float32).fit_transform(texts)
    except ValueError:  # an empty vocabulary: nothing lexical to compare
        return None
    dims = min(LEXICAL_DIMS, tfidf.shape[1] - 1, len(texts) - 1)
    if dims < 1:
        return None
    return _centred(TruncatedSVD(dims, random_state=0).fit_transform(tfidf).astype(np.float32))


def neighbour_scales(pooled: int) -> list[int]:
    """The neighbourhood sizes counted over `pooled` rows (both windows, each sampled down to MAX_KERNEL_ROWS):
    5, 10, 20, 30, 40 and 60, each capped at a 16th of the rows but never under 5. All six from 960 rows on (two
    windows of 480); fewer below, e.g. [5, 7] for two windows of 60 records."""
    return sorted({int(min(k, max(5, pooled // NEIGHBOUR_ROWS_PER_K))) for k in NEIGHBOUR_KS})


def _adjacency(columns: np.ndarray) -> Any:
    """A sparse (rows × rows) 0/1 matrix with a 1 at (i, j) for each j in row i of `columns`."""
    from scipy import sparse

    rows, width = columns.shape
    data = np.ones(rows * width, np.float32)
    return sparse.csr_matrix((data, (np.repeat(np.arange(rows), width), columns.ravel())), shape=(rows, rows))


def _centred(rows: np.ndarray) -> np.ndarray:
    """Rows less the pooled mean, back on the unit sphere: the direction every text of one app shares (one
    template, one style) no longer dominates cosine similarity, topics do. Blind to the labels, so the
    permutation null is untouched."""
    centred = rows - rows.mean(axis=0)
    return centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)


def _nearest(rows: np.ndarray, k: int) -> np.ndarray:
    """Each row's k nearest other rows by cosine similarity, nearest first."""
    similarity = rows @ rows.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argpartition(-similarity, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(similarity, nearest, axis=1), axis=1)
    return np.take_along_axis(nearest, order, axis=1)


def _p_signal(name: str, test: str, p_value: float, alpha: float, detail: dict[str, Any]) -> Signal:
    """A permutation test's verdict on the -log10 scale, so that "statistic > threshold" reads as "p < alpha"."""
    return Signal(name, test, -math.log10(p_value), -math.log10(alpha), p_value < alpha, p_value, detail=detail)


def _gaussian_kernel(rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    squares = np.einsum("ij,ij->i", rows, rows)
    distances = np.maximum(squares[:, None] + squares[None, :] - 2.0 * (rows @ rows.T), 0.0)
    sample = distances[rng.choice(len(rows), size=min(len(rows), 500), replace=False)]
    median = float(np.median(sample[sample > 0])) if np.any(sample > 0) else 1.0
    return np.exp(-distances / median, dtype=np.float32)


def psi(
    name: str,
    reference: Sequence[Any],
    current: Sequence[Any],
    *,
    alpha: float,
    numeric: bool,
    bins: int = 10,
) -> Signal:
    """Population stability index, with the larger of 0.2 and its χ² critical value as the threshold."""
    if numeric:
        ref_counts, cur_counts = _numeric_bins(np.asarray(reference, float), np.asarray(current, float), bins)
    else:
        ref_counts, cur_counts = _category_counts(reference, current)
    n, m = ref_counts.sum(), cur_counts.sum()
    value = float(psi_of_counts(ref_counts, cur_counts))
    dof = max(len(ref_counts) - 1, 1)
    scale = n * m / (n + m)
    p_value = float(stats.chi2.sf(value * scale, dof))
    threshold = max(PSI_EFFECT, float(stats.chi2.isf(alpha, dof) / scale))
    return Signal(
        name, "PSI", value, threshold, bool(value > threshold), p_value, detail={"bins": len(ref_counts)}
    )


def psi_of_counts(reference: np.ndarray, current: np.ndarray) -> np.ndarray:
    """The PSI of bin counts (bins along the first axis; further axes, e.g. labellings, kept), with a half count
    in each bin: an empty bin would make the index infinite."""
    eps = 0.5
    p = (reference + eps) / (reference.sum(axis=0) + eps * len(reference))
    q = (current + eps) / (current.sum(axis=0) + eps * len(current))
    return np.asarray(np.sum((q - p) * np.log(q / p), axis=0))


def _numeric_bins(reference: np.ndarray, current: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    ref_counts = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1)
    return ref_counts.astype(float), cur_counts.astype(float)


def _category_counts(reference: Sequence[Any], current: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    categories = sorted({*map(str, reference), *map(str, current)})
    index = {c: i for i, c in enumerate(categories)}
    ref_counts = np.zeros(len(categories))
    cur_counts = np.zeros(len(categories))
    for value in reference:
        ref_counts[index[str(value)]] += 1
    for value in current:
        cur_counts[index[str(value)]] += 1
    return ref_counts, cur_counts


def two_proportions(name: str, reference: tuple[int, int], current: tuple[int, int], *, alpha: float) -> Signal:
    """Pooled two-proportion z-test of (hits, total) in each window; |z| against the two-sided critical value."""
    (x1, n1), (x2, n2) = reference, current
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    sd = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = 0.0 if sd == 0 else (p2 - p1) / sd
    p_value = float(2 * stats.norm.sf(abs(z)))
    critical = float(stats.norm.isf(alpha / 2))
    return Signal(name, "two-proportion z (|z|)", abs(z), critical, abs(z) > critical, p_value, p1, p2)


def scores(name: str, reference: Sequence[float], current: Sequence[float], *, alpha: float) -> Signal:
    """Mann-Whitney U of sampled quality scores, as |z| against the two-sided critical value."""
    ref, cur = np.asarray(reference, float), np.asarray(current, float)
    result = stats.mannwhitneyu(cur, ref, alternative="two-sided")
    n, m = len(ref), len(cur)
    mean_u = n * m / 2.0
    sd_u = math.sqrt(n * m * (n + m + 1) / 12.0)
    z = 0.0 if sd_u == 0 else (float(result.statistic) - mean_u) / sd_u
    critical = float(stats.norm.isf(alpha / 2))
    return Signal(
        name,
        "Mann-Whitney U (|z|)",
        abs(z),
        critical,
        abs(z) > critical and float(result.pvalue) < alpha,
        float(result.pvalue),
        float(np.mean(ref)),
        float(np.mean(cur)),
    )
