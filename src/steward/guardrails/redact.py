"""Replacing what scanners found: mask, keyed hash, or reversible pseudonym; and putting pseudonyms back.

Replacement goes through Presidio's `AnonymizerEngine` (its conflict resolution handles overlapping spans)
with one custom operator per entity type:

- `mask`: `<EMAIL_ADDRESS>`; the model still knows what kind of thing was there.
- `hash`: `<EMAIL_ADDRESS:3f2a9c1e>`, an HMAC-SHA256 under a per-installation key, so equal values stay
  equal (joins, analytics) but a phone number cannot be recovered by hashing every phone number.
- `pseudonymise`: `<PERSON_1>`, numbered per request, the same value always the same placeholder; the
  `Vault` keeps placeholder → value in memory for the request so `restore` can put real values back in the
  answer. The vault is never written anywhere.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from steward.types import Finding


@dataclass
class Vault:
    """Placeholder ↔ real value for one request (or one conversation)."""

    values: dict[str, str] = field(default_factory=dict)  # placeholder -> value
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)
    _counters: dict[str, int] = field(default_factory=dict)

    def placeholder(self, entity: str, value: str) -> str:
        key = (entity, value)
        if key not in self._by_value:
            self._counters[entity] = self._counters.get(entity, 0) + 1
            token = f"<{entity}_{self._counters[entity]}>"
            self._by_value[key] = token
            self.values[token] = value
        return self._by_value[key]

    def taken(self, entity: str, number: int) -> None:
        """`<ENTITY_number>` is in use already (its value unknown here): new placeholders count on after it."""
        self._counters[entity] = max(self._counters.get(entity, 0), number)

    @classmethod
    def from_values(cls, values: dict[str, str]) -> Vault:
        vault = cls()
        for token, value in values.items():
            match = re.fullmatch(r"<([A-Z_]+)_(\d+)>", token)
            if match:
                entity, number = match.group(1), int(match.group(2))
                vault.values[token] = value
                vault._by_value[(entity, value)] = token
                vault.taken(entity, number)
        return vault


@lru_cache(maxsize=1)
def _anonymizer() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def keyed_hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


def non_overlapping(findings: Iterable[Finding]) -> list[Finding]:
    """Where spans overlap keep the highest-scoring, then longest, one; in text order."""
    ordered = sorted(
        (f for f in findings if f.start is not None and f.end is not None),
        key=lambda f: (-f.score, -((f.end or 0) - (f.start or 0))),
    )
    kept: list[Finding] = []
    # the kept spans in text order; being disjoint, their ends are in order too, so the one span that can
    # overlap a new one is the last that starts before it ends (a 100 kB table has ~16,000 findings: comparing
    # each with all kept ones took 40 s)
    spans: list[tuple[int, int]] = []
    for finding in ordered:
        start, end = finding.start or 0, finding.end or 0
        last = bisect.bisect_left(spans, (end, -1)) - 1
        if last >= 0 and spans[last][1] > start:
            continue
        bisect.insort(spans, (start, end))
        kept.append(finding)
    return sorted(kept, key=lambda f: f.start or 0)


def replace_spans(
    text: str, findings: Iterable[Finding], modes: dict[str, str], vault: Vault, hash_key: bytes
) -> str:
    """Replace each finding's span by the mode of its kind (`mask`, `hash`, `pseudonymise`; default mask)."""
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    spanned = non_overlapping(findings)
    if not spanned:
        return text

    def operator(entity: str) -> Any:
        mode = modes.get(entity, "mask")
        if mode == "pseudonymise":
            return lambda value: vault.placeholder(entity, value)
        if mode == "hash":
            return lambda value: f"<{entity}:{keyed_hash(hash_key, value)}>"
        return lambda value: f"<{entity}>"

    results = [RecognizerResult(f.kind, int(f.start or 0), int(f.end or 0), f.score) for f in spanned]
    operators = {kind: OperatorConfig("custom", {"lambda": operator(kind)}) for kind in {f.kind for f in spanned}}
    return str(_anonymizer().anonymize(text=text, analyzer_results=results, operators=operators).text)


def restore(text: str, values: dict[str, str], entities: Iterable[str] | None = None) -> str:
    """Put real values back for placeholders, also when a model dropped the angle brackets (`PERSON_1`)."""
    if not values:
        return text
    allowed = set(entities) if entities is not None else None
    by_bare = {
        token.strip("<>"): value
        for token, value in values.items()
        if allowed is None or token.strip("<>").rsplit("_", 1)[0] in allowed
    }
    if not by_bare:
        return text
    pattern = re.compile(r"<?\b(" + "|".join(map(re.escape, sorted(by_bare, key=len, reverse=True))) + r")\b>?")
    return pattern.sub(lambda m: by_bare[m.group(1)], text)


class _FoldingVault(Vault):
    """A vault that gives a value one placeholder however it is cased or spaced (`Alice Johnson`, `ALICE JOHNSON`;
    `GB82 WEST 1234…`, `GB82WEST1234…`): a dataset has no answer to restore, and a person written two ways in
    a row must not read as two people."""

    def placeholder(self, entity: str, value: str) -> str:
        return super().placeholder(entity, _FOLDED.sub("", value.casefold()))


_FOLDED = re.compile(r"[\s()-]+")
_NUMBERED = re.compile(r"<([A-Z][A-Z_]*?)_(\d+)>")
_HASHED = re.compile(r"<([A-Z][A-Z_]*?):([0-9a-f]{8})>")


def personal_data_pseudonymiser() -> Callable[[list[str]], list[str]]:
    """A function that pseudonymises what the default PII scanner finds in the texts of one row (a prompt's
    messages and its answer), for text that leaves the request path: training datasets built from records.

    One style, the one records keep by default (`<PERSON_1>`), numbered per row: the same value is the same
    placeholder in the prompt and in the answer (a reviewer's correction too), and a new value never takes a
    number the row's texts already hold. A keyed hash a record kept (`<PERSON:3f2a9c1e>`) becomes a numbered
    placeholder alike, the same hash the same number; a bare mask (`<PERSON>`) says nothing of its value and
    stays as it is."""
    from steward.guardrails.base import ScanContext
    from steward.guardrails.pii import pii_factory

    scanner = pii_factory({})
    context = ScanContext(stage="input")

    def pseudonymise(texts: list[str]) -> list[str]:
        vault = _FoldingVault()
        for text in texts:
            for entity, number in _NUMBERED.findall(text):
                vault.taken(entity, int(number))
        hashed = [_HASHED.sub(lambda m: vault.placeholder(m.group(1), m.group(0)), text) for text in texts]
        out = []
        for text in hashed:
            found = scanner.scan(text, context) if text else []
            modes = {finding.kind: "pseudonymise" for finding in found}
            out.append(replace_spans(text, found, modes, vault, b"") if found else text)
        return out

    return pseudonymise
