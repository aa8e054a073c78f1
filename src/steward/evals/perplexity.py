"""Perplexity of texts under a local GGUF model, computed from the model's own logits (llama-cpp-python).

The model is loaded once with `logits_all=True`, so one `eval` of a token sequence gives the logits at every
position; the negative log-likelihood of token i+1 is read from position i's log-softmax. The text is
tokenised the way the model expects (with BOS when its GGUF says so, in which case every text token is scored;
otherwise the first token is given and not scored), exactly as llama.cpp's own echo log-probabilities are.
Texts longer than the context window are scored in consecutive windows (each re-starting with BOS where the
model uses one — the standard non-overlapping approximation). Per row we report the
text's perplexity; the corpus figure is exp(total NLL / total predicted tokens), which weights long texts by
their length as language-model evaluations do.

The `model` option is a `.gguf` path, a built-in artefact name (`smollm2-135m-instruct-q4_1`, resolved under
the project's models folder) or a model id declared in steward.yaml with a llama.cpp backend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from steward.errors import ArtefactError, InvalidRequest
from steward.evals.metric import Metric, Row, Score

if TYPE_CHECKING:
    from steward.config import Project, Settings


def resolve_gguf(model: str, project: Project | None = None, settings: Settings | None = None) -> Path:
    """A path to a GGUF file from a path, or from a model id of `project` or a built-in artefact name in the
    models folder of `settings` (both handed in by the command or the suite that runs)."""
    candidate = Path(model).expanduser()
    if candidate.suffix == ".gguf":
        if not candidate.is_file():
            raise ArtefactError(f"perplexity model {candidate} does not exist; give the path of a .gguf file.")
        return candidate
    from steward.models import artefacts

    if project is None or settings is None:
        raise InvalidRequest(
            f"perplexity model {model!r} is not a .gguf path, and no project was given to look it up in: give "
            "a path, or bind the metric (`metric.bind(project, settings)`), as `steward eval` does."
        )
    models_dir = settings.models_dir
    spec = project.models.get(model)
    if spec is not None:
        if spec.backend != "llama_cpp":
            raise InvalidRequest(f"perplexity needs a local llama.cpp model; {model!r} uses {spec.backend}.")
        path = Path(spec.path) if spec.path else artefacts.path_of(spec.artefact or "", models_dir)
    elif model in artefacts.CATALOGUE:
        path = artefacts.path_of(model, models_dir)
    else:
        known = ", ".join(sorted(artefacts.CATALOGUE))
        raise InvalidRequest(
            f"perplexity model {model!r} is not a .gguf path, a declared model or one of: {known}."
        )
    if not path.is_file():
        fetch = artefacts.fetch_command(spec.artefact if spec and spec.artefact else model, settings.config)
        raise ArtefactError(f"model file {path} is missing; run `{fetch}`.")
    return path


class LogitScorer:
    """A GGUF model loaded for scoring: token log-likelihoods from its logits."""

    def __init__(self, path: Path, n_ctx: int = 512, n_threads: int = 2) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ArtefactError("perplexity needs llama-cpp-python; `pip install llama-cpp-python`.") from None
        self.n_ctx = n_ctx
        self.llm: Any = Llama(
            model_path=str(path), n_ctx=n_ctx, n_batch=n_ctx, logits_all=True, n_threads=n_threads, verbose=False
        )

    def token_nll(self, text: str) -> tuple[float, int]:
        """Total negative log-likelihood (nats) of the text's tokens and how many tokens were predicted."""
        # the model's own convention: llama.cpp adds BOS only when the GGUF says the model expects it
        tokens = self.llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
        bos = self.llm.token_bos()
        prefix = [bos] if tokens and tokens[0] == bos else []  # without BOS the first token is given, not scored
        tokens = tokens[len(prefix) :]
        step = self.n_ctx - len(prefix)
        total, count = 0.0, 0
        for start in range(0, len(tokens), step):
            window = [*prefix, *tokens[start : start + step]]
            if len(window) < 2:
                continue
            self.llm.reset()
            self.llm.eval(window)
            logits = np.asarray(self.llm.scores[: len(window) - 1], dtype=np.float64)
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            targets = np.asarray(window[1:])
            total -= float(log_probs[np.arange(len(targets)), targets].sum())
            count += len(targets)
        return total, count

    def close(self) -> None:
        if hasattr(self.llm, "close"):
            self.llm.close()


@dataclass
class Perplexity(Metric):
    """Perplexity of the prediction (or the first reference) under a local GGUF model (lower is better)."""

    name: ClassVar[str] = "perplexity"
    needs: ClassVar[tuple[str, ...]] = ("prediction",)
    description: ClassVar[str] = "perplexity from a local GGUF model's logits (llama.cpp)"

    model: str = "smollm2-135m-instruct-q4_1"
    text: Literal["prediction", "reference"] = "prediction"
    n_ctx: int = 512
    n_threads: int = 2
    _scorer: LogitScorer | None = field(default=None, init=False, repr=False)
    _project: Project | None = field(default=None, init=False, repr=False)
    _settings: Settings | None = field(default=None, init=False, repr=False)

    def bind(self, project: Project, settings: Settings) -> None:
        self._project, self._settings = project, settings

    def scorer(self) -> LogitScorer:
        if self._scorer is None:
            self._scorer = LogitScorer(
                resolve_gguf(self.model, self._project, self._settings), self.n_ctx, self.n_threads
            )
        return self._scorer

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        scorer = self.scorer()
        per_row: list[float | None] = []
        total_nll, total_tokens = 0.0, 0
        for row in rows:
            text = row.prediction if self.text == "prediction" else (row.references[0] if row.references else "")
            nll, count = scorer.token_nll(text) if text.strip() else (0.0, 0)
            per_row.append(math.exp(nll / count) if count else None)
            total_nll += nll
            total_tokens += count
        score = Score.from_rows(self.name, per_row, higher_is_better=False, corpus=True)
        score.value = math.exp(total_nll / total_tokens) if total_tokens else None
        score.detail = {"model": self.model, "tokens": total_tokens}
        return [score]

    def close(self) -> None:
        if self._scorer is not None:
            self._scorer.close()
            self._scorer = None
