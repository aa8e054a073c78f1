"""A small SQuAD-format QA set over the Python language reference shipped with CPython (`pydoc_data.topics`),
and its evaluation through the governed pipeline with a calibrated grounding threshold.

Provenance: the contexts are the reference-manual topics that every CPython install carries in
`pydoc_data/topics.py` (Python documentation, PSF License 2.0), read at run time, never copied into the repo.
The questions and answers below were written for Steward by hand; every answer is a verbatim span of its
topic (checked when the set is built, questions whose answer is missing from the installed Python's text are
dropped and counted). Unanswerable questions (empty answers) ask about things the reference does not contain.
`build(path)` writes SQuAD v2.0 JSON with one article per topic, split into paragraphs at blank lines.

Evaluation (`bench/retrieval.py --qa --model …`): every question goes through the pipeline once with the
grounding policy `flag`, so the raw answer and its sources are kept; the check runs after the model, so what
policy `replace` would have returned at any threshold follows from that one run (`outcomes`). The threshold is
calibrated on one half of the questions (`calibrate`: the lowest that lets at most 5% of unsupported answers
through, the negatives being answers to unanswerable questions and answers checked against another question's
sources) and the metrics are reported on the other half.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.types import Source

# (topic, question, answer); answer "" = unanswerable from the reference manual
QUESTIONS: list[tuple[str, str, str]] = [
    ("pass", "What happens when the pass statement is executed?", "nothing happens"),
    ("pass", "What kind of operation is pass?", "a null operation"),
    ("truth", "Which constants are defined to be false?", 'None" and "False'),
    ("integers", "Is there a limit on the length of integer literals?", "no limit"),
    ("imaginary", "What real part does an imaginary literal yield?", "0.0"),
    (
        "power",
        "How does the power operator bind compared with unary operators on its left?",
        "binds more tightly than unary operators on its",
    ),
    ("lambda", "What are lambda expressions used to create?", "anonymous functions"),
    ("shifting", "Do shifting operations have lower priority than arithmetic operations?", "lower priority"),
    ("execmodel", "Which pieces of program text are blocks?", "a module, a function body, and a class definition"),
    ("with", "Which method of the context manager is loaded first?", "__enter__()"),
    ("raise", "Which attribute holds the traceback of an exception?", "__traceback__"),
    ("del", "How is deletion defined?", "recursively defined"),
    ("global", "What is the global statement?", "a declaration"),
    ("dict", "What encloses the items of a dictionary display?", "curly braces"),
    ("bltin-ellipsis-object", "What is the Ellipsis object commonly used by?", "slicing"),
    (
        "floating",
        "In which radix are the integer and exponent parts of floating point literals interpreted?",
        "radix 10",
    ),
    ("identifiers", "What are identifiers also referred to as?", "names"),
    ("bltin-null-object", "What do functions that don't explicitly return a value return?", "None"),
    ("if", "What is the if statement used for?", "conditional execution"),
    ("while", "What is the while statement used for?", "repeated execution"),
    ("continue", "Where may continue occur syntactically?", 'nested in a "for" or "while"'),
    ("break", "Where may break occur syntactically?", 'nested in a "for" or "while"'),
    ("assert", "What are assert statements a convenient way to insert into a program?", "debugging assertions"),
    ("return", "Where may return occur syntactically?", "in a function definition"),
    ("yield", "Where is the yield statement used?", "generator function"),
    (
        "nonlocal",
        "Which variables does nonlocal make the listed identifiers refer to?",
        "previously bound variables in the nearest enclosing scope",
    ),
    ("import", "What does the import statement do first?", "find a module"),
    ("debugger", "What is the name of the module that defines the interactive source code debugger?", "pdb"),
    ("comparisons", "Do all comparison operations in Python have the same priority?", "same priority"),
    # unanswerable from the reference manual
    ("", "Who designed the logo of the Python Software Foundation?", ""),
    ("", "How many core developers voted on the walrus operator?", ""),
    ("", "What is the default port of the Django development server?", ""),
    ("", "Which company sponsors the PyCon US conference in 2024?", ""),
    ("", "What is the maximum upload size on the Python Package Index?", ""),
]


def build(path: Path) -> tuple[int, list[str]]:
    """Write the SQuAD v2.0 file; returns (questions written, questions dropped)."""
    from pydoc_data.topics import topics

    articles: dict[str, list[dict]] = {name: _paragraphs(text) for name, text in sorted(topics.items())}
    dropped: list[str] = []
    unanswerable = []
    for number, (topic, question, answer) in enumerate(QUESTIONS):
        qid = f"pydoc-{number:03d}"
        if not topic:
            unanswerable.append({"id": qid, "question": question, "answers": [], "is_impossible": True})
            continue
        paragraphs = articles.get(topic, [])
        where = next((p for p in paragraphs if answer in p["context"]), None)
        if where is None:
            dropped.append(question)
            continue
        start = where["context"].index(answer)
        where["qas"].append(
            {
                "id": qid,
                "question": question,
                "is_impossible": False,
                "answers": [{"text": answer, "answer_start": start}],
            }
        )
    data = [{"title": topic, "paragraphs": paragraphs} for topic, paragraphs in articles.items() if paragraphs]
    if data and unanswerable:
        data[0]["paragraphs"][0]["qas"].extend(unanswerable)
    path.write_text(json.dumps({"version": "v2.0", "data": data}, indent=1))
    return len(QUESTIONS) - len(dropped), dropped


def _paragraphs(text: str) -> list[dict]:
    """Paragraphs of about 1,000 characters (blank-line blocks, merged), so that a context is a passage."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    merged: list[str] = []
    for block in blocks:
        if merged and len(merged[-1]) + len(block) < 1000:
            merged[-1] += "\n\n" + block
        else:
            merged.append(block)
    return [{"context": p, "qas": []} for p in merged]


# ---- the evaluation: answers through the pipeline, grounding threshold calibrated on one half -------------

EXTRACTIVE_REMINDER = (
    "Answer in as few words as possible, using the words of the sources, and cite the source like [1]."
)


def open_app(home: Path, model: str | None, k: int, prompt: str) -> tuple[Any, Any]:
    """A runtime with the `pydoc-qa` app over collection `pydoc` (grounding policy `flag`: the raw answer and
    its verdict are kept, and `outcomes` applies the `replace` policy at any threshold afterwards)."""
    import yaml

    from steward.config import Settings, load_project_text
    from steward.gateway.assemble import open_runtime
    from steward.rag import Retriever

    collection: dict[str, Any] = {"top_k": k, "grounding": {"policy": "flag"}}
    if prompt == "extractive":
        collection["reminder"] = EXTRACTIVE_REMINDER
    backend = (
        {"backend": "llama_cpp", "path": str(Path(model).resolve()), "context_length": 4096, "n_threads": 2}
        if model
        else {"backend": "scripted", "replies": ["unused"]}
    )
    project_data = {
        "version": 1,
        "models": {"m": backend},
        "collections": {"pydoc": collection},
        "apps": {
            "pydoc-qa": {
                "owner": "bench@example.com",
                "purpose": "Answer Python questions.",
                "route": [{"model": "m"}],
                "rag": "pydoc",
                "prompt": {"system": "You answer questions about the Python language briefly."},
                "params": {"temperature": 0.0, "seed": 1, "max_tokens": 64},
            }
        },
    }
    project = load_project_text(yaml.safe_dump(project_data), "bench-steward.yaml")
    project.root = home
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'qa.db'}")
    runtime = open_runtime(project, settings)
    retriever = runtime.gateway.retriever or Retriever.from_project(project, settings, runtime.store)
    return runtime, retriever


@dataclass(slots=True)
class Row:
    """One question, the answer the pipeline gave, and the sources it was given."""

    id: str
    question: str
    answers: list[str]
    text: str
    status: str
    sources: list[Source]
    abstained: bool = False
    score: float = 0.0  # the grounding check's score of the answer against its own sources
    other_reason: bool = False  # unsupported for a reason other than the score (invalid citation...)
    swapped: float | None = None  # the score of the answer against another question's sources

    @property
    def cited(self) -> bool:
        return re.search(r"\[\d{1,3}\]", self.text) is not None


def answer_all(client: Any, app: str, questions: list[Any], progress: bool = True) -> list[Row]:
    """Ask every question through the governed pipeline (grounding policy `flag`, so the raw answer is kept)."""
    rows = []
    for number, item in enumerate(questions, 1):
        started = time.perf_counter()
        result = client.chat(app, item.question)
        rows.append(
            Row(
                item.id,
                item.question,
                item.answers,
                result.text,
                result.record.status,
                list(result.record.sources),
            )
        )
        if progress:
            print(f"  {number}/{len(questions)} {item.id} {time.perf_counter() - started:4.1f}s", flush=True)
    return rows


def row_dict(row: Row) -> dict[str, Any]:
    from dataclasses import asdict

    return {**asdict(row), "sources": [asdict(source) for source in row.sources]}


def score_rows(rows: list[Row], checker: Any) -> None:
    """Grounding scores of each answer against its own sources and, as a negative, another question's."""
    from steward.config.rag import Grounding
    from steward.evals.refusal import is_abstention

    policy = Grounding(policy="flag", threshold=0.0)
    for number, row in enumerate(rows):
        verdict = checker.check(row.text, row.sources, policy) if row.sources else None
        row.abstained = row.status == "declined" or is_abstention(row.text) or bool(verdict and verdict.declined)
        if verdict is not None:
            row.score, row.other_reason = verdict.score, not verdict.supported
        # an answer without a claim ("[1]") is vacuously supported; checked against other sources it is no
        # unsupported answer either, so it makes no negative
        other = next((o for o in rows[number + 1 :] + rows[:number] if _disjoint(o, row)), None)
        if other is not None and not row.abstained and verdict is not None and verdict.sentences:
            # the other question's sources are numbered 1..k too, so the answer's [n] stay valid citations
            swapped = checker.check(row.text, other.sources, policy)
            row.swapped = 0.0 if not swapped.supported else swapped.score


def _disjoint(other: Row, row: Row) -> bool:
    """`other` was given none of the documents `row` was, nor one that holds `row`'s reference answer."""
    from steward.evals.text import normalize_answer

    documents = {s.document_id for s in row.sources}
    texts = [normalize_answer(s.text) for s in other.sources]
    return (
        bool(other.sources)
        and not any(s.document_id in documents for s in other.sources)
        and not any(normalize_answer(a) in t for a in row.answers for t in texts)
    )


def calibrate(rows: list[Row], accept: float = 0.05) -> tuple[float, dict[str, float]]:
    """The lowest threshold at which at most `accept` of the unsupported answers in `rows` would pass: negatives
    are answers to unanswerable questions and answers checked against another question's sources; positives
    (answers that contain a reference answer) report how many faithful answers that threshold keeps."""
    positives = [r.score for r in rows if r.answers and not r.abstained and not r.other_reason and _contains(r)]
    negatives = [r.score for r in rows if not r.answers and not r.abstained and not r.other_reason]
    negatives += [r.swapped for r in rows if r.swapped is not None]
    threshold = next(
        (t / 100 for t in range(20, 96) if sum(n >= t / 100 for n in negatives) <= accept * len(negatives)), 0.95
    )
    kept = sum(p >= threshold for p in positives) / max(len(positives), 1)
    return threshold, {"positives": len(positives), "negatives": len(negatives), "positives_kept": round(kept, 3)}


def _contains(row: Row) -> bool:
    from steward.evals.text import normalize_answer

    text = normalize_answer(row.text)
    return any(normalize_answer(a) in text for a in row.answers)


def outcomes(rows: list[Row], threshold: float, strict: bool = False) -> dict[str, float | int | None]:
    """The metrics `steward rag eval` reports, for policy `replace` at `threshold` (what the pipeline would
    have returned: the grounding check runs after the model, so one run with `flag` gives both)."""
    from steward.evals.text import token_f1

    em, f1, wrong, correct, rejected = [], [], [], [], []
    for row in rows:
        declined = row.abstained or row.other_reason or row.score < threshold or (strict and not row.cited)
        if row.answers:
            wrong.append(float(declined))
            text = "" if declined else _strip_citations(row.text)
            em.append(max(float(_norm(text) == _norm(a)) for a in row.answers))
            f1.append(max(token_f1(text, a) for a in row.answers))
        else:
            correct.append(float(declined))
        if row.swapped is not None:
            rejected.append(float(row.swapped < threshold))
    return {
        "questions": len(rows),
        "exact_match": _mean(em),
        "f1": _mean(f1),
        "wrong_decline_rate": _mean(wrong),
        "correct_decline_rate": _mean(correct),
        "swapped_sources_rejected": _mean(rejected),
    }


def _norm(text: str) -> str:
    from steward.evals.text import normalize_answer

    return normalize_answer(text)


def _strip_citations(text: str) -> str:
    return re.sub(r"\s*\[\d{1,3}\]", "", text).strip()


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None
