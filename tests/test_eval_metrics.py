"""Metrics: equal to the reference libraries where one exists, and correct by construction where not."""

from __future__ import annotations

import random

import numpy as np
import pytest

from steward.config import Settings, load_project
from steward.errors import InvalidRequest
from steward.evals.judge import FunctionJudge, parse_rating, parse_verdict
from steward.evals.metric import Row
from steward.evals.metric_catalog import MetricSpec
from steward.evals.operational import BlockRate, Cost, JsonSchemaPass, Latency, RefusalRate
from steward.evals.qa import Classification, ExactMatch, TokenF1
from steward.evals.rag import ContextPrecision, ContextRecall, Faithfulness, average_precision
from steward.evals.reference import Bleu, Chrf, Rouge
from steward.evals.text import normalize_answer, split_claims
from steward.language import split_sentences

WORDS = [
    "the",
    "gate",
    "flight",
    "passenger",
    "boarding",
    "closes",
    "opens",
    "terminal",
    "baggage",
    "delayed",
    "cancelled",
    "check",
    "in",
    "at",
    "on",
    "minutes",
    "hours",
    "before",
    "after",
    "security",
    "lounge",
    "ticket",
    "booking",
    "reference",
    "travellers",
    "running",
    "ran",
    "runs",
]


def _random_pairs(n: int, seed: int = 7) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)

    def sentence() -> str:
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 18)))
        return text.capitalize() + rng.choice([".", "!", "?", ""])

    return [(sentence(), [sentence() for _ in range(rng.randint(1, 3))]) for _ in range(n)]


def test_bleu_and_chrf_equal_sacrebleu_on_ragged_references() -> None:
    import sacrebleu

    pairs = _random_pairs(60)
    rows = [Row(p, tuple(refs)) for p, refs in pairs]
    streams = [[refs[i] if i < len(refs) else None for _, refs in pairs] for i in range(3)]
    hyps = [p for p, _ in pairs]
    [bleu] = Bleu().compute(rows)
    assert bleu.value == pytest.approx(sacrebleu.corpus_bleu(hyps, streams).score, abs=1e-9)
    expected = [sacrebleu.sentence_bleu(p, refs).score for p, refs in pairs]
    assert bleu.per_row == pytest.approx(expected, abs=1e-9)
    [chrf] = Chrf().compute(rows)
    assert chrf.value == pytest.approx(sacrebleu.corpus_chrf(hyps, streams).score, abs=1e-9)
    assert chrf.per_row == pytest.approx([sacrebleu.sentence_chrf(p, refs).score for p, refs in pairs], abs=1e-9)


@pytest.mark.parametrize("use_stemmer", [True, False])
def test_rouge_equals_rouge_score_score_multi(use_stemmer: bool) -> None:
    from rouge_score import rouge_scorer

    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    library = rouge_scorer.RougeScorer(types, use_stemmer=use_stemmer)
    pairs = _random_pairs(80, seed=11)
    ours = {
        s.name: s.per_row
        for s in Rouge(use_stemmer=use_stemmer, sentence_split="newline").compute(
            [Row(p, tuple(refs)) for p, refs in pairs]
        )
    }
    for i, (prediction, refs) in enumerate(pairs):
        expected = library.score_multi(refs, prediction)
        for rouge_type in types:
            assert ours[rouge_type][i] == pytest.approx(expected[rouge_type].fmeasure, abs=1e-12)


def test_rouge_lsum_splits_sentences_offline_without_punkt(monkeypatch: pytest.MonkeyPatch) -> None:
    import nltk

    def no_punkt(*_: object, **__: object) -> None:
        raise LookupError("punkt is not installed (and must not be needed)")

    monkeypatch.setattr(nltk, "sent_tokenize", no_punkt)
    row = Row("Second sentence. First sentence.", ("First sentence. Second sentence.",))
    [lsum] = Rouge(types=("rougeLsum",)).compute([row])
    assert lsum.per_row == [pytest.approx(1.0)]
    [one_line] = Rouge(types=("rougeLsum",), sentence_split="newline").compute([row])
    assert one_line.per_row == [pytest.approx(0.5)]


def test_sentence_splitter_keeps_abbreviations_decimals_and_initials_together() -> None:
    text = "Dr. Smith paid 5.50 euros at 7 a.m. on the train. It left J. K. Station e.g. on time!\nNew line here"
    assert split_sentences(text) == [
        "Dr. Smith paid 5.50 euros at 7 a.m. on the train.",
        "It left J. K. Station e.g. on time!",
        "New line here",
    ]


def test_served_and_evaluated_faithfulness_score_the_same_claims() -> None:
    from steward.config.rag import Grounding
    from steward.models.embeddings import get_rag_embedder
    from steward.rag.grounding import GroundingChecker
    from steward.types import Source

    answer = "Check-in closes at 10:00; bag drop opens at 7:00. Yes. Thanks a lot! Trains run every 15 minutes."
    context = "Check-in closes at 10:00 and bag drop opens at 7:00. Trains run every 15 minutes."
    claims = split_claims(answer)  # sentences that state something: "Yes." and the courtesy are not claims
    assert claims == ["Check-in closes at 10:00; bag drop opens at 7:00.", "Trains run every 15 minutes."]
    source = Source("doc", "doc#0", 1.0, context, index=1)
    served = GroundingChecker(get_rag_embedder()).check(answer, [source], Grounding())
    assert [s.text for s in served.sentences] == claims  # what the gateway scores
    evaluated = Faithfulness().compute([Row(prediction=answer, context=(context,))])[0]
    assert evaluated.detail["claims"] == len(claims)  # what an evaluation scores


def test_squad_normalisation_exact_match_and_f1() -> None:
    assert normalize_answer("The  Eiffel-Tower!  ") == "eiffeltower"
    assert normalize_answer("an apple, a pear") == "apple pear"
    rows = [Row("The Eiffel Tower", ("Eiffel Tower", "Paris")), Row("in Paris, France", ("Paris",))]
    [em] = ExactMatch().compute(rows)
    assert em.per_row == [1.0, 0.0]
    [f1] = TokenF1().compute(rows)
    # "in paris france" vs "paris": precision 1/3, recall 1 → F1 = 0.5
    assert f1.per_row == [pytest.approx(1.0), pytest.approx(0.5)]


def test_classification_matches_scikit_learn() -> None:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    gold = ["refund", "delay", "refund", "baggage", "delay", "delay"]
    predicted = ["Refund", "delay", "delay", "baggage", "refund", "delay"]
    scores = {
        s.name: s for s in Classification().compute([Row(p, (g,)) for p, g in zip(predicted, gold, strict=True)])
    }
    lower = [p.lower() for p in predicted]
    precision, recall, f1, _ = precision_recall_fscore_support(gold, lower, average="macro", zero_division=0)
    assert scores["accuracy"].value == pytest.approx(accuracy_score(gold, lower))
    assert scores["precision"].value == pytest.approx(precision)
    assert scores["recall"].value == pytest.approx(recall)
    assert scores["classification_f1"].value == pytest.approx(f1)
    assert scores["precision"].per_row == []  # an averaged figure has no per-row form


def test_json_schema_pass_rate_accepts_fenced_json_and_explains_failures() -> None:
    schema = {"type": "object", "required": ["gate"], "properties": {"gate": {"type": "string"}}}
    rows = [Row('{"gate": "A12"}'), Row('```json\n{"gate": "B3"}\n```'), Row('{"gate": 12}'), Row("gate A12")]
    [score] = JsonSchemaPass(schema=schema).compute(rows)
    assert score.per_row == [1.0, 1.0, 0.0, 0.0]
    assert any("row 3: gate" in e for e in score.detail["examples"])
    assert any("row 4: not JSON" in e for e in score.detail["examples"])
    with pytest.raises(InvalidRequest, match="needs a schema"):
        JsonSchemaPass().compute([Row("{}")])


def test_refusal_and_block_rates_read_text_and_status() -> None:
    rows = [
        Row("I'm sorry, but I can't help with that request."),
        Row("Gate A12 closes at 10:40.", status="served"),
        Row("Your booking is confirmed.", status="blocked"),
        Row("I cannot provide other passengers' details."),
    ]
    assert RefusalRate().compute(rows)[0].per_row == [1.0, 0.0, 1.0, 1.0]
    assert BlockRate().compute(rows)[0].value == pytest.approx(0.75)
    assert RefusalRate().compute(rows)[0].higher_is_better is False


def test_latency_percentiles_and_cost() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 1000.0]
    scores = {s.name: s for s in Latency().compute([Row("x", latency_ms=v, cost=0.5) for v in values])}
    assert scores["latency_p50_ms"].value == pytest.approx(np.percentile(values, 50))
    assert scores["latency_p95_ms"].value == pytest.approx(np.percentile(values, 95))
    assert scores["latency_mean_ms"].value == pytest.approx(np.mean(values))
    assert not scores["latency_p95_ms"].higher_is_better
    cost = {s.name: s.value for s in Cost().compute([Row("x", cost=0.5), Row("y", cost=0.25)])}
    assert cost == {"cost_total": pytest.approx(0.75), "cost_mean": pytest.approx(0.375)}


def test_average_precision_and_id_based_context_metrics() -> None:
    assert average_precision([True, False, True]) == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert average_precision([False, False]) == 0.0
    row = Row(
        "x", context=("a", "b", "c"), context_ids=("c1", "c2", "c3"), reference_ids=("c2", "c9"), references=("r",)
    )
    assert ContextPrecision().compute([row])[0].per_row == [pytest.approx(0.5)]
    assert ContextRecall().compute([row])[0].per_row == [pytest.approx(0.5)]


CONTEXT = (
    "Check-in for international flights closes 60 minutes before departure. Bag drop opens three hours "
    "before departure. The lost property office in Terminal 2 is open from 7:00 to 21:00."
)


def test_lexical_faithfulness_catches_invented_figures_and_skips_abstentions() -> None:
    rows = [
        Row("Check-in for international flights closes 60 minutes before departure.", context=(CONTEXT,)),
        Row("Check-in for international flights closes 30 minutes before departure.", context=(CONTEXT,)),
        Row("I don't know.", context=(CONTEXT,)),
    ]
    [score] = Faithfulness(use_embeddings=False).compute(rows)
    assert score.per_row == [1.0, 0.0, None]
    assert score.unscored == 1 and score.detail["rows_without_claims"] == 1


def test_judge_output_is_parsed_tolerantly() -> None:
    assert parse_verdict('{"verdict": "yes"}') is True
    assert parse_verdict('```json\n{"supported": false}\n```') is False
    assert parse_verdict("Verdict: NOT supported, because the context says 60.") is False
    assert parse_verdict("Yes.") is True
    assert parse_verdict("The context mentions check-in.") is None
    assert parse_rating('{"score": 5}') == pytest.approx(1.0)
    assert parse_rating("I would rate it 3 out of 5") == pytest.approx(0.5)
    assert parse_rating("excellent!") is None


def test_faithfulness_with_a_judge_counts_unparseable_items() -> None:
    replies = iter(['{"verdict": "yes"}', "banana", "no"])
    judge = FunctionJudge(lambda _prompt: next(replies))
    row = Row(
        "Bag drop opens three hours before departure. Check-in closes early. Parking is free.", context=(CONTEXT,)
    )
    [score] = Faithfulness(judge=judge).compute([row])
    assert score.per_row == [pytest.approx(0.5)]  # yes, (unreadable), no
    assert score.detail == {"method": "judge", "judge_unparsed_items": 1, "rows_without_claims": 0, "claims": 3}


def test_unknown_metric_and_option_are_clear_errors() -> None:
    with pytest.raises(InvalidRequest, match=r"unknown metric 'bleuu'; available metrics: .*bleu"):
        MetricSpec("bleuu").build()
    with pytest.raises(
        InvalidRequest, match="metric 'rouge' has no option 'stem'; its options: types, use_stemmer"
    ):
        MetricSpec("rouge", {"stem": True}).build()
    with pytest.raises(InvalidRequest, match="unknown ROUGE type 'rouge3'"):
        MetricSpec("rouge", {"types": ["rouge3"]}).build()


@pytest.mark.slow
def test_embedding_faithfulness_relevance_and_similarity_rank_good_answers_higher() -> None:
    from steward.evals.rag import AnswerRelevance
    from steward.evals.similarity import EmbeddingSimilarity

    good = Row(
        "International check-in closes 60 minutes before departure.",
        ("Check-in closes an hour before.",),
        context=(CONTEXT,),
        question="When does check-in close for international flights?",
    )
    bad = Row(
        "Dogs of any size may travel in the cabin on a leash.",
        ("Check-in closes an hour before.",),
        context=(CONTEXT,),
        question="When does check-in close for international flights?",
    )
    faithful = Faithfulness(soft=True).compute([good, bad])[0].per_row
    relevance = AnswerRelevance().compute([good, bad])[0].per_row
    similarity = EmbeddingSimilarity().compute([good, bad])[0].per_row
    for values in (faithful, relevance, similarity):
        assert values[0] > values[1]
    assert Faithfulness().compute([good, bad])[0].per_row == [1.0, 0.0]


JUDGE_PROJECT = """\
version: 1
models:
  judge: {backend: scripted, replies: ['{"verdict": "yes"}', "I think so, maybe"]}
apps:
  judge-app:
    owner: qa@example.com
    purpose: Judge claims (tests).
    route: [{model: judge}]
"""


@pytest.mark.parametrize("spec", ["model:judge", "app:judge-app"])
def test_judges_from_the_project_are_called_and_garbage_is_counted(
    spec: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "steward.yaml").write_text(JUDGE_PROJECT, encoding="utf-8")
    monkeypatch.setenv("STEWARD_HOME", str(folder / "home"))
    row = Row("Bag drop opens three hours before departure. Parking is free on Sundays.", context=(CONTEXT,))
    metric = Faithfulness(judge=spec)
    project = load_project(folder / "steward.yaml")
    metric.bind(project, Settings.resolve(project))  # as the CLI's --config and a suite's project do
    [score] = metric.compute([row])
    metric.close()
    assert score.per_row == [1.0]  # the second verdict could not be read: scored on the first alone
    assert score.detail["judge_unparsed_items"] == 1
    with pytest.raises(InvalidRequest, match="write `app:NAME`"):
        Faithfulness(judge="gpt-judge")
