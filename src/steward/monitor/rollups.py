"""Rollups: what happened per app × model version × deployment arm × time bucket, folded from the records.

One `Rollup` is one bucket (a minute, an hour or a day) of one app, model and arm: requests by status, tokens,
cost, the latency distribution as a DDSketch (a mergeable quantile sketch with a relative-error guarantee: the
p99 it reports is within 1 % of a true latency of the bucket, and two buckets merge by adding their bin counts,
so a day is the exact merge of its hours and the order records arrive in changes nothing), each scanner's
verdicts, grounding declines, fallbacks, feedback and sampled quality scores.

Folding is pure: `fold(record)` gives the deltas of the record's three buckets, `Rollup.merge` adds a delta
into a bucket. The worker (`steward.monitor.worker`) applies them off the request path; a rebuild applies the
same deltas in the same order (the writer's chain sequence), so both give the same rollups, bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ddsketch import DDSketch
from ddsketch.pb import ddsketch_pb2 as pb
from ddsketch.pb.proto import DDSketchProto, KeyMappingProto
from ddsketch.store import DenseStore

from steward.types import outcome_of

GRAINS = {"minute": 60, "hour": 3600, "day": 86400}
# `failed` is Steward's or its upstream's failure; `client_error` a request refused as the caller's mistake (a bad
# body, an unknown app, a key not allowed the app, a spent budget: a record whose error says `caller`)
STATUSES = ("served", "blocked", "declined", "escalated", "failed", "client_error", "disconnected")
UNKNOWN_APP = "(unknown)"  # the bucket of records naming an app that is not in the config (`RollupWorker.apps`)
# apps of Steward's own that are no app of the config: the embeddings endpoint's (`steward.gateway.pipeline`)
STEWARD_APPS = ("(embeddings)",)
RELATIVE_ACCURACY = 0.01


class Owned(Protocol):
    """An app of the config, as far as counting its requests needs it: the team that owns it."""

    @property
    def team(self) -> str: ...


def app_teams(apps: Mapping[str, Owned] | None) -> dict[str, str] | None:
    """The team of each app of the config (None: count every app under its own name)."""
    return None if apps is None else {name: spec.team for name, spec in apps.items()}


def counted_app(app: str, team: str | None, teams: Mapping[str, str] | None) -> str:
    """The app a record counts under, in the rollups and `/metrics`: its own; `(unknown)` when the config has no
    such app (a client's typo) or when the app is another team's than the record's (another team's key, answered
    404 as if the app did not exist), so that no caller adds series without bound or counts in another team's
    rollups and alerts."""
    if teams is None or app in STEWARD_APPS:
        return app
    owner = teams.get(app)
    return app if owner is not None and team in (None, owner) else UNKNOWN_APP


@dataclass(frozen=True, slots=True, order=True)
class RollupKey:
    app: str
    model: str  # the model version that answered, or that the route tried first (`counted_model`); "-": none
    arm: str  # the deployment arm the router chose ("-" for an app with one route)
    grain: str
    bucket: float  # the bucket's start, epoch seconds (UTC)


def counted_model(answered: str | None, tried: Sequence[str]) -> str | None:
    """The model version a request is counted under, in the rollups and on /metrics alike: the one that answered;
    when none did but the route tried some (every attempt failed), the first it tried, whose failure it is; None
    when no model was tried (a request blocked at the input, a caller's mistake)."""
    if answered:
        return answered
    return tried[0] if tried else None


def new_sketch() -> DDSketch:
    return DDSketch(relative_accuracy=RELATIVE_ACCURACY)


@dataclass
class Rollup:
    """One bucket's aggregates; `merge` adds another bucket (or one record's delta) of the same key."""

    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    latency: DDSketch = field(default_factory=new_sketch)  # total milliseconds per request
    verdicts: dict[str, list[int]] = field(default_factory=dict)  # "stage.scanner" -> [flagged, scanned]
    declines: int = 0
    fallbacks: int = 0
    feedback_count: int = 0
    feedback_sum: int = 0
    quality_count: int = 0
    quality_sum: float = 0.0

    def merge(self, other: Rollup) -> None:
        self.requests += other.requests
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost += other.cost
        if other.latency.count:
            self.latency.merge(other.latency)
        for name, (flagged, scanned) in other.verdicts.items():
            mine = self.verdicts.setdefault(name, [0, 0])
            mine[0] += flagged
            mine[1] += scanned
        self.declines += other.declines
        self.fallbacks += other.fallbacks
        self.feedback_count += other.feedback_count
        self.feedback_sum += other.feedback_sum
        self.quality_count += other.quality_count
        self.quality_sum += other.quality_sum

    def quantile(self, q: float) -> float | None:
        """A latency quantile in milliseconds (None for a bucket without requests)."""
        if not self.latency.count:
            return None
        value = self.latency.get_quantile_value(q)
        return None if value is None else float(value)

    def summary(self) -> dict[str, Any]:
        """The figures a person reads: counts, rates, latency quantiles, means."""
        return {
            "requests": self.requests,
            "statuses": {status: self.statuses.get(status, 0) for status in STATUSES},
            "latency_ms": {
                name: _round(self.quantile(q)) for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
            },
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost": round(self.cost, 6),
            "verdict_rates": {
                name: round(flagged / scanned, 6)
                for name, (flagged, scanned) in sorted(self.verdicts.items())
                if scanned
            },
            "declines": self.declines,
            "fallbacks": self.fallbacks,
            "feedback": {"count": self.feedback_count, "mean": _mean(self.feedback_sum, self.feedback_count)},
            "quality": {"count": self.quality_count, "mean": _mean(self.quality_sum, self.quality_count)},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _mean(total: float, count: int) -> float | None:
    return None if not count else round(total / count, 6)


def sketch_bytes(sketch: DDSketch) -> bytes:
    """DDSketch's protobuf (the sketches-proto format), canonical: a dense store's bins depend on the order
    values arrived in (it grows in chunks), so the bins are trimmed to the first and last non-empty one, and the
    same counts always give the same bytes."""
    message = pb.DDSketch(
        mapping=KeyMappingProto.to_proto(sketch._mapping),
        positiveValues=_store_message(sketch._store),
        negativeValues=_store_message(sketch._negative_store),
        zeroCount=sketch._zero_count,
    )
    return bytes(message.SerializeToString(deterministic=True))


def _store_message(store: DenseStore) -> pb.Store:
    bins = store.bins
    first = next((i for i, count in enumerate(bins) if count), None)
    if first is None:
        return pb.Store()
    last = next(i for i in range(len(bins) - 1, -1, -1) if bins[i])
    return pb.Store(contiguousBinCounts=bins[first : last + 1], contiguousBinIndexOffset=store.offset + first)


def sketch_from_bytes(data: bytes) -> DDSketch:
    message = pb.DDSketch()
    message.ParseFromString(data)
    sketch = DDSketchProto.from_proto(message)
    # from_proto builds a BaseDDSketch; the DDSketch of the same mapping and stores merges alike
    restored = new_sketch()
    restored.merge(sketch)
    return restored


def bucket_start(at: float, grain: str) -> float:
    width = GRAINS[grain]
    return float(int(at // width) * width)


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What a rollup needs of one record, read straight from its stored JSON (the worker folds records by the
    million: building the full `Record` dataclass tree of each costs more than the folding)."""

    app: str
    created_at: float
    model: str
    arm: str
    status: str
    prompt_tokens: int
    completion_tokens: int
    cost: float
    total_ms: float
    verdicts: dict[str, int]  # "stage.scanner" -> 1 when it flagged the text, 0 when it read it and did not
    fallback: bool
    origin: str = "traffic"  # only traffic is folded: evals, red-team scans and tests are not production
    team: str | None = None  # the team of the key that sent it, which may not be its app's (answered 404)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RecordFacts:
        """From `steward.store.codec.record_to_dict`'s form (the stored body, decoded)."""
        verdicts: dict[str, int] = {}
        for decision in raw.get("decisions") or ():
            # a finding under its rule's threshold is reported with its score, not a flag: a decision says which
            # rules it counted (`flagged`); a record written before it did falls back to its findings
            flagged = decision.get("flagged")
            if flagged is None:
                flagged = {finding.get("scanner") for finding in decision.get("findings") or ()}
            for scanner in decision.get("scanner_ms") or {}:
                verdicts[f"{decision.get('stage')}.{scanner}"] = int(scanner in flagged)
        usage, latency, model = raw.get("usage") or {}, raw.get("latency") or {}, raw.get("model")
        attempts = raw.get("attempts") or ()
        tried = [str(a["model"]) for a in attempts if isinstance(a, dict) and a.get("model")]
        return cls(
            app=raw["app"],
            created_at=float(raw["created_at"]),
            model=counted_model(str(model["id"]) if isinstance(model, dict) else None, tried) or "-",
            arm=_arm(raw.get("explanation")),
            status=_status(raw),
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            cost=float(raw.get("cost", 0.0)),
            total_ms=float(latency.get("total_ms", 0.0)),
            verdicts=verdicts,
            fallback=len(attempts) > 1,
            origin=str(raw.get("origin") or "traffic"),
            team=str(raw["team"]) if raw.get("team") else None,
        )


def _status(raw: dict[str, Any]) -> str:
    return outcome_of(str(raw.get("status", "served")), raw.get("explanation"))


def _arm(explanation: Any) -> str:
    """The deployment arm the router chose, when the record says (`explanation.route.arm`)."""
    route = explanation.get("route") if isinstance(explanation, dict) else None
    arm = route.get("arm") if isinstance(route, dict) else None
    return str(arm) if arm else "-"


def record_key(facts: RecordFacts, grain: str) -> RollupKey:
    return RollupKey(facts.app, facts.model, facts.arm, grain, bucket_start(facts.created_at, grain))


def record_delta(facts: RecordFacts) -> Rollup:
    """What one record adds to its buckets."""
    delta = Rollup(requests=1, statuses={facts.status: 1})
    delta.prompt_tokens = facts.prompt_tokens
    delta.completion_tokens = facts.completion_tokens
    delta.cost = facts.cost
    delta.latency.add(max(facts.total_ms, 0.0))
    delta.verdicts = {name: [flagged, 1] for name, flagged in facts.verdicts.items()}
    delta.declines = int(facts.status == "declined")
    delta.fallbacks = int(facts.fallback)
    return delta


def fold(facts: RecordFacts) -> list[tuple[RollupKey, Rollup]]:
    """The record's delta for each grain's bucket."""
    delta = record_delta(facts)
    return [(record_key(facts, grain), delta) for grain in GRAINS]
