"""One drift run on demand: `steward monitor drift APP --json` and the management API's `POST /v1/monitor/drift`
both call `run`, so both answer the same JSON (the report, and `warnings` such as overlapping windows).

Windows are parsed and read by `steward.monitor.windows`, tested by `steward.monitor.drift`. Embeddings are
computed by the embedder given only for texts whose embedding is not stored yet (`steward.models.embeddings.
LazyEmbedder`: the model loads on
first use, never when the store holds them all): the caller hands it in, `steward.monitor` loads no model).
"""

from __future__ import annotations

from typing import Any

from steward.errors import InvalidRequest
from steward.monitor.drift import DEFAULT_ALPHA, detect_drift
from steward.monitor.windows import MAX_RECORDS, TextEmbedder, load_window, overlap, parse_window
from steward.store import Store


def windows_overlap(store: Store, app: str, reference: str, current: str) -> list[str]:
    """The warning that the two windows share records, if they do (a CLI prints it before the run)."""
    shared = overlap(store, app, parse_window(reference), parse_window(current))
    return [shared] if shared else []


def run(
    store: Store,
    app: str,
    reference: str,
    current: str = "-24h..now",
    *,
    alpha: float = DEFAULT_ALPHA,
    embedder: TextEmbedder | None = None,
    max_records: int = MAX_RECORDS,
) -> dict[str, Any]:
    """The drift report of `app` between the two windows as JSON, with `warnings`; `drifted` says the verdict.
    Without an `embedder` the embeddings are not compared."""
    if not 0 < alpha < 1:
        raise InvalidRequest(
            f"alpha must lie between 0 and 1, not {alpha}; {DEFAULT_ALPHA} is the default.", param="alpha"
        )
    windows = parse_window(reference), parse_window(current)
    warnings = windows_overlap(store, app, reference, current)
    samples = [load_window(store, app, w, embedder=embedder, max_records=max_records) for w in windows]
    report = detect_drift(app, samples[0], samples[1], alpha=alpha)
    return {**report.as_dict(), "warnings": warnings}
