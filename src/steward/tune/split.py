"""The train/validation split: by a hash of each example's normalised prompt, not by position or chance.

An example's side depends on its own prompt alone (sha256 of its case-, width- and space-folded text): the same
on every run, whatever the order or the other rows, and a later, larger build keeps each earlier example on the
side it was — so a validation row of one version is never trained on by the next. Examples with the same prompt
fall on the same side.
"""

from __future__ import annotations

import hashlib

from steward.tune.examples import Example, normalised_prompt

SCALE = 2**64


def side(example: Example, validation: float) -> str:
    """`validation` for a fraction `validation` of prompts (by hash), else `train`."""
    value = int.from_bytes(hashlib.sha256(normalised_prompt(example).encode("utf-8")).digest()[:8], "big")
    return "validation" if value < validation * SCALE else "train"


def split(examples: list[Example], validation: float) -> dict[str, list[Example]]:
    sides: dict[str, list[Example]] = {"train": [], "validation": []}
    for example in examples:
        sides[side(example, validation)].append(example)
    return sides
