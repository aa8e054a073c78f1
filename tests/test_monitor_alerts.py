"""Alerts (issue 17, item 3): rules over rollups, pending → firing → resolved, one notification per firing,
silences with an audit event, bad rules refused with file:line, and an error-rate rule firing on a real outage."""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openai
import pytest
from tests.gateway_fixtures import LiveServer, make_runtime
from typer.testing import CliRunner

from steward.config import load_project_text
from steward.config.monitor import MonitorSpec
from steward.errors import ConfigError, InvalidRequest
from steward.gateway.monitoring import MonitorProcess
from steward.monitor.alerts import AlertEvaluator
from steward.monitor.notify import Notifier
from steward.monitor.worker import RollupWorker
from steward.store import Store
from steward.types import Latency, Record

T0 = float(int(time.time()) // 60 * 60 - 7200)  # two hours ago: silences are set in real time


class Receiver:
    """A loopback webhook receiver that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


def _spec(url: str, **rule: Any) -> MonitorSpec:
    alert = {"app": "demo", "metric": "error_rate", "condition": "> 0.5", "window": "5m", "for": "1m",
             "min_requests": 10, "severity": "critical", "channels": ["hook"], **rule}  # fmt: skip
    return MonitorSpec.model_validate(
        {"channels": {"hook": {"type": "webhook", "url": url}}, "alerts": {"errors": alert}}
    )


def _traffic(store: Store, at: float, n: int, status: str) -> None:
    for i in range(n):
        record = Record.start("demo")
        record.created_at = at + i * 0.5
        record.status = status  # type: ignore[assignment]
        record.latency = Latency(total_ms=20.0)
        store.write_sync(record)


def test_an_alert_goes_pending_fires_once_and_resolves(tmp_path: Path, receiver: Receiver) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        evaluator = AlertEvaluator(store, _spec(receiver.url), ["demo"], Notifier(_spec(receiver.url).channels))
        _traffic(store, T0, 30, "failed")
        RollupWorker(store).catch_up()
        (pending,) = evaluator.evaluate(T0 + 20)
        assert pending.state == "pending" and receiver.bodies == []
        assert evaluator.evaluate(T0 + 50) == []  # not yet breaching for a minute: no state changed
        assert [a.state for a in store.monitoring.alerts()] == ["pending"]
        (firing,) = evaluator.evaluate(T0 + 85)
        assert firing.state == "firing" and firing.id == pending.id
        assert evaluator.evaluate(T0 + 100) == [] and evaluator.evaluate(T0 + 120) == []
        assert [b["event"] for b in receiver.bodies] == ["firing"]  # one notification per firing
        assert (
            receiver.bodies[0]["alert"]["value"] == 1.0
            and "errors firing for app demo" in receiver.bodies[0]["summary"]
        )
        _traffic(store, T0 + 400, 40, "served")
        RollupWorker(store).catch_up()
        (resolved,) = evaluator.evaluate(T0 + 430)
        assert resolved.state == "resolved" and resolved.id == firing.id
        assert [b["event"] for b in receiver.bodies] == ["firing", "resolved"]
        assert store.monitoring.alerts() == []  # nothing open
        assert [a.state for a in store.monitoring.alerts(everything=True)] == ["resolved"]


def test_too_few_requests_give_no_verdict_and_a_failing_channel_does_not_stop_other_rules(tmp_path: Path) -> None:
    spec = MonitorSpec.model_validate(
        {
            "channels": {"down": {"type": "webhook", "url": "http://127.0.0.1:9/nowhere"}},
            "alerts": {
                "a-errors": {"app": "demo", "metric": "error_rate", "condition": "> 0.5", "channels": ["down"]},
                "b-slow": {"app": "demo", "metric": "latency_p95_ms", "condition": ">= 10", "channels": ["log"]},
                "c-rare": {"app": "demo", "metric": "requests", "condition": "> 0", "min_requests": 1000},
            },
        }
    )
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        _traffic(store, T0, 30, "failed")
        RollupWorker(store).catch_up()
        changed = {
            a.rule: a for a in AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(T0 + 30)
        }
        assert set(changed) == {"a-errors", "b-slow"}  # c-rare: 30 requests < min_requests, no verdict
        assert changed["a-errors"].state == "firing" and changed["a-errors"].notifications[0]["ok"] is False
        assert changed["b-slow"].state == "firing" and changed["b-slow"].notifications[0]["ok"] is True


def test_a_silence_needs_a_reason_keeps_the_alert_quiet_and_is_audited(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.cli import app as cli

    url = f"sqlite:///{tmp_path / 'steward.db'}"
    spec = _spec(receiver.url, **{"for": "0s"})
    with Store.open(url) as store:
        _traffic(store, T0, 30, "failed")
        RollupWorker(store).catch_up()
        (alert,) = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(T0 + 20)
    assert alert.state == "firing" and len(receiver.bodies) == 1
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", url)
    runner = CliRunner()
    refused = runner.invoke(cli, ["alerts", "silence", alert.id, "--for", "2h", "--why", "  "])
    assert isinstance(refused.exception, InvalidRequest) and "needs a reason" in str(refused.exception)
    for absurd in ("0s", "99999999d"):
        capped = runner.invoke(cli, ["alerts", "silence", alert.id, "--for", absurd, "--why", "x"])
        assert isinstance(capped.exception, InvalidRequest) and "at most 90d" in str(capped.exception)
    done = runner.invoke(
        cli, ["alerts", "silence", alert.id, "--for", "1d", "--why", "maintenance OPS-42", "--json"]
    )
    assert done.exit_code == 0, done.output
    listed = runner.invoke(cli, ["audit", "list", "--json"])
    assert "monitor.silence" in listed.stdout
    with Store.open(url) as store:
        _traffic(store, T0 + 400, 40, "served")  # resolves …
        _traffic(store, T0 + 800, 40, "failed")  # … and fires again, silenced this time
        RollupWorker(store).catch_up()
        evaluator = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels))
        evaluator.evaluate(T0 + 450)
        (again,) = evaluator.evaluate(T0 + 830)
    assert again.state == "firing" and "silenced_by" in again.notifications[0]
    assert [b["event"] for b in receiver.bodies] == ["firing"]  # the resolution and the new firing were silenced


BAD_RULES = [
    ("metric: error_ratio", "unknown metric 'error_ratio'"),
    ("metric: error_rate\n      condition: about 5%", "is not `OP NUMBER`"),
    ("metric: error_rate\n      condition: '> 1'\n      window: 5 minutes", "is not a duration"),
    ("metric: error_rate\n      condition: '> 1'\n      app: nope", "'nope' is not an app"),
    ("metric: error_rate\n      condition: '> 1'\n      channels: [pager]", "'pager' is not declared"),
    ("metric: 'verdict_rate:input.'", "unknown metric"),
    ("metric: error_rate\n      condition: '> 1'\n      window: 30s", "under a minute"),
    ("metric: drift\n      condition: '> 0'", "needs scheduled drift runs"),
]


@pytest.mark.parametrize("rule, message", BAD_RULES)
def test_a_bad_rule_is_refused_with_file_and_line(rule: str, message: str) -> None:
    text = f"""version: 1
models:
  m: {{backend: scripted, replies: ["hi"]}}
apps:
  demo: {{owner: a@b.c, purpose: test, route: [{{model: m}}]}}
monitor:
  alerts:
    errors:
      {rule}
"""
    with pytest.raises(ConfigError) as raised:
        load_project_text(text, "s.yaml")
    assert message in str(raised.value) and "s.yaml:" in str(raised.value)


class FailingUpstream(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = b'{"error": {"message": "upstream is down"}}'
        self.send_response(500)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_an_error_rate_rule_fires_on_an_upstream_outage_and_notifies_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    from tests.model_fixtures import serve_http

    with serve_http(FailingUpstream) as upstream:
        project = f"""version: 1
models:
  remote: {{backend: openai, base_url: "{upstream}", remote_model: m, max_retries: 0, timeout_s: 5}}
apps:
  demo: {{owner: a@b.c, purpose: test, route: [{{model: remote}}]}}
monitor:
  interval_s: 1
  channels: {{hook: {{type: webhook, url: "{receiver.url}"}}}}
  alerts:
    errors: {{app: demo, metric: error_rate, condition: "> 0.5", window: 1m, min_requests: 5, channels: [hook]}}
"""
        runtime = make_runtime(tmp_path, project)
        try:
            secret, _ = runtime.store.create_key(role="app", name="demo", apps=["demo"])
            with LiveServer(runtime) as live:
                runtime.start_monitoring()
                client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=secret, max_retries=0, timeout=30)
                started = time.monotonic()
                for _ in range(8):
                    with pytest.raises(openai.APIStatusError):
                        client.chat.completions.create(model="demo", messages=[{"role": "user", "content": "hi"}])
                while not receiver.bodies and time.monotonic() - started < 60:
                    time.sleep(0.2)
                assert receiver.bodies, "the error-rate rule did not fire within 60 s"
                time.sleep(2.5)  # two more passes: still firing, nothing sent again
                assert [b["event"] for b in receiver.bodies] == ["firing"]
                assert isinstance(runtime.monitor, MonitorProcess) and runtime.monitor.process.is_alive()
        finally:
            runtime.store.close()
            if runtime.monitor is not None:
                runtime.monitor.close()
                assert not runtime.monitor.process.is_alive()


class LoopbackSMTP:
    """Just enough SMTP on loopback for smtplib to hand over one message per connection (kept in `messages`).

    With a server-side `context`, `tls="starttls"` offers STARTTLS and `tls="implicit"` speaks TLS from the first
    byte; AUTH PLAIN and LOGIN accept any login and keep it in `logins` with whether it came over TLS, as
    `secure` says of each message."""

    def __init__(self, tls: str = "none", context: ssl.SSLContext | None = None) -> None:
        import socketserver

        self.messages: list[str] = []
        self.logins: list[tuple[str, str, bool]] = []
        self.secure: list[bool] = []
        kept, logins, secure = self.messages, self.logins, self.secure

        class Handler(socketserver.StreamRequestHandler):
            encrypted = False

            def setup(self) -> None:
                if tls == "implicit":
                    assert context is not None
                    self.request = context.wrap_socket(self.request, server_side=True)
                    self.encrypted = True
                super().setup()

            def reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 loopback ESMTP")
                while line := self.rfile.readline():
                    words = line.decode().strip().split(" ")
                    command = words[0].upper()
                    if command in ("EHLO", "HELO"):
                        offers = ["STARTTLS"] if tls == "starttls" and not self.encrypted else []
                        offers.append("AUTH PLAIN LOGIN")
                        self.wfile.write("".join(f"250-{o}\r\n" for o in ["loopback", *offers[:-1]]).encode())
                        self.reply(f"250 {offers[-1]}")
                    elif command == "STARTTLS" and context is not None:
                        self.reply("220 go ahead")
                        self.connection = self.request = context.wrap_socket(self.connection, server_side=True)
                        self.rfile = self.connection.makefile("rb")
                        self.wfile = self.connection.makefile("wb", buffering=0)
                        self.encrypted = True
                    elif command == "AUTH":
                        self.login(words[1:])
                    elif command == "DATA":
                        self.reply("354 end with .")
                        body = []
                        while (data := self.rfile.readline()) not in (b".\r\n", b""):
                            body.append(data.decode())
                        kept.append("".join(body))
                        secure.append(self.encrypted)
                        self.reply("250 queued")
                    elif command == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # MAIL FROM, RCPT TO, RSET, NOOP
                        self.reply("250 ok")

            def login(self, words: list[str]) -> None:
                if words[0].upper() == "PLAIN":
                    _, user, password = base64.b64decode(words[1]).decode().split("\0")
                else:  # LOGIN: the user (perhaps with the command), then the password, each when asked
                    if len(words) > 1:
                        user = base64.b64decode(words[1]).decode()
                    else:
                        self.reply("334 VXNlcm5hbWU6")
                        user = base64.b64decode(self.rfile.readline().strip()).decode()
                    self.reply("334 UGFzc3dvcmQ6")
                    password = base64.b64decode(self.rfile.readline().strip()).decode()
                logins.append((user, password, self.encrypted))
                self.reply("235 2.7.0 authenticated")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_alert_is_mailed_over_smtp(tmp_path: Path) -> None:
    smtp = LoopbackSMTP()
    try:
        channel = {
            "type": "email",
            "smtp": smtp.address,
            "sender": "steward@example.org",
            "to": ["oncall@example.org"],
        }
        spec = MonitorSpec.model_validate(
            {
                "channels": {"mail": channel},
                "alerts": {
                    "errors": {"app": "demo", "metric": "error_rate", "condition": "> 0.5", "channels": ["mail"]}
                },
            }
        )
        with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
            _traffic(store, T0, 30, "failed")
            RollupWorker(store).catch_up()
            (alert,) = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(T0 + 20)
        assert alert.notifications[0]["ok"] is True
        (message,) = smtp.messages
        assert "To: oncall@example.org" in message and "errors firing for app demo" in message
    finally:
        smtp.close()


def test_an_email_channel_without_its_fields_is_refused() -> None:
    with pytest.raises(ValueError, match="needs `smtp: host:port`"):
        MonitorSpec.model_validate({"channels": {"mail": {"type": "email", "to": ["a@b.c"]}}})


def test_an_alerts_window_becomes_a_masked_dataset_with_lineage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.cli import app as cli
    from steward.types import Turn

    (tmp_path / "steward.yaml").write_text(
        """version: 1
models:
  m: {backend: scripted, replies: ["hi"]}
apps:
  demo: {owner: a@b.c, purpose: test, route: [{model: m}]}
monitor:
  alerts:
    errors: {app: demo, metric: error_rate, condition: "> 0.5", window: 5m, min_requests: 5}
""",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'steward.db'}"
    spec = load_project_text((tmp_path / "steward.yaml").read_text(encoding="utf-8"), "steward.yaml").monitor
    with Store.open(url) as store:
        for i in range(12):
            record = Record.start("demo")
            record.created_at, record.team = T0 + i, "default"
            record.status = "served" if i % 3 == 0 else "failed"  # type: ignore[assignment]
            record.input = [Turn("user", f"I am Maria Gonzalez, write to maria.gonzalez{i}@example.com please")]
            record.output = "Thank you Maria Gonzalez, we wrote to you."
            store.write_sync(record)
        RollupWorker(store).catch_up()
        (alert,) = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(T0 + 30)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", url)
    out = tmp_path / "drift.jsonl"
    runner = CliRunner()
    built = runner.invoke(cli, ["alerts", "dataset", alert.id, "--name", "demo-retrain", "--out", str(out)])
    assert built.exit_code == 0, built.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 4  # the served records of the window; failed ones have no answer to learn from
    text = json.dumps(rows)
    assert "Maria" not in text and "example.com" not in text
    # numbered per row, as records keep pseudonyms: one name, one placeholder in the prompt and the answer
    assert all("<PERSON_1>" in row["messages"][0]["content"] and "<PERSON_1>" in row["output"] for row in rows)
    assert "<EMAIL_ADDRESS_1>" in text and "<PERSON>" not in text
    lineage = runner.invoke(cli, ["registry", "lineage", "dataset:demo-retrain"])
    assert lineage.exit_code == 0, lineage.output
    assert f"alert:{alert.id}" in lineage.output


def test_a_fold_that_lost_the_race_to_a_rebuild_counts_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`steward monitor rebuild` runs while the server's folder holds a batch it has read and not yet written."""
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        _traffic(store, T0, 600, "failed")
        read = store.monitoring.records_after
        interleaved: list[bool] = []

        def read_then_rebuild_elsewhere(after: int, limit: int):  # type: ignore[no-untyped-def]
            found = read(after, limit)
            if not interleaved:
                interleaved.append(True)
                RollupWorker(store, batch=70).rebuild()  # another process folds all 600 meanwhile
            return found

        monkeypatch.setattr(store.monitoring, "records_after", read_then_rebuild_elsewhere)
        RollupWorker(store, batch=50).catch_up()
        assert interleaved
        for grain in ("minute", "hour", "day"):
            assert sum(r.requests for _, r in store.monitoring.rollups("demo", grain)) == 600, grain


def test_an_evaluator_with_a_stale_view_does_not_raise_or_notify_an_alert_twice(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two `steward alerts check` (or two servers) evaluate at once: the second read no open alert yet."""
    spec = _spec(receiver.url, **{"for": "0s"})
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        _traffic(store, T0, 60, "failed")
        RollupWorker(store).catch_up()
        first = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels))
        late = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels))
        (fired,) = first.evaluate(T0 + 60)
        monkeypatch.setattr(store.monitoring, "open_alerts", dict)  # what `late` read before `first` wrote
        assert late.evaluate(T0 + 60) == []
        assert [a.id for a in store.monitoring.alerts()] == [fired.id]
        assert [b["event"] for b in receiver.bodies] == ["firing"]
