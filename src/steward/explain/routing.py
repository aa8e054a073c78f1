"""Why this model: the route a request was drawn from, the arm that served it, and the errors it fell back after.

The gateway records what its router already knew when it chose (`Route.facts`, in `explanation.route`): where the
route came from (steward.yaml, or a deployment with its candidate and share), the traffic split, whether the first
choice was drawn from the request's subject (sticky: the same user stays on one arm) or at random, the first
choice, and the arm that served. The record's `attempts` say which models were tried, in order, and with which
error each failed. This module puts the two together; a record written before route facts were kept explains
from its attempts alone and says so.
"""

from __future__ import annotations

from typing import Any

from steward.types import Record

METHOD = "steward.route-facts"
VERSION = "1"


def explain_route(record: Record) -> dict[str, Any]:
    """The `routing` explanation of a record."""
    facts = (record.explanation or {}).get("route")
    attempts = [{"model": a.model, "error": a.error, "ms": round(a.ms, 3)} for a in record.attempts]
    served = record.model.id if record.model is not None else None
    failed_before = [a for a in attempts if a["error"] is not None and a["model"] != served]
    out: dict[str, Any] = {
        "served": served,
        "attempts": attempts,
        "fallback_after": failed_before if served is not None else [],
        "notes": [],
    }
    if not attempts and served is None:
        out["notes"].append("no model was called for this request (it ended before the model stage)")
    if not isinstance(facts, dict):
        out["route"] = None
        if attempts:
            out["notes"].append("this record keeps no route facts (written before they were kept): attempts only")
        return out
    entries = [(str(model), float(weight)) for model, weight in facts.get("entries") or []]
    total = sum(weight for _, weight in entries) or 1.0
    out["route"] = {
        "source": facts.get("source"),
        "deployment": facts.get("deployment"),
        "seq": facts.get("seq"),
        "split": [{"model": model, "percent": round(100.0 * weight / total, 2)} for model, weight in entries],
        "fallback": list(facts.get("fallback") or []),
        "sticky": facts.get("sticky"),
        "first": facts.get("first"),
        "candidate": facts.get("candidate"),
        "share": facts.get("share"),
        "strategy": facts.get("strategy"),
        "arm": facts.get("arm"),
    }
    if served is not None and facts.get("first") not in (None, served):
        out["notes"].append(f"the first choice {facts.get('first')} did not serve; {served} did")
    return out
