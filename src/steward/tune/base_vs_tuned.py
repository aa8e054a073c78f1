"""Base against tuned on the run's validation rows, through llama.cpp (the files as the gateway serves them).

Each validation row's conversation up to its last assistant turn is answered greedily by the base GGUF and by
the tuned GGUF; both answers are scored against the row's reference answer with the evaluation package's
metrics (chrF, ROUGE, exact match, token F1: `steward.evals`, as `steward eval metrics` scores a file). These
rows were held out of training by the data split, so the figures are unseen-data figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

METRICS = "chrf,rouge,exact_match,f1"
MAX_NEW_TOKENS = 64


def answers(path: Path, rows: list[list[dict[str, str]]], threads: int = 1, lora: Path | None = None) -> list[str]:
    """Greedy answers of the model at `path` to each row's prompt (its messages before the last answer)."""
    from llama_cpp import Llama

    llama = Llama(
        model_path=str(path),
        lora_path=str(lora) if lora else None,
        n_ctx=2048,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
        seed=0,
    )
    try:
        out = []
        for messages in rows:
            prompt = messages[:-1] if messages[-1]["role"] == "assistant" else messages
            reply = llama.create_chat_completion(
                messages=prompt,  # type: ignore[arg-type]
                temperature=0.0,
                top_k=1,
                max_tokens=MAX_NEW_TOKENS,
                seed=0,
            )
            out.append(str(reply["choices"][0]["message"]["content"] or "").strip())  # type: ignore[index]
        return out
    finally:
        llama.close()


def scores(predictions: list[str], references: list[str]) -> dict[str, float | None]:
    from steward.evals.metric import Row
    from steward.evals.metric_catalog import parse_metric_list
    from steward.evals.scoring import build, close, score

    built = build(parse_metric_list(METRICS))
    try:
        rows = [Row(prediction=p, references=(r,)) for p, r in zip(predictions, references, strict=True)]
        result = score(rows, built)
    finally:
        close(built)
    return {s.name: (round(s.value, 4) if s.value is not None else None) for s in result.scores}


def compare(base: Path, tuned: Path, rows: list[list[dict[str, str]]], threads: int = 1) -> dict[str, Any]:
    references = [m[-1]["content"] if m[-1]["role"] == "assistant" else "" for m in rows]
    base_answers = answers(base, rows, threads)
    tuned_answers = answers(tuned, rows, threads)
    return {
        "data": "the run's validation rows (held out of training by the data split)",
        "rows": len(rows),
        "metrics": METRICS.split(","),
        "base": scores(base_answers, references),
        "tuned": scores(tuned_answers, references),
        "examples": [
            {"reference": r, "base": b, "tuned": t}
            for r, b, t in list(zip(references, base_answers, tuned_answers, strict=True))[:5]
        ],
    }
