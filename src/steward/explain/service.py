"""Explain one record to one audience: what `steward explain`, `GET /v1/records/{id}/explanation` and the
console's record page call.

The caller reads the record as it may read any record (`steward.governance.tenancy`: another team's record is
missing to it, exactly as an unknown id). The sections are worked out from what the record kept (`guardrail`,
`routing`), read from it (`sources`: retrieval scores, not attributions, until source attribution is stored), or
read from the `explanations` table (`reasoning`, checked against the hash in the record's body). The guardrail and
routing sections are stored (kind `guardrail`, `routing`) so that an auditor later reads the explanation that was
given. The words are composed from the sections and checked against them before they are returned (`words.check`).
A record that was deleted explains nothing and says so; an anonymised one explains what is left.
"""

from __future__ import annotations

import time
from typing import Any, cast

from steward.config import Project
from steward.errors import InvalidRequest, NotFound
from steward.explain import guardrail, reasoning, routing, words
from steward.explain.words import AUDIENCES, Audience
from steward.governance import tenancy
from steward.store import Store, StoredExplanation, payload_digest
from steward.types import Principal, Record


def explain(
    store: Store, who: Principal, record_id: str, audience: str = "operator", project: Project | None = None
) -> dict[str, Any]:
    """The explanation of a record for `audience` (end_user, operator, auditor), as the caller may read it."""
    if audience not in AUDIENCES:
        raise InvalidRequest(f"audience {audience!r} is not one of: {', '.join(AUDIENCES)}.", param="audience")
    record = _readable(store, who, record_id)
    started = time.perf_counter()
    reader = cast(Audience, audience)
    sections = sections_of(store, record, reader, project)
    claims = words.compose(reader, sections)
    words.check(claims, sections)
    text = words.render(claims)
    return {
        "object": "explanation",
        "record_id": record.id,
        "app": record.app,
        "audience": audience,
        "text": text,
        "claims": [{"text": c.text, "refs": [[r.kind, r.at, r.name] for r in c.refs]} for c in claims],
        "readability": words.readability(text),
        "sections": sections,
        "ms": round((time.perf_counter() - started) * 1000.0, 3),
    }


def _readable(store: Store, who: Principal, record_id: str) -> Record:
    try:
        record = tenancy.record_for(store, who, record_id)
        if not who.may_use(record.app):
            raise NotFound(f"no record {record_id!r}; list recent ones with `steward records list`.")
        return record
    except NotFound:
        erased = tenancy.erasure_of(store, record_id)
        if erased is None or erased[0] != "deleted":
            raise
        raise NotFound(
            f"record {record_id!r} was deleted ({erased[2] or 'erasure'}): nothing of it is left to explain."
        ) from None


def sections_of(store: Store, record: Record, audience: Audience, project: Project | None) -> dict[str, Any]:
    """The guardrail, routing, sources and reasoning sections of a record's explanation (the first two stored)."""
    erased = tenancy.erasure_of(store, record.id)
    found = guardrail.explain_decisions(record)
    if erased is not None and erased[0] == "anonymised":
        found["notes"].append("the record was anonymised: its texts are erased, only the decisions are explained")
    route = routing.explain_route(record)
    _keep(store, record, "guardrail", guardrail.METHOD, guardrail.VERSION, found)
    _keep(store, record, "routing", routing.METHOD, routing.VERSION, route)
    return {
        "guardrail": found,
        "routing": route,
        "sources": _sources(record),
        "reasoning": _reasoning(store, record, audience, project),
    }


def _keep(store: Store, record: Record, kind: str, method: str, version: str, payload: dict[str, Any]) -> None:
    store.explanations.put(
        StoredExplanation(
            record.id,
            kind,
            method,
            version,
            payload,
            payload_digest(payload),
            time.time(),
            record.app,
            record.team,
        )
    )


def _sources(record: Record) -> dict[str, Any]:
    listed = [
        {"n": s.index, "document": s.document_id, "chunk": s.chunk_id, "score": round(s.score, 4), "uri": s.uri}
        for s in record.sources
    ]
    notes = [] if listed else ["this record has no sources: the answer was not grounded in retrieved documents"]
    if listed:
        notes.append("source scores are retrieval scores; which sources made the answer is not attributed yet")
    return {"sources": listed, "attribution": None, "notes": notes}


def _reasoning(store: Store, record: Record, audience: Audience, project: Project | None) -> dict[str, Any]:
    kept = (record.explanation or {}).get("reasoning")
    spec = _spec(project, record.app)
    if not isinstance(kept, dict):
        why = (
            f"app {record.app!r} does not capture reasoning (no `reasoning:` in steward.yaml)"
            if spec is None
            else "the model gave no reasoning for this request"
        )
        return {"captured": False, "notes": [f"no reasoning was captured: {why}; there is none to show"]}
    out: dict[str, Any] = {"captured": True, "sha256": kept.get("sha256"), "chars": kept.get("chars"), "notes": []}
    stored = store.explanations.get(record.id, "reasoning")
    if stored is None:
        out["notes"].append("the record names a reasoning that is no longer stored (erased)")
        return out
    text = str(stored.payload.get("text", ""))
    if reasoning.digest(text) != kept.get("sha256"):
        out["notes"].append("the stored reasoning does not match the hash in the record: it is not shown")
        return out
    if not reasoning.may_read(audience, spec):
        out["notes"].append("the reasoning is withheld from end users: the app does not allow it")
        return out
    out["text"] = text
    return out


def _spec(project: Project | None, app: str) -> Any:
    if project is None or app not in project.apps:
        return None
    return project.apps[app].reasoning
