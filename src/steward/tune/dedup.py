"""Exact and near-duplicate removal.

Exact: two examples whose prompt and answer are the same once case, width and spacing are folded (sha256 of
that text). Near: MinHash signatures of each example's character 5-grams (word order kept, robust to one word
changed, short texts too) in a locality-sensitive hash from datasketch; a candidate is removed only when the
signatures' estimated Jaccard similarity reaches the threshold. The first of a group (in source order) is
kept; each removed one names the one it repeats. Seeded: the same input removes the same rows on every run.

datasketch is a dependency for this: a hand-written LSH would be ours to get right and to keep fast.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from steward.tune.examples import Example, normalised_whole

SHINGLE = 5  # characters
NUM_PERM = 128
SEED = 1


@dataclass(slots=True)
class Duplicate:
    example: Example
    of: str  # the kept example's origin
    similarity: float  # 1.0 for an exact duplicate


def _shingles(text: str) -> set[bytes]:
    if len(text) <= SHINGLE:
        return {text.encode("utf-8")}
    return {text[i : i + SHINGLE].encode("utf-8") for i in range(len(text) - SHINGLE + 1)}


def exact(examples: list[Example]) -> tuple[list[Example], list[Duplicate]]:
    kept: list[Example] = []
    removed: list[Duplicate] = []
    first: dict[str, Example] = {}
    for example in examples:
        key = hashlib.sha256(normalised_whole(example).encode("utf-8")).hexdigest()
        if key in first:
            removed.append(Duplicate(example, first[key].origin, 1.0))
        else:
            first[key] = example
            kept.append(example)
    return kept, removed


def near(
    examples: list[Example], threshold: float, advance: Callable[[int], None] = lambda n: None
) -> tuple[list[Example], list[Duplicate]]:
    """Examples without near-duplicates at estimated Jaccard similarity ≥ `threshold` (0 < threshold < 1)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    signatures: dict[str, MinHash] = {}
    kept: list[Example] = []
    removed: list[Duplicate] = []
    for position, example in enumerate(examples):
        signature = MinHash(num_perm=NUM_PERM, seed=SEED)
        signature.update_batch(sorted(_shingles(normalised_whole(example))))
        best: tuple[float, str] | None = None
        for key in lsh.query(signature):
            similarity = signature.jaccard(signatures[key])
            if similarity >= threshold and (best is None or similarity > best[0]):
                best = (similarity, key)
        if best is not None:
            removed.append(Duplicate(example, kept[int(best[1])].origin, round(best[0], 3)))
        else:
            key = str(len(kept))
            signatures[key] = signature
            lsh.insert(key, signature)
            kept.append(example)
        if position % 50 == 49:
            advance(50)
    advance(len(examples) % 50)
    return kept, removed
