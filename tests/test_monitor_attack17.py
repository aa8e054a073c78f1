"""Attacks on issue 17's latest additions (session 12): secrets, ports and output files a tester found wanting.

Each test names what was wrong before its fix.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from steward.config.monitor import MonitorSpec
from steward.monitor.notify import Notifier
from steward.store import AlertRow

PROJECT = """version: 1
models:
  m: {backend: scripted, replies: ["hi"]}
apps:
  demo: {owner: a@b.c, purpose: test, route: [{model: m}]}
monitor:
  alerts:
    errors: {app: demo, metric: error_rate, condition: "> 0.5"}
"""
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


def test_an_export_replaces_a_link_at_its_path_and_never_writes_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`monitor export --prometheus rules.yml` wrote through a link at rules.yml into whatever it pointed at (a
    file anywhere the user could write), while `records export`, `alerts dataset` and `testset generate` replace
    the link with their file."""
    from steward.cli import app as cli

    (tmp_path / "steward.yaml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("keep me", encoding="utf-8")
    (tmp_path / "rules.yml").symlink_to(outside)
    result = CliRunner().invoke(cli, ["monitor", "export", "--prometheus", "rules.yml"])
    assert result.exit_code == 0, result.output
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "rules.yml").is_symlink() and "groups" in (tmp_path / "rules.yml").read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_testset_is_never_written_through_a_link_planted_at_its_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`testset generate --out x.jsonl` wrote first to `.x.jsonl.partial`, a name known in advance: a link planted
    there by whoever can write to the folder had the cases written into the file it pointed at."""
    import steward.evals.pipeline
    import steward.evals.testset
    from steward.cli import app as cli
    from steward.cli import context

    case = {"question": "q", "answer": "a", "chunk_ids": ["c1"], "tags": ["easy"]}
    monkeypatch.setattr(steward.evals.testset, "generate_testset", lambda *args, **kwargs: ([case], 0))
    monkeypatch.setattr(
        steward.evals.pipeline, "ClientPipeline", lambda client: SimpleNamespace(close=lambda: None)
    )
    monkeypatch.setattr(context, "client", lambda: None)
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (tmp_path / ".cases.jsonl.partial").symlink_to(victim)
    result = CliRunner().invoke(cli, ["testset", "generate", "kb", "--n", "1", "--out", "cases.jsonl"])
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert json.loads((tmp_path / "cases.jsonl").read_text(encoding="utf-8")) == case


def test_an_output_under_the_home_of_no_account_says_so() -> None:
    """`--out ~nosuch/x.jsonl` (a typo of `~/`) ended in a traceback: RuntimeError, "Could not determine home
    directory"."""
    from steward.cli.context import output_file
    from steward.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="no account 'nosuch_steward_atk17' here"):
        output_file(Path("~nosuch_steward_atk17/x.jsonl"), "--out")


def test_a_value_cased_or_spaced_two_ways_in_a_row_is_one_placeholder() -> None:
    """`alerts dataset` gave `ALICE JOHNSON` in the prompt and `Alice Johnson` in the answer two placeholders
    (`<PERSON_1>`, `<PERSON_2>`), and an IBAN written with and without its spaces two: one person, one account,
    read as two in the training row."""
    from steward.guardrails.redact import personal_data_pseudonymiser

    prompt, answer = personal_data_pseudonymiser()(
        [
            "I am ALICE JOHNSON, IBAN GB82 WEST 1234 5698 7654 32",
            "Dear Alice Johnson (alice johnson), the IBAN GB82WEST12345698765432 is noted.",
        ]
    )
    assert prompt == "I am <PERSON_1>, IBAN <IBAN_CODE_1>", prompt
    assert answer == "Dear <PERSON_1> (<PERSON_1>), the IBAN <IBAN_CODE_1> is noted.", answer


@pytest.mark.parametrize(
    "field, address",
    [
        ("to", "oncall@example.org\r\nBcc: someone@example.org"),  # failed at the first alert
        ("to", "oncall"),  # sent, to nobody
        ("to", "a@example.org, b@example.org"),  # two in one entry
        ("sender", "steward\n@example.org"),
    ],
)
def test_an_email_channels_addresses_are_checked_with_the_config(field: str, address: str) -> None:
    """A recipient with a line break passed `steward config check` and failed at the first alert ("Header values
    may not contain linefeed"); one without an `@` was handed to the server as is."""
    mail = {"type": "email", "smtp": "mail.example.org:25", "sender": "s@example.org", "to": ["o@example.org"]}
    mail[field] = [address] if field == "to" else address
    with pytest.raises(ValueError, match="is not one e-mail address"):
        MonitorSpec.model_validate({"channels": {"mail": mail}})
    fine = {**mail, "to": ["Oncall <oncall@example.org>", "ö@exämple.org"], "sender": "s@example.org"}
    assert MonitorSpec.model_validate({"channels": {"mail": fine}}).channels["mail"].to[1] == "ö@exämple.org"


def test_a_silence_written_or_lifted_outside_steward_is_reported_by_audit_verify(tmp_path: Path) -> None:
    """`alerts silence` and `alerts unsilence` are audited, but `steward audit verify` never compares the silences
    table with those events: a silence inserted with sqlite3 (every alert of an app quiet for 90 days), or one
    lifted by setting its `until`, leaves the check 'intact'."""
    from steward.governance import audit
    from steward.store import SilenceRow, Store

    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        now = time.time()
        store.monitoring.add_silence(SilenceRow("sil_x", "*", "demo", now + 90 * 86400, "user:x", "quiet", now))
        result = audit.verify(store, records=False)
    assert not result.ok and any("sil_x" in problem for problem in result.problems)


def test_an_output_never_replaces_the_database_or_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`alerts dataset ID --out steward.db` (a slip of tab completion) registered the dataset and renamed its rows
    over the SQLite database: records, audit log and keys gone, 'file is not a database' from then on. The same
    for `records export --output` and `monitor export`, and for the steward.yaml in use and the integrity key."""
    from steward.cli import app as cli
    from steward.errors import InvalidRequest

    (tmp_path / "steward.yaml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", "sqlite:///steward.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["records", "list"]).exit_code == 0  # the database exists
    before, key = (tmp_path / "steward.db").read_bytes(), (tmp_path / "integrity.key").read_bytes()
    for args in (
        ["records", "export", "--output", "steward.db"],
        ["monitor", "export", "--grafana", "./steward.yaml"],
        ["records", "export", "--output", "integrity.key"],  # every record's seal would be broken for good
    ):
        result = runner.invoke(cli, args)
        assert isinstance(result.exception, InvalidRequest), result.output
        assert "is Steward's" in str(result.exception) and "name another file" in str(result.exception)
    assert (tmp_path / "steward.db").read_bytes() == before and (tmp_path / "integrity.key").read_bytes() == key
    assert (tmp_path / "steward.yaml").read_text(encoding="utf-8") == PROJECT
    assert runner.invoke(cli, ["records", "export", "--output", "records.jsonl"]).exit_code == 0


def test_an_alert_still_firing_when_its_silence_is_lifted_is_sent(tmp_path: Path) -> None:
    """`alerts unsilence` said "it notifies again", but an alert that fired under the silence and still fired was
    never sent: its channels heard nothing until it resolved (a 'resolved' of an alert nobody was told about).
    The same when a silence ran out."""
    from tests.test_monitor_walkthrough import ERRORS, _traffic

    from steward.config.monitor import MonitorSpec as Spec
    from steward.monitor.alerts import AlertEvaluator
    from steward.monitor.worker import RollupWorker
    from steward.store import SilenceRow, Store

    spec = Spec.model_validate(ERRORS)
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        now = time.time()
        store.monitoring.add_silence(SilenceRow("sil_1", "errors", "demo", now + 3600, "user:x", "maint", now))
        _traffic(store, now - 30, 10, "failed")
        RollupWorker(store).catch_up()
        evaluator = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels))
        (alert,) = evaluator.evaluate(now)
        assert alert.state == "firing" and alert.notifications[-1]["silenced_by"] == "sil_1"
        evaluator.evaluate(now + 5)  # silenced still: nothing sent
        (quiet,) = store.monitoring.alerts()
        assert [n.get("channel") for n in quiet.notifications] == [None]
        store.monitoring.end_silences(["sil_1"], now + 6)
        evaluator.evaluate(now + 10)
        evaluator.evaluate(now + 20)
        (sent,) = store.monitoring.alerts()
    delivered = [n for n in sent.notifications if n.get("channel") == "log" and n.get("ok") is True]
    assert len(delivered) == 1 and delivered[0]["event"] == "firing", sent.notifications
