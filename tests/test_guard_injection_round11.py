"""Round 11 of the injection detector (docs/cards/injection.md): the evaluation family written before the round,
and the persuasion training family that was tried and not shipped. The family must be reproducible and share no
text with any training family; the persuasion family must stay out of the shipped recipe unless asked for, and an
attack whose harmful ask is close to a public test goal must never be trained on."""

from __future__ import annotations

import json
from pathlib import Path

from tests.guard_fixtures import import_script

ROOT = Path(__file__).resolve().parents[1]
FAMILY = ROOT / "scripts" / "data" / "injection_round11_eval.jsonl"


def test_the_round11_family_is_reproducible_and_labelled_by_kind() -> None:
    family = import_script("make_injection_family11")
    shipped = [json.loads(line) for line in FAMILY.open(encoding="utf-8")]
    assert shipped == family.generate()
    kinds = {(row["kind"], row["label"]) for row in shipped}
    assert {("persuasion", 1), ("indirect", 1), ("payload_split", 1), ("multi_turn", 1), ("benign", 0)} <= kinds
    assert len({row["text"] for row in shipped}) == len(shipped)


def test_the_round11_family_shares_no_text_with_the_training_families() -> None:
    texts = {json.loads(line)["text"] for line in FAMILY.open(encoding="utf-8")}
    synth = import_script("synth_injection")
    persuasion = import_script("synth_injection_persuasion")
    training = {row["text"] for row in synth.generate(1500, 7, meta=True)}
    training |= {row["text"] for row in persuasion.generate_persuasion(400, 11)}
    assert not texts & training
    family = import_script("make_injection_family11")
    assert not set(family.GOALS) & set(persuasion.HARMFUL_ASKS)


def test_the_persuasion_family_is_seeded_balanced_and_keeps_harm_on_the_attack_side() -> None:
    persuasion = import_script("synth_injection_persuasion")
    rows = persuasion.generate_persuasion(120, 11)
    assert rows == persuasion.generate_persuasion(120, 11)
    assert sum(r["label"] == 1 for r in rows) == sum(r["label"] == 0 for r in rows) == 120
    for row in rows:
        harmful = any(ask in row["text"] for ask in persuasion.HARMFUL_ASKS)
        assert harmful == (row["label"] == 1), row["text"]


def test_the_shipped_recipe_has_no_persuasion_rows_and_leaking_asks_are_dropped() -> None:
    train_injection = import_script("train_injection")
    synth = import_script("synth_injection")
    assert train_injection.PERSUASION_N == 0
    shipped = [r.text for r in train_injection.synthetic_rows(40)]
    assert shipped == [row["text"] for row in synth.generate(40, 7, meta=True)]
    ask = train_injection.HARMFUL_ASKS[0]
    saved = set(train_injection.LEAKING_ASKS)
    try:
        train_injection.LEAKING_ASKS.clear()
        assert any(ask in str(r["text"]) for r in train_injection.persuasion_rows(200) if r["label"] == 1)
        train_injection.LEAKING_ASKS.add(ask)
        kept = train_injection.persuasion_rows(200)
        assert not any(ask in str(r["text"]) for r in kept if r["label"] == 1)
        assert sum(r["label"] == 0 for r in kept) == 200
    finally:
        train_injection.LEAKING_ASKS.clear()
        train_injection.LEAKING_ASKS.update(saved)
