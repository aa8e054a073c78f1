"""The one support check (`steward.rag.support`): serving grounding and the evals' faithfulness share it.

The judge cases need the local Qwen 0.5B GGUF under .steward/models and skip, saying so, without it; the rest
run on the cheap features (the shipped MiniLM embedder).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from steward.config.rag import Grounding
from steward.evals.metric import Row
from steward.evals.rag import Faithfulness
from steward.models.embeddings import get_rag_embedder
from steward.rag import support as support_module
from steward.rag.grounding import GroundingChecker
from steward.rag.support import SupportChecker, default_threshold, find_model, local_judge
from steward.types import Source

ROOT = Path(__file__).resolve().parents[1]

# (knowledge, question, right answer, hallucinated answer): one per hallucination kind, none from a family
CASES = [
    (
        "Marta Ruiz was born in 1971 in Valencia. She worked as an architect at Lumen Partners until 2015, when "
        "she joined Orbis Design as its director. Her brother Pablo Ruiz is a surgeon in Seville.",
        "Where does Pablo Ruiz work?",
        "Pablo Ruiz is a surgeon in Seville.",
        "Pablo Ruiz is a surgeon in Valencia.",
    ),
    (
        "The museum opens at 9:00 and closes at 17:30 from Tuesday to Sunday. Tickets cost 12 euros; children "
        "under 6 enter free.",
        "How much is a ticket?",
        "A ticket costs 12 euros.",
        "A ticket costs 15 euros.",
    ),
    (
        "The library lends up to five books at a time for three weeks. Loans can be renewed online once.",
        "Can loans be renewed?",
        "Yes, loans can be renewed online once.",
        "No, loans cannot be renewed.",
    ),
    (
        "Northwind Traders acquired Fabrikam in 2019. Fabrikam had been founded by Ilse Maier in Graz.",
        "Who founded Fabrikam?",
        "Fabrikam was founded by Ilse Maier in Graz.",
        "Fabrikam was founded by Ilse Maier in Graz, and she still chairs Northwind Traders' board.",
    ),
]


def _answer_score(checker: SupportChecker, knowledge: str, question: str, answer: str) -> float:
    return checker.score_answer(answer, [knowledge], question).score


@pytest.fixture(scope="module")
def cheap() -> SupportChecker:
    return SupportChecker(get_rag_embedder())


@pytest.mark.parametrize("case", CASES, ids=["relation", "number", "negation", "addition"])
def test_cheap_features_rank_the_right_answer_above_the_hallucinated_one(
    cheap: SupportChecker, case: tuple
) -> None:
    knowledge, question, right, wrong = case
    assert _answer_score(cheap, knowledge, question, right) > _answer_score(cheap, knowledge, question, wrong)
    assert cheap.method.startswith("cheap features only")


def test_a_missing_judge_degrades_to_cheap_features_and_says_so(tmp_path: Path) -> None:
    assert local_judge("no-such-model", tmp_path) is None
    checker = GroundingChecker(get_rag_embedder(), tmp_path)
    source = Source("d", "d#0", 1.0, CASES[0][0], index=1)
    policy = Grounding(judge="local", judge_model="no-such-model")
    verdict = checker.check("Pablo Ruiz is a surgeon in Seville [1].", [source], policy)
    assert (
        verdict.supported
        and "cheap features only" in verdict.method
        and "no-such-model not found" in verdict.method
    )
    assert verdict.threshold == default_threshold(fused=False)


def test_grounding_and_faithfulness_call_the_same_function_at_the_same_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    original = SupportChecker.score_claims

    def spy(self: SupportChecker, claims, passages, question=""):  # type: ignore[no-untyped-def]
        calls.append(claims[0])
        return original(self, claims, passages, question)

    monkeypatch.setattr(support_module.SupportChecker, "score_claims", spy)
    knowledge, question, _right, wrong = CASES[1]
    source = Source("d", "d#0", 1.0, knowledge, index=1)
    served = GroundingChecker(get_rag_embedder()).check(wrong, [source], Grounding(), question=question)
    assert calls and calls[-1] == wrong
    calls.clear()
    [evaluated] = Faithfulness().compute([Row(prediction=wrong, context=(knowledge,), question=question)])
    assert calls == [wrong]
    assert served.threshold == evaluated.detail["threshold"] == pytest.approx(default_threshold(False), abs=1e-4)
    assert not served.supported and evaluated.per_row == [0.0]  # the same verdict in both places


def _report_sample(seed: int, n: int) -> list[dict]:
    spec = importlib.util.spec_from_file_location(
        "make_faithfulness_qa", ROOT / "scripts" / "make_faithfulness_qa.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_faithfulness_qa"] = module
    spec.loader.exec_module(module)
    return list(module.report_family(seed, n))


def test_cheap_auroc_on_a_generated_report_sample_stays_above_its_floor(cheap: SupportChecker) -> None:
    from sklearn.metrics import roc_auc_score

    pairs = _report_sample(seed=7, n=80)  # a seed the weights were not fitted or reported on
    labels, scores = [], []
    for pair in pairs:
        for label, answer in ((1, pair["right_answer"]), (0, pair["hallucinated_answer"])):
            labels.append(label)
            scores.append(_answer_score(cheap, pair["knowledge"], pair["question"], answer))
    assert roc_auc_score(labels, scores) >= FLOOR


FLOOR = 0.85  # measured: 0.91 on the report family (docs/cards/faithfulness.md), 0.90 on this sample


@pytest.fixture(scope="module")
def judged() -> SupportChecker:
    path = find_model("qwen2.5-coder-0.5b", ROOT / ".steward" / "models")
    if path is None:
        pytest.skip("the local judge needs .steward/models/qwen2.5-coder-0.5b*.gguf (`steward models fetch`)")
    judge = local_judge(str(path), n_threads=1)
    assert judge is not None
    return SupportChecker(get_rag_embedder(), judge)


@pytest.mark.slow
def test_the_local_judge_ranks_right_above_hallucinated(judged: SupportChecker) -> None:
    """The fused score ranks every right answer first; the 0.5B judge alone is weaker (AUROC 0.77 on the report
    family), so it must only get most of the cases right."""
    assert judged.method.startswith("fused") and judged.judge is not None
    judge_right = 0
    for knowledge, question, right, wrong in CASES:
        judge_right += judged.judge.log_odds(knowledge, question, right) > judged.judge.log_odds(
            knowledge, question, wrong
        )
        assert _answer_score(judged, knowledge, question, right) > _answer_score(
            judged, knowledge, question, wrong
        )
    assert judge_right >= 3
