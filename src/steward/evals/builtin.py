"""The built-in metrics, registered through the same `register_metrics` hook a third-party plugin uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from steward.plugins import hookimpl


@hookimpl
def register_metrics(register: Callable[[str, Any], None]) -> None:
    from steward.evals.detection import Detector
    from steward.evals.operational import BlockRate, Cost, JsonSchemaPass, Latency, RefusalRate
    from steward.evals.perplexity import Perplexity
    from steward.evals.qa import Classification, ExactMatch, TokenF1
    from steward.evals.rag import AnswerRelevance, ContextPrecision, ContextRecall, Faithfulness
    from steward.evals.reference import Bleu, Chrf, Rouge
    from steward.evals.similarity import EmbeddingSimilarity

    for metric in (
        Bleu,
        Chrf,
        Rouge,
        ExactMatch,
        TokenF1,
        Classification,
        Detector,
        Perplexity,
        EmbeddingSimilarity,
        JsonSchemaPass,
        RefusalRate,
        BlockRate,
        Latency,
        Cost,
        Faithfulness,
        AnswerRelevance,
        ContextPrecision,
        ContextRecall,
    ):
        register(metric.name, metric)
