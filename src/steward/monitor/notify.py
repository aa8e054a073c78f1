"""Where alerts go: a webhook (JSON, or Slack's `{"text": …}`), e-mail over SMTP (STARTTLS or implicit TLS, with
a login whose password is read from the environment), or the log.

`Notifier.send(channel, alert, event)` returns (ok, error) and never raises, so that one unreachable channel
neither stops the other channels nor the other rules; the alert keeps what each channel answered.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import ssl
import threading
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage

from steward.config.monitor import ChannelSpec
from steward.store import AlertRow

log = logging.getLogger("steward.monitor")
TIMEOUT_S = 5.0  # per socket operation
DEADLINE_S = 10.0  # per notification, whatever the other side does (e.g. drip a byte every few seconds)


def _within(send: Callable[[], None], deadline_s: float) -> str | None:
    """Run `send` on a daemon thread and wait at most `deadline_s`: None when it finished, else the error. A send
    still running after the deadline is abandoned (its thread ends with its socket timeouts), so a slow channel
    holds the monitor pass back by the deadline at most."""
    outcome: list[str | None] = []

    def attempt() -> None:
        try:
            send()
            outcome.append(None)
        except Exception as exc:
            outcome.append(str(exc) or type(exc).__name__)

    worker = threading.Thread(target=attempt, name="steward-notify", daemon=True)
    worker.start()
    worker.join(deadline_s)
    if not outcome:
        return f"no answer within {deadline_s:.0f} s"
    return outcome[0]


def describe(alert: AlertRow, event: str, reason: str | None = None) -> str:
    """One line a person reads: what fired (or resolved, and why when not by its value), for which app, with the
    value and the condition."""
    value = "no value" if alert.value is None else f"{alert.value:.4g}"
    since = datetime.fromtimestamp(alert.started_at, UTC).isoformat(timespec="seconds")
    why = f" ({reason})" if reason else ""
    return (
        f"[{alert.severity}] {alert.rule} {event}{why} for app {alert.app}: {alert.metric} = {value} "
        f"(condition {alert.condition}; since {since}; alert {alert.id})"
    )


def payload(alert: AlertRow, event: str, form: str, reason: str | None = None) -> dict[str, object]:
    if form == "slack":
        return {"text": describe(alert, event, reason)}
    body = {key: value for key, value in alert.as_dict().items() if key != "notifications"}
    found: dict[str, object] = {"event": event, "alert": body, "summary": describe(alert, event, reason)}
    if reason:
        found["reason"] = reason
    return found


class Notifier:
    def __init__(self, channels: dict[str, ChannelSpec]) -> None:
        self.channels = {"log": ChannelSpec(type="log"), **channels}

    def send(self, name: str, alert: AlertRow, event: str, reason: str | None = None) -> tuple[bool, str | None]:
        channel = self.channels.get(name)
        if channel is None:
            return False, f"no channel {name!r} under monitor.channels"
        if channel.type == "log":
            log.warning("alert %s", describe(alert, event, reason))
            return True, None
        send = (
            (lambda: _post(_webhook_url(str(channel.url)), payload(alert, event, channel.format, reason)))
            if channel.type == "webhook"
            else (lambda: _mail(channel, alert, event, reason))
        )
        error = _within(send, DEADLINE_S)
        if error is not None:  # a channel down must not stop the others; the alert keeps the error
            error = _unsecret(error, channel)
            log.warning("monitor: channel %r could not be notified: %s", name, error)
            return False, error
        return True, None


def _secret(value: str) -> str:
    """The value, read from the environment when the config references it (`$env:NAME`): a Slack webhook's URL
    and an SMTP password are secrets. Unset, the ConfigError says what to export, and the channel's delivery
    fails with it."""
    from steward.config.schema import ENV_PREFIX, SecretRef

    return SecretRef(value).resolve() if value.startswith(ENV_PREFIX) else value


def _webhook_url(url: str) -> str:
    """The webhook's URL, read from the environment when it is a secret reference, and then checked as the config
    checks a literal one: urllib's errors for a malformed URL (no scheme, a space) quote it, secret path and all,
    into the log and the alert's notifications."""
    found = _secret(url)
    printable = found.isascii() and found.isprintable() and " " not in found
    if found != url and not (re.match(r"^https?://[^/]+", found) and printable):
        raise ValueError(f"{url} is not http(s)://host/path without spaces (its value is a secret: not shown)")
    return found


def _unsecret(error: str, channel: ChannelSpec) -> str:
    """A delivery error without the channel's secrets (a webhook's URL, or the part after its host; an SMTP
    password): each is written as its `$env:NAME` reference instead."""
    for reference in (channel.url, channel.password):
        if reference is None or not reference.startswith("$env:"):
            continue
        try:
            value = _secret(reference)
        except Exception:  # unset: nothing of it can be in the error
            continue
        path = value.split("://", 1)[-1].partition("/")[2]
        for part in (value, f"/{path}" if len(path) >= 8 else ""):
            if part:
                error = error.replace(part, reference)
    return error


def _post(url: str, body: dict[str, object]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
        answer.read()


def _mail(channel: ChannelSpec, alert: AlertRow, event: str, reason: str | None) -> None:
    host, _, port = str(channel.smtp).rpartition(":")
    message = EmailMessage()
    message["Subject"] = describe(alert, event, reason)[:200]
    message["From"] = str(channel.sender)
    message["To"] = ", ".join(channel.to)
    message.set_content(json.dumps(payload(alert, event, "json", reason), indent=2, default=str))
    # verified: smtplib's own default for STARTTLS accepts any certificate, which would hand the password to
    # whoever sits in the middle
    context = ssl.create_default_context()
    host = host or "localhost"
    if channel.tls == "implicit":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, int(port), timeout=TIMEOUT_S, context=context)
    else:
        smtp = smtplib.SMTP(host, int(port), timeout=TIMEOUT_S)
    with smtp:
        if channel.tls == "starttls":
            smtp.starttls(context=context)  # refused by a server that does not offer it: never sent in clear
        if channel.username is not None and channel.password is not None:
            smtp.login(channel.username, _secret(channel.password))
        smtp.send_message(message)
