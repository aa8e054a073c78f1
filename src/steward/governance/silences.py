"""Silences of alerts, set and lifted as governance actions: `steward alerts silence|unsilence` and the management
API's `POST /v1/alerts/{id}/silence|unsilence` call these, so both apply the same rules and write the same events.

A silence covers an alert's rule for its app until a time, with who (the identity acting, never a typed name) and
why; it is set in one transaction with its audit event (`monitor.silence` on `alert-rule:<rule>`), and lifted
before it ends (`monitor.unsilence`, its `until` becomes now) the same way. Only admin and developer identities of
the app's team may; another team's alert is answered exactly as a missing one.
"""

from __future__ import annotations

import time
from typing import Any

from steward.config import Project
from steward.errors import InvalidRequest, NotFound
from steward.governance import audit
from steward.governance.identity import Actor
from steward.monitor.alerts import silencing
from steward.store import AlertRow, SilenceRow, Store
from steward.types import new_id

MAX_SILENCE_S = 90 * 86400


def alert_of(store: Store, project: Project, alert_id: str, who: Actor) -> AlertRow:
    """The alert, as `who` may see it: another team's alert is answered as a missing one (the same message), so
    neither its id nor its app can be probed."""
    alert = store.monitoring.alert(alert_id)
    spec = project.apps.get(alert.app) if alert is not None else None
    if alert is None or (who.team is not None and (spec is None or spec.team != who.team)):
        raise missing(alert_id)
    return alert


def missing(alert_id: str) -> NotFound:
    """The one answer for an alert that does not exist and for one the caller may not see (no probing)."""
    return NotFound(f"no alert {alert_id!r}; `steward alerts list --all` (GET /v1/alerts?all=true) shows them.")


def _team(project: Project, alert: AlertRow, who: Actor) -> str | None:
    spec = project.apps.get(alert.app)
    team = spec.team if spec is not None else who.team
    who.require_change(team, f"alerts of {alert.app}")
    return spec.team if spec is not None else None


def silence(store: Store, project: Project, who: Actor, alert_id: str, length_s: float, why: str) -> SilenceRow:
    """Silence the alert's rule for its app for `length_s` seconds (more than 0, at most 90 days), as `who`."""
    if not why.strip():
        raise InvalidRequest("a silence needs a reason (`why`); it is kept in the audit log.", param="why")
    if not 0 < length_s <= MAX_SILENCE_S:
        raise InvalidRequest("a silence lasts more than 0s and at most 90d; it can be renewed.", param="for")
    alert = alert_of(store, project, alert_id, who)
    team = _team(project, alert, who)
    at = time.time()
    row = SilenceRow(new_id("sil"), alert.rule, alert.app, at + length_s, who.id, why.strip(), at)
    with audit.changing(store) as tx:
        tx.monitoring.add_silence(row)
        audit.append(tx, who.id, "monitor.silence", f"alert-rule:{alert.rule}", None, row.__dict__, team=team,
                     detail={"silence": row.id, "alert": alert.id, "app": alert.app, "until": row.until,
                             "why": row.why})  # fmt: skip
    return row


def unsilence(store: Store, project: Project, who: Actor, alert_id: str, why: str) -> dict[str, Any]:
    """Lift the silences in force over the alert's rule and app, as `who`: `{alert, lifted, by, why}`."""
    if not why.strip():
        raise InvalidRequest("lifting a silence needs a reason (`why`); it is kept in the audit log.", param="why")
    alert = alert_of(store, project, alert_id, who)
    team = _team(project, alert, who)
    at = time.time()
    with audit.changing(store) as tx:
        lifted = silencing(tx.monitoring.silences(at), alert, at)
        if not lifted:
            raise InvalidRequest(
                f"alert {alert.id} ({alert.rule} for {alert.app}) has no silence in force; the alert listing "
                "shows the silence over each open alert."
            )
        tx.monitoring.end_silences([s.id for s in lifted], at)
        ended = [{**s.__dict__, "until": at} for s in lifted]
        audit.append(tx, who.id, "monitor.unsilence", f"alert-rule:{alert.rule}", [s.__dict__ for s in lifted],
                     ended, team=team,
                     detail={"silences": [s.id for s in lifted], "alert": alert.id, "app": alert.app,
                             "why": why.strip()})  # fmt: skip
    return {"alert": alert.id, "lifted": ended, "by": who.id, "why": why.strip()}


def listing(store: Store, apps: list[str], everything: bool = False) -> list[dict[str, Any]]:
    """Silences over these apps, newest first: those in force (with `everything`, ended ones too)."""
    rows = store.monitoring.every_silence() if everything else store.monitoring.silences(time.time())
    return [s.__dict__ for s in sorted(rows, key=lambda s: s.created_at, reverse=True) if s.app in apps]
