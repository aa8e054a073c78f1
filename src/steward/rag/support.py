"""Does the knowledge support a claim? The one support check of Steward, for serving and for evals alike.

Serving-time grounding (`rag/grounding.py`) and the evals' faithfulness metric (`evals/rag.py`, through
`evals/support.py`) both call `SupportChecker.score_claims`, with the threshold of `weights/support.json`
unless a policy overrides it, so the faithfulness served and the faithfulness evaluated are the same number.

A claim is scored by a small logistic regression over cheap features, and, when a local model is given, the
verdict of a judge read from its log-probabilities:

- `lexical`: share of the claim's content-word stems found in the best evidence window (one or two sentences);
- `semantic`: best cosine similarity between the claim and a window (all-MiniLM-L6-v2);
- `joint`: share of the stems of claim *and question* found together in one sentence: a right answer sits in
  the sentence about what was asked, a wrong relation between two knowledge entities does not;
- `scattered`: how many of the claim's words are not in that sentence (nor in one sharing a name or code with
  it: the rest of the same record) but in another one (a detail taken from the wrong record or person);
- `novel_words`, `novel_entities`, `novel_numbers`: how many content words, capitalised names and numbers or
  codes of the claim the knowledge does not contain (the question's words count as given);
- `negation`: the claim negates where its best window does not, or the other way round;
- `judge` (fused only): log P("Yes") − log P("No") of the local model's first answer token, asked whether the
  knowledge supports the answer to the question. One forward pass per claim, no sampling; the knowledge and
  question come first in the prompt, so answers to the same question reuse the evaluated prefix. The fused
  regression takes two inputs, the cheap regression's log-odds and the judge's, so that the few pairs the
  judge could be run on (seconds a claim on a shared CPU) fit three weights, not nine.

The weights were fitted on the `tune` family of `scripts/make_faithfulness_qa.py` (Faker bookings and claims,
BBQ contexts, the demo knowledge base), never on the `report` family the AUROC is given for
(docs/cards/faithfulness.md). Without a local model the cheap weights are used, and the result says so.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from steward.errors import ArtefactError
from steward.language import content_stems, split_sentences
from steward.models.embeddings import TextEmbedder, get_embedder

CHEAP = ("lexical", "semantic", "joint", "scattered", "novel_words", "novel_entities", "novel_numbers", "negation")
FUSED = ("cheap", "judge")  # the cheap regression's log-odds and the judge's: three weights, few judged pairs
WEIGHTS = "support.json"
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|cannot|without)\b|n't\b", re.I)
_ENTITY = re.compile(r"(?<![\w.])([A-Z][\w'’-]+)")
_CODE = re.compile(r"\b(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b")
_MAX_KNOWLEDGE_CHARS = 4000  # what the judge prompt carries of the knowledge (its context is 2,048 tokens)


@dataclass(slots=True)
class ClaimSupport:
    """How well one claim is supported: `score` is the probability that it is, in [0, 1]."""

    text: str
    score: float
    features: dict[str, float]
    judge_probability: float | None = None
    missing: list[str] = field(default_factory=list)  # numbers and codes of the claim the knowledge lacks


@dataclass(slots=True)
class AnswerSupport:
    """The support of a whole answer: its weakest claim decides."""

    score: float
    claims: list[ClaimSupport]
    method: str
    threshold: float

    @property
    def supported(self) -> bool:
        return self.score >= self.threshold

    @property
    def judge_probability(self) -> float | None:
        values = [c.judge_probability for c in self.claims if c.judge_probability is not None]
        return min(values) if values else None


@lru_cache(maxsize=1)
def load_weights() -> dict[str, Any]:
    """The fitted weights and thresholds (`cheap` and `fused`), shipped as json."""
    text = resources.files("steward.guardrails.weights").joinpath(WEIGHTS).read_text()
    return dict(json.loads(text))


def default_threshold(fused: bool) -> float:
    """The calibrated threshold of the cheap or the fused scorer: the one place a support threshold lives."""
    return float(load_weights()["fused" if fused else "cheap"]["threshold"])


# ---- features -------------------------------------------------------------------------------------------


def _windows(passages: Sequence[str]) -> list[str]:
    out: list[str] = []
    for passage in passages:
        sentences = split_sentences(passage) or [passage]
        out.extend(sentences)
        out.extend(" ".join(sentences[i : i + 2]) for i in range(len(sentences) - 1))
    return out


def _codes(text: str) -> set[str]:
    """Numbers and codes (tokens with a digit: 290049223, EX123, 22:05 gives 22 and 05)."""
    return {c.lower() for c in _CODE.findall(text)}


def _entities(text: str) -> set[str]:
    """Capitalised words not at a sentence's start (a sentence's first word is capitalised by grammar)."""
    found = set()
    for sentence in split_sentences(text) or [text]:
        for match in _ENTITY.finditer(sentence):
            if match.start() > 0:
                found.add(match.group(1).lower())
    return found


def _has_code(text: str, code: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])", text, re.IGNORECASE) is not None


def cheap_features(
    claim: str, passages: Sequence[str], question: str, similarity: Callable[[str, list[str]], np.ndarray] | None
) -> tuple[dict[str, float], list[str], int]:
    """The cheap features of one claim, the numbers/codes it states that the passages lack, and its best window."""
    windows = _windows(passages) or [""]
    knowledge = " ".join(passages)
    asked = set(content_stems(question))
    stems = set(content_stems(claim))
    window_stems = [set(content_stems(w)) for w in windows]
    lexical = np.asarray([len(stems & (w | asked)) / len(stems) if stems else 1.0 for w in window_stems])
    # one sentence, not a pair: a wrong relation joins words of two sentences that a right answer finds in one
    sentences = [s for p in passages for s in split_sentences(p) or [p]] or [""]
    singles = [set(content_stems(s)) for s in sentences]
    both = stems | asked
    joint = max((len(both & w) / len(both) if both else 1.0) for w in singles)
    # The sentence the answer is about, with the sentences that name one of its names or codes (the rest of the
    # same record: "PNR 290049223: … XYH9902K." then "Passenger …, booking reference XYH9902K, …"); the claim's
    # words found only in other sentences are a detail taken from another record or person.
    anchor = max(range(len(singles)), key=lambda i: len(both & singles[i]))
    tags = [_entities(s) | _codes(s) for s in sentences]
    group = set().union(
        *(w for w, t in zip(singles, tags, strict=True) if w is singles[anchor] or t & tags[anchor])
    )
    scattered = len((stems - group - asked) & set().union(*singles))
    semantic = similarity(claim, windows) if similarity is not None else lexical
    best = int(np.argmax(0.5 * lexical + 0.5 * semantic))
    known = set(content_stems(knowledge)) | asked
    lowered = knowledge.lower() + " " + question.lower()
    # a number the user said is still not confirmed by being repeated: it must be in the knowledge
    missing = sorted(c for c in _codes(claim) if not _has_code(knowledge, c))
    claim_negates = bool(_NEGATION.search(claim)) and not _NEGATION.search(question)
    features = {
        "lexical": float(lexical.max()),
        "semantic": float(np.max(semantic)),
        "joint": float(joint),
        "scattered": math.log1p(scattered),
        "novel_words": math.log1p(len(stems - known)),
        "novel_entities": math.log1p(sum(1 for e in _entities(claim) if e not in lowered)),
        "novel_numbers": math.log1p(len(missing)),
        "negation": float(claim_negates != bool(_NEGATION.search(windows[best]))),
    }
    return features, missing, best


# ---- the judge -------------------------------------------------------------------------------------------

JUDGE_SYSTEM = "You check answers against a knowledge text. Reply with Yes or No only."
JUDGE_PROMPT = (
    "Knowledge:\n{knowledge}\n\nQuestion: {question}\n\nIs the following answer fully supported by the knowledge "
    "above, with nothing added, changed or contradicted?\nAnswer: {claim}"
)


class LocalJudge:
    """A yes/no judge on a local GGUF model, read from the logits of its first answer token (no sampling).

    It owns its `Llama` (not the serving model's shared one: a llama.cpp context is not thread-safe) and a lock.
    """

    def __init__(self, path: Path, n_threads: int = 1, n_ctx: int = 2048) -> None:
        from llama_cpp import Llama

        from steward.models.llama import LlamaModel

        try:
            self.llm: Any = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, verbose=False
            )
        except (ValueError, RuntimeError) as exc:
            raise ArtefactError(f"the support judge could not load {path} ({exc}); set `judge: none`.") from None
        self.name = Path(path).name
        self.formatter = LlamaModel._chat_formatter(self.llm)
        self.lock = threading.Lock()
        self.yes = self._first_tokens(["Yes", "yes", " Yes"])
        self.no = self._first_tokens(["No", "no", " No"])

    def _first_tokens(self, words: list[str]) -> list[int]:
        return sorted({self.llm.tokenize(w.encode(), add_bos=False, special=False)[0] for w in words})

    def _tokens(self, knowledge: str, question: str, claim: str) -> list[int]:
        user = JUDGE_PROMPT.format(
            knowledge=knowledge[:_MAX_KNOWLEDGE_CHARS], question=question or "-", claim=claim
        )
        messages = [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": user}]
        if self.formatter is None:
            text = f"{JUDGE_SYSTEM}\n\n{user}\nReply:"
            return list(self.llm.tokenize(text.encode(), add_bos=True, special=False))
        prompt = self.formatter(messages=messages).prompt
        return list(self.llm.tokenize(prompt.encode(), add_bos=False, special=True))

    def log_odds(self, knowledge: str, question: str, claim: str) -> float:
        """log P(Yes) − log P(No) for the first answer token."""
        tokens = self._tokens(knowledge, question, claim)
        limit = self.llm.n_ctx() - 1
        if len(tokens) > limit:  # keep the end (question, claim and the assistant turn)
            tokens = tokens[-limit:]
        with self.lock:
            cached = self.llm.input_ids[: self.llm.n_tokens].tolist()
            prefix = 0
            for a, b in zip(cached, tokens, strict=False):
                if a != b:
                    break
                prefix += 1
            self.llm.n_tokens = min(prefix, len(tokens) - 1)  # evaluate at least the last token again
            self.llm.eval(tokens[self.llm.n_tokens :])
            logits = np.ctypeslib.as_array(self.llm._ctx.get_logits(), shape=(self.llm.n_vocab(),)).copy()
        top = logits.max()
        yes = top + math.log(float(np.exp(logits[self.yes] - top).sum()))
        no = top + math.log(float(np.exp(logits[self.no] - top).sum()))
        return float(yes - no)


_judges: dict[tuple[str, int], LocalJudge] = {}
_judges_lock = threading.Lock()


def find_model(name: str, models_dir: Path | None = None) -> Path | None:
    """A GGUF file: `name` as a path, or the first `<name>*.gguf` under `models_dir` (or `.steward/models`)."""
    path = Path(name)
    if path.suffix == ".gguf":
        return path if path.is_file() else None
    folder = models_dir or Path(".steward") / "models"
    found = sorted(folder.glob(f"{name}*.gguf")) if folder.is_dir() else []
    return found[0] if found else None


def local_judge(name: str, models_dir: Path | None = None, n_threads: int = 1) -> LocalJudge | None:
    """The process-wide judge on this model, or None when its file is not there (the caller degrades)."""
    path = find_model(name, models_dir)
    if path is None:
        return None
    key = (str(path.resolve()), n_threads)
    with _judges_lock:
        if key not in _judges:
            _judges[key] = LocalJudge(path, n_threads=n_threads)
        return _judges[key]


# ---- the scorer ------------------------------------------------------------------------------------------


def log_odds(weights: dict[str, Any], values: dict[str, float]) -> float:
    """The logistic regression's log-odds of these feature values."""
    x = np.asarray([values[name] for name in weights["features"]])
    z = (x - np.asarray(weights["mean"])) / np.asarray(weights["scale"])
    return float(z @ np.asarray(weights["coef"]) + weights["intercept"])


def sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(value, 50.0), -50.0)))


def score_features(features: dict[str, float], fused: bool) -> float:
    """A claim's support from its features (`judge` needed when fused); `features` gains `cheap`. A claim
    that states a number or code the knowledge lacks scores at most half the threshold: an invented figure is
    the commonest unsupported detail, whatever the rest says."""
    weights = load_weights()
    features["cheap"] = log_odds(weights["cheap"], features)
    score = sigmoid(log_odds(weights["fused" if fused else "cheap"], features))
    if features["novel_numbers"] > 0:
        score = min(score, 0.5 * default_threshold(fused))
    return score


class SupportChecker:
    """Scores claims against knowledge: cheap features, plus the local judge when one is given."""

    def __init__(
        self,
        embedder: TextEmbedder | None = None,
        judge: LocalJudge | None = None,
        *,
        use_embeddings: bool = True,
        judge_missing: str = "",
    ) -> None:
        self._embedder = embedder
        self.use_embeddings = use_embeddings
        self.judge = judge
        self.judge_missing = judge_missing  # why a judge was asked for but is not there, for the detail
        self._vectors: dict[str, np.ndarray] = {}

    @property
    def fused(self) -> bool:
        return self.judge is not None

    @property
    def method(self) -> str:
        if self.judge is not None:
            return f"fused: cheap features + local judge ({self.judge.name})"
        note = f" ({self.judge_missing})" if self.judge_missing else ""
        return "cheap features only: no local judge" + note

    @property
    def threshold(self) -> float:
        return default_threshold(self.fused)

    def without_judge(self) -> SupportChecker:
        """The cheap scorer over the same embedder and embedding cache (to rank sources before the judge)."""
        if self.judge is None:
            return self
        cheap = SupportChecker(self._embedder, None, use_embeddings=self.use_embeddings)
        cheap._vectors = self._vectors
        return cheap

    def warm(self, texts: Sequence[str]) -> None:
        """Embed, in one batch, the texts not embedded yet."""
        if not self.use_embeddings:
            return
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            if self._embedder is None:
                self._embedder = get_embedder()
            vectors = np.asarray(self._embedder.embed(missing), dtype=np.float32)
            self._vectors.update(zip(missing, vectors, strict=True))

    def _similarity(self, claim: str, windows: list[str]) -> np.ndarray:
        self.warm([claim, *windows])
        right = np.stack([self._vectors[w] for w in windows])
        return np.clip(right @ self._vectors[claim], 0.0, 1.0)

    def score_claims(
        self, claims: Sequence[str], passages: Sequence[str], question: str = ""
    ) -> list[ClaimSupport]:
        """The support of each claim by the passages (0 when there is no evidence at all)."""
        if not any(p.strip() for p in passages):
            return [ClaimSupport(c, 0.0, {}) for c in claims]
        self.warm([*claims, *_windows(passages)])
        similarity = self._similarity if self.use_embeddings else None
        out = []
        for claim in claims:
            features, missing, _ = cheap_features(claim, passages, question, similarity)
            probability = None
            if self.judge is not None:
                features["judge"] = self.judge.log_odds("\n\n".join(passages), question, claim)
                probability = sigmoid(features["judge"])
            score = score_features(features, self.fused)
            out.append(ClaimSupport(claim, score, features, probability, missing))
        return out

    def score_answer(self, answer: str, passages: Sequence[str], question: str = "") -> AnswerSupport:
        """Every sentence of the answer scored; the weakest decides.

        A scorer's view for benchmarks and tests, not what is served or evaluated: the grounding check and the
        faithfulness metric score the claims of `steward.language.split_claims` through `score_claims`. Cutting
        here with `split_claims` too was measured and kept out: on `bench/faithfulness.py --family report
        --scorers cheap` it lowered AUROC from 0.909 to 0.905 (verbose answers 0.771 to 0.744).
        """
        claims = split_sentences(answer) or [answer]
        scored = self.score_claims(claims, passages, question)
        return AnswerSupport(min(c.score for c in scored), scored, self.method, self.threshold)
