"""Where alerts go: a webhook (JSON, or Slack's `{"text": …}`), e-mail over SMTP, or the log.

`Notifier.send(channel, alert, event)` returns (ok, error) and never raises, so that one unreachable channel
neither stops the other channels nor the other rules; the alert keeps what each channel answered.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from datetime import UTC, datetime
from email.message import EmailMessage

from steward.config.monitor import ChannelSpec
from steward.store.monitor import AlertRow

log = logging.getLogger("steward.monitor")
TIMEOUT_S = 5.0


def describe(alert: AlertRow, event: str) -> str:
    """One line a person reads: what fired (or resolved), for which app, with the value and the condition."""
    value = "no value" if alert.value is None else f"{alert.value:.4g}"
    since = datetime.fromtimestamp(alert.started_at, UTC).isoformat(timespec="seconds")
    return (
        f"[{alert.severity}] {alert.rule} {event} for app {alert.app}: {alert.metric} = {value} "
        f"(condition {alert.condition}; since {since}; alert {alert.id})"
    )


def payload(alert: AlertRow, event: str, form: str) -> dict[str, object]:
    if form == "slack":
        return {"text": describe(alert, event)}
    body = {key: value for key, value in alert.as_dict().items() if key != "notifications"}
    return {"event": event, "alert": body, "summary": describe(alert, event)}


class Notifier:
    def __init__(self, channels: dict[str, ChannelSpec]) -> None:
        self.channels = {"log": ChannelSpec(type="log"), **channels}

    def send(self, name: str, alert: AlertRow, event: str) -> tuple[bool, str | None]:
        channel = self.channels.get(name)
        if channel is None:
            return False, f"no channel {name!r} under monitor.channels"
        try:
            if channel.type == "log":
                log.warning("alert %s", describe(alert, event))
            elif channel.type == "webhook":
                _post(str(channel.url), payload(alert, event, channel.format))
            else:
                _mail(channel, alert, event)
        except Exception as exc:  # a channel down must not stop the others; the alert keeps the error
            log.warning("monitor: channel %r could not be notified: %s", name, exc)
            return False, str(exc) or type(exc).__name__
        return True, None


def _post(url: str, body: dict[str, object]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
        answer.read()


def _mail(channel: ChannelSpec, alert: AlertRow, event: str) -> None:
    host, _, port = str(channel.smtp).rpartition(":")
    message = EmailMessage()
    message["Subject"] = describe(alert, event)[:200]
    message["From"] = str(channel.sender)
    message["To"] = ", ".join(channel.to)
    message.set_content(json.dumps(payload(alert, event, "json"), indent=2, default=str))
    with smtplib.SMTP(host or "localhost", int(port or 25), timeout=TIMEOUT_S) as smtp:
        smtp.send_message(message)
