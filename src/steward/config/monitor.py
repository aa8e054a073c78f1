"""The `monitor:` section of steward.yaml: the background interval, alert rules and where alerts go.

```yaml
monitor:
  interval_s: 10                 # rollups folded and rules evaluated this often by `steward serve`
  channels:
    ops: {type: webhook, url: $env:SLACK_HOOK, format: slack}   # or a plain https:// URL that is no secret
    oncall: {type: email, smtp: "mail.example:587", tls: starttls, username: steward,
             password: $env:SMTP_PASSWORD, sender: "steward@example", to: ["oncall@example"]}
    log: {type: log}
  alerts:
    errors:
      app: "*"                   # every app, each alerting on its own
      metric: error_rate         # see METRICS
      condition: "> 0.05"
      window: 5m                 # over the last five minutes of rollups
      for: 1m                    # breaching this long before it fires (0s: at once)
      min_requests: 20           # fewer requests in the window: no verdict
      severity: critical
      channels: [ops, log]
  review:                        # the monitor queues records for a person's review, off the request path
    feedback_below: 0            # a feedback score below 0 (a thumbs-down) queues its record
    escalated: true              # and any escalated record not in the queue yet
    apps: ["*"]
```

Metrics are read from the rollups (`steward.monitor.rollups`): rates are shares of the window's requests,
latencies are merged DDSketch quantiles in ms, `verdict_rate:STAGE.SCANNER` is the share of texts a scanner
flagged (e.g. `verdict_rate:input.injection`).
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

METRICS = (
    "drift",  # 1 when the app's latest scheduled drift run (monitor.drift) in the window drifted, else 0
    "requests",
    "error_rate",  # failures of Steward or the upstream; the caller's mistakes (4xx) are not failures
    "client_error_rate",  # requests refused as the caller's mistake: a bad body, an unknown app, a spent budget
    "block_rate",
    "decline_rate",
    "escalation_rate",
    "fallback_rate",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "cost",
    "tokens",
    "feedback_mean",
    "quality_mean",  # mean sampled quality score (faithfulness of grounded answers, `monitor.quality`)
)
VERDICT_RATE = "verdict_rate:"
STAGES = ("input", "retrieved", "output")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ENV_REF = re.compile(r"^\$env:[A-Za-z_][A-Za-z0-9_]*$")  # a secret by reference, as everywhere in the config
_WEB_URL = re.compile(r"^https?://[^/\s]+")
_CONDITION = re.compile(r"^\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")


def seconds(duration: str) -> float:
    """`30s`, `5m`, `2h`, `1d` in seconds; ValueError says what to write."""
    found = _DURATION.match(duration.strip())
    if not found:
        raise ValueError(f"{duration!r} is not a duration; write e.g. 30s, 5m, 2h or 1d")
    return float(found.group(1)) * _UNITS[found.group(2)]


def _a_minute_or_more(duration: str, problem: str) -> str:
    """`duration` unchanged when it is a minute or more (the rollups' finest bucket); else `problem` as a
    ValueError."""
    if seconds(duration) < 60:
        raise ValueError(problem)
    return duration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ChannelSpec(_Strict):
    """Where an alert is sent: a webhook (JSON, or Slack's `{"text": …}`), e-mail over SMTP, or the log."""

    type: Literal["webhook", "email", "log"]
    url: str | None = None
    format: Literal["json", "slack"] = "json"
    smtp: str | None = None  # host:port
    # `starttls` upgrades the connection (port 587), `implicit` speaks TLS from the start (port 465); the server's
    # certificate is verified against the system's CAs (or $SSL_CERT_FILE)
    tls: Literal["none", "starttls", "implicit"] = "none"
    username: str | None = None
    password: str | None = None  # `$env:NAME` only: a secret by reference, read when a notification is sent
    sender: str | None = None
    to: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _needs(self) -> ChannelSpec:
        if self.type == "webhook" and not (self.url and (_ENV_REF.match(self.url) or _WEB_URL.match(self.url))):
            raise ValueError(
                "a webhook channel needs `url: http(s)://host/path`, or `url: $env:NAME` (exported before "
                "`steward serve`) for a URL that is a secret, as a Slack webhook's is"
            )
        if self.type == "email" and not (self.smtp and self.sender and self.to):
            raise ValueError("an email channel needs `smtp: host:port`, `sender:` and `to: [addresses]`")
        if self.type == "email" and not re.match(r"^[^:\s]+:\d{1,5}$", str(self.smtp)):
            raise ValueError(f"`smtp: {self.smtp}` is not host:port (e.g. mail.example.org:25)")
        if self.type == "email" and not 0 < int(str(self.smtp).rpartition(":")[2]) < 65536:
            raise ValueError(f"`smtp: {self.smtp}`: a port is 1 to 65535 (587 for STARTTLS, 465 for implicit TLS)")
        if self.type == "email":
            self._addresses()
            self._login()
        elif self.tls != "none" or self.username is not None or self.password is not None:
            raise ValueError("`tls`, `username` and `password` are options of an email channel")
        return self

    def _addresses(self) -> None:
        """The sender and each recipient an address (`ops@example.org`, or `Ops <ops@example.org>`), one per entry:
        a line break or a missing `@` passed the config check and failed at the first alert, or was sent."""
        for address in [str(self.sender), *self.to]:
            if any(char in address for char in "\r\n,") or "@" not in parseaddr(address)[1]:
                raise ValueError(
                    f"{address!r} is not one e-mail address; write e.g. ops@example.org or "
                    '"Ops <ops@example.org>", one per entry of `to:`'
                )

    def _login(self) -> None:
        """An e-mail channel's login: both a username and a password or neither; the password by reference only,
        and never sent in clear."""
        if (self.username is None) != (self.password is None):
            raise ValueError(
                "an email channel logs in with both `username:` and `password: $env:NAME`, or neither"
            )
        if self.password is None:
            return
        if not _ENV_REF.match(self.password):
            raise ValueError(
                "an email channel's password is a secret: write `password: $env:NAME` and export NAME before "
                "`steward serve`, never the password itself"
            )
        if self.tls == "none":
            raise ValueError(
                "an email channel with a password needs `tls: starttls` (port 587) or `tls: implicit` (port 465): "
                "without TLS the password would cross the network in clear"
            )


class AlertRule(_Strict):
    """One rule: an app's metric over a window compared with a threshold."""

    app: str = "*"
    metric: str
    condition: str
    window: str = "5m"
    for_: str = Field("0s", alias="for")
    min_requests: int = Field(20, ge=1)
    severity: Literal["info", "warning", "critical"] = "warning"
    channels: list[str] = Field(default_factory=lambda: ["log"])

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        stage, _, scanner = value[len(VERDICT_RATE) :].partition(".")
        verdict = value.startswith(VERDICT_RATE) and stage in STAGES and scanner.isidentifier()
        if value in METRICS or verdict:
            return value
        raise ValueError(
            f"unknown metric {value!r}; use one of {', '.join(METRICS)} or verdict_rate:STAGE.SCANNER "
            "(e.g. verdict_rate:input.injection)"
        )

    @field_validator("condition")
    @classmethod
    def _parses(cls, value: str) -> str:
        if not _CONDITION.match(value):
            raise ValueError(f'condition {value!r} is not `OP NUMBER`; write e.g. "> 0.05" or "<= 200"')
        return value

    @field_validator("window", "for_")
    @classmethod
    def _duration(cls, value: str) -> str:
        seconds(value)
        return value

    @field_validator("window")
    @classmethod
    def _whole_minutes(cls, value: str) -> str:
        problem = f"window {value!r} is under a minute, the rollups' finest bucket; use 1m or more"
        return _a_minute_or_more(value, problem)

    @property
    def window_s(self) -> float:
        return seconds(self.window)

    @property
    def for_s(self) -> float:
        return seconds(self.for_)

    def breached(self, value: float) -> bool:
        found = _CONDITION.match(self.condition)
        assert found is not None  # checked when the config was read
        op, threshold = found.group(1), float(found.group(2))
        if op == ">":
            return value > threshold
        if op == ">=":
            return value >= threshold
        return value < threshold if op == "<" else value <= threshold


class DriftSchedule(_Strict):
    """Drift runs `steward serve` makes on its own, per app, stored for `steward monitor drift-runs` and for
    alert rules on the `drift` metric."""

    every: str = "1h"
    reference: str = "-8d..-1d"
    current: str = "-24h..now"
    apps: list[str] = Field(default_factory=lambda: ["*"])
    alpha: float = Field(0.005, gt=0, lt=1)  # steward.monitor.drift.DEFAULT_ALPHA
    embeddings: bool = True
    max_records: int = Field(10_000, ge=30)

    @field_validator("every")
    @classmethod
    def _duration(cls, value: str) -> str:
        return _a_minute_or_more(value, f"every {value!r}: drift runs at most once a minute; write e.g. 1h")

    @field_validator("reference", "current")
    @classmethod
    def _window(cls, value: str) -> str:
        from steward.monitor.windows import parse_window  # the one parser of windows

        try:
            parse_window(value, now=0.0)
        except Exception as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def every_s(self) -> float:
        return seconds(self.every)


class QualitySampling(_Strict):
    """A share of served grounded answers scored off the request path by the evals' faithfulness metric (the
    same support check that serving and `steward eval` use); the scores feed rollups, drift and alerts."""

    share: float = Field(0.1, gt=0, le=1)
    metric: Literal["faithfulness"] = "faithfulness"


class ReviewRule(_Strict):
    """Which records the monitor puts in the review queue (each once, with an audit event): those whose feedback
    scored below `feedback_below`, and with `escalated` the escalated ones not queued yet (the gateway queues
    escalations as they happen; this catches those whose hold failed after the record was written)."""

    feedback_below: float | None = None
    escalated: bool = False
    apps: list[str] = Field(default_factory=lambda: ["*"])

    @model_validator(mode="after")
    def _says_what(self) -> ReviewRule:
        if self.feedback_below is None and not self.escalated:
            raise ValueError(
                "monitor.review queues nothing: set `feedback_below: N` (a feedback score below N queues its "
                "record), `escalated: true`, or both"
            )
        if not self.apps:
            raise ValueError('monitor.review.apps is empty; list apps, or write ["*"] for every app')
        return self

    def covers(self, app: str) -> bool:
        return "*" in self.apps or app in self.apps


class MonitorSpec(_Strict):
    interval_s: float = Field(10.0, gt=0, le=3600)
    drift: DriftSchedule | None = None
    quality: QualitySampling | None = None
    channels: dict[str, ChannelSpec] = Field(default_factory=lambda: {"log": ChannelSpec(type="log")})
    alerts: dict[str, AlertRule] = Field(default_factory=dict)
    review: ReviewRule | None = None
