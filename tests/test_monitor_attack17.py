"""Attacks on issue 17's latest additions (session 12): secrets, ports and output files a tester found wanting.

Each test names what was wrong before its fix.
"""

from __future__ import annotations

import logging
import time

import pytest

from steward.config.monitor import MonitorSpec
from steward.monitor.notify import Notifier
from steward.store import AlertRow

SECRET = "T0AAA/B0BBB/xoxSECRETxox"


def _alert() -> AlertRow:
    return AlertRow("alr_1", "errors", "demo", "firing", "critical", "error_rate", "> 0.5", 0.9, time.time())


@pytest.mark.parametrize(
    "value",
    [
        f"hooks.slack.com/services/{SECRET}",  # the scheme left out when copying it
        f"http://127.0.0.1:9/services/{SECRET} ",  # a space: http.client quotes the path
        f"http://127.0.0.1:9/services/{SECRET}\x7f",  # a control character that is no space
    ],
)
def test_a_secret_webhook_url_never_appears_in_a_delivery_error(
    value: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A webhook URL given as `$env:NAME` (a Slack URL is a secret) was quoted whole by urllib's error for a
    malformed value ("unknown url type: 'hooks.slack.com/services/…'"), or its path by http.client's: into the
    log, and into the alert's notifications that `steward alerts list --json` prints."""
    monkeypatch.setenv("STEWARD_TEST_HOOK", value)
    spec = MonitorSpec.model_validate({"channels": {"ops": {"type": "webhook", "url": "$env:STEWARD_TEST_HOOK"}}})
    with caplog.at_level(logging.WARNING, logger="steward.monitor"):
        ok, error = Notifier(spec.channels).send("ops", _alert(), "firing")
    assert ok is False and error
    assert "SECRET" not in error and "SECRET" not in caplog.text
    assert "$env:STEWARD_TEST_HOOK" in error  # which channel's secret to fix


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_an_smtp_port_out_of_range_is_refused_with_the_config(port: str) -> None:
    """`smtp: mail.example.org:99999` passed `steward config check` and failed at the first alert, when it
    mattered, with `port must be 0-65535` (and port 0 with a refused connection)."""
    mail = {"type": "email", "smtp": f"mail.example.org:{port}", "sender": "s@example.org", "to": ["o@x.org"]}
    with pytest.raises(ValueError, match="a port is 1 to 65535"):
        MonitorSpec.model_validate({"channels": {"mail": mail}})
