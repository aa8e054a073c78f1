"""Drift over two 10,000-record windows, timed again and again on one store (bench/monitor_scale.py's drift part).

    python bench/monitor_drift_time.py build sqlite:////tmp/drift100k.db      # 100,000 records + embeddings, once
    python bench/monitor_drift_time.py time sqlite:////tmp/drift100k.db 3    # rounds of load_window + detect_drift

`build` writes the records through the store's writer (`monitor_scale.fill`) and stores random unit vectors as
their embeddings (`monitor_scale.drift_seconds`, which also times one run). `time` reads the two windows and runs
every test, as `monitor_scale.drift_seconds` does, and prints wall-clock and CPU seconds per round: on a machine
shared with other jobs the process's CPU time is the closer figure for one quiet core (one thread: numpy's BLAS is
held to one by OMP_NUM_THREADS=1). Run it with PYTHONPATH pointing at each tree to compare two versions on the
same store, alternately.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import monitor_scale as scale  # noqa: E402

from steward.monitor.drift import detect_drift  # noqa: E402
from steward.monitor.windows import Window, load_window  # noqa: E402
from steward.store import Store  # noqa: E402

RECORDS = 100_000


class _StoredOnly:
    def embed(self, texts: list[str]) -> np.ndarray:
        raise AssertionError("every embedding should have been stored already")


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] not in ("build", "time"):
        sys.exit(__doc__)
    mode, url = argv[0], argv[1]
    with Store.open(url) as store:
        if mode == "build":
            scale.fill(store, RECORDS)
            print("drift while building:", scale.drift_seconds(store, RECORDS))
            return
        per_app_day = RECORDS / len(scale.APPS) / scale.DAYS
        days = min(scale.DAYS / 2, np.ceil(10_000 / per_app_day))
        start = scale.END - scale.DAYS * 86400
        windows = [Window("reference", since=start, until=start + days * 86400),
                   Window("current", since=scale.END - days * 86400, until=scale.END)]  # fmt: skip
        for r in range(int(argv[2]) if len(argv) > 2 else 1):
            wall, cpu = time.perf_counter(), time.process_time()
            samples = [load_window(store, scale.APPS[0], w, embedder=_StoredOnly(), max_records=10_000)
                       for w in windows]  # fmt: skip
            report = detect_drift(scale.APPS[0], samples[0], samples[1])
            print(
                f"round {r}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU, "
                f"records {[s.records for s in samples]}, signals {len(report.signals)}, drifted {report.drifted}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
