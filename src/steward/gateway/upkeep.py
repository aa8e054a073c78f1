"""What the HTTP layer asks of a gateway beside serving requests: a human's feedback on a record, and readiness.

Neither is a stage of the request pipeline, so neither lives on `Gateway`: feedback attaches to a record that is
already durable, and readiness asks the store and the model artefacts whether a request could be served at all.
"""

from __future__ import annotations

from steward.config import Project, Settings
from steward.errors import InvalidRequest, PermissionDenied
from steward.gateway.collaborators import RecordStore
from steward.governance.tenancy import record_for
from steward.models.health import model_problems
from steward.types import Feedback, Principal

# Scores a rating scale can have: thumbs (-1 / +1), stars (1-5), a 0-10 score. Beyond them a typo or a probe
# would move an app's feedback mean (one -1000000 made a bucket's mean -250000) and every alert on it.
FEEDBACK_SCORES = range(-10, 11)


def add_feedback(store: RecordStore, principal: Principal, record_id: str, score: int, comment: str = "") -> None:
    """A human's judgement of an answer, attached to a record the caller may read (its team's; an app key's
    own). Another team's record is answered as a missing one, so ids cannot be probed."""
    if score not in FEEDBACK_SCORES:
        raise InvalidRequest(
            f"feedback score {score} is out of range; send an integer from {FEEDBACK_SCORES.start} to "
            f"{FEEDBACK_SCORES.stop - 1} (e.g. -1 / +1 for thumbs, 1-5 for stars)."
        )
    if not principal.calls_apps:
        raise PermissionDenied(
            f"a {principal.role} key reads and never writes, feedback included; send feedback with the "
            "app's own key, or a developer key of its team."
        )
    record_for(store, principal, record_id)
    store.add_feedback(record_id, Feedback(score=score, comment=comment, by=principal.key_id))


def readiness(store: RecordStore, project: Project, settings: Settings) -> list[str]:
    """What stops a gateway from serving: an unreachable store, a missing model artefact."""
    problems = []
    try:
        store.count_records()
    except Exception as exc:
        problems.append(f"store: {exc}")
    problems.extend(model_problems(project, settings))
    return problems
