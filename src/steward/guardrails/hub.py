"""Hub classifiers from a local folder: any transformers sequence classifier a user has downloaded.

No injection or toxicity classifier ships offline, so Steward trains and ships small ones; users with a network
(or an internal model registry) can point a scanner at a stronger checkpoint instead — a DeBERTa or Prompt Guard
injection model, `unitary/toxic-bert`, a RoBERTa hate-speech model — saved on disk with `save_pretrained()`.
Loading never reaches a hub (`local_files_only`, `HF_HUB_OFFLINE`). Which labels count as positive is named in
the policy or guessed from the label names; multi-label checkpoints (`problem_type:
multi_label_classification`, e.g. toxic-bert's toxic/obscene/insult…) are scored with a sigmoid per label and
the strongest positive label counts, single-label ones with a softmax and the positive labels' sum.
"""

from __future__ import annotations

import os
import re
from typing import Any

from steward.errors import ArtefactError


class HubTextClassifier:
    """A local transformers sequence classifier; `score` is the probability of the positive labels."""

    def __init__(
        self,
        path: str,
        positive: list[str] | None = None,
        *,
        what: str,
        guess: str,
        option: str,
        max_length: int = 512,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not os.path.isdir(path):
            raise ArtefactError(
                f"{what} model_path {path!r} is not a folder; point it at a downloaded "
                "transformers checkpoint (config.json, tokenizer and weights)."
            )
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ArtefactError(
                f"could not load the classifier in {path!r} ({exc}); it must be a transformers "
                "sequence-classification checkpoint saved with save_pretrained()."
            ) from None
        self.model.eval()
        self.max_length = max_length
        self.labels: dict[int, str] = {int(i): str(n) for i, n in self.model.config.id2label.items()}
        self.multi_label = self.model.config.problem_type == "multi_label_classification"
        self.positive = self._positive_indices(positive, what, guess, option)

    def _positive_indices(self, wanted: list[str] | None, what: str, guess: str, option: str) -> list[int]:
        names = self.labels
        if wanted:
            lowered = {label.lower() for label in wanted}
            chosen = [i for i, n in names.items() if n.lower() in lowered]
            if len(chosen) != len(lowered):
                raise ArtefactError(
                    f"label {sorted(wanted)} is not one of the model's labels {sorted(names.values())}; "
                    f"set {option} (or `--labels` of `steward guard eval`) to one of them."
                )
            return sorted(chosen)
        negated = re.compile(r"non|not", re.I)  # "non-toxic", "nothate"
        guessed = [i for i, n in names.items() if re.search(guess, n, re.I) and not negated.match(n)]
        if guessed:
            return sorted(guessed)
        if len(names) == 2:
            return [1]  # the usual (negative, positive) order
        raise ArtefactError(
            f"cannot tell which of the labels {sorted(names.values())} means {what}; "
            f"set `{option}:` in the policy (`--labels` for `steward guard eval`)."
        )

    def label_scores(self, text: str) -> dict[str, float]:
        """The probability of every label (softmax, or a sigmoid per label for multi-label checkpoints)."""
        import torch

        encoded = self.tokenizer(text, truncation=True, max_length=self.max_length, return_tensors="pt")
        with torch.inference_mode():
            logits = self.model(**encoded).logits[0]
        probabilities: Any = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
        return {self.labels[i]: float(p) for i, p in enumerate(probabilities)}

    def score(self, text: str) -> float:
        return self.combine(self.label_scores(text))

    def combine(self, scores: dict[str, float]) -> float:
        """The positive labels' probability: their sum (single-label) or the strongest (multi-label)."""
        values = [scores[self.labels[i]] for i in self.positive]
        return max(values) if self.multi_label else min(1.0, sum(values))
