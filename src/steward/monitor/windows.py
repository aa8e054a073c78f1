"""Windows of records for drift: parse what the user names, and read what drift compares from the store.

A window is one of:
- `FROM..TO`: ISO 8601 dates or times (`2026-12-01..2026-12-02`, `2026-12-01T08:00..2026-12-01T20:00+01:00`;
  UTC when no offset is given), where either end may be `now` or a duration back from now (`-24h..now`,
  `-14d..-7d`; units s, m, h, d, w);
- `first:N@MODEL`: the first N records of the app that model version answered (a deployment's start, the
  customary reference for a canary).

Only traffic is compared (records of evals, red-team scans and tests are left out), at most `max_records` per
window: a seeded uniform sample of a larger one. Bodies are read as plain values, not built into `Record`s
(a drift run reads tens of thousands). Embeddings come from the store
when the background embedder (or an earlier drift run) computed them; the rest are computed here, off the
request path, and stored for the next run.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from steward.errors import InvalidRequest
from steward.monitor.drift import MIN_RECORDS, WindowSample
from steward.monitor.rollups import RecordFacts
from steward.store import Store

MAX_RECORDS = 10_000
_DURATION = re.compile(r"^-(\d+(?:\.\d+)?)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_FIRST = 10_000_000
_FIRST = re.compile(r"^first:(\d+)@(.+)$")


class TextEmbedder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Window:
    label: str
    since: float | None = None
    until: float | None = None
    first: int | None = None
    model: str | None = None


def parse_window(text: str, now: float | None = None) -> Window:
    """A window from its spec (see the module docstring); InvalidRequest says what is wrong and what to write."""
    spec = text.strip()
    first = _FIRST.match(spec)
    if first:
        count = int(first.group(1))
        if not 1 <= count <= MAX_FIRST:
            raise InvalidRequest(f"window {text!r}: N in first:N@MODEL must lie between 1 and {MAX_FIRST:,}.")
        return Window(spec, first=count, model=first.group(2))
    if ".." not in spec:
        raise InvalidRequest(
            f"window {text!r} is neither FROM..TO nor first:N@MODEL; write e.g. 2026-12-01..2026-12-02, "
            "-24h..now or first:500@qwen-1.5b."
        )
    start_text, end_text = spec.split("..", 1)
    at = time.time() if now is None else now
    since, until = _instant(start_text, at, text), _instant(end_text, at, text)
    if since == until:
        raise InvalidRequest(f"window {text!r} is empty: it ends where it starts; give it a length (-24h..now).")
    if since > until:
        raise InvalidRequest(f"window {text!r} ends before it starts; write the earlier time first.")
    return Window(spec, since=since, until=until)


def _instant(text: str, now: float, spec: str) -> float:
    text = text.strip()
    if text == "now":
        return now
    duration = _DURATION.match(text)
    if duration:
        return now - float(duration.group(1)) * _UNITS[duration.group(2)]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(
            f"{text!r} in window {spec!r} is not an ISO 8601 date or time, `now` or a duration like -24h."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _sample(ids: list[str], limit: int, seed: int) -> list[str]:
    """A seeded uniform sample of at most `limit` ids, kept in their (time) order."""
    if len(ids) <= limit:
        return ids
    chosen = sorted(random.Random(seed).sample(range(len(ids)), limit))
    return [ids[i] for i in chosen]


def input_text(messages: list[dict[str, Any]]) -> str:
    """The text of the request's last user message (parts of a multi-part message joined)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def load_window(
    store: Store,
    app: str,
    window: Window,
    *,
    embedder: TextEmbedder | None,
    model_name: str = "all-MiniLM-L6-v2",
    max_records: int = MAX_RECORDS,
    seed: int = 0,
) -> WindowSample:
    """What drift compares of the app's records in `window` (embeddings computed and stored where missing)."""
    monitoring = store.monitoring
    every = monitoring.window_ids(app, window.since, window.until, window.model, window.first)
    if window.first is not None and not every:  # say why: "0 records" reads as a quiet app, not a wrong name
        raise InvalidRequest(
            f"window {window.label!r}: no traffic record of app {app!r} was answered by model {window.model!r}; "
            f"MODEL is a model version as records name it (the model column of `steward monitor rollups {app}`)."
        )
    ids = _sample(every, max_records, seed)
    bodies = monitoring.bodies(ids)
    raws = [bodies[i] for i in ids if i in bodies]  # a record erased between the two reads is left out
    label = window.label + (f" ({len(raws)} of {len(every)} records)" if len(every) > len(raws) else "")
    sample = WindowSample(label=label, records=len(raws))
    pairs_in = [(raw["id"], input_text(raw.get("input") or [])) for raw in raws]
    pairs_out = [(raw["id"], str(raw["output"])) for raw in raws if raw.get("output")]
    sample.inputs = [text for _, text in pairs_in]
    sample.outputs = [text for _, text in pairs_out]
    if embedder is not None and len(raws) >= MIN_RECORDS:  # a window drift will refuse is not worth embedding
        sample.input_embeddings = _embeddings(store, "input", pairs_in, embedder, model_name)
        sample.output_embeddings = _embeddings(store, "output", pairs_out, embedder, model_name)
    facts = [RecordFacts.from_dict(raw) for raw in raws]  # the rollups' reading of a record's verdicts
    for fact in facts:
        for name, flagged in fact.verdicts.items():
            hits, scanned = sample.verdicts.get(name, (0, 0))
            sample.verdicts[name] = (hits + flagged, scanned + 1)
    sample.declines = (sum(1 for fact in facts if fact.status == "declined"), len(facts))
    sample.quality = list(monitoring.scores_of(ids).values())  # sampled by steward.evals.online
    return sample


def _embeddings(
    store: Store, side: str, pairs: list[tuple[str, str]], embedder: TextEmbedder, model_name: str
) -> np.ndarray | None:
    if not pairs:
        return None
    stored = store.monitoring.embeddings([rid for rid, _ in pairs], side)
    missing = [(rid, text) for rid, text in pairs if rid not in stored]
    if missing:
        vectors = embedder.embed([text for _, text in missing])
        computed = list(zip([rid for rid, _ in missing], vectors, strict=True))
        store.monitoring.save_embeddings(side, model_name, computed)
        stored.update(computed)
    return np.stack([stored[rid] for rid, _ in pairs]).astype(np.float32)


def overlap(store: Store, app: str, reference: Window, current: Window) -> str | None:
    """What the two windows share, said as a warning (None when nothing): two time ranges that overlap, or
    records in both (a `first:N@MODEL` window against a range). Records in both windows make the two samples
    alike, so a drift is harder to see."""
    if None not in (reference.since, reference.until, current.since, current.until):
        start = max(reference.since or 0.0, current.since or 0.0)
        end = min(reference.until or 0.0, current.until or 0.0)
        if start < end:
            span = f"{_iso(start)} to {_iso(end)}"
            return (
                f"the reference window {reference.label} and the current window {current.label} overlap from "
                f"{span}: records in both make drift harder to see; pick windows that do not overlap."
            )
        return None
    ids = [store.monitoring.window_ids(app, w.since, w.until, w.model, w.first) for w in (reference, current)]
    shared = len(set(ids[0]) & set(ids[1]))
    if not shared:
        return None
    return (
        f"records in both the reference window {reference.label} and the current window {current.label}: "
        f"{shared}; records in both make drift harder to see; pick windows that do not overlap."
    )


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
