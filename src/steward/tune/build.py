"""`steward tune data`: a source's examples through duplicates, quality filters and the split, registered as a
dataset version with its data card. Nothing is registered (and no file is left) unless every step succeeded.

Order: the source's pseudonymised examples → length → exact duplicates → near duplicates → language →
toxicity → injection (the costly scanners last, on what is left) → split. Every removal is counted by reason
in the card, with up to three (already pseudonymised) examples each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from steward.errors import InvalidRequest
from steward.governance import datasets, versions
from steward.governance.identity import Actor
from steward.language import counted
from steward.store import Store, canonical_json, digest
from steward.tune import dedup, filters
from steward.tune.examples import Example, excerpt
from steward.tune.sources import Source
from steward.tune.split import split

EXAMPLES_PER_REASON = 3


class Progress(Protocol):
    def stage(self, description: str, total: int | None) -> Callable[[int], None]: ...


class Quiet:
    def stage(self, description: str, total: int | None) -> Callable[[int], None]:
        return lambda n: None


@dataclass(slots=True)
class Options:
    min_chars: int = 8
    max_chars: int = 16_000
    languages: frozenset[str] = frozenset()  # empty: every language kept (the mix is still in the card)
    toxicity: bool = True
    injection: bool = True
    near_duplicate: float = 0.8  # estimated Jaccard similarity of character 5-grams
    validation: float = 0.1
    description: str | None = None

    def check(self) -> None:
        if not 0 < self.min_chars <= self.max_chars:
            raise InvalidRequest("--min-chars must be at least 1 and at most --max-chars.")
        if not 0.0 < self.near_duplicate < 1.0:
            raise InvalidRequest("--near-duplicate is a similarity between 0 and 1 (exclusive), e.g. 0.8.")
        if not 0.0 < self.validation < 1.0:
            raise InvalidRequest("--validation is a fraction between 0 and 1 (exclusive), e.g. 0.1.")


@dataclass(slots=True)
class Built:
    version: versions.Version
    created: bool
    rows_in: int
    train: int
    validation: int
    removed: dict[str, int]
    path: Path
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.train + self.validation

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset_version": self.version.ref,
            "id": self.version.id,
            "created": self.created,
            "rows_in": self.rows_in,
            "rows": self.rows,
            "train": self.train,
            "validation": self.validation,
            "removed": self.removed,
            "path": str(self.path.resolve()),
            "pii": self.card.get("pii"),
        }


class _Ledger:
    """What each step removed, by reason, with a few examples."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.examples: dict[str, list[dict[str, str]]] = {}

    def add(self, reason: str, items: list[tuple[Example, str]]) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + len(items)
        shown = self.examples.setdefault(reason, [])
        for example, detail in items[: EXAMPLES_PER_REASON - len(shown)]:
            shown.append({"origin": example.origin, "detail": detail, "text": excerpt(example)})


def curate(
    source: Source, options: Options, progress: Progress
) -> tuple[dict[str, list[Example]], dict[str, Any]]:
    """The source's examples, filtered and split, and the card's account of it."""
    examples = source.examples
    ledger = _Ledger()
    if source.excluded_without_consent and source.kind == "files":
        ledger.counts["no_consent"] = source.excluded_without_consent
    kept, by_length = filters.length(examples, options.min_chars, options.max_chars)
    for reason, items in by_length.items():
        if items:
            ledger.add(reason, [(r.example, r.detail) for r in items])
    kept, repeats = dedup.exact(kept)
    ledger.add("exact_duplicate", [(d.example, f"the same as {d.of}") for d in repeats])
    kept, similar = dedup.near(kept, options.near_duplicate, progress.stage("near duplicates", len(kept)))
    ledger.add("near_duplicate", [(d.example, f"similarity {d.similarity} to {d.of}") for d in similar])
    (kept, foreign), mix = filters.language(kept, set(options.languages), progress.stage("language", len(kept)))
    ledger.add("language", [(r.example, r.detail) for r in foreign])
    thresholds: dict[str, float] = {}
    for name, on, run in (("toxicity", options.toxicity, filters.toxicity),
                          ("injection", options.injection, filters.injection)):  # fmt: skip
        if on and kept:
            (kept, flagged), thresholds[name] = run(kept, progress.stage(name, len(kept)))
            ledger.add(name, [(r.example, r.detail) for r in flagged])
    removed = {reason: count for reason, count in ledger.counts.items() if count}
    if not kept:
        raise InvalidRequest(
            f"nothing left of {counted(source.rows_in, 'row')} ({_listed(removed)} removed); nothing registered. "
            "Loosen the filters (--min-chars, --max-chars, --language, --near-duplicate, --no-toxicity, "
            "--no-injection) or give more data."
        )
    sides = split(kept, options.validation)
    if not sides["train"]:
        raise InvalidRequest(
            f"{counted(len(kept), 'row')} left, all in validation: nothing to train on. Lower --validation "
            "or give more data."
        )
    account = {
        "rows_in": source.rows_in,
        "removed": removed,
        "removed_examples": {reason: ledger.examples[reason] for reason in removed if ledger.examples.get(reason)},
        "filters": {
            "length": {"min_chars": options.min_chars, "max_chars": options.max_chars, "unit": "characters"},
            "exact_duplicate": "sha256 of the case-, width- and space-folded prompt and answer",
            "near_duplicate": {
                "method": "MinHash LSH (datasketch) over character 5-grams",
                "threshold": options.near_duplicate,
                "num_perm": dedup.NUM_PERM,
                "seed": dedup.SEED,
            },
            "language": {"keep": sorted(options.languages) or "all", "identified_by": "py3langid"},
            "scanners": {name: {"threshold": round(value, 4)} for name, value in thresholds.items()},
        },
        "languages": mix,
        "split": {
            "method": "sha256 of the normalised prompt (stable per example, independent of order)",
            "validation_fraction": options.validation,
            "train": len(sides["train"]),
            "validation": len(sides["validation"]),
        },
    }
    return sides, account


def _listed(removed: dict[str, int]) -> str:
    return ", ".join(f"{count} {reason.replace('_', ' ')}" for reason, count in removed.items()) or "none"


def build(
    store: Store,
    actor: Actor,
    source: Source,
    name: str,
    out: Path,
    options: Options | None = None,
    progress: Progress | None = None,
) -> Built:
    """Curate `source` and register the result as dataset `name`, its rows written to `out` (JSONL)."""
    options = options or Options()
    options.check()
    versions._check("dataset", name)
    if not source.examples:
        raise InvalidRequest(
            f"{source.source}: no consented rows ({source.excluded_without_consent} left out for consent=false); "
            "nothing to build. Give rows whose owners consented, or fix the `consent` column."
        )
    sides, account = curate(source, options, progress or Quiet())
    chosen = {id(example): side for side, group in sides.items() for example in group}
    ordered = [example for example in source.examples if id(example) in chosen]  # source order, both sides
    lines = [
        (example.record_id, example.subject, canonical_json(example.row(chosen[id(example)])))
        for example in ordered
    ]
    text = "\n".join(line for _, _, line in lines) + "\n"
    corrected = sum(1 for example in ordered if example.meta.get("answer_from") == "correction")
    card: dict[str, Any] = {
        "source": source.source,
        "source_description": source.description,
        "built_by": "steward tune data",
        "consent": source.consent,
        "rows": len(lines),
        "rows_hash": digest(text),
        "path": str(Path(out).resolve()),
        "format": "JSONL: messages (ending in the assistant's answer), split, origin",
        "pii": source.pii,
        "redaction": "every message and answer pseudonymised at build time, by row",
        **account,
        "description": options.description,
    }
    if source.kind != "files":
        card["corrections"] = f"reviewers' corrections preferred over the model's answers ({corrected} rows)"
        card["records"] = {k: v for k, v in source.extra.items() if v is not None}
    version, created = datasets.register_rows(store, actor, source.team, name, card, lines, out, source.parents)
    return Built(
        version=version,
        created=created,
        rows_in=source.rows_in,
        train=len(sides["train"]),
        validation=len(sides["validation"]),
        removed=account["removed"],
        path=Path(out),
        card=card,
    )
