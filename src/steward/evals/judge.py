"""An optional LLM judge for the RAG metrics, and parsing of whatever it answers.

A judge is anything with `ask(prompt) -> str`: a Steward app called through the governed client (`app:NAME`,
so the judge's own calls are recorded like any other), a project model called directly (`model:ID`), or a
function (tests).
Judges — small local ones above all — answer in every shape: JSON, JSON in a code fence, "Yes.", "Verdict:
not supported", a rambling paragraph. `parse_verdict` and `parse_rating` accept all the readable shapes and
return `None` for the rest; the metrics count those items as unscored and report how many, instead of failing
the run or guessing.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from steward.errors import InvalidRequest, StewardError

if TYPE_CHECKING:
    from steward.config import Project, Settings

_TRUE = {"yes", "true", "supported", "support", "entailed", "entailment", "relevant", "1", "y"}
_FALSE = {
    "no",
    "false",
    "unsupported",
    "not supported",
    "not_supported",
    "contradicted",
    "contradiction",
    "irrelevant",
    "not relevant",
    "0",
    "n",
    "neutral",
}
_VERDICT_KEYS = ("verdict", "supported", "answer", "label", "result", "decision", "relevant", "judgement")
_VERDICT_WORD = re.compile(
    r"\b(not[\s_]+supported|unsupported|not\s+relevant|irrelevant|supported|relevant|yes|no|true|false)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class Judge(Protocol):
    def ask(self, prompt: str) -> str: ...


def _json_objects(text: str) -> list[dict[str, Any]]:
    """JSON objects found in text, in order (code fences and surrounding prose are ignored)."""
    found = []
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text[match.start() :])
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def _as_verdict(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else None
    if isinstance(value, str):
        word = value.strip().strip(".!").lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def parse_verdict(text: str) -> bool | None:
    """A yes/no verdict from a judge's answer, or None when it cannot be read."""
    for obj in _json_objects(text):
        for key in _VERDICT_KEYS:
            if key in obj and (verdict := _as_verdict(obj[key])) is not None:
                return verdict
    match = _VERDICT_WORD.search(text)
    if match is None:
        return None
    return _as_verdict(re.sub(r"[\s_]+", " ", match.group(1)))


def parse_rating(text: str, low: float = 1, high: float = 5) -> float | None:
    """A rating in [low, high] scaled to [0, 1], or None when there is none in range."""
    candidates: list[Any] = []
    for obj in _json_objects(text):
        candidates.extend(obj.get(k) for k in ("score", "rating", "relevance", "value"))
    candidates.extend(float(m) for m in _NUMBER.findall(text))
    for value in candidates:
        if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
            return (float(value) - low) / (high - low)
    return None


@dataclass
class FunctionJudge:
    """A judge backed by a Python function (scripted judges in tests)."""

    fn: Callable[[str], str]

    def ask(self, prompt: str) -> str:
        return self.fn(prompt)


class AppJudge:
    """A judge that is a Steward app, called through the governed in-process client."""

    def __init__(self, app: str, client: Any | None = None, project: Project | None = None) -> None:
        self.app = app
        self._client = client
        self.project = project  # whose app it is (None: the nearest steward.yaml, else the embedded defaults)

    def ask(self, prompt: str) -> str:
        if self._client is None:
            from steward.client import Client

            self._client = Client(self.project)
        try:
            return str(self._client.chat(self.app, prompt, temperature=0.0, max_tokens=128, origin="eval").text)
        except StewardError as exc:  # a blocked or failed judge call is an unscored item, not a failed run
            return f"<judge error: {exc.message}>"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


@dataclass(eq=False)
class ModelJudge:
    """A judge that is a model declared in steward.yaml, called directly (no app, no guardrails): the model of
    `project`, from the models folder of the process's `settings`, both handed in (`make_judge`)."""

    model_id: str
    max_tokens: int = 96
    project: Project | None = None
    settings: Settings | None = None
    _backend: Any = field(default=None, init=False, repr=False)

    @property
    def backend(self) -> Any:
        """The model, loaded on the first question (so a metric can be re-bound to a project for free)."""
        if self._backend is None:
            if self.project is None or self.settings is None:
                raise InvalidRequest(
                    f"judge model:{self.model_id} has no project to take its model from: bind the metric to one "
                    "(`metric.bind(project, settings)`), as `steward eval` and `steward.evals.score_file` do."
                )
            from steward.models.router import ModelPool

            self._backend = ModelPool(self.project, self.settings).get(self.model_id)
        return self._backend

    def ask(self, prompt: str) -> str:
        from steward.types import GenerationParams, Message

        params = GenerationParams(temperature=0.0, seed=0, max_tokens=self.max_tokens)
        backend = self.backend  # outside the try: an unknown model id stops the run, it is not an unscored item
        try:
            return asyncio.run(backend.complete([Message("user", prompt)], params)).text
        except StewardError as exc:
            return f"<judge error: {exc.message}>"


def make_judge(
    spec: str | Judge | None, project: Project | None = None, settings: Settings | None = None
) -> Judge | None:
    """A judge from an option value: None (no judge), `app:NAME`, `model:ID`, or a ready judge object; `project`
    is the steward.yaml whose app or model it names (the CLI's --config; an app judge without one: the nearest),
    `settings` the process's (where a model judge's weights are)."""
    if spec is None or spec == "" or spec == "none":
        return None
    if not isinstance(spec, str):
        return spec
    if spec.startswith("app:"):
        return AppJudge(spec[4:], project=project)
    if spec.startswith("model:"):
        return ModelJudge(spec[6:], project=project, settings=settings)
    raise InvalidRequest(
        f"judge {spec!r}: write `app:NAME` (a Steward app) or `model:ID` (a model of steward.yaml), "
        "or leave it out."
    )


SUPPORT_PROMPT = """You check facts. Decide whether the STATEMENT is supported by the CONTEXT alone.
Reply with JSON only: {{"verdict": "yes"}} if supported, {{"verdict": "no"}} if not.

CONTEXT:
{context}

STATEMENT: {claim}
"""

RELEVANCE_PROMPT = """Rate how well the ANSWER addresses the QUESTION, from 1 (not at all) to 5 (fully).
Reply with JSON only, like {{"score": 4}}.

QUESTION: {question}
ANSWER: {answer}
"""
