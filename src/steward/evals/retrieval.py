"""`steward rag eval`: retrieval and answer quality of a collection on a question set.

Questions come from JSONL (`{"question", "answers": [...], "context_ids": [...]?}`; an empty `answers` list
marks an unanswerable question) or from SQuAD JSON (v1.1 or v2.0; its paragraphs are the documents
`steward rag ingest --squad` made, so each question's context id is known). Retrieval: recall@k (the share of
a question's relevant documents among the top k, averaged) and MRR; relevance is by document key when
context ids are given, else "a retrieved chunk contains a reference answer". Answers (with an app, through the
governed pipeline, so guardrails, declines and grounding apply as in production): exact match and F1 with the
official SQuAD normalisation (`steward.evals.text`), the rate of correct declines on unanswerable questions,
the rate of wrong declines on answerable ones, and groundedness (share of non-declined answers whose
grounding verdict says supported).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.errors import InvalidRequest, StewardError
from steward.evals.refusal import is_abstention
from steward.evals.text import normalize_answer, token_f1
from steward.rag.documents import squad_key
from steward.rag.search import Retrieval
from steward.types import Principal


@dataclass(frozen=True, slots=True)
class Question:
    """One evaluation question."""

    id: str
    question: str
    answers: list[str]
    context_ids: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(slots=True)
class Answer:
    """What the app said: text, whether it was declined, and whether its grounding check passed."""

    text: str
    declined: bool
    grounded: bool | None


AnswerFn = Callable[[str], Answer]


def load_questions(path: Path) -> list[Question]:
    """JSONL or SQuAD JSON; a clear error naming the line or the missing field otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path} ({exc.strerror}); give a JSONL or SQuAD JSON file.") from None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None  # JSONL: several objects
    if isinstance(whole, dict) and "data" in whole:
        return _squad_questions(path, whole)
    questions = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            question, answers = str(row["question"]), [str(a) for a in row.get("answers", [])]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise InvalidRequest(
                f'{path}:{number}: expected a JSON object with "question" and "answers" (a list).'
            ) from None
        contexts = [str(c) for c in row.get("context_ids") or []]
        questions.append(Question(str(row.get("id", number)), question, answers, contexts))
    if not questions:
        raise InvalidRequest(f"{path} has no questions.")
    return questions


def _squad_questions(path: Path, data: Any) -> list[Question]:
    questions = []
    try:
        for article in data["data"]:
            for number, paragraph in enumerate(article["paragraphs"]):
                key = squad_key(str(article.get("title", "untitled")), number)
                for qa in paragraph["qas"]:
                    answers = [] if qa.get("is_impossible") else [str(a["text"]) for a in qa.get("answers", [])]
                    questions.append(Question(str(qa.get("id")), str(qa["question"]), answers, [key]))
    except (KeyError, TypeError) as exc:
        raise InvalidRequest(f"{path}: not SQuAD JSON (missing {exc}).") from None
    return questions


def _relevant(question: Question, retrieval: Retrieval) -> list[bool]:
    if question.context_ids:
        return [hit.chunk.document_key in question.context_ids for hit in retrieval.hits]
    wanted = [normalize_answer(a) for a in question.answers]
    return [any(w and w in normalize_answer(hit.chunk.text) for w in wanted) for hit in retrieval.hits]


def _retrieval_scores(question: Question, retrieval: Retrieval) -> tuple[float, float]:
    relevant = _relevant(question, retrieval)
    first = next((rank for rank, ok in enumerate(relevant, 1) if ok), None)
    mrr = 1.0 / first if first else 0.0
    if question.context_ids:
        found = {h.chunk.document_key for h, ok in zip(retrieval.hits, relevant, strict=True) if ok}
        return len(found) / len(set(question.context_ids)), mrr
    return (1.0 if first else 0.0), mrr


def evaluate(
    search: Callable[[str], Retrieval],
    questions: list[Question],
    k: int,
    answer: AnswerFn | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The metrics over all questions (see the module docstring)."""
    recall, mrr, em, f1, declines, wrong_declines, grounded = [], [], [], [], [], [], []
    retrieval_declines: list[float] = []
    failures: list[dict[str, str]] = []
    for number, item in enumerate(questions, 1):
        retrieval = search(item.question)
        if item.answerable:
            r, m = _retrieval_scores(item, retrieval)
            recall.append(r)
            mrr.append(m)
        if answer is not None:
            try:
                result = answer(item.question)
            except StewardError as exc:
                failures.append({"id": item.id, "error": exc.message})
                continue
            declined = result.declined or is_abstention(result.text)
            if item.answerable:
                em.append(max(float(normalize_answer(result.text) == normalize_answer(a)) for a in item.answers))
                f1.append(max(token_f1(result.text, a) for a in item.answers))
                wrong_declines.append(float(declined))
            else:
                declines.append(float(declined))
            if not declined and result.grounded is not None:
                grounded.append(float(result.grounded))
        elif not item.answerable:  # without answers, only an identifier decline can be seen
            retrieval_declines.append(float(bool(retrieval.missing)))
        if progress:
            progress(number, len(questions))
    return {
        "questions": len(questions),
        "answerable": sum(q.answerable for q in questions),
        "k": k,
        "relevance": "context ids" if any(q.context_ids for q in questions) else "answer string in chunk",
        f"recall@{k}": _mean(recall),
        "mrr": _mean(mrr),
        "exact_match": _mean(em),
        "f1": _mean(f1),
        "correct_decline_rate": _mean(declines),
        "retrieval_decline_rate": _mean(retrieval_declines),
        "wrong_decline_rate": _mean(wrong_declines),
        "groundedness": _mean(grounded),
        "mode": "answers" if answer else "retrieval only",
        "failures": failures,
    }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def pipeline_answerer(client: Any, app: str) -> AnswerFn:
    """Answers through the governed pipeline of an in-process `steward.Client`."""

    def answer(question: str) -> Answer:
        result = client.chat(app, question, origin="eval")
        grounding = (result.record.explanation or {}).get("grounding") or {}
        supported = grounding.get("supported") if isinstance(grounding, dict) else None
        # a served answer that the grounding check read as a refusal ("… not mentioned in the sources") declines
        declined = result.record.status == "declined" or (
            isinstance(grounding, dict) and bool(grounding.get("declined"))
        )
        return Answer(result.text, declined, supported)

    return answer


def search_as(retriever: Any, collection: str, principal: Principal, k: int) -> Callable[[str], Retrieval]:
    return lambda question: retriever.search(collection, question, principal, top_k=k)
