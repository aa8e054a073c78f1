"""Alerts: rules over the rollups, evaluated on a schedule, pending → firing → resolved, deduplicated, silenced.

Each rule of `monitor.alerts` (see `steward.config.monitor`) is evaluated per app (the rule's app, or each app
of the config for `*`) over the minute buckets of its window: the metric's value, then the state machine:

- no open alert and the condition holds: a `pending` alert starts (and fires at once when `for` is 0s);
- `pending` and the condition has held for `for`: `firing`, and one notification goes to each channel;
- `firing` and it still holds: nothing is sent again (one notification per firing), except to a channel that
  did not take it (down, timed out), which gets it again on later passes (`DELIVERIES`, with backoff);
- the condition no longer holds: a firing alert is `resolved` (and says so on its channels); a pending one is
  dropped as resolved without a notification;
- too few requests in the window (`min_requests`): no verdict, the state stays as it is;
- no request at all in the rule's whole window (the traffic stopped, or the app went away): an open alert is
  `resolved` with the reason `no traffic` (a firing one says so on its channels), and none is opened: a rule
  judges traffic, and without traffic there is nothing wrong left to watch. (Alerting on traffic stopping
  itself is a job for an uptime check: its `requests` rule would need a verdict at 0 requests.)

The `drift` metric is 1 when the app's latest scheduled drift run in the window drifted, 0 when it did not
(`steward.monitor.schedule`); with no run in the window there is no verdict.

A silence (rule and app, until a time, with who and why; `steward alerts silence`, lifted early by `steward
alerts unsilence`) lets an alert fire without notifying; one still firing when its silence ends is sent then.
One failing rule (a channel down, a bad metric for an app) is logged and never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from steward.config.monitor import VERDICT_RATE, AlertRule, MonitorSpec
from steward.monitor.notify import Notifier
from steward.monitor.rollups import Rollup, bucket_start
from steward.store import AlertRow, SilenceRow, Store
from steward.types import new_id

log = logging.getLogger("steward.monitor")
NO_TRAFFIC = "no traffic"  # the reason an alert resolved when its app had no request in the rule's window


# A firing that a channel did not take is sent again on later passes: up to DELIVERIES tries in all, the n-th
# re-send RETRY_AFTER_S * 2**(n-1) seconds after the try before it.
DELIVERIES = 5
RETRY_AFTER_S = 10.0


def metric_value(rollup: Rollup, metric: str) -> float | None:
    """The rule metric's value over a merged window (None when it is undefined, e.g. a mean of nothing)."""
    requests = rollup.requests
    share = (lambda count: count / requests) if requests else (lambda count: None)
    statuses = rollup.statuses
    values: dict[str, Callable[[], float | None]] = {
        "requests": lambda: float(requests),
        "error_rate": lambda: share(statuses.get("failed", 0)),
        "client_error_rate": lambda: share(statuses.get("client_error", 0)),
        "block_rate": lambda: share(statuses.get("blocked", 0)),
        "decline_rate": lambda: share(statuses.get("declined", 0)),
        "escalation_rate": lambda: share(statuses.get("escalated", 0)),
        "fallback_rate": lambda: share(rollup.fallbacks),
        "latency_p50_ms": lambda: rollup.quantile(0.5),
        "latency_p95_ms": lambda: rollup.quantile(0.95),
        "latency_p99_ms": lambda: rollup.quantile(0.99),
        "cost": lambda: rollup.cost,
        "tokens": lambda: float(rollup.prompt_tokens + rollup.completion_tokens),
        "feedback_mean": lambda: rollup.feedback_sum / rollup.feedback_count if rollup.feedback_count else None,
        "quality_mean": lambda: rollup.quality_sum / rollup.quality_count if rollup.quality_count else None,
    }
    if metric.startswith(VERDICT_RATE):
        flagged, scanned = rollup.verdicts.get(metric[len(VERDICT_RATE) :], [0, 0])
        return flagged / scanned if scanned else None
    return values[metric]()


def window_rollup(store: Store, app: str, window_s: float, now: float) -> Rollup:
    """Every model and arm of the app, the minute buckets that hold any of the last `window_s` seconds, merged:
    the oldest one too, though it starts before the window (leaving it out made a `2m` window cover as little
    as one minute, and a `1m` window a few seconds): a window covers its length and under a minute more."""
    merged = Rollup()
    for _, rollup in store.monitoring.rollups(app, "minute", bucket_start(now - window_s, "minute"), now + 60):
        merged.merge(rollup)
    return merged


def silencing(silences: Iterable[SilenceRow], alert: AlertRow, now: float) -> list[SilenceRow]:
    """The silences in force at `now` over the alert's rule and app (`*` covers every rule or app)."""
    return [s for s in silences if s.rule in (alert.rule, "*") and s.app in (alert.app, "*") and s.until > now]


@dataclass
class AlertEvaluator:
    store: Store
    spec: MonitorSpec
    apps: Iterable[str]
    notifier: Notifier

    def evaluate(self, now: float) -> list[AlertRow]:
        """One pass over every rule and app; the alerts whose state this pass changed."""
        changed: list[AlertRow] = []
        open_alerts = self.store.monitoring.open_alerts()
        silences = self.store.monitoring.silences(now)
        apps = sorted(self.apps)
        for (rule_name, app), orphan in open_alerts.items():
            # its rule left the config, or no longer covers its app (the app was removed, the rule's `app:`
            # changed): nothing would ever evaluate it again, so nothing would resolve it
            rule = self.spec.alerts.get(rule_name)
            covered = rule is not None and app in ([rule.app] if rule.app != "*" else apps)
            if not covered and self._move(orphan, "resolved", now, None):
                changed.append(orphan)
        for name, rule in self.spec.alerts.items():
            for app in [rule.app] if rule.app != "*" else apps:
                try:
                    stepped = self._step(name, rule, app, open_alerts.get((name, app)), now, silences)
                except Exception:
                    log.exception("monitor: alert rule %r failed for app %r; the other rules go on", name, app)
                    continue
                if stepped is not None:
                    changed.append(stepped)
        return changed

    def _value(self, rule: AlertRule, app: str, now: float) -> tuple[str, float | None]:
        """(the verdict: "value", "none" or NO_TRAFFIC; the metric's value)."""
        if rule.metric == "drift":
            drifted = self._drift(app, rule.window_s, now)
            if drifted is not None:  # a run in the window compared traffic: that is the verdict
                return "value", drifted
        # `no traffic` is judged on the window itself, not on its buckets: the oldest bucket reaches further back
        if not self.store.monitoring.window_ids(app, now - rule.window_s, now, first=1):
            return NO_TRAFFIC, None
        rollup = window_rollup(self.store, app, rule.window_s, now)
        if not rollup.requests:
            # empty rollups with records in the window: a rebuild cleared them and has not folded this far yet
            # (it folds oldest first); resolving now would tell the channels twice about one outage
            return "none", None
        if rule.metric == "drift":
            return "none", None  # traffic, but no scheduled run in the window: no verdict
        if rollup.requests < rule.min_requests:
            return "none", None
        return "value", metric_value(rollup, rule.metric)

    def _step(
        self, name: str, rule: AlertRule, app: str, alert: AlertRow | None, now: float, silences: list
    ) -> AlertRow | None:
        """Advance one rule for one app; the alert if its state changed. The state is saved before anyone is
        notified, and only by the evaluator whose transition won, so a restart or a second process never
        notifies twice."""
        verdict, value = self._value(rule, app, now)
        if verdict == NO_TRAFFIC:
            return self._resolve(alert, rule, now, None, silences, NO_TRAFFIC) if alert is not None else None
        if verdict != "value":
            return None
        breached = value is not None and rule.breached(value)
        if alert is None:
            if not breached:
                return None
            alert = AlertRow(new_id("alr"), name, app, "pending", rule.severity, rule.metric, rule.condition,
                             value, started_at=now)  # fmt: skip
            if not self.store.monitoring.open_alert(alert):
                return None  # another process raised it first
            if rule.for_s > 0:
                return alert
        if breached and alert.state == "pending" and now - alert.started_at >= rule.for_s:
            alert.fired_at = now
            if self._move(alert, "firing", now, value):
                self._notify(alert, rule, "firing", now, silences)
                return alert
        elif not breached:
            return self._resolve(alert, rule, now, value, silences)
        elif value != alert.value:
            self._move(alert, alert.state, now, value)  # the same state, a fresh value: nothing to notify
        if alert.state == "firing":
            self._redeliver(alert, rule, now, silences)
        return None

    def _redeliver(self, alert: AlertRow, rule: AlertRule, now: float, silences: list) -> None:
        """Send a firing again to each channel that never took it (down, timed out), at most `DELIVERIES` times
        with a doubling wait; and for the first time once the silence it fired under has ended (run out, or
        lifted by `alerts unsilence`) while it still fires. Each send is first claimed in the store, so two
        processes never both send."""
        silenced = any(n.get("event") == "firing" and n.get("silenced_by") for n in alert.notifications)
        for channel in rule.channels:
            tries = [n for n in alert.notifications if n.get("event") == "firing" and n.get("channel") == channel]
            if not tries and (not silenced or silencing(silences, alert, now)):
                continue  # never silenced (a channel of a later config), or silenced still
            if any(n.get("ok") for n in tries) or len(tries) >= DELIVERIES:
                continue  # delivered, or given up on
            if tries and now - max(float(n["at"]) for n in tries) < RETRY_AFTER_S * 2 ** (len(tries) - 1):
                continue
            sending = "sending again" if tries else "sending: its silence ended"
            claim = {"at": now, "event": "firing", "channel": channel, "ok": None, "error": sending}
            if not self.store.monitoring.claim_notifications(alert.id, len(alert.notifications), [claim]):
                return  # another evaluator is re-sending
            alert.notifications.append(claim)
            ok, error = self.notifier.send(channel, alert, "firing", None)
            note = {
                "at": now,
                "event": "firing",
                "channel": channel,
                "ok": ok,
                "error": error,
                "retry": len(tries),
            }
            alert.notifications.append(note)
            self.store.monitoring.add_notifications(alert.id, [note])

    def _resolve(
        self,
        alert: AlertRow,
        rule: AlertRule,
        now: float,
        value: float | None,
        silences: list,
        reason: str | None = None,
    ) -> AlertRow | None:
        """Resolve an open alert (a firing one says so on its channels); `reason` when not by its value."""
        was_firing = alert.state == "firing"
        if not self._move(alert, "resolved", now, value):
            return None  # another evaluator resolved it first
        if was_firing:
            self._notify(alert, rule, "resolved", now, silences, reason)
        elif reason:  # a pending alert dropped: nobody is told, the alert still keeps why
            note: dict[str, Any] = {"at": now, "event": "resolved", "reason": reason}
            alert.notifications.append(note)
            self.store.monitoring.add_notifications(alert.id, [note])
        return alert

    def _move(self, alert: AlertRow, state: str, now: float, value: float | None) -> bool:
        previous = alert.state
        alert.state, alert.value = state, value
        if state == "resolved":
            alert.resolved_at = now
        return self.store.monitoring.move_alert(alert, previous)

    def _drift(self, app: str, window_s: float, now: float) -> float | None:
        runs = self.store.monitoring.drift_runs(app, since=now - window_s, limit=1)
        return None if not runs else float(bool(runs[0]["drifted"]))

    def _notify(
        self, alert: AlertRow, rule: AlertRule, event: str, now: float, silences: list, reason: str | None = None
    ) -> None:
        silence = next(iter(silencing(silences, alert, now)), None)
        if silence is not None:
            notes: list[dict[str, Any]] = [{"at": now, "event": event, "silenced_by": silence.id}]
        else:
            notes = []
            for channel in rule.channels:
                ok, error = self.notifier.send(channel, alert, event, reason)
                notes.append({"at": now, "event": event, "channel": channel, "ok": ok, "error": error})
        if reason:
            for note in notes:
                note["reason"] = reason
        alert.notifications.extend(notes)
        self.store.monitoring.add_notifications(alert.id, notes)


def silences_over(store: Store, alerts: Iterable[AlertRow], at: float) -> dict[str, dict[str, Any]]:
    """The silence in force at `at` (the longest, `*` ones included, as `silencing` reads them) over each open
    alert, by alert id: whoever lists alerts (`steward alerts list`, `GET /v1/alerts`) sees who, why, until."""
    silences = store.monitoring.silences(at)
    found: dict[str, dict[str, Any]] = {}
    for alert in alerts:
        over = silencing(silences, alert, at) if alert.state != "resolved" else []
        if over:
            longest = max(over, key=lambda s: s.until)
            found[alert.id] = {"id": longest.id, "until": longest.until, "by": longest.by, "why": longest.why}
    return found
