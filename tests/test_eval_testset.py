"""Test-set generation from a RAG collection: question kinds, reference answers and chunk ids, fallbacks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from steward.errors import InvalidRequest, NotFound
from steward.evals.judge import FunctionJudge
from steward.evals.support import SupportScorer
from steward.evals.testset import Chunk, Generator, fact_sentences, generate, paraphrase, template_question


def _chunk(cid: str, document: str, text: str, direction: int) -> Chunk:
    vector = np.zeros(8, dtype=np.float32)
    vector[direction] = 1.0
    return Chunk(cid, document, text, vector)


CHUNKS = [
    _chunk(
        "1",
        "policies.md",
        "Check-in for international flights closes 60 minutes before departure. "
        "Each additional bag costs 45 EUR when added online.",
        0,
    ),
    _chunk(
        "2",
        "guide.html",
        "The lost property office is in Terminal 2, open daily from 07:00 to 21:00. Items are kept for 90 days.",
        1,
    ),
    _chunk("3", "flights.csv", "flight: EX214; route: Example City to London; gate: A12; status: On time", 2),
]


def test_template_questions_target_the_answer_span() -> None:
    assert (
        template_question("Check-in closes 60 minutes before departure.")
        == "Check-in closes how many minutes before departure?"
    )
    assert (
        template_question("The office is open daily from 07:00 to 21:00.")
        == "The office is open daily during what hours?"
    )
    assert (
        template_question("Each additional bag costs 45 EUR when added online.")
        == "Each additional bag costs how much when added online?"
    )
    assert template_question("Flight EX118 leaves on 20 March 2025.") == "Flight EX118 leaves on what date?"
    assert template_question("Staff are friendly.") is None
    assert (
        paraphrase("Check-in closes how many minutes before departure?")
        == "Check-in ends how many min prior to take-off?"
    )


def test_records_are_not_mistaken_for_fact_sentences() -> None:
    assert fact_sentences(CHUNKS[2].text) == []
    assert len(fact_sentences(CHUNKS[0].text)) == 2


def test_generate_gives_each_kind_with_reference_answers_and_chunk_ids() -> None:
    cases = generate(CHUNKS, "kb", 12, seed=3)
    assert len({c["input"] for c in cases}) == len(cases) >= 8  # distinct questions only
    kinds = {c["tags"][0] for c in cases}
    assert kinds == {"easy", "complex", "distracting"}
    texts = {c.id: c.text for c in CHUNKS}
    for case in cases:
        [chunk_id] = case["reference_ids"]
        assert (
            all(sentence in texts[chunk_id] for sentence in fact_sentences(case["references"][0]))
            or case["references"][0] in texts[chunk_id]
        )
        assert case["input"].endswith("?")
    distracting = next(c for c in cases if c["tags"][0] == "distracting")
    own = texts[distracting["reference_ids"][0]]
    assert "But my question is:" in distracting["input"]
    assert distracting["input"].split(". But my question is:")[0] not in own  # the distractor is from elsewhere
    assert generate(CHUNKS, "kb", 12, seed=3) == cases  # deterministic for a seed


def test_generate_rejects_collections_without_facts_and_unknown_kinds() -> None:
    with pytest.raises(InvalidRequest, match="has no sentence a question can be asked about"):
        generate([CHUNKS[2]], "kb", 5)
    with pytest.raises(InvalidRequest, match="unknown question kind 'hard'"):
        generate(CHUNKS, "kb", 5, mix={"hard": 1.0})


def test_model_generator_keeps_supported_questions_and_falls_back_on_garbage() -> None:
    replies = iter(
        [
            '{"question": "How long before an international flight does check-in close?", '
            '"answer": "Check-in for international flights closes 60 minutes before departure."}',
            "Sure! Here is a question about bags.",
            '{"question": "Is parking free?", "answer": "Parking is free on Sundays."}',
        ]
    )
    writer = Generator(
        judge=FunctionJudge(lambda _prompt: next(replies)), scorer=SupportScorer(use_embeddings=False)
    )
    fact = "Check-in for international flights closes 60 minutes before departure."
    assert writer.question(fact, "easy") == "How long before an international flight does check-in close?"
    assert (
        writer.question(fact, "easy")
        == "Check-in for international flights closes how many minutes before departure?"
    )
    assert writer.question(fact, "easy").endswith("how many minutes before departure?")  # unsupported answer
    assert writer.fallbacks == 2


@pytest.mark.slow
def test_generate_from_an_ingested_collection_through_the_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.evals.pipeline import ClientPipeline
    from steward.evals.testset import generate_testset

    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "faq.md").write_text(
        "# FAQ\n\nCheck-in for international flights closes 60 minutes before departure.\n"
        "Trains to the city centre leave every 15 minutes from the station below Terminal 1.\n",
        encoding="utf-8",
    )
    (tmp_path / "steward.yaml").write_text(
        json.dumps(
            {
                "version": 1,
                "models": {"echo": {"backend": "scripted"}},
                "collections": {"faq": {"sources": [str(tmp_path / "kb")]}},
                "apps": {
                    "faq-app": {
                        "owner": "qa@example.com",
                        "purpose": "FAQ (tests)",
                        "route": [{"model": "echo"}],
                        "rag": "faq",
                    }
                },
            }
        ),
        encoding="utf-8",
    )
    pipeline = ClientPipeline.open(tmp_path / "steward.yaml")
    try:
        cases, fallbacks = generate_testset(pipeline, "faq", 4, seed=0)
        with pytest.raises(NotFound, match="unknown collection 'nope'; the project declares: faq"):
            generate_testset(pipeline, "nope", 4)
    finally:
        pipeline.close()
    assert fallbacks == 0 and 2 <= len(cases) <= 4
    assert all(c["reference_ids"] and c["source"]["collection"] == "faq" for c in cases)
