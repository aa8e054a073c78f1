"""The toxicity scanner's fast path (packed MiniLM pieces, bfloat16 where the CPU has AMX) keeps float32's
decisions: a score near the rule's threshold is recomputed in float32, and the precision is a policy option."""

from __future__ import annotations

import pytest

from steward.config.guardrails import ToxicityRule
from steward.guardrails.base import ScanContext
from steward.guardrails.toxicity import EXACT_MARGIN, ToxicityScanner, default_threshold, toxicity_factory

INPUT = ScanContext(stage="input")
TEXTS = [
    "Immigrants come here to take benefits and never bother to learn the language.",
    "Could you tell me whether the flight still leaves from terminal 2, gate B12, at 10:45? " * 8,
    "I just wanna slit this mf throat",  # a tweet that scored 0.5402 in float32, 0.5390 in bfloat16
]


@pytest.fixture(scope="module")
def exact() -> ToxicityScanner:
    return ToxicityScanner(precision="float32")


@pytest.mark.parametrize("text", TEXTS)
def test_a_score_at_the_threshold_is_float32s_score(exact: ToxicityScanner, text: str) -> None:
    reference = exact.scan(text, INPUT)[0].score
    fast = ToxicityScanner(precision="bfloat16", threshold=reference)  # the worst case: right at the threshold
    assert fast.encoder.precision == "bfloat16"
    assert fast.scan(text, INPUT)[0].score == reference


def test_far_from_the_threshold_bfloat16_stays_within_the_margin(exact: ToxicityScanner) -> None:
    fast = ToxicityScanner(precision="bfloat16", threshold=1.0)  # never near it: bfloat16's own scores
    for text in TEXTS:
        assert abs(fast.scan(text, INPUT)[0].score - exact.scan(text, INPUT)[0].score) < EXACT_MARGIN / 3


def test_precision_and_threshold_come_from_the_policy_rule() -> None:
    options = ToxicityRule.model_validate({"precision": "float32", "threshold": 0.6}).model_dump(mode="json")
    scanner = toxicity_factory(options)
    assert scanner.encoder.precision == "float32" and scanner.cut == 0.6
    assert toxicity_factory(ToxicityRule().model_dump(mode="json")).cut == default_threshold()
    with pytest.raises(ValueError, match="precision"):
        ToxicityRule.model_validate({"precision": "int8"})


def test_the_tone_scanner_reads_offensive_language_without_minilm(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from steward.guardrails.topic import ToneScanner
    from steward.models.embeddings import Embedder, PackedEncoder

    def refuse(self: object, texts: list[str]) -> None:
        raise AssertionError("the tone scanner needs only the n-gram model's P(offensive)")

    monkeypatch.setattr(PackedEncoder, "embed", refuse)
    monkeypatch.setattr(Embedder, "embed", refuse)
    findings = ToneScanner().scan("You are a useless piece of shit.", INPUT)
    assert "offensive_language" in str(findings[0].detail)
