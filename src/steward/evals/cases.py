"""Suite cases: what to send through the pipeline, what to expect, and turning answers into scored rows.

A case row is `{"id"?, "input": "..." | "messages": [...], "references"?, "reference_ids"?, "context"?,
"label"?, "schema"?, "tags"?}`. Before any model is called, `check_case_needs` verifies that each case has
what the suite's metrics need and the pipeline will not supply (references, reference chunk ids, labels),
so a dataset gap is reported up front with its file, line and field instead of after an hour of generation.
Cases run in parallel on a thread pool (the client is thread-safe; the gateway's event loop interleaves
them), answers are cached by `cache_key` in the store, and results come back in dataset order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.errors import InvalidRequest
from steward.evals.dataset import read_jsonl, string_list
from steward.evals.metric import ROW_FIELDS, Metric, Row
from steward.evals.pipeline import Answer, Pipeline, cache_key
from steward.types import Origin

# Row fields the pipeline fills in from its answer, whatever the dataset says.
FROM_PIPELINE = frozenset({"prediction", "latency_ms", "cost", "status", "question"})
FROM_RETRIEVAL = frozenset({"context", "context_ids"})

Progress = Callable[[int, int], None]


@dataclass
class Case:
    """One suite case."""

    id: str
    messages: list[dict[str, str]]
    line: int
    references: tuple[str, ...] = ()
    reference_ids: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    label: str | None = None
    schema: dict[str, Any] | None = None
    tags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def question(self) -> str:
        return next(m["content"] for m in reversed(self.messages) if m["role"] == "user")


def _messages(obj: dict[str, Any], where: str) -> list[dict[str, str]]:
    if isinstance(obj.get("input"), str) and obj["input"].strip():
        return [{"role": "user", "content": obj["input"]}]
    raw = obj.get("messages")
    if raw is None:
        raise InvalidRequest(
            f'{where}: field \'input\' is missing; give the user\'s message as "input": "..." '
            '(or a "messages" list).'
        )
    ok = (
        isinstance(raw, list)
        and raw
        and all(
            isinstance(m, dict)
            and m.get("role") in ("system", "user", "assistant")
            and isinstance(m.get("content"), str)
            for m in raw
        )
    )
    if not ok or not any(m["role"] == "user" for m in raw):
        raise InvalidRequest(
            f'{where}: field \'messages\' must be a list of {{"role", "content"}} objects '
            "with at least one user message."
        )
    return [{"role": m["role"], "content": m["content"]} for m in raw]


def case_from_json(obj: dict[str, Any], line: int, position: int, where: str) -> Case:
    label, schema = obj.get("label"), obj.get("schema")
    if label is not None and not isinstance(label, str):
        raise InvalidRequest(f"{where}: field 'label' must be a string.")
    if schema is not None and not isinstance(schema, dict):
        raise InvalidRequest(f"{where}: field 'schema' must be a JSON schema object.")
    known = {"id", "input", "messages", "references", "reference_ids", "context", "label", "schema", "tags"}
    return Case(
        id=str(obj.get("id", f"row-{position}")),
        messages=_messages(obj, where),
        line=line,
        references=string_list(obj.get("references", []), where, "references"),
        reference_ids=string_list(obj.get("reference_ids", []), where, "reference_ids", False),
        context=string_list(obj.get("context", []), where, "context"),
        label=label,
        schema=schema,
        tags=string_list(obj.get("tags", []), where, "tags"),
        extra={k: v for k, v in obj.items() if k not in known},
    )


def load_cases(path: Path) -> list[Case]:
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for line, obj in read_jsonl(path):
        where = f"{path}:{line}: row {len(cases) + 1}"
        case = case_from_json(obj, line, len(cases) + 1, where)
        if case.id in seen:
            raise InvalidRequest(f"{where}: id {case.id!r} repeats line {seen[case.id]}; case ids must be unique.")
        seen[case.id] = line
        cases.append(case)
    if not cases:
        raise InvalidRequest(f"{path}: the dataset has no cases; write one JSON object per line.")
    return cases


def check_case_needs(cases: Sequence[Case], metrics: Sequence[Metric], path: Path, retrieval: bool) -> None:
    """Each case has the fields its metrics need that the pipeline will not provide (error names the first gap)."""
    supplied = FROM_PIPELINE | (FROM_RETRIEVAL if retrieval else frozenset())
    for metric in metrics:
        for need in metric.needs:
            alternatives = need.split("|")
            if any(a in supplied for a in alternatives):
                continue
            for position, case in enumerate(cases, start=1):
                if not any(getattr(case, a, None) for a in alternatives):
                    wanted = " or ".join(repr(a) for a in alternatives)
                    hint = "; ".join(f"{a}: {ROW_FIELDS[a]}" for a in alternatives)
                    raise InvalidRequest(
                        f"{path}:{case.line}: row {position}: field {wanted} is missing; metric {metric.name!r} "
                        f"needs it ({hint})."
                    )


def run_cases(
    pipeline: Pipeline,
    app: str,
    cases: Sequence[Case],
    params: dict[str, Any],
    *,
    parallelism: int = 2,
    cache: bool = True,
    progress: Progress | None = None,
    origin: Origin = "eval",
) -> list[Answer]:
    """Answers to every case, in order; cached answers are reused when the app's versions are unchanged.

    `origin` marks the records of these requests (`eval`, `redteam`), so that no training dataset takes them.
    """
    versions = pipeline.versions(app)
    done = 0
    lock = threading.Lock()

    def one(case: Case) -> Answer:
        nonlocal done
        key = cache_key(versions, case.messages, params)
        cached = pipeline.store.evals.cache_get(key) if cache else None
        if cached is not None:
            answer = Answer.from_dict(cached)
            answer.cached = True
        else:
            answer = pipeline.answer(app, case.messages, {**params, "origin": origin})
            if cache and answer.error is None:
                pipeline.store.evals.cache_put(key, answer.to_dict())
        with lock:
            done += 1
            if progress:
                progress(done, len(cases))
        return answer

    with ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="steward-eval") as pool:
        return list(pool.map(one, cases))


def row_of(case: Case, answer: Answer) -> Row:
    """The scored row of a case: the dataset's expectations with the pipeline's answer and retrieved context."""
    retrieved = tuple(s["text"] for s in answer.sources)
    return Row(
        prediction=answer.text,
        references=case.references,
        context=retrieved or case.context,
        question=case.question,
        context_ids=tuple(str(s["chunk_id"]) for s in answer.sources),
        reference_ids=case.reference_ids,
        latency_ms=answer.latency_ms,
        cost=answer.cost,
        status=answer.status,
        schema=case.schema,
        label=case.label,
        id=case.id,
        tags=case.tags,
    )
