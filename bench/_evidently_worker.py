"""Runs inside bench/.venv-evidently: Evidently's embedding drift, its default method, on window pairs.

    bench/.venv-evidently/bin/python bench/_evidently_worker.py PAIRS.npz N

PAIRS.npz holds `ref{i}` and `cur{i}` (embeddings, one row per request) for i < N. For each pair this does what
Evidently's `EmbeddingsDriftMetric` does when no method is given: `model(bootstrap=reference rows < 1000)`, the
domain classifier (SGD logistic regression on a half split, ROC AUC on the other half) against a threshold of
0.55, or, for a reference under 1,000 rows, against the 95th percentile of random classifiers' ROC AUCs.
Prints one JSON line: the list of verdicts (true = drift).
"""

import json
import sys

import numpy as np
import pandas as pd
from evidently.legacy.metrics.data_drift.embedding_drift_methods import model


def main() -> None:
    path, count = sys.argv[1], int(sys.argv[2])
    verdicts = []
    with np.load(path) as pairs:
        for i in range(count):
            ref, cur = pairs[f"ref{i}"], pairs[f"cur{i}"]
            columns = [f"e{j}" for j in range(ref.shape[1])]
            method = model(bootstrap=ref.shape[0] < 1000)
            _, drifted, _ = method(pd.DataFrame(cur, columns=columns), pd.DataFrame(ref, columns=columns))
            verdicts.append(bool(drifted))
    print(json.dumps(verdicts))


if __name__ == "__main__":
    main()
