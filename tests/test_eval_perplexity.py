"""Perplexity from a local GGUF model's logits (SmolLM2-135M through llama.cpp)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from tests.model_fixtures import smollm2_path  # noqa: F401

from steward.errors import ArtefactError, InvalidRequest
from steward.evals.metric import Row
from steward.evals.perplexity import LogitScorer, Perplexity, resolve_gguf

TEXT = "The flight to London leaves from gate A12 at eight in the morning; boarding closes twenty minutes earlier."


def test_model_option_errors_say_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match=r"absent.gguf does not exist"):
        resolve_gguf(str(tmp_path / "absent.gguf"))
    with pytest.raises(InvalidRequest, match=r"is not a \.gguf path, a declared model or one of: .*smollm2"):
        resolve_gguf("no-such-model")


@pytest.mark.slow
def test_perplexity_matches_llama_cpp_own_token_logprobs(smollm2_path: Path) -> None:  # noqa: F811
    scorer = LogitScorer(smollm2_path, n_ctx=512, n_threads=2)
    nll, count = scorer.token_nll(TEXT)
    # llama-cpp-python's own log-probabilities of the prompt tokens (echo), computed by the library itself
    out = scorer.llm.create_completion(TEXT, max_tokens=1, echo=True, logprobs=1, temperature=0.0)
    library = [lp for lp in out["choices"][0]["logprobs"]["token_logprobs"] if lp is not None][:count]
    assert count == len(library) > 10
    assert nll == pytest.approx(-sum(library), rel=1e-3)
    scorer.close()


@pytest.mark.slow
def test_perplexity_metric_prefers_natural_text_and_weights_the_corpus_by_tokens(
    smollm2_path: Path,  # noqa: F811
) -> None:
    words = TEXT.split()
    scrambled = " ".join(words[::2] + words[1::2])
    metric = Perplexity(model=str(smollm2_path))
    [score] = metric.compute([Row(TEXT), Row(scrambled), Row("")])
    metric.close()
    natural, shuffled, empty = score.per_row
    assert natural is not None and shuffled is not None and natural < shuffled
    assert empty is None and score.unscored == 1
    assert min(natural, shuffled) < score.value < max(natural, shuffled)
    assert not score.higher_is_better and score.detail["tokens"] > 20
    assert math.isfinite(score.value)
