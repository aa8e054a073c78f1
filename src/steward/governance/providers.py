"""Provider change detection: notice when a remote model changes behind the same name.

A remote model (an OpenAI-compatible provider) can be swapped or re-tuned without notice, which silently
invalidates every evaluation and approval of it. A check sends fixed canary prompts at temperature 0 with a
fixed seed through the model's own backend and keeps (1) the answers and their hash and (2) what the provider
reports about itself (`model` and `system_fingerprint`, as `Completion.model_fingerprint`). It compares them
with the accepted baseline for the same prompts: a different reported fingerprint, or at least `threshold` of
the answers changing (providers are not bit-for-bit deterministic, so one drifting answer is tolerated), is a
change. A change is stored, logged on the `steward.alerts` logger as an alert and appended to the audit log;
it stays open until someone accepts the new behaviour as the baseline (`accept`, audited). The first check of
a model becomes its baseline. Schedule checks with cron or `steward providers check --every SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from steward.config import Project, Settings
from steward.errors import InvalidRequest, NotFound
from steward.governance import audit
from steward.governance.identity import Actor
from steward.store import Store, digest
from steward.types import GenerationParams, Message, new_id, now

alerts = logging.getLogger("steward.alerts")

CANARY_PROMPTS: tuple[str, ...] = (
    "Reply with exactly one word: ready",
    "What is 17 + 25? Answer with the number only.",
    "Write the word 'governance' backwards, letters only.",
    "Name the capital of France in one word.",
    "Give the next three numbers of the sequence 2, 4, 8, 16, separated by commas.",
)
CANARY_PARAMS = GenerationParams(temperature=0.0, top_p=1.0, seed=0, max_tokens=24)
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class ProviderCheck:
    """One canary check of a model and how it compares with the accepted baseline."""

    id: str
    model: str
    at: float
    answers: tuple[str, ...]
    answers_hash: str
    reported: tuple[str, ...]
    changed: bool
    reason: str
    accepted: bool


def normalise(answer: str) -> str:
    """Case, spacing and trailing punctuation do not count as a change."""
    return " ".join(answer.lower().split()).strip(" .!")


async def probe(backend: Any, prompts: Sequence[str]) -> tuple[list[str], list[str]]:
    """(answers, distinct fingerprints the provider reported) for the canary prompts, in order."""
    answers, reported = [], []
    for prompt in prompts:
        completion = await backend.complete([Message("user", prompt)], CANARY_PARAMS)
        answers.append(completion.text)
        if completion.model_fingerprint and completion.model_fingerprint not in reported:
            reported.append(completion.model_fingerprint)
    return answers, reported


def compare(baseline: Any, answers: Sequence[str], reported: Sequence[str], threshold: float) -> str:
    """Why these answers differ from the baseline's (empty when they do not)."""
    if baseline is None:
        return ""
    reasons = []
    before = list(baseline.reported)
    if sorted(before) != sorted(reported):
        reasons.append(
            f"the provider reports {', '.join(reported) or 'nothing'} (was {', '.join(before) or 'nothing'})"
        )
    old = list(baseline.answers)
    differing = sum(normalise(a) != normalise(b) for a, b in zip(old, answers, strict=False)) + abs(
        len(old) - len(answers)
    )
    if answers and differing / max(len(answers), len(old)) >= threshold:
        reasons.append(f"{differing} of {len(answers)} canary answers changed")
    return "; ".join(reasons)


def _check(row: dict[str, Any] | Any) -> ProviderCheck:
    m = row if isinstance(row, dict) else row._mapping
    return ProviderCheck(
        id=m["id"],
        model=m["model"],
        at=float(m["at"]),
        answers=tuple(m["answers"]),
        answers_hash=m["answers_hash"],
        reported=tuple(m["reported"]),
        changed=bool(m["changed"]),
        reason=m["reason"],
        accepted=bool(m["accepted"]),
    )


async def acheck(
    store: Store,
    project: Project,
    model_id: str,
    actor: Actor,
    *,
    backend: Any = None,
    settings: Settings | None = None,
    prompts: Sequence[str] = CANARY_PROMPTS,
    threshold: float = DEFAULT_THRESHOLD,
) -> ProviderCheck:
    """Probe `model_id` and record the check; a change raises an alert and an audit event."""
    _require_model(project, model_id, actor)
    if not prompts:
        raise InvalidRequest("give at least one canary prompt.")
    actor.require_change(actor.team, "provider checks")
    owned = backend is None
    if backend is None:
        from steward.models.router import ModelPool

        if settings is None:
            raise InvalidRequest(
                f"checking {model_id!r} needs the process's settings (its keys and models folder)."
            )
        backend = ModelPool(project, settings).get(model_id)
    try:
        answers, reported = await probe(backend, prompts)
    finally:
        if owned:
            await backend.aclose()
    return _record(store, model_id, actor, prompts, answers, reported, threshold)


def check(store: Store, project: Project, model_id: str, actor: Actor, **options: Any) -> ProviderCheck:
    """Blocking `acheck`, for the CLI and scripts without an event loop."""
    return asyncio.run(acheck(store, project, model_id, actor, **options))


def _record(
    store: Store,
    model_id: str,
    actor: Actor,
    prompts: Sequence[str],
    answers: list[str],
    reported: list[str],
    threshold: float,
) -> ProviderCheck:
    prompts_hash = digest(list(prompts))
    with audit.changing(store) as tx:
        baseline = tx.providers.last_accepted_check(model_id, prompts_hash)
        reason = compare(baseline, answers, reported, threshold)
        row = {
            "id": new_id("pvc"),
            "model": model_id,
            "at": now(),
            "prompts_hash": prompts_hash,
            "answers": answers,
            "answers_hash": digest([normalise(a) for a in answers]),
            "reported": reported,
            "changed": bool(reason),
            "reason": reason or "unchanged",
            "accepted": baseline is None,
        }
        tx.providers.add_check(row)
        if baseline is None:
            audit.append(
                tx,
                actor,
                "provider.baseline",
                f"model:{model_id}",
                None,
                row["answers_hash"],
                detail={"check": row["id"], "reported": reported},
            )
        elif reason:
            audit.append(
                tx,
                actor,
                "provider.changed",
                f"model:{model_id}",
                baseline.answers_hash,
                row["answers_hash"],
                detail={"check": row["id"], "baseline": baseline.id, "reason": reason, "reported": reported},
            )
    if reason:
        alerts.warning("provider change detected for model %s: %s (check %s)", model_id, reason, row["id"])
    return _check(row)


def _require_model(project: Project, model_id: str, actor: Actor) -> None:
    """A key acts only on models its own team's apps use; any other is answered as undeclared (no probing)."""
    from steward.governance.apply import teams_using_model

    mine = actor.team is None or actor.team in teams_using_model(project, model_id)
    if model_id not in project.models or not mine:
        raise NotFound(f"model {model_id!r} is not declared in steward.yaml.")


def accept(store: Store, model_id: str, actor: Actor, project: Project) -> ProviderCheck:
    """Accept the newest check of a model as its baseline (after a person reviewed the change)."""
    _require_model(project, model_id, actor)
    actor.require_change(actor.team, "provider baselines")
    with audit.changing(store) as tx:
        latest = tx.providers.latest_check(model_id)
        if latest is None:
            raise NotFound(f"no provider check of {model_id!r} yet; run `steward providers check {model_id}`.")
        if latest.accepted:
            return _check(latest)
        tx.providers.accept_check(latest.id)
        audit.append(
            tx,
            actor,
            "provider.accept",
            f"model:{model_id}",
            None,
            latest.answers_hash,
            detail={"check": latest.id, "reason": latest.reason},
        )
        accepted = dict(latest._mapping) | {"accepted": True}
    return _check(accepted)


def history(store: Store, model_id: str | None = None, limit: int = 20) -> list[ProviderCheck]:
    return [_check(r) for r in store.providers.check_history(model_id, limit)]


def remote_models(project: Project) -> list[str]:
    return [name for name, spec in project.models.items() if spec.backend == "openai"]
