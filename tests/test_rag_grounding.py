"""The grounding check, the collection schema, and the end-to-end demo through the governed pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from steward.config import load_project_text
from steward.config.rag import CollectionSpec, Grounding
from steward.errors import ConfigError
from steward.models.embeddings import get_rag_embedder
from steward.rag.grounding import GroundingChecker
from steward.types import Source

BOOKING = Source(
    "bookings.jsonl#290049223",
    "7",
    1.0,
    "PNR 290049223: Alan Smith: Pending: XYH9902K. Passenger Alan "
    "Smith, booking status Pending, booking reference XYH9902K, flight EX214 to London Heathrow.",
    index=1,
)
BAGGAGE = Source(
    "travel-policies.md",
    "3",
    0.8,
    "Baggage > Hand luggage\nEach passenger may bring one cabin bag of "
    "at most 55 x 40 x 20 cm and 10 kg, plus one small personal item.",
    index=2,
)


@pytest.fixture(scope="module")
def checker() -> GroundingChecker:
    return GroundingChecker(get_rag_embedder())


def test_a_faithful_cited_answer_is_supported(checker: GroundingChecker) -> None:
    verdict = checker.check(
        "PNR 290049223 is pending, with booking reference XYH9902K [1]. Your cabin bag may weigh up to 10 kg [2].",
        [BOOKING, BAGGAGE],
        Grounding(),
    )
    assert verdict.supported and verdict.replacement is None and verdict.citations == [1, 2]
    assert [s.best_source for s in verdict.sentences] == [1, 2]
    assert verdict.score >= 0.5 and verdict.as_dict()["supported"] is True


def test_a_copied_look_alike_is_unsupported_and_replaced(checker: GroundingChecker) -> None:
    verdict = checker.check("PNR 290049223 is confirmed, booking reference XYH9920K [1].", [BOOKING], Grounding())
    assert not verdict.supported and verdict.sentences[0].unsupported_terms == ["xyh9920k"]
    assert verdict.replacement is not None and "available documents" in verdict.replacement


def test_flag_policy_keeps_the_answer(checker: GroundingChecker) -> None:
    verdict = checker.check("Your flight leaves from gate C21 at 22:05 [1].", [BOOKING], Grounding(policy="flag"))
    assert not verdict.supported and verdict.replacement is None and verdict.policy == "flag"


def test_an_uncited_answer_is_scored_against_every_source(checker: GroundingChecker) -> None:
    faithful = checker.check(
        "The booking status is pending. Cabin bags may weigh 10 kg.", [BOOKING, BAGGAGE], Grounding()
    )
    assert faithful.supported and faithful.attributed == [1, 2]
    assert [s.best_source for s in faithful.sentences] == [1, 2] and all(s.attributed for s in faithful.sentences)
    invented = checker.check("Your flight leaves from gate C21 at 22:05.", [BOOKING, BAGGAGE], Grounding())
    assert not invented.supported and invented.replacement is not None  # uncited is no licence to invent
    strict = checker.check("The booking status is pending.", [BOOKING], Grounding(require_citation=True))
    assert not strict.supported and strict.reason == "the answer cites no source"


def test_a_wrong_citation_is_unsupported(checker: GroundingChecker) -> None:
    invented = checker.check("The status is pending [4].", [BOOKING], Grounding())
    assert not invented.supported and invented.invalid_citations == [4]
    misattributed = checker.check("PNR 290049223 is pending [2].", [BOOKING, BAGGAGE], Grounding())
    assert not misattributed.supported  # cited sentences are scored against what they cite only


def test_an_unrelated_sentence_scores_below_the_threshold(checker: GroundingChecker) -> None:
    verdict = checker.check("Penguins cannot fly but swim very well [2].", [BOOKING, BAGGAGE], Grounding())
    assert not verdict.supported and verdict.score < 0.5


def test_a_refusal_is_grounded(checker: GroundingChecker) -> None:
    verdict = checker.check("I'm sorry, that is not in the available documents.", [BOOKING], Grounding())
    assert verdict.supported and verdict.declined and verdict.replacement is None
    for refusal in (  # phrasings the 1.5B model used on the pydoc QA set
        "[1] The core developers who voted on it were not explicitly mentioned in the given sources.",
        "The provided sources do not mention the conference sponsor.",
    ):
        assert checker.check(refusal, [BOOKING], Grounding()).declined
    invented = checker.check("The sources do not say it. But the gate is C21 [1].", [BOOKING], Grounding())
    assert not invented.declined and not invented.supported  # a refusal that still invents a code is no refusal


def test_collection_schema_rejects_bad_settings() -> None:
    assert CollectionSpec().readers == ["team:default"]
    with pytest.raises(ValueError, match="overlap_tokens must be smaller"):
        CollectionSpec(chunk_tokens=50, overlap_tokens=50)
    with pytest.raises(ValueError, match="not a valid regular expression"):
        CollectionSpec(identifiers={"pnr": "(\\d{9"})
    data = {
        "models": {"m": {"backend": "scripted"}},
        "apps": {},
        "collections": {"kb": {"top_k": 3, "chunk_size": 100}},
    }
    with pytest.raises(ConfigError, match=r"steward.yaml:\d+: collections.kb.chunk_size: unknown key"):
        load_project_text(yaml.safe_dump(data), "steward.yaml")
    data["collections"]["kb"] = {"grounding": {"policy": "ignore"}}
    with pytest.raises(ConfigError, match=r"collections\.kb\.grounding\.policy"):
        load_project_text(yaml.safe_dump(data), "steward.yaml")


def test_the_bundled_knowledge_base_is_packaged() -> None:
    from importlib import resources

    kb = Path(str(resources.files("steward.defaults").joinpath("kb/airport")))
    assert {p.name for p in kb.iterdir()} >= {"bookings.jsonl", "flights.csv", "travel-policies.md"}
    assert "PNR 290049223: Alan Smith: Pending: XYH9902K" in (kb / "bookings.jsonl").read_text()
