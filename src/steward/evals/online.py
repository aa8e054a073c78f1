"""Online evaluation: a sampled share of production answers scored by the evals' own metrics, off the request path.

`QualitySampler.run()` reads the records the writer committed since its cursor, picks the served grounded answers
whose id hashes into the share (so a rebuild, a second server or a rerun picks the same ones), scores them with
the `faithfulness` metric (`steward.evals.rag.Faithfulness`, the support check serving and `steward eval` use;
soft: the mean support of the answer's claims, 0-1) and keeps the scores with their records
(`store.monitoring.save_scores`). The monitor folds them into the rollups (`quality_mean`) and compares them
between windows (the `quality` drift signal). `steward serve` runs it before each monitoring pass when
`monitor.quality` is set.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from steward.evals.metric import Row
from steward.evals.rag import Faithfulness
from steward.store import Store

CURSOR = "quality"
BATCH = 200


def sampled(record_id: str, share: float) -> bool:
    """Whether a record falls in the share, by a hash of its id (the same answer on every run)."""
    digest = hashlib.sha256(record_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def _row(raw: dict[str, Any]) -> Row | None:
    """The eval row of a served grounded answer, or None for a record that is not one."""
    sources = raw.get("sources") or []
    if raw.get("status") != "served" or not raw.get("output") or not sources:
        return None
    turns = reversed(raw.get("input") or [])
    question = next((t.get("content", "") for t in turns if t.get("role") == "user"), "")
    return Row(
        prediction=str(raw["output"]),
        context=tuple(str(s.get("text", "")) for s in sources),
        question=str(question),
        id=str(raw["id"]),
    )


class QualitySampler:
    def __init__(self, store: Store, share: float = 0.1, batch: int = BATCH) -> None:
        self.store = store
        self.share = share
        self.batch = batch
        self.metric = Faithfulness(soft=True)

    def run(self) -> int:
        """Score what is new; the number of answers scored."""
        scored = 0
        while True:
            monitoring = self.store.monitoring
            after = monitoring.cursor(CURSOR)
            found = monitoring.bodies_after(after, self.batch)
            if not found:
                return scored
            rows = [row for _, raw in found if sampled(str(raw["id"]), self.share) and (row := _row(raw))]
            values = self.metric.compute(rows)[0].per_row if rows else []
            at = time.time()
            pairs = zip(rows, values, strict=True)
            kept = [(str(r.id), self.metric.name, float(v), at) for r, v in pairs if v is not None]
            if not monitoring.save_scores(kept, CURSOR, (after, found[-1][0])):
                continue  # another sampler scored this batch first
            scored += len(kept)
            if len(found) < self.batch:
                return scored
